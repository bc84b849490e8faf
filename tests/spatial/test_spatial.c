/*
 * test_spatial.c — the `spatial` class and its attention mappers
 * (arch/spatial/, mappers/spatial_attn.c, spatial_validate.c):
 *
 *  - golden: FuseMax's per-tile pipeline at BERT 1K settles at 154
 *    cycles a tile pair (the 1D array's work: RM 1 + PRM 7 + SPD 1 + RD 1
 *    + SPNV 64 + RNV 64 + AV 64/4), emerging from the executor; unfused
 *    is the sum over its three stages of max(compute, traffic);
 *  - the FuseMax schedule extrapolated equals its full expansion;
 *  - determinism, energy and bytes conservation (DRAM = Q + K + V + O);
 *  - buffer need: FuseMax's is the same at 1K and 1M tokens, FLAT's
 *    grows until it spills;
 *  - bad input: an indivisible length, a buffer too small, a unit
 *    without exp, each with the key in the message;
 *  - gemm:MxNxK with the gemm mapper: a perfectly tiled GEMM runs at
 *    M*N*K / (rows x cols) cycles and 100 %; with fill/drain, SCALE-Sim's
 *    folds x (2 Sr + Sc + T - 2) for output- and weight-stationary;
 *  - correctness: the FuseMax schedule (16 x 16 array, 64 tokens, head
 *    dim 16) executed on doubles in schedule order equals the reference
 *    evaluator's 3-pass attention to 1e-9;
 *  - the presets equal the validation suite's copies, and the suite's
 *    FuseMax, FLAT and Unfused rows pass.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/spatial/spatial.h"
#include "mappers/map_spatial.h"
#include "tfsim_test.h"

#define CLK_PS (1e6 / 940.0)

static void test_fusemax_golden(void) {
  sim_err err = {0};
  map_sp_result r;
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("bert", 1024, "fusemax", 0, 0, NULL, &r, &err), 0);
  /* 64 x 12 heads x 4 query tiles x 4 key tiles = 12288 tile pairs. */
  double cyc = r.latency_s * 1e12 / CLK_PS;
  double steady = 12288.0 * 154;
  CU_ASSERT(cyc >= steady - 1 && cyc <= steady + 400);
  CU_ASSERT(fabs(r.util_2d - 137.0 / 154) < 2e-3);
  CU_ASSERT(fabs(r.busy[0] - 64.0 / 154) < 1e-3);
  /* DRAM: Q, K, V and the output, each once (P1 covers every query). */
  CU_ASSERT_DOUBLE_EQUAL(r.dram_bytes, 4.0 * 768 * 1024 * 64 * 2, 0.5);
}

static void test_unfused_golden(void) {
  sim_err err = {0};
  map_sp_result r;
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("bert", 1024, "unfused", 0, 0, NULL, &r, &err), 0);
  double bh = 768, L = 1024, E = 64, bw = 429.4967296e9, f = 940e6;
  double s = bh * L * L * 2, qkv = bh * L * E * 2;
  double qk = fmax(bh * L * L * E / 65536 / f, (2 * qkv + s) / bw);
  double sm = fmax(4 * bh * L * L / 256 / f, 2 * s / bw);
  double av = fmax(bh * L * L * E / 65536 / f, (s + 2 * qkv) / bw);
  CU_ASSERT(fabs(r.latency_s / (qk + sm + av) - 1) < 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(r.dram_bytes, 4 * s + 4 * qkv, 0.5);
}

static void test_determinism_energy(void) {
  sim_err err = {0};
  map_sp_result a, b;
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("xlm", 4096, "fusemax", 1, 0, NULL, &a, &err), 0);
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("xlm", 4096, "fusemax", 1, 0, NULL, &b, &err), 0);
  CU_ASSERT(memcmp(&a, &b, sizeof a) == 0);
  CU_ASSERT(a.energy_j > 0);
}

