#!/bin/sh
# run.sh — runs the libFuzzer harnesses of a -DTFSIM_FUZZ=ON build.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
#
# Each harness (default: all) runs for SECONDS on one core (-jobs and
# -workers are not used: the machine is shared) with its dictionary,
# starting from the seeds and the kept findings; new corpus entries go to
# BUILD_DIR/fuzz-work/<h>/corpus (the tree is never written), findings to
# BUILD_DIR/fuzz-work/<h>/crash-* etc.  Any input slower than 1 s
# ($FUZZ_TIMEOUT, default 1) is a finding, and so is a leak (ASan's leak
# check is on).
# Exits 1 if a harness found anything; its log is
# BUILD_DIR/fuzz-work/<h>/log.  Extra libFuzzer flags: $FUZZ_FLAGS.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [HARNESS...]" >&2; exit 2; }
build=$1
secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- arch trace hf sched db sweep
status=0
for h in "$@"; do
  bin=$build/tests/fuzz/fuzz_$h
  [ -x "$bin" ] || { echo "$bin: not built (-DTFSIM_FUZZ=ON)" >&2; exit 2; }
  work=$build/fuzz-work/$h
  mkdir -p "$work/corpus"
  # The kept findings: regress/<h> exists once one was kept (git keeps no
  # empty folder); libFuzzer refuses a missing one.
  regress=$src/regress/$h
  [ -d "$regress" ] || regress=
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
     UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
     "$bin" "$work/corpus" "$src/corpus/$h" ${regress:+"$regress"} \
       -dict="$src/dict/$h.dict" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-1}" \
       -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/" ${FUZZ_FLAGS:-} >"$work/log" 2>&1; then
    echo "fuzz_$h: $(grep -E '^stat::number_of_executed_units' "$work/log" |
                     sed 's/.*: *//') runs, $(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$work/log" |
                     tail -n 1 | grep -o 'cov: [0-9]*') , no finding"
  else
    status=1
    echo "fuzz_$h: FINDING (see $work/log):"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error|fuzz:' "$work/log" | head -n 5
  fi
done
exit $status
