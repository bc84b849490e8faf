/*
 * bench_sweep.c — sweep throughput (DESIGN.md section 9: "1000-point
 * sweep under 60 s on 2 cores"; issue 12: a database write per point
 * under 1 ms).
 *
 * 1. A 1000-point sweep at analytical scale, a mix of classes: the ideal
 *    roofline (5 models x 4 prompt lengths x 4 batches x 4 bandwidths =
 *    320), the gpu class (4 models x 4 lengths x 2 mappers x 5 batches =
 *    160, plus 40 decode points with flashdecode), the mcu class (3
 *    mappers x 2 models x 4 lengths x 5 SRAM sizes = 120; some do not
 *    fit, which is a result, not a failure) and the ideal roofline in
 *    decode (8 models x 5 contexts x 3 batches x 3 generation lengths =
 *    360): run with --jobs 2 (or argv[1]) into a fresh database; points
 *    per second printed, and the same sweep again to show a resume that
 *    skips everything.
 * 2. The database write alone: one ideal run's report written 1000 times
 *    (one transaction each, no per-op rows, as a sweep does), ms per
 *    write.
 * 3. Expansion alone: a file of 100,000 points (the cap: 10 x 10 x 10 x
 *    10 x 10 over seq, batch, kv, gen and an arch override) loaded with
 *    sweep_load_text, CPU seconds and microseconds per point.
 * Prints figures; never fails on a time.  Usage: bench_sweep [jobs].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "results/res.h"
#include "sweep/sweep.h"
#include "workloads/wl.h"

static const char bench_yaml[] =
    "name: bench\n"
    "groups:\n"
    "  - fixed: {arch: ideal}\n"
    "    product:\n"
    "      model: [gpt2-s, gpt2-m, bert-base, llama2-7b, opt-1.3b]\n"
    "      seq: [64, 128, 256, 512]\n"
    "      batch: [1, 2, 4, 8]\n"
    "      set.ideal.mem_bw_gbps: [900, 1555, 2039, 3350]\n"
    "  - fixed: {arch: gpu-a100-40gb}\n"
    "    product:\n"
    "      model: [gpt2-s, gpt2-m, bert-base, opt-1.3b]\n"
    "      seq: [64, 128, 256, 512]\n"
    "      mapper: [flash2, standard]\n"
    "      batch: [1, 2, 4, 8, 16]\n"
    "  - fixed: {arch: gpu-a100-40gb, phase: decode, mapper: flashdecode}\n"
    "    product:\n"
    "      model: [gpt2-s, gpt2-m, opt-1.3b, llama2-7b]\n"
    "      kv: [128, 256, 512, 768, 1000]\n"
    "      batch: [1, 8]\n"
    "  - fixed: {arch: stm32h743, precision: int8, scope: block}\n"
    "    product:\n"
    "      mapper: [naive, tinyengine, mcuformer]\n"
    "      model: [gpt2-s, bert-base]\n"
    "      seq: [16, 32, 64, 128]\n"
    "      set.mcu.sram_kb: [256, 512, 640, 864, 1024]\n"
    "  - fixed: {arch: ideal, phase: decode}\n"
    "    product:\n"
    "      model: [gpt2-s, gpt2-m, gpt2-l, gpt2-xl, opt-1.3b, llama2-7b,\n"
    "              gpt3-125m, gpt3-350m]\n"
    "      kv: [64, 128, 256, 512, 768]\n"
    "      batch: [1, 4, 16]\n"
    "      gen: [1, 2, 4]\n";

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of this process: on a shared, loaded machine the wall time
 * of a write includes waiting for a core; both are printed. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  unsigned jobs = argc > 1 ? (unsigned)atoi(argv[1]) : 2;
  char dir[] = "/tmp/bench_sweep_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  if (getenv("BENCH_SWEEP_KEEP")) printf("keeping %s\n", dir);
  char db[256], db2[256];
  snprintf(db, sizeof db, "%s/sweep.db", dir);
  snprintf(db2, sizeof db2, "%s/writes.db", dir);
  sim_err err = {0};
  sweep_spec s;
  if (sweep_load_text("bench.yaml", bench_yaml, strlen(bench_yaml), &s,
                      &err)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  sweep_opts o = {.db_path = db, .jobs = jobs};
  sweep_summary sum;
  if (sweep_run(&s, &o, &sum, &err)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  printf("sweep: %zu points, %u jobs: %.2f s, %.1f points/s (%zu ok, %zu "
         "failed, %zu lost) [budget: 1000 points < 60 s]\n",
         s.n, jobs, sum.seconds, (double)(sum.ok + sum.failed) / sum.seconds,
         sum.ok, sum.failed, sum.lost);
  if (sweep_run(&s, &o, &sum, &err)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  printf("resume: %zu points skipped in %.3f s\n", sum.skipped, sum.seconds);

  /* The write alone: one ideal run's report (as a sweep stores it: no
   * per-op rows), stored 1000 times, one transaction each. */
  arch_model am;
  wl_model m;
  wl_opts wo;
  sim_report rep;
  sim_sched sched;
  if (arch_load(&am, "ideal", NULL, 0, &err) ||
      wl_model_find("gpt2-s", &m, &err) || wl_opts_default_for(&m, &wo) ||
      sim_report_init(&rep)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  map_sim_opts so = {0};
  if (map_simulate(&am, &m, &wo, &so, &rep, &sched, &err)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  char *yaml = NULL;
  sim_cfg_dump(&am.cfg, &yaml, &err);
  res_db *h = NULL;
  if (res_db_open(db2, &h, &err)) {
    fprintf(stderr, "bench_sweep: %s\n", err.msg);
    return 1;
  }
  res_run_meta meta = {0};
  meta.arch_name = "ideal-a100";
  meta.arch_class = "ideal";
  meta.arch_yaml = yaml;
  meta.workload = "gpt2-s";
  meta.mapper = "roofline";
  meta.params_json = "{\"seq\":1024}";
  meta.point_hash = "0123456789abcdef";
  meta.sched_hash = "0123456789abcdef";
  meta.flags = RES_F_DB_NO_OPS;
  enum { N = 1000 };
  double t0 = now_s(), c0 = cpu_s(), worst = 0;
  for (int i = 0; i < N; i++) {
    double t = now_s();
    if (res_write_run(h, &meta, &rep, NULL, &err)) {
      fprintf(stderr, "bench_sweep: %s\n", err.msg);
      return 1;
    }
    t = now_s() - t;
    if (t > worst) worst = t;
  }
  double dt = now_s() - t0, dc = cpu_s() - c0;
  res_db_close(h);
  printf("database write: %.3f ms per run wall, %.3f ms CPU (%d runs, %zu "
         "metrics and %zu statistics each, one transaction per run; "
         "slowest %.3f ms) [budget: < 1 ms]\n",
         dt * 1e3 / N, dc * 1e3 / N, N, rep.n_metrics,
         (size_t)sim_stat_count(rep.stats), worst * 1e3);
  /* 3. Expansion of 100,000 points. */
  {
    char big[1024];
    int n = snprintf(big, sizeof big, "fixed: {arch: ideal, model: gpt2-s}\n"
                                      "product:\n");
    const char *keys[] = {"seq", "batch", "kv", "gen",
                          "set.ideal.mem_bw_gbps"};
    for (int k = 0; k < 5; k++)
      n += snprintf(big + n, sizeof big - (size_t)n,
                    "  %s: [1,2,3,4,5,6,7,8,9,10]\n", keys[k]);
    sweep_spec bs;
    double e0 = cpu_s();
    if (sweep_load_text("big.yaml", big, strlen(big), &bs, &err)) {
      fprintf(stderr, "bench_sweep: %s\n", err.msg);
      return 1;
    }
    double e1 = cpu_s();
    printf("expansion: %zu points in %.3f s CPU, %.2f us per point "
           "(canonical JSON, hash, duplicates) [the cap: 100,000 points "
           "per file]\n", bs.n, e1 - e0, (e1 - e0) * 1e6 / (double)bs.n);
    sweep_spec_fini(&bs);
  }
  sim_free(yaml);
  sim_report_fini(&rep);
  sim_sched_fini(&sched);
  arch_unload(&am);
  sweep_spec_fini(&s);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return getenv("BENCH_SWEEP_KEEP") || system(cmd) == 0 ? 0 : 1;
}
