/*
 * bench_decode.c — decode in the library (DESIGN.md section 9: GPT-2 XL x
 * 1024 tokens on `ideal` under 0.5 s and under 100 MB; cost linear in
 * tokens and layers).
 *
 * Times map_simulate (lower and map once, every step on the executor) on
 * the ideal A100 preset: GPT-2 XL at 256, 512 and 1024 tokens (linear in
 * tokens), GPT-2 S/M/L/XL at 256 tokens (linear in layers), and the same
 * 1024 tokens re-lowering every step for comparison.  Prints seconds, the
 * process's peak RSS (getrusage) and ms per simulated token.  Never fails
 * on a time.  Usage: bench_decode [tokens, default 1024]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "workloads/wl.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_mb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0;
}

static int one(arch_model *am, const char *name, uint64_t gen, int relower) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  if (wl_model_find(name, &m, &err)) return 1;
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.gen = gen;
  map_sim_opts so = {0};
  so.relower_every_step = relower;
  sim_report r;
  sim_report_init(&r);
  double t0 = now_s();
  int rc = map_simulate(am, &m, &o, &so, &r, NULL, &err);
  double t = now_s() - t0;
  if (rc) {
    fprintf(stderr, "bench_decode: %s\n", err.msg);
    sim_report_fini(&r);
    return 1;
  }
  printf("%-8s %6llu %-9s %9.3f %9.1f %12.4f %10.3f\n", name,
         (unsigned long long)gen, relower ? "relower" : "once", t, peak_mb(),
         sim_report_get(&r, "ms_per_token", 0), t / (double)gen * 1e6);
  sim_report_fini(&r);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1024;
  arch_model am;
  sim_err err = {0};
  if (arch_load(&am, TFSIM_SOURCE_DIR "/arch/configs/ideal.yaml", NULL, 0,
                &err)) {
    fprintf(stderr, "bench_decode: %s\n", err.msg);
    return 1;
  }
  printf("%-8s %6s %-9s %9s %9s %12s %10s\n", "model", "tokens", "lowering",
         "seconds", "peak_MB", "sim_ms/tok", "us/step");
  int bad = 0;
  bad |= one(&am, "gpt2-xl", n, 0);
  bad |= one(&am, "gpt2-xl", n / 2, 0);
  bad |= one(&am, "gpt2-xl", n / 4, 0);
  const char *sizes[] = {"gpt2-s", "gpt2-m", "gpt2-l", "gpt2-xl"};
  for (int i = 0; i < 4; i++) bad |= one(&am, sizes[i], n / 4, 0);
  bad |= one(&am, "gpt2-xl", n, 1);
  arch_unload(&am);
  return bad;
}
