#!/bin/sh
# gen_trace.sh N FILE — a deterministic DRAMsim3-format trace for the
# SystemC shell tests: N requests, a third of them writes, addresses in the
# first 256 MiB (within every preset's capacity), half near the previous
# one, and a cycle field that jumps ahead every 500 requests.
awk -v n="$1" 'BEGIN {
  s = 12345; a = 0
  for (i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648
    r = int(s / 65536)
    if (r % 2) a = (a + (r % 32) * 64) % 268435456
    else a = (r * 4096 + (s % 64) * 64) % 268435456
    printf "0x%x %s %d\n", a, (r % 3 == 0) ? "WRITE" : "READ", int(i / 500) * 20000
  }
}' > "$2"
