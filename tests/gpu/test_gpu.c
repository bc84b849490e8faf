/*
 * test_gpu.c — the gpu class and its mappers.
 *
 * Count tests: the HBM bytes of the `standard` and `flash` schedules
 * equal the FlashAttention paper's access expressions (Dao et al. 2022,
 * Theorem 2 and Algorithms 0 and 1) exactly, per (batch, head), at
 * several N, d and M; the flash term falls as 1/M while standard does
 * not depend on M.  Causal work is skipped by block, not masked:
 * flash2's MACs are T(T+1)/2 of T^2 key blocks.  Golden timing: a
 * compute-bound kernel filling every SM slot takes MACs / peak exactly in
 * ideal mode, one more block than the slots takes two waves, occupancy
 * takes the least of its limits.  Bad input: fp8 on an A100, a tile over
 * shared memory, a model over HBM (with the shortfall and the GPUs that
 * would hold it).  Determinism: two runs are bit-identical.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/gpu/gpu.h"
#include "mappers/map.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

static arch_model g_a100, g_ideal;
static char g_last_err[SIM_ERR_MSG_MAX];

static int setup(void) {
  sim_err err = {0};
  if (map_gpu_load(&g_a100, "gpu-a100-80gb.yaml", 0, &err) ||
      map_gpu_load(&g_ideal, "gpu-a100-80gb.yaml", 1, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  return 0;
}
static int teardown(void) {
  arch_unload(&g_a100);
  arch_unload(&g_ideal);
  return 0;
}

/* A hidden-2048 model with head dim d, one layer's attention core. */
static void attn_model(uint32_t d, uint32_t heads, wl_model *m) {
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", m, &err), 0);
  m->n_heads = heads;
  m->n_kv_heads = heads;
  m->head_dim = d;
  m->d_model = heads * d;
  m->max_pos = 1 << 20;
  CU_ASSERT_EQUAL_FATAL(wl_check(m, &err), 0);
}

static int map_attn(const char *mapper, uint32_t d, uint32_t heads,
                    uint64_t n, uint64_t batch, int causal, const char *opt,
                    sim_sched *s, sim_err *err) {
  wl_model m;
  wl_opts o;
  attn_model(d, heads, &m);
  wl_opts_default(&o);
  o.scope = WL_SCOPE_ATTENTION;
  o.seq = n;
  o.batch = batch;
  o.causal = causal;
  const char *kv[1] = {opt};
  return map_lower_and_map(&m, &o, &g_a100, mapper, opt ? kv : NULL,
                           opt ? 1 : 0, s, err);
}

static void hbm_totals(const sim_sched *s, uint64_t *rd, uint64_t *wr) {
  int h = sim_sched_find_level(s, "hbm");
  *rd = *wr = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    *rd += sim_sched_op_rd(&s->ops[i], h) * s->ops[i].count;
    *wr += sim_sched_op_wr(&s->ops[i], h) * s->ops[i].count;
  }
}

static void test_standard_counts(void) {
  static const uint64_t ns[] = {256, 1024, 2048};
  static const uint32_t ds[] = {64, 128};
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 2; b++) {
      uint64_t N = ns[a], d = ds[b], H = 4, B = 2;
      sim_sched s;
      sim_err err = {0};
      CU_ASSERT_EQUAL_FATAL(map_attn("standard", (uint32_t)d, (uint32_t)H,
                                     N, B, 0, NULL, &s, &err), 0);
      uint64_t rd, wr;
      hbm_totals(&s, &rd, &wr);
      if (rd != B * H * (3 * N * d + 2 * N * N) * 2)
        fprintf(stderr, "N %llu d %llu rd %llu wr %llu\n",
                (unsigned long long)N, (unsigned long long)d,
                (unsigned long long)rd, (unsigned long long)wr);
      /* Algorithm 0: reads Q, K, S, P, V; writes S, P, O (2 bytes). */
      CU_ASSERT_EQUAL(rd, B * H * (3 * N * d + 2 * N * N) * 2);
      CU_ASSERT_EQUAL(wr, B * H * (N * d + 2 * N * N) * 2);
      sim_sched_fini(&s);
    }
}