/* Cost of the test executor: the model's formula, fill/drain off. */
static int test_cost(void *ctx, const sim_sched *s, size_t i, double *t,
                     sim_err *err) {
  (void)ctx;
  (void)err;
  const sim_sched_op *op = &s->ops[i];
  uint64_t pts = 1;
  for (unsigned r = 0; r < op->n_ranks; r++) pts *= op->ranks[r].size;
  int two = !strcmp(s->units[op->unit], "pe2d");
  uint64_t lanes = two ? 256 : 16;
  uint64_t cpp = (op->fn == SIM_FN_SUB_EXP) ? 7 : 1;
  *t = (double)((pts + lanes - 1) / lanes * cpp) * 1000;
  return 0;
}

static void test_extrapolation_exact(void) {
  /* A 16 x 16 array, 256 tokens, batch 1, BERT's 12 heads: 3072 tile
   * pairs; with and without the steady-state skip. */
  sim_err err = {0};
  arch_model am;
  const char *sets[] = {"spatial.rows=16", "spatial.cols=16",
                        "spatial.pe1d=16", "spatial.dram_gbps=2"};
  CU_ASSERT_EQUAL_FATAL(
      arch_load(&am, "arch/configs/fusemax.yaml", sets, 4, &err), 0);
  wl_model m;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("bert-base", &m, &err), 0);
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 256;
  o.scope = WL_SCOPE_ATTENTION;
  sim_sched s;
  CU_ASSERT_EQUAL_FATAL(
      map_lower_and_map(&m, &o, &am, "fusemax", NULL, 0, &s, &err), 0);
  CU_ASSERT_EQUAL(s.groups[0].iters, 12u * 16 * 16);
  sim_exec_arch xa;
  memset(&xa, 0, sizeof xa);
  snprintf(xa.units[0].kind, SIM_KIND_MAX, "pe2d");
  snprintf(xa.units[1].kind, SIM_KIND_MAX, "pe1d");
  xa.units[0].count = xa.units[1].count = 1;
  xa.n_units = 2;
  snprintf(xa.levels[0].name, SIM_KIND_MAX, "dram");
  xa.levels[0].gbps = 2;
  snprintf(xa.levels[1].name, SIM_KIND_MAX, "gbuf");
  xa.n_levels = 2;
  xa.cost = test_cost;
  sim_exec_result r1, r2;
  sim_exec_opts full = {.no_extrapolate = 1};
  sim_engine *e1 = sim_engine_new(), *e2 = sim_engine_new();
  CU_ASSERT_EQUAL_FATAL(sim_exec_run(e1, &s, &xa, NULL, &r1, &err), 0);
  CU_ASSERT_EQUAL_FATAL(sim_exec_run(e2, &s, &xa, &full, &r2, &err), 0);
  CU_ASSERT(r1.iters_skipped > 0);
  CU_ASSERT_EQUAL(r2.iters_skipped, 0);
  CU_ASSERT_EQUAL(r1.end_ps, r2.end_ps);
  for (size_t i = 0; i < s.n_ops; i++) {
    CU_ASSERT_EQUAL(r1.ops[i].first_ps, r2.ops[i].first_ps);
    CU_ASSERT_EQUAL(r1.ops[i].last_ps, r2.ops[i].last_ps);
    CU_ASSERT_EQUAL(r1.ops[i].inst, r2.ops[i].inst);
    CU_ASSERT(fabs(r1.ops[i].busy_ps - r2.ops[i].busy_ps) <=
              1e-9 * r2.ops[i].busy_ps + 1e-6);
  }
  sim_exec_result_fini(&r1);
  sim_exec_result_fini(&r2);
  sim_engine_free(e1);
  sim_engine_free(e2);
  sim_sched_fini(&s);
  arch_unload(&am);
}

