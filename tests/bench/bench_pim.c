/*
 * bench_pim.c — PIM-GPT decode speed (DESIGN.md section 9: GPT-2 XL x 1024
 * tokens on the PIM-GPT config, cycle-accurate, under 10 s; cost linear in
 * tokens and layers).
 *
 * Times map_simulate on arch/configs/pim-gpt.yaml, bundled mode (one
 * engine event per row burst; every command still goes through the DRAM
 * model's constraint table): GPT-2 XL at 16, 32 and 64 tokens (linear in
 * tokens; the 1024-token figure is extrapolated from the per-token cost and
 * printed as such), GPT-2 S/M/L/XL at 16 tokens (layers), and per-command
 * mode at 16 tokens.  Prints CPU seconds, MACAB commands (simulated or
 * counted) per CPU second and ms per simulated token.  Never fails on a
 * time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "workloads/wl.h"

/* CPU time of this process: on a shared, loaded machine it is the
 * fairer figure (wall time counts the other processes' turns). */
static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double one(const char *model, uint64_t gen, int bundled) {
  arch_model am;
  sim_err err = {0};
  const char *sets[] = {bundled ? "pim.bundled=true" : "pim.bundled=false"};
  if (arch_load(&am, "pim-gpt", sets, 1, &err)) {
    fprintf(stderr, "bench_pim: %s\n", err.msg);
    return -1;
  }
  wl_model m;
  wl_opts o;
  wl_model_find(model, &m, &err);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.gen = gen;
  sim_report r;
  sim_report_init(&r);
  double t0 = now_s();
  int rc = map_simulate(&am, &m, &o, NULL, &r, NULL, &err);
  double t = now_s() - t0;
  if (rc) fprintf(stderr, "bench_pim: %s\n", err.msg);
  int h = sim_stat_find(r.stats, "pim", "macab_cmds");
  double cmds = h >= 0 ? (double)sim_stat_u64(r.stats, h) : 0;
  printf("%-8s %6llu %-8s %9.3f %12.3g %12.4f %10.1f\n", model,
         (unsigned long long)gen, bundled ? "bundled" : "per-cmd", t,
         cmds / t, sim_report_get(&r, "ms_per_token", 0),
         t / (double)gen * 1e3);
  sim_report_fini(&r);
  arch_unload(&am);
  return rc ? -1 : t / (double)gen;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 64;
  printf("%-8s %6s %-8s %9s %12s %12s %10s\n", "model", "tokens", "mode",
         "seconds", "MACAB/s", "sim_ms/tok", "ms/step");
  double per = one("gpt2-xl", n, 1);
  one("gpt2-xl", n / 2, 1);
  one("gpt2-xl", n / 4, 1);
  const char *sizes[] = {"gpt2-s", "gpt2-m", "gpt2-l", "gpt2-xl"};
  for (int i = 0; i < 4; i++) one(sizes[i], n / 4, 1);
  one("gpt2-xl", n / 4, 0);
  if (per > 0)
    printf("gpt2-xl x 1024 tokens, bundled: %.1f s (extrapolated from %llu "
           "tokens at %.1f ms per step)\n", per * 1024,
           (unsigned long long)n, per * 1e3);
  return 0;
}