/* Algorithm 1's accesses per head (Q, K, V, O 2 bytes; l, m 4). */
static void flash_expect(uint64_t N, uint64_t d, double smem_kb,
                         uint64_t *rd, uint64_t *wr) {
  uint64_t M = (uint64_t)(smem_kb * 1024) / 2;
  uint64_t Bc = (M + 4 * d - 1) / (4 * d);
  uint64_t Tc = (N + Bc - 1) / Bc;
  *rd = 2 * N * d * 2 + Tc * (2 * N * d * 2 + 2 * N * 4);
  *wr = (N * d * 2 + 2 * N * 4) + Tc * (N * d * 2 + 2 * N * 4);
}

static void test_flash_counts(void) {
  static const uint64_t ns[] = {512, 2048, 4096};
  static const uint32_t ds[] = {64, 128};
  static const char *const ms[] = {"smem_kb=32", "smem_kb=64",
                                   "smem_kb=128"};
  static const double mkb[] = {32, 64, 128};
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 2; b++)
      for (size_t c = 0; c < 3; c++) {
        uint64_t N = ns[a], d = ds[b], H = 2, B = 1;
        sim_sched s;
        sim_err err = {0};
        int rc = map_attn("flash", (uint32_t)d, (uint32_t)H, N, B, 0, ms[c],
                          &s, &err);
        if (rc) fprintf(stderr, "%s\n", err.msg);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        uint64_t rd, wr, erd, ewr;
        hbm_totals(&s, &rd, &wr);
        flash_expect(N, d, mkb[c], &erd, &ewr);
        if (rd != B * H * erd || wr != B * H * ewr)
          fprintf(stderr, "flash N %llu d %llu M %g: rd %llu (%llu) wr %llu "
                  "(%llu)\n", (unsigned long long)N, (unsigned long long)d,
                  mkb[c], (unsigned long long)rd,
                  (unsigned long long)(B * H * erd), (unsigned long long)wr,
                  (unsigned long long)(B * H * ewr));
        CU_ASSERT_EQUAL(rd, B * H * erd);
        CU_ASSERT_EQUAL(wr, B * H * ewr);
        sim_sched_fini(&s);
      }
}

/* Theta(N^2 d^2 / M) against Theta(Nd + N^2): doubling M halves flash's
 * per-key-block term (exactly, when Bc doubles), standard is unchanged. */
static void test_flash_scaling(void) {
  uint64_t N = 4096, d = 64, prev = 0;
  for (int k = 0; k < 3; k++) {
    char opt[32];
    snprintf(opt, sizeof opt, "smem_kb=%d", 32 << k);
    sim_sched s;
    sim_err err = {0};
    CU_ASSERT_EQUAL_FATAL(map_attn("flash", 64, 1, N, 1, 0, opt, &s, &err),
                          0);
    uint64_t rd, wr;
    hbm_totals(&s, &rd, &wr);
    uint64_t tc_term = rd - 2 * N * d * 2; /* minus K, V once */
    if (prev) CU_ASSERT_EQUAL(tc_term * 2, prev);
    prev = tc_term;
    sim_sched_fini(&s);
  }
  uint64_t r1, w1, r2, w2;
  sim_sched s1, s2;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_attn("standard", 64, 1, N, 1, 0, NULL, &s1,
                                 &err), 0);
  hbm_totals(&s1, &r1, &w1);
  sim_sched_fini(&s1);
  CU_ASSERT_EQUAL_FATAL(map_attn("standard", 64, 1, 2 * N, 1, 0, NULL, &s2,
                                 &err), 0);
  hbm_totals(&s2, &r2, &w2);
  sim_sched_fini(&s2);
  /* N^2 dominates: doubling N nearly quadruples standard's traffic. */
  CU_ASSERT(r2 > 3.9 * r1 && r2 <= 4 * r1);
}

static uint64_t total_macs(const sim_sched *s) {
  uint64_t t = 0;
  for (size_t i = 0; i < s->n_ops; i++)
    t += s->ops[i].macs * s->ops[i].count;
  return t;
}