static void test_buffer_need(void) {
  sim_err err = {0};
  map_sp_result a, b, f1, f2, f3;
  CU_ASSERT_EQUAL_FATAL(map_spatial_eval("bert", 1024, "fusemax", 0, 0,
                                         "p1=1", &a, &err), 0);
  CU_ASSERT_EQUAL_FATAL(map_spatial_eval("bert", 1048576, "fusemax", 0, 0,
                                         "p1=1", &b, &err), 0);
  CU_ASSERT(a.gbuf_need_bytes > 0);
  CU_ASSERT_EQUAL(a.gbuf_need_bytes, b.gbuf_need_bytes);
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("bert", 1024, "flat", 0, 0, NULL, &f1, &err), 0);
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("bert", 65536, "flat", 0, 0, NULL, &f2, &err), 0);
  CU_ASSERT_EQUAL_FATAL(
      map_spatial_eval("bert", 1048576, "flat", 0, 0, NULL, &f3, &err), 0);
  CU_ASSERT(f1.gbuf_need_bytes < f2.gbuf_need_bytes);
  CU_ASSERT(f2.gbuf_need_bytes <= 32.0 * 1048576);
  CU_ASSERT(f3.gbuf_need_bytes > 32.0 * 1048576); /* spills */
}

static int run_with(const char *const *sets, int n, const char *mapper,
                    uint64_t seq, sim_err *err) {
  arch_model am;
  int rc = arch_load(&am, "arch/configs/fusemax.yaml", sets, n, err);
  if (rc) return rc;
  wl_model m;
  wl_model_find("bert-base", &m, err);
  wl_opts o;
  wl_opts_default(&o);
  o.seq = seq;
  o.scope = WL_SCOPE_ATTENTION;
  sim_sched s;
  sim_report rep;
  sim_report_init(&rep);
  rc = map_lower_and_map(&m, &o, &am, mapper, NULL, 0, &s, err);
  if (!rc) rc = arch_run(&am, &s, &rep, err);
  sim_report_fini(&rep);
  sim_sched_fini(&s);
  arch_unload(&am);
  return rc;
}

static void test_bad_input(void) {
  sim_err err = {0};
  CU_ASSERT_EQUAL(run_with(NULL, 0, "fusemax", 1000, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "spatial.rows"));
  const char *small[] = {"spatial.gbuf_bytes=4096"};
  CU_ASSERT_EQUAL(run_with(small, 1, "fusemax", 1024, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "spatial.gbuf_bytes"));
  const char *noexp[] = {"spatial.exp2d=none"};
  CU_ASSERT_EQUAL(run_with(noexp, 1, "fusemax", 1024, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "spatial.exp2d"));
  const char *badexp[] = {"spatial.exp1d=taylor"};
  CU_ASSERT_EQUAL(run_with(badexp, 1, "fusemax", 1024, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "spatial.exp1d"));
  {
    arch_model am;
    CU_ASSERT_EQUAL_FATAL(
        arch_load(&am, "arch/configs/fusemax.yaml", NULL, 0, &err), 0);
    wl_model m;
    wl_model_find("gpt2-s", &m, &err);
    wl_opts o;
    wl_opts_default(&o); /* model scope: 12 layers */
    sim_sched s;
    CU_ASSERT_EQUAL(map_lower_and_map(&m, &o, &am, "fusemax", NULL, 0, &s,
                                      &err), SIM_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--scope"));
    sim_sched_fini(&s);
    arch_unload(&am);
  }
  sim_err e2 = {0};
  map_sp_result r;
  CU_ASSERT_EQUAL(map_spatial_eval("bert", 1024, "fusemax", 0, 0, "p1=3",
                                   &r, &e2), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, "p1"));
}

