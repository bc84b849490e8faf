/*
 * bench_dram.c — DRAM trace-mode speed (DESIGN.md section 9: faster than
 * DRAMsim3 and Ramulator 2 on the same trace; the task's budget is 2 M
 * simulated requests per wall-clock second on each 1M-request trace, where
 * DRAMsim3 does 1e5 to 2e5 on this machine class).
 *
 * For each preset (DDR4-3200 and HBM2 validation configurations) and each
 * of the seq, rand and mix streams (tracegen.c), it times
 *
 *   mem    the requests generated in memory and run through the front end
 *          (dram_run_reqs), checker off;
 *   file   the same stream written to a DRAMsim3-format file under /tmp
 *          and replayed with dram_run_trace (parsing included; the file is
 *          written before the clock starts);
 *
 * and prints simulated requests per second with the simulated cycles (a
 * sanity check that both paths agree).  Never fails on a time.
 * Usage: bench_dram [requests per trace, default 1048576]
 */
#include "arch/dram/dram.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 0) : (size_t)1 << 20;
  const char *presets[] = {"ddr4-3200-8gb-x8-1ch1r", "hbm2-8gb-x128-1ch"};
  char path[512], tr[256];
  snprintf(tr, sizeof tr, "/tmp/tfsim_bench_dram_%d.trace", (int)getpid());
  printf("%-24s %-5s %-5s %12s %10s %14s\n", "preset", "trace", "path",
         "cycles", "seconds", "requests/s");
  int status = 0;
  for (int p = 0; p < 2; p++) {
    snprintf(path, sizeof path, "%s/arch/configs/%s.yaml", TFSIM_SOURCE_DIR,
             presets[p]);
    dram_spec s;
    sim_err err = {0};
    if (dram_spec_load(path, &s, &err)) {
      fprintf(stderr, "bench_dram: %s\n", err.msg);
      return 1;
    }
    for (int k = 0; k < 3; k++) {
      dram_pattern pat = (dram_pattern)k;
      dram_req *r = NULL;
      dram_counters c;
      if (dram_tracegen_fill(pat, n, &r, &err) ||
          dram_tracegen_write(pat, n, tr, 0, &err)) {
        fprintf(stderr, "bench_dram: %s\n", err.msg);
        status = 1;
        break;
      }
      double t0 = now_s();
      int rc = dram_run_reqs(&s, r, n, NULL, NULL, &c, &err);
      double t1 = now_s();
      if (rc) {
        fprintf(stderr, "bench_dram: %s\n", err.msg);
        status = 1;
      } else {
        printf("%-24s %-5s %-5s %12llu %10.3f %14.3g\n", presets[p],
               dram_pattern_name(pat), "mem", (unsigned long long)c.cycles,
               t1 - t0, (double)n / (t1 - t0));
      }
      t0 = now_s();
      rc = dram_run_trace(&s, tr, NULL, NULL, &c, &err);
      t1 = now_s();
      if (rc) {
        fprintf(stderr, "bench_dram: %s\n", err.msg);
        status = 1;
      } else {
        printf("%-24s %-5s %-5s %12llu %10.3f %14.3g\n", presets[p],
               dram_pattern_name(pat), "file", (unsigned long long)c.cycles,
               t1 - t0, (double)n / (t1 - t0));
      }
      fflush(stdout);
      sim_free(r);
      unlink(tr);
    }
    dram_spec_fini(&s);
  }
  return status;
}