static void test_causal_halved(void) {
  uint64_t N = 2048, d = 64, T = N / 128;
  sim_sched a, b;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_attn("flash2", 64, 2, N, 1, 0, NULL, &a, &err),
                        0);
  CU_ASSERT_EQUAL_FATAL(map_attn("flash2", 64, 2, N, 1, 1, NULL, &b, &err),
                        0);
  CU_ASSERT_EQUAL(total_macs(&a), 2 * N * N * 2 * d);
  /* Br = Bc = 128: query block i visits i + 1 key blocks. */
  CU_ASSERT_EQUAL(total_macs(&b), 2 * (T * (T + 1) / 2) * 128 * 128 * 2 * d);
  sim_sched_fini(&a);
  sim_sched_fini(&b);
}

/* One kernel op of `blocks` blocks, `macs` each, on the ideal A100. */
static double run_kernel(arch_model *am, uint64_t blocks, uint64_t macs,
                         const char *prec) {
  sim_sched s;
  sim_sched_init(&s, "test");
  sim_sched_op op;
  sim_prec p;
  sim_prec_parse(prec, &p);
  sim_sched_op_init(&op, "k", SIM_FN_MAC, p, sim_sched_unit(&s, "sm"));
  op.count = blocks;
  op.macs = macs;
  sim_sched_push(&s, &op);
  sim_sched_set_op_payload(&s, 0, "{\"threads\": 256, \"regs\": 128, "
                                  "\"smem\": 49152}");
  sim_report r;
  sim_report_init(&r);
  sim_err err = {0};
  int rc = arch_run(am, &s, &r, &err);
  double t = rc ? -1 : (double)r.latency_ps;
  if (rc && strcmp(prec, "fp8") && strcmp(prec, "bf16"))
    fprintf(stderr, "%s\n", err.msg);
  if (rc) snprintf(g_last_err, sizeof g_last_err, "%s", err.msg);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  return t;
}

static void test_golden_peak_and_waves(void) {
  uint64_t macs = 1024 * 1000; /* 1000 clocks of one SM's tensor cores */
  const gpu_params *p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(gpu_params_of(&g_ideal, &p, &err), 0);
  uint32_t k;
  CU_ASSERT_EQUAL_FATAL(gpu_occupancy(p, 256, 128, 49152, &k, &err), 0);
  CU_ASSERT_EQUAL(k, 2); /* registers: 65536 / (256 x 128) */
  uint64_t slots = p->sms * k;
  double peak_ps = (double)(slots * macs) / (p->sms * 1024.0) *
                   (1e6 / p->clock_mhz);
  double t1 = run_kernel(&g_ideal, slots, macs, "fp16");
  CU_ASSERT(fabs(t1 - peak_ps) <= 1 + 1e-9 * peak_ps);
  /* One block more than the slots: a second wave of one block. */
  double t2 = run_kernel(&g_ideal, slots + 1, macs, "fp16");
  CU_ASSERT(fabs(t2 - 2 * t1) <= 2);
  /* Determinism. */
  CU_ASSERT_EQUAL(run_kernel(&g_a100, slots + 7, macs, "bf16"),
                  run_kernel(&g_a100, slots + 7, macs, "bf16"));
  /* Realistic mode: the sustained clock. */
  double t3 = run_kernel(&g_a100, slots, macs, "fp16");
  CU_ASSERT(fabs(t3 / t1 - p->clock_mhz / 1200.0) < 1e-6);
}

static void test_occupancy_limits(void) {
  const gpu_params *p;
  sim_err err = {0};
  uint32_t k;
  gpu_params_of(&g_a100, &p, &err);
  CU_ASSERT_EQUAL(gpu_occupancy(p, 128, 32, 0, &k, &err), 0);
  CU_ASSERT_EQUAL(k, 16); /* threads: 2048 / 128 */
  CU_ASSERT_EQUAL(gpu_occupancy(p, 32, 32, 0, &k, &err), 0);
  CU_ASSERT_EQUAL(k, 32); /* blocks per SM */
  CU_ASSERT_EQUAL(gpu_occupancy(p, 128, 32, 80 * 1024, &k, &err), 0);
  CU_ASSERT_EQUAL(k, 2); /* shared memory: 164 / 80 */
  CU_ASSERT_EQUAL(gpu_occupancy(p, 1024, 255, 0, &k, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "regs_per_sm"));
  CU_ASSERT_EQUAL(gpu_occupancy(p, 128, 32, 200 * 1024, &k, &err),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "smem_per_block_kb"));
}