static void test_presets_equal_suite(void) {
  static const char *const file[2] = {"arch/configs/fusemax.yaml",
                                      "arch/configs/flat.yaml"};
  static const char *const mapper[2] = {"fusemax", "flat"};
  for (int k = 0; k < 2; k++) {
    sim_err err = {0};
    arch_model am;
    CU_ASSERT_EQUAL_FATAL(arch_load(&am, file[k], NULL, 0, &err), 0);
    wl_model m;
    wl_model_find("bert-base", &m, &err);
    wl_opts o;
    wl_opts_default(&o);
    o.seq = 4096;
    o.batch = 64;
    o.causal = 0;
    o.scope = WL_SCOPE_BLOCK;
    sim_sched s;
    sim_report rep;
    sim_report_init(&rep);
    CU_ASSERT_EQUAL_FATAL(
        map_lower_and_map(&m, &o, &am, mapper[k], NULL, 0, &s, &err), 0);
    CU_ASSERT_EQUAL_FATAL(arch_run(&am, &s, &rep, &err), 0);
    map_sp_result r;
    CU_ASSERT_EQUAL_FATAL(
        map_spatial_eval("bert", 4096, mapper[k], 1, 0, NULL, &r, &err), 0);
    CU_ASSERT_EQUAL(r.latency_s, (double)rep.latency_ps * 1e-12);
    CU_ASSERT_EQUAL(r.energy_j, sim_report_energy_pj(&rep) * 1e-12);
    sim_report_fini(&rep);
    sim_sched_fini(&s);
    arch_unload(&am);
  }
}

static void test_validation_rows(void) {
  sim_err err = {0};
  sim_val_table t = {0};
  CU_ASSERT_EQUAL_FATAL(map_spatial_validate(&t, &err), 0);
  CU_ASSERT(t.n >= 80);
  int checked = 0;
  for (size_t i = 0; i < t.n; i++) {
    const sim_val_row *r = &t.rows[i];
    /* Documented misses (docs/spatial.md): +Arch, FLAT's traffic. */
    if (strstr(r->item, "fusemax-arch")) continue;
    if (!strcmp(r->metric, "dram_bytes") && strstr(r->item, "/flat"))
      continue;
    if (strstr(r->metric, "energy")) continue;
    if (sim_val_check(r) == SIM_VAL_INFO) continue;
    if (sim_val_check(r) != SIM_VAL_PASS)
      fprintf(stderr, "miss: %s %s %g vs %g\n", r->item, r->metric,
              r->ours, r->published);
    CU_ASSERT(sim_val_check(r) == SIM_VAL_PASS);
    checked++;
  }
  CU_ASSERT(checked >= 60);
  sim_val_free(&t);
}

/* Cycles of a GEMM on fusemax.yaml with mapper gemm. */
static double gemm_cycles(const char *model, const char *flow, int fill,
                          const char *rows, double *util, sim_err *err) {
  arch_model am;
  char r[48], c[48];
  snprintf(r, sizeof r, "spatial.rows=%s", rows);
  snprintf(c, sizeof c, "spatial.cols=%s", rows);
  const char *sets[3] = {r, c, fill ? "spatial.fill_drain=true"
                                    : "spatial.fill_drain=false"};
  if (arch_load(&am, "arch/configs/fusemax.yaml", sets, 3, err)) return -1;
  wl_model m;
  wl_opts o;
  wl_opts_default(&o);
  sim_sched s;
  sim_report rep;
  sim_report_init(&rep);
  char kv[32];
  snprintf(kv, sizeof kv, "dataflow=%s", flow);
  const char *kvs[1] = {kv};
  double cyc = -1;
  if (!wl_model_find(model, &m, err) &&
      !map_lower_and_map(&m, &o, &am, "gemm", kvs, 1, &s, err) &&
      !arch_run(&am, &s, &rep, err)) {
    cyc = (double)rep.latency_ps / CLK_PS;
    *util = rep.util;
  }
  sim_report_fini(&rep);
  sim_sched_fini(&s);
  arch_unload(&am);
  return cyc;
}

