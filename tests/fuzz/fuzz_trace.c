/*
 * fuzz_trace.c — the trace mode of class dram on a trace file, as
 * `tfsim trace --arch ddr4-3200-8gb-x8-1ch1r --trace FILE` runs it: both
 * formats (DRAMsim3 "0xADDR READ|WRITE CYCLE", Ramulator "LD|ST 0xADDR")
 * go through the one entry point, which detects the format per line.
 *
 * The arch is loaded once per process (it is not the input here).
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "fuzz.h"

static arch_model g_am;

static void fuzz_trace_fini(void) { arch_unload(&g_am); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int loaded;
  if (!loaded) {
    sim_err err = {0};
    if (arch_load(&g_am, "ddr4-3200-8gb-x8-1ch1r", NULL, 0, &err) ||
        !g_am.ops->trace) {
      fprintf(stderr, "fuzz_trace: %s\n", err.msg);
      abort();
    }
    atexit(fuzz_trace_fini);
    loaded = 1;
  }
  const char *path = fuzz_write("trace.txt", data, size);
  sim_report rep;
  sim_err err = {0};
  int rc = sim_report_init(&rep);
  if (rc) return 0;
  rc = g_am.ops->trace(g_am.state, &g_am.cfg, path, &rep, &err);
  fuzz_check_err(rc, &err);
  sim_report_fini(&rep);
  return 0;
}