static void test_bad_input(void) {
  /* fp8 on an A100. */
  CU_ASSERT_EQUAL(run_kernel(&g_a100, 1, 1024, "fp8"), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_last_err, "fp8"));
  /* A tile over shared memory. */
  sim_sched s;
  sim_err err = {0};
  wl_model m;
  wl_opts o;
  attn_model(128, 16, &m);
  wl_opts_default(&o);
  o.scope = WL_SCOPE_ATTENTION;
  o.seq = 1024;
  const char *kv[2] = {"br=256", "bc=256"};
  CU_ASSERT_EQUAL(map_lower_and_map(&m, &o, &g_a100, "flash2", kv, 2, &s,
                                    &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "192.0 KB of shared memory"));
  sim_sched_fini(&s);
  /* A model over HBM: LLaMA-2-70B in fp16 on one 80 GB GPU. */
  arch_model am;
  char path[512];
  snprintf(path, sizeof path, "%s/arch/configs/gpu-a100-80gb.yaml",
           TFSIM_SOURCE_DIR);
  CU_ASSERT_EQUAL_FATAL(arch_load(&am, path, NULL, 0, &err), 0);
  CU_ASSERT_EQUAL_FATAL(wl_model_find("llama2-70b", &m, &err), 0);
  wl_opts_default(&o);
  o.seq = 128;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL(map_simulate(&am, &m, &o, NULL, &r, NULL, &err),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "GB more than gpu.hbm_gb"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "fit on 2 GPUs"));
  sim_report_fini(&r);
  arch_unload(&am);
}

/* Energy per action: MACs x mac_pj, HBM bytes x hbm_byte_pj; the total
 * is the sum of the components. */
static void test_energy(void) {
  sim_sched s;
  sim_sched_init(&s, "test");
  sim_sched_op op;
  int hbm = sim_sched_level(&s, "hbm");
  sim_sched_op_init(&op, "k", SIM_FN_MAC, SIM_P_FP16,
                    sim_sched_unit(&s, "sm"));
  op.count = 300;
  op.macs = 1 << 20;
  op.rd_bytes[hbm] = 1 << 16;
  sim_sched_push(&s, &op);
  sim_report r;
  sim_report_init(&r);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(arch_run(&g_a100, &s, &r, &err), 0);
  sim_stats *st = r.stats;
  double c = sim_stat_f64(st, sim_stat_find(st, "compute", "energy"));
  double h = sim_stat_f64(st, sim_stat_find(st, "hbm", "energy"));
  CU_ASSERT_DOUBLE_EQUAL(c, 300.0 * (1 << 20) * 1.5, 1e-3);
  CU_ASSERT_DOUBLE_EQUAL(h, 300.0 * (1 << 16) * 31.2, 1e-3);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r), c + h, 1e-3);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

/* Decode (one query, kv keys): flashdecode and lean do flash2's work and
 * read K and V from HBM exactly once; flash2 launches batch x heads
 * blocks, lean exactly one wave, flashdecode at least as many; GQA packs
 * the query heads of a KV head into one block's rows. */
static void test_decode_mappers(void) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("llama2-7b", &m, &err), 0);
  wl_opts_default(&o);
  o.scope = WL_SCOPE_ATTENTION;
  o.phase = WL_DECODE;
  o.kv = 8191;
  static const char *const mp[3] = {"flash2", "flashdecode", "lean"};
  uint64_t macs[3], blocks[3], kv_b = 8192ull * 32 * 128 * 2 * 2;
  for (int i = 0; i < 3; i++) {
    sim_sched s;
    CU_ASSERT_EQUAL_FATAL(map_lower_and_map(&m, &o, &g_a100, mp[i], NULL, 0,
                                            &s, &err), 0);
    macs[i] = blocks[i] = 0;
    for (size_t k = 0; k < s.n_ops; k++)
      if (s.ops[k].payload && strstr(s.ops[k].payload, "\"class\": 1")) {
        macs[i] += s.ops[k].macs * s.ops[k].count;
        blocks[i] += s.ops[k].count;
      }
    uint64_t rd, wr;
    hbm_totals(&s, &rd, &wr);
    CU_ASSERT(rd >= kv_b && rd < kv_b + kv_b / 50); /* K, V once, + Q */
    sim_sched_fini(&s);
  }
  CU_ASSERT_EQUAL(macs[0], 32ull * 8192 * 256);
  CU_ASSERT_EQUAL(macs[1], macs[0]);
  CU_ASSERT_EQUAL(macs[2], macs[0]);
  CU_ASSERT_EQUAL(blocks[0], 32);
  CU_ASSERT_EQUAL(blocks[2], 216); /* 108 SMs x 2 resident blocks */
  CU_ASSERT(blocks[1] >= 216);
  /* GQA (Yi-34B: 56 query heads on 8 KV heads): 8 blocks of 7 rows. */
  CU_ASSERT_EQUAL_FATAL(wl_model_find("yi-34b", &m, &err), 0);
  sim_sched s;
  CU_ASSERT_EQUAL_FATAL(map_lower_and_map(&m, &o, &g_a100, "flash2", NULL,
                                          0, &s, &err), 0);
  uint64_t b = 0;
  for (size_t k = 0; k < s.n_ops; k++)
    if (s.ops[k].payload && strstr(s.ops[k].payload, "\"class\": 1"))
      b += s.ops[k].count;
  CU_ASSERT_EQUAL(b, 8);
  sim_sched_fini(&s);
}

