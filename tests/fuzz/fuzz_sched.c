/*
 * fuzz_sched.c — schedule JSON through res_sched_read_json, as
 * `tfsim run --schedule FILE` does, then (when it loads and checks) the
 * run of that schedule on the ideal preset, which is what the CLI does
 * next with it.  The arch is loaded once per process.
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/arch.h"
#include "fuzz.h"
#include "results/res.h"

static arch_model g_am;

static void fuzz_sched_fini(void) { arch_unload(&g_am); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int loaded;
  if (!loaded) {
    sim_err err = {0};
    if (arch_load(&g_am, "ideal", NULL, 0, &err)) {
      fprintf(stderr, "fuzz_sched: %s\n", err.msg);
      abort();
    }
    atexit(fuzz_sched_fini);
    loaded = 1;
  }
  const char *path = fuzz_write("sched.json", data, size);
  sim_sched s;
  sim_err err = {0};
  int rc = res_sched_read_json(path, &s, &err);
  fuzz_check_err(rc, &err);
  if (rc == 0) {
    sim_report rep;
    if (sim_report_init(&rep) == 0) {
      sim_err e2 = {0};
      rc = arch_run(&g_am, &s, &rep, &e2);
      fuzz_check_err(rc, &e2);
      sim_report_fini(&rep);
    }
  }
  sim_sched_fini(&s);
  return 0;
}