static void test_gemm(void) {
  sim_err err = {0};
  double u = 0;
  /* Perfectly tiled, fill/drain off: M*N*K / (R*C) cycles, 100 %. */
  double c = gemm_cycles("gemm:1024x1024x1024", "os", 0, "256", &u, &err);
  CU_ASSERT(fabs(c - 16384) < 0.01);
  CU_ASSERT(fabs(u - 1) < 1e-6);
  c = gemm_cycles("gemm:1024x1024x1024", "ws", 0, "256", &u, &err);
  CU_ASSERT(fabs(c - 16384) < 0.01);
  /* Fill/drain on, 32 x 32: SCALE-Sim's folds x (2 Sr + Sc + T - 2). */
  c = gemm_cycles("gemm:128x64x256", "os", 1, "32", &u, &err);
  CU_ASSERT(fabs(c - 4 * 2 * (64 + 32 + 256 - 2)) < 0.05);
  c = gemm_cycles("gemm:128x64x256", "ws", 1, "32", &u, &err);
  CU_ASSERT(fabs(c - 8 * 2 * (64 + 32 + 128 - 2)) < 0.05);
  /* An edge fold takes the whole T; utilisation counts true MACs. */
  c = gemm_cycles("gemm:300x2048x4096", "os", 0, "256", &u, &err);
  CU_ASSERT(fabs(c - 16 * 4096) < 0.05);
  CU_ASSERT(fabs(u - 300.0 / 512) < 1e-6);
  /* dataflow=auto (map_search) takes the cheaper: os here, ws for a
   * tall-skinny GEMM. */
  double os = gemm_cycles("gemm:128x64x256", "os", 1, "32", &u, &err);
  double au = gemm_cycles("gemm:128x64x256", "auto", 1, "32", &u, &err);
  CU_ASSERT(os > 0 && au == os);
  double ws = gemm_cycles("gemm:4096x64x64", "ws", 1, "32", &u, &err);
  os = gemm_cycles("gemm:4096x64x64", "os", 1, "32", &u, &err);
  au = gemm_cycles("gemm:4096x64x64", "auto", 1, "32", &u, &err);
  CU_ASSERT(ws > 0 && ws < os && au == ws);
  wl_model m;
  CU_ASSERT_EQUAL(wl_model_find("gemm:12x0x3", &m, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "gemm:MxNxK"));
}

/* Correctness of the FuseMax schedule, not only its cost: a 16 x 16
 * array, 64 tokens, head dim 16, 2 heads.  The schedule's ops are
 * executed on doubles in schedule order (iterations in order, ops in
 * their order inside one), each by its einsum in the 1-pass cascade;
 * the output must equal the reference evaluator's 3-pass attention.
 * The divide op of iteration (b, h, p2, m1, p1) divides slice m1 of the
 * outputs that query tile p1 finished in the previous pass (that is how
 * the mapper spreads it); the last pass's outputs are divided after the
 * group (their work was counted in the first pass, which had none). */