/* Tensor parallelism: each GPU holds 1/tp of the weights, does 1/tp of
 * a split GEMM's MACs, and all-reduces a row-split GEMM's output:
 * 2 (tp - 1) / tp of it over the link. */
static void test_tensor_parallel(void) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("llama2-7b", &m, &err), 0);
  wl_opts_default(&o);
  o.scope = WL_SCOPE_BLOCK;
  o.seq = 1024;
  sim_sched s1, s4;
  const char *kv[1] = {"tp=4"};
  CU_ASSERT_EQUAL_FATAL(map_lower_and_map(&m, &o, &g_a100, "flash2", NULL,
                                          0, &s1, &err), 0);
  CU_ASSERT_EQUAL_FATAL(map_lower_and_map(&m, &o, &g_a100, "flash2", kv, 1,
                                          &s4, &err), 0);
  uint64_t w1 = 0, w4 = 0, ffn1 = 0, ffn4 = 0, link = 0;
  for (size_t t = 0; t < s1.n_tensors; t++)
    if (s1.tensors[t].kind == SIM_T_WEIGHT) {
      w1 += s1.tensors[t].bytes;
      w4 += s4.tensors[t].bytes;
    }
  CU_ASSERT(w4 * 4 >= w1 && w4 * 4 < w1 + 4 * s1.n_tensors);
  int lk = sim_sched_find_level(&s4, "link");
  CU_ASSERT(lk >= 0);
  CU_ASSERT_EQUAL(sim_sched_find_level(&s1, "link"), -1);
  for (size_t i = 0; i < s1.n_ops; i++)
    if (!strncmp(s1.ops[i].name, "L0.ffn.up", 9))
      ffn1 += s1.ops[i].macs * s1.ops[i].count;
  int n_ar = 0;
  for (size_t i = 0; i < s4.n_ops; i++) {
    if (!strncmp(s4.ops[i].name, "L0.ffn.up", 9))
      ffn4 += s4.ops[i].macs * s4.ops[i].count;
    if (strstr(s4.ops[i].name, "allreduce") &&
        !strstr(s4.ops[i].name, "launch")) {
      link += (s4.ops[i].rd_bytes[lk] + s4.ops[i].wr_bytes[lk]) *
              s4.ops[i].count;
      n_ar++;
    }
  }
  CU_ASSERT_EQUAL(ffn4, ffn1 / 4);
  /* Two all-reduces (attention output, FFN down) of 1024 x 4096 fp16,
   * each 2 x 3/4 of it over the link. */
  CU_ASSERT_EQUAL(n_ar, 4); /* two kernels, each two ops */
  CU_ASSERT_EQUAL(link, 2ull * 2 * 3 * (1024ull * 4096 * 2) / 4);
  sim_sched_fini(&s1);
  sim_sched_fini(&s4);
}

/* Launches: eager decode of a small model is bound by the host (a launch
 * per kernel), a CUDA graph (one launch per step) is not. */
