/*
 * bench_gpu.c — speed of the gpu class (DESIGN.md section 9: the gpu
 * validation suite under 5 s; a 128K-token prefill of a 70B model under
 * 1 s).  Prints seconds and the simulated figures; never fails on a time.
 *
 * The 70B prefill is LLaMA-2-70B (GQA 64/8) on H100-SXM with tensor
 * parallelism over 4 GPUs (--map-opt tp=4: 35 GB of weights and, at
 * 128K tokens, 11 GB of KV cache per GPU; one GPU refuses the model), at
 * 32K, 64K and 128K tokens to show cost against length.
 */
#include <stdio.h>
#include <time.h>

#include "arch/gpu/gpu.h"
#include "mappers/map.h"
#include "workloads/wl.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void) {
  sim_err err = {0};
  sim_val_table t = {0};
  double t0 = now_s();
  if (map_gpu_validate(&t, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  printf("gpu validation suite: %zu rows in %.3f s\n", t.n, now_s() - t0);
  sim_val_free(&t);
  arch_model am;
  char path[512];
  snprintf(path, sizeof path, "%s/arch/configs/gpu-h100-sxm.yaml",
           TFSIM_SOURCE_DIR);
  if (arch_load(&am, path, NULL, 0, &err)) { /* capacity check on */
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const char *kv[1] = {"tp=4"};
  map_sim_opts so = {0};
  so.kv_opts = kv;
  so.n_kv_opts = 1;
  wl_model m;
  if (wl_model_find("llama2-70b", &m, &err)) return 1;
  for (uint64_t n = 32768; n <= 131072; n *= 2) {
    wl_opts o;
    wl_opts_default(&o);
    o.seq = n;
    o.prec = WL_BF16;
    m.max_pos = (uint32_t)n;
    sim_report r;
    sim_report_init(&r);
    t0 = now_s();
    int rc = map_simulate(&am, &m, &o, &so, &r, NULL, &err);
    double dt = now_s() - t0;
    if (rc) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    printf("llama2-70b prefill %6llu tokens, 4 x h100-sxm: simulated %.3f s "
           "(%.0f TFLOP/s, attention %.3f s) in %.3f s wall\n",
           (unsigned long long)n, (double)r.latency_ps * 1e-12,
           sim_report_get(&r, "tflops", 0),
           sim_report_get(&r, "sm_s_attention", 0), dt);
    sim_report_fini(&r);
  }
  arch_unload(&am);
  return 0;
}