enum { T_L = 64, T_E = 16, T_H = 2, T_A = 16 };
static void test_fusemax_numerics(void) {
  sim_err err = {0};
  wl_model m;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("bert-base", &m, &err), 0);
  m.d_model = T_H * T_E;
  m.n_heads = m.n_kv_heads = T_H;
  m.head_dim = T_E;
  m.d_ff = 64;
  wl_opts o;
  wl_opts_default(&o);
  o.seq = T_L;
  o.scope = WL_SCOPE_ATTENTION;
  wl_cascade *c = NULL;
  CU_ASSERT_EQUAL_FATAL(wl_lower(&m, &o, &c, &err), 0);
  wl_eval *ev = NULL;
  CU_ASSERT_EQUAL_FATAL(wl_eval_new(c, 0, &ev, &err), 0);
  wl_eval_fill_random(ev, 7);
  CU_ASSERT_EQUAL_FATAL(wl_eval_run(ev, &err), 0);
  const double *Q = wl_eval_data(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.Q"));
  const double *K = wl_eval_data(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.K"));
  const double *V = wl_eval_data(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.V"));
  const double *AV = wl_eval_data(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.AV"));
  double alpha = wl_cascade_op(c, (size_t)wl_cascade_find_op(c, "L0.attn.QK"))->alpha;
  /* The schedule. */
  arch_model am;
  const char *sets[] = {"spatial.rows=16", "spatial.cols=16",
                        "spatial.pe1d=16"};
  CU_ASSERT_EQUAL_FATAL(
      arch_load(&am, "arch/configs/fusemax.yaml", sets, 3, &err), 0);
  sim_sched s;
  CU_ASSERT_EQUAL_FATAL(
      map_lower_and_map(&m, &o, &am, "fusemax", NULL, 0, &s, &err), 0);
  CU_ASSERT_EQUAL_FATAL(s.n_groups, 1);
  const sim_sched_group *g = &s.groups[0];
  enum { M1 = T_L / T_A, PT = T_L / T_A };
  /* p1 from the payload: the mapper records it. */
  uint64_t P1 = 0;
  const char *pp = strstr(s.payload, "\"p1\": ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(pp);
  P1 = strtoull(pp + 6, NULL, 10);
  CU_ASSERT_FATAL(P1 >= 1 && PT % P1 == 0);
  uint64_t P2 = PT / P1;
  CU_ASSERT_EQUAL(g->iters, T_H * P2 * M1 * P1);
  /* State per query tile slot p1. */
  static double S[T_A][T_A], sln[T_A][T_A], lm[T_A], prm[T_A], sld[T_A],
      spd[T_A], slnv[T_E][T_A], spnv[T_E][T_A];
  static double rm[PT][T_A], rmn[PT][T_A], rd[PT][T_A], rnv[PT][T_E][T_A];
  static double pend_rd[PT][T_A], pend_rnv[PT][T_E][T_A], out[T_H][T_L][T_E];
  int pend_tile[PT], pend_h[PT];
  for (uint64_t k = 0; k < PT; k++) pend_tile[k] = -1;
  for (uint64_t it = 0; it < g->iters; it++) {
    uint64_t p1 = it % P1, m1 = it / P1 % M1, p2 = it / P1 / M1 % P2,
             h = it / P1 / M1 / P2;
    uint64_t qt = p2 * P1 + p1; /* query tile */
    for (uint32_t oi = g->first; oi < g->first + g->n; oi++) {
      const char *nm = s.ops[oi].name + 5; /* after "attn." */
      if (!strcmp(nm, "QK")) {
        if (m1 == 0) /* a new query tile: init RM, RD, RNV (the FILLs) */
          for (int p = 0; p < T_A; p++) {
            rm[p1][p] = -INFINITY;
            rd[p1][p] = 0;
            for (int f = 0; f < T_E; f++) rnv[p1][f][p] = 0;
          }
        for (int k = 0; k < T_A; k++)
          for (int p = 0; p < T_A; p++) {
            double a = 0;
            for (int e = 0; e < T_E; e++)
              a += Q[((qt * T_A + p) * T_H + h) * T_E + e] *
                   K[((m1 * T_A + k) * T_H + h) * T_E + e];
            S[k][p] = alpha * a;
          }
      } else if (!strcmp(nm, "LM")) {
        for (int p = 0; p < T_A; p++) {
          lm[p] = -INFINITY;
          for (int k = 0; k < T_A; k++) lm[p] = fmax(lm[p], S[k][p]);
        }
      } else if (!strcmp(nm, "RM")) {
        for (int p = 0; p < T_A; p++) rmn[p1][p] = fmax(rm[p1][p], lm[p]);
      } else if (!strcmp(nm, "SLN")) {
        for (int k = 0; k < T_A; k++)
          for (int p = 0; p < T_A; p++) sln[k][p] = exp(S[k][p] - rmn[p1][p]);
      } else if (!strcmp(nm, "PRM")) {
        for (int p = 0; p < T_A; p++) prm[p] = exp(rm[p1][p] - rmn[p1][p]);
      } else if (!strcmp(nm, "SLD")) {
        for (int p = 0; p < T_A; p++) {
          sld[p] = 0;
          for (int k = 0; k < T_A; k++) sld[p] += sln[k][p];
        }
      } else if (!strcmp(nm, "SPD")) {
        for (int p = 0; p < T_A; p++) spd[p] = prm[p] * rd[p1][p];
      } else if (!strcmp(nm, "RD")) {
        for (int p = 0; p < T_A; p++) rd[p1][p] = spd[p] + sld[p];
      } else if (!strcmp(nm, "SLNV")) {
        for (int f = 0; f < T_E; f++)
          for (int p = 0; p < T_A; p++) {
            slnv[f][p] = 0;
            for (int k = 0; k < T_A; k++)
              slnv[f][p] += sln[k][p] * V[((m1 * T_A + k) * T_H + h) * T_E + f];
          }
      } else if (!strcmp(nm, "SPNV")) {
        for (int f = 0; f < T_E; f++)
          for (int p = 0; p < T_A; p++) spnv[f][p] = prm[p] * rnv[p1][f][p];
      } else if (!strcmp(nm, "RNV")) {
        for (int f = 0; f < T_E; f++)
          for (int p = 0; p < T_A; p++)
            rnv[p1][f][p] = spnv[f][p] + slnv[f][p];
        for (int p = 0; p < T_A; p++) rm[p1][p] = rmn[p1][p];
      } else if (!strcmp(nm, "AV")) {
        /* Slice m1 of the previous pass's outputs of slot p1. */
        if (pend_tile[p1] >= 0)
          for (int f = (int)(m1 * T_E / M1); f < (int)((m1 + 1) * T_E / M1); f++)
            for (int p = 0; p < T_A; p++)
              out[pend_h[p1]][pend_tile[p1] * T_A + p][f] =
                  pend_rnv[p1][f][p] / pend_rd[p1][p];
        if (m1 == M1 - 1) { /* this tile is final: it is next pass's */
          memcpy(pend_rd[p1], rd[p1], sizeof pend_rd[p1]);
          memcpy(pend_rnv[p1], rnv[p1], sizeof pend_rnv[p1]);
          pend_tile[p1] = (int)qt;
          pend_h[p1] = (int)h;
        }
      } else {
        CU_FAIL("unknown op in the FuseMax group");
      }
    }
  }
  for (uint64_t p1 = 0; p1 < P1; p1++) /* the epilogue */
    for (int f = 0; f < T_E; f++)
      for (int p = 0; p < T_A; p++)
        out[pend_h[p1]][pend_tile[p1] * T_A + p][f] =
            pend_rnv[p1][f][p] / pend_rd[p1][p];
  double worst = 0, mag = 0;
  for (int h = 0; h < T_H; h++)
    for (int p = 0; p < T_L; p++)
      for (int f = 0; f < T_E; f++) mag = fmax(mag, fabs(out[h][p][f]));
  CU_ASSERT(mag > 1e-3); /* not vacuous */
  for (int h = 0; h < T_H; h++)
    for (int p = 0; p < T_L; p++)
      for (int f = 0; f < T_E; f++)
        worst = fmax(worst, fabs(out[h][p][f] - AV[(p * T_H + h) * T_E + f]));
  CU_ASSERT(worst < 1e-9);
  sim_sched_fini(&s);
  arch_unload(&am);
  wl_eval_free(ev);
  wl_cascade_free(c);
}

static CU_TestInfo tests[] = {
    {"fusemax schedule computes 3-pass attention (1e-9)",
     test_fusemax_numerics},
    {"gemm: 100 % tiled, SCALE-Sim folds with fill/drain, edge folds",
     test_gemm},
    {"fusemax tile pipeline settles at 154 cycles (BERT 1K)",
     test_fusemax_golden},
    {"unfused = sum of stage max(compute, traffic)", test_unfused_golden},
    {"determinism", test_determinism_energy},
    {"fusemax schedule: extrapolated = expanded", test_extrapolation_exact},
    {"buffer need: fusemax flat in length, flat grows and spills",
     test_buffer_need},
    {"bad input names the key", test_bad_input},
    {"presets equal the suite's copies", test_presets_equal_suite},
    {"validation rows pass (documented misses aside)", test_validation_rows},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"spatial", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