static void test_launch_modes(void) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &err), 0);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = 512;
  double t[2], host[2];
  static const char *const mode[2] = {"launch=eager", "launch=graph"};
  for (int i = 0; i < 2; i++) {
    map_sim_opts so = {0};
    so.kv_opts = &mode[i];
    so.n_kv_opts = 1;
    sim_report r;
    sim_report_init(&r);
    CU_ASSERT_EQUAL_FATAL(map_simulate(&g_a100, &m, &o, &so, &r, NULL, &err),
                          0);
    t[i] = (double)r.latency_ps * 1e-12;
    host[i] = sim_report_get(&r, "host_s_launch", -1);
    sim_report_fini(&r);
  }
  CU_ASSERT(host[0] > 0.9 * t[0]);            /* eager: host-bound */
  CU_ASSERT_DOUBLE_EQUAL(host[1], 5e-6, 1e-12); /* graph: one launch */
  CU_ASSERT(t[1] < t[0] / 5);
}

/* The eager-framework mode: gpu.framework_us adds host time to every
 * kernel, so a host-bound decode step grows by kernels x framework_us
 * exactly; and fp32 without a tensor-core rate runs on the CUDA cores
 * (the T4: 64 FMA lanes per SM per clock), at fp32_op_pj per MAC. */
static void test_framework_and_fp32(void) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &err), 0);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = 512;
  o.prec = WL_FP32;
  double t[2], host[2];
  const char *fw[2][2] = {{"gpu.framework_us=10", "gpu.hbm_check=true"},
                          {"gpu.framework_us=20", "gpu.hbm_check=true"}};
  for (int i = 0; i < 2; i++) {
    arch_model am;
    CU_ASSERT_EQUAL_FATAL(arch_load(&am, "gpu-t4", fw[i], 2, &err), 0);
    map_sim_opts so = {0};
    so.mapper = "standard";
    sim_report r;
    sim_report_init(&r);
    int rc = map_simulate(&am, &m, &o, &so, &r, NULL, &err);
    if (rc) fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    t[i] = (double)r.latency_ps * 1e-12;
    host[i] = sim_report_get(&r, "host_s_launch", -1);
    sim_report_fini(&r);
    arch_unload(&am);
  }
  /* 443 kernels (12 layers x 36 + 11), host-bound at both settings: the
   * step grows by 443 x 10 us, and the host time by the same. */
  double kernels = host[0] / 15e-6;
  CU_ASSERT_DOUBLE_EQUAL(kernels, 443, 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(host[1] - host[0], 443 * 10e-6, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(t[1] - t[0], 443 * 10e-6, 1e-9);
  /* fp32 GEMM on the T4's CUDA cores: one compute-bound kernel of 40
   * blocks (one per SM), 64 x 1000 MACs each = 1000 clocks of 64 lanes
   * at 1590 MHz. */
  arch_model t4;
  const char *ideal[] = {"gpu.ideal=true"};
  CU_ASSERT_EQUAL_FATAL(arch_load(&t4, "gpu-t4", ideal, 1, &err), 0);
  double ps = run_kernel(&t4, 40, 64 * 1000, "fp32");
  CU_ASSERT_DOUBLE_EQUAL(ps, 1000 * 1e6 / 1590, 2);
  /* bf16: no tensor-core rate and no CUDA-core fallback: refused. */
  CU_ASSERT_EQUAL(run_kernel(&t4, 40, 64, "bf16"), -1);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_last_err, "bf16"));
  arch_unload(&t4);
}

static CU_TestInfo tests[] = {
    {"framework_us per kernel; fp32 on CUDA cores", test_framework_and_fp32},
    {"launch modes: eager is host-bound in decode, graph is not",
     test_launch_modes},
    {"tensor parallel: weights, work and all-reduce per GPU",
     test_tensor_parallel},
    {"energy per action, total = sum of parts", test_energy},
    {"decode mappers: same work, K/V once, grids", test_decode_mappers},
    {"standard attention HBM = 3Nd + 2N^2 reads, Nd + 2N^2 writes",
     test_standard_counts},
    {"flash HBM = Algorithm 1's accesses at several N, d, M",
     test_flash_counts},
    {"flash traffic ~ 1/M, standard ~ N^2", test_flash_scaling},
    {"causal work skipped by block", test_causal_halved},
    {"golden: peak, waves, sustained clock, determinism",
     test_golden_peak_and_waves},
    {"occupancy limits", test_occupancy_limits},
    {"bad input: fp8, tile over smem, model over HBM", test_bad_input},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"gpu", setup, teardown, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
