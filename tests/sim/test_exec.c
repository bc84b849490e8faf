/*
 * test_exec.c — golden tests of the generic executor (sim/exec.c).
 *
 * The model here is analytic: an op's compute time per instance is its
 * `macs` field in picoseconds, and levels have round bandwidths, so every
 * expected time is a closed form:
 *  - two independent ops on two unit kinds overlap (max), on one unit they
 *    serialise (sum);
 *  - a shared bandwidth splits between concurrent users and the bytes add
 *    up (a + 2a bytes finish at 3a / B);
 *  - a compute-bound user leaves its unused share to the others
 *    (water-filling);
 *  - count instances run in waves over the free units (tail included);
 *  - an op after a group waits for the group's last iteration;
 *  - a model that simulates an op itself signals completion;
 *  - extrapolation of repeated groups equals full expansion, on random
 *    pipelines with shared bandwidth, and skips iterations;
 *  - the same input gives bit-identical results.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"
#include "tfsim_test.h"

static int cost_macs(void *ctx, const sim_sched *s, size_t op, double *t,
                     sim_err *err) {
  (void)ctx;
  (void)err;
  *t = (double)s->ops[op].macs;
  return 0;
}

/* Arch: unit kinds a (na units), b (nb units); level mem at gbps
 * (1 GB/s = 1e-3 B/ps). */
static void arch2(sim_exec_arch *a, uint32_t na, uint32_t nb, double gbps) {
  memset(a, 0, sizeof *a);
  snprintf(a->units[0].kind, SIM_KIND_MAX, "a");
  a->units[0].count = na;
  snprintf(a->units[1].kind, SIM_KIND_MAX, "b");
  a->units[1].count = nb;
  a->n_units = 2;
  snprintf(a->levels[0].name, SIM_KIND_MAX, "mem");
  a->levels[0].gbps = gbps;
  snprintf(a->levels[1].name, SIM_KIND_MAX, "sram");
  a->levels[1].gbps = 0;
  a->n_levels = 2;
  a->cost = cost_macs;
}

static int op(sim_sched *s, const char *name, const char *unit,
              uint64_t t_ps, uint64_t bytes, uint64_t count, int ndeps,
              const uint32_t *deps) {
  sim_sched_op o;
  sim_sched_op_init(&o, name, SIM_FN_MAC, SIM_P_FP16, sim_sched_unit(s, unit));
  o.macs = t_ps;
  o.rd_bytes[sim_sched_level(s, "mem")] = bytes;
  o.count = count;
  for (int i = 0; i < ndeps; i++) o.deps[o.n_deps++] = deps[i];
  return sim_sched_push(s, &o);
}

static uint64_t run(const sim_sched *s, const sim_exec_arch *a, int no_x,
                    sim_exec_result *r) {
  sim_engine *e = sim_engine_new();
  sim_err err = {0};
  sim_exec_opts o = {0};
  o.no_extrapolate = no_x;
  int rc = sim_exec_run(e, s, a, &o, r, &err);
  if (rc) fprintf(stderr, "\n  exec: %s\n", err.msg);
  CU_ASSERT_EQUAL(rc, 0);
  sim_engine_free(e);
  return r->end_ps;
}

static void test_overlap_and_serialise(void) {
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "mem");
  op(&s, "x", "a", 1000, 0, 1, 0, NULL);
  op(&s, "y", "b", 700, 0, 1, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 1000);   /* two units: overlap */
  CU_ASSERT_EQUAL(r.overlap_ps, 700);
  CU_ASSERT_EQUAL(r.ops[1].first_ps, 0);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "mem");
  op(&s, "x", "a", 1000, 0, 1, 0, NULL);
  op(&s, "y", "a", 700, 0, 1, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 1700);   /* one unit: serialise */
  CU_ASSERT_EQUAL(r.ops[1].first_ps, 1000);
  CU_ASSERT_EQUAL(r.overlap_ps, 0);
  CU_ASSERT_DOUBLE_EQUAL(r.unit_busy_ps[0], 1700, 1e-9);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  /* Two units of one kind: overlap again. */
  arch2(&a, 2, 1, 1);
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "mem");
  op(&s, "x", "a", 1000, 0, 1, 0, NULL);
  op(&s, "y", "a", 700, 0, 1, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 1000);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
}

static void test_bandwidth_split(void) {
  /* 1 GB/s = 1e-3 B/ps.  a = 1000 B alone: 1e6 ps. */
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  op(&s, "x", "a", 0, 1000, 1, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 1000000);
  sim_exec_result_fini(&r);
  /* With y (2000 B) on the other unit: both at B/2 until x is done at
   * 2e6 ps, then y alone: 1000 B more at B -> 3e6 ps in all. */
  op(&s, "y", "b", 0, 2000, 1, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 3000000);
  CU_ASSERT_EQUAL(r.ops[0].last_ps, 2000000);
  CU_ASSERT_EQUAL(r.ops[0].mem_bound, 1);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  /* Water-filling: x is compute bound (1000 B over 4e6 ps = 0.25 GB/s);
   * y takes the remaining 0.75 GB/s: 1500 B in 2e6 ps. */
  sim_sched_init(&s, "t");
  op(&s, "x", "a", 4000000, 1000, 1, 0, NULL);
  op(&s, "y", "b", 0, 1500, 1, 0, NULL);
  run(&s, &a, 0, &r);
  CU_ASSERT_EQUAL(r.ops[1].last_ps, 2000000);
  CU_ASSERT_EQUAL(r.ops[0].last_ps, 4000000);
  CU_ASSERT_EQUAL(r.ops[0].mem_bound, 0);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  /* A free level (0 GB/s: on chip) never slows anyone. */
  sim_sched_init(&s, "t");
  sim_sched_op o;
  sim_sched_op_init(&o, "z", SIM_FN_MAC, SIM_P_FP16, sim_sched_unit(&s, "a"));
  o.macs = 5;
  o.rd_bytes[sim_sched_level(&s, "sram")] = 1ull << 40;
  sim_sched_push(&s, &o);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 5);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
}

static void test_waves(void) {
  /* 10 instances of 100 ps on 4 units: waves of 4, 4, 2 -> 300 ps;
   * busy = 1000 unit-ps of 4 x 300. */
  sim_exec_arch a;
  arch2(&a, 4, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  op(&s, "grid", "a", 100, 0, 10, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 300);
  CU_ASSERT_EQUAL(r.ops[0].inst, 10);
  CU_ASSERT_EQUAL(r.ops[0].waves, 3);
  CU_ASSERT_DOUBLE_EQUAL(r.unit_busy_ps[0], 1000, 1e-9);
  sim_exec_result_fini(&r);
  /* The tail wave's free units take the next ready op at once. */
  op(&s, "next", "a", 50, 0, 2, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 300);
  CU_ASSERT_EQUAL(r.ops[1].first_ps, 200);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
}

static void test_wave_folding(void) {
  /* One op of 42,949,672,961 instances of 10 ps on one unit: one wave per
   * instance, folded (it was a fuzz_sched hang of hours, one event per
   * wave).  Exact: the end, the waves, the busy time. */
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  const uint64_t n = 42949672961ull;
  op(&s, "huge", "a", 10, 0, n, 0, NULL);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 10 * n);
  CU_ASSERT_EQUAL(r.ops[0].inst, n);
  CU_ASSERT_EQUAL(r.ops[0].waves, n);
  CU_ASSERT_EQUAL(r.jobs, n);
  CU_ASSERT_DOUBLE_EQUAL(r.unit_busy_ps[0], 10.0 * (double)n, 1);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  /* Memory-bound waves on 3 units (bytes 1000 per instance at 1 GB/s =
   * 1 B/ns: a wave of 3 takes 3000 ns), 10 instances: waves 3,3,3,1, the
   * last one alone at the full bandwidth (1000 ns), then a consumer. */
  arch2(&a, 3, 1, 1);
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "mem");
  op(&s, "grid", "a", 1, 1000, 10, 0, NULL);
  uint32_t d0 = 0;
  op(&s, "after", "b", 5, 0, 1, 1, &d0);
  CU_ASSERT_EQUAL(run(&s, &a, 0, &r), 3 * 3000000 + 1000000 + 5);
  CU_ASSERT_EQUAL(r.ops[0].waves, 4);
  CU_ASSERT_EQUAL(r.ops[0].inst, 10);
  CU_ASSERT_EQUAL(r.ops[0].mem_bound, 4);
  CU_ASSERT_EQUAL(r.ops[1].first_ps, 10000000);
  CU_ASSERT_DOUBLE_EQUAL(r.unit_busy_ps[0], 3 * 3 * 3e6 + 1e6, 1e-6);
  sim_exec_result_fini(&r);
  /* Folded waves whose end passes 2^64 ps (1 MB per instance at 1e-9
   * GB/s: 10^18 ps a wave, 100 waves): the error, at once. */
  sim_sched_fini(&s);
  arch2(&a, 1, 1, 1e-9);
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "mem");
  op(&s, "long", "a", 1, 1000000, 100, 0, NULL);
  sim_engine *e = sim_engine_new();
  sim_err err = {0};
  CU_ASSERT_NOT_EQUAL(sim_exec_run(e, &s, &a, NULL, &r, &err), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "op long: simulated time overflows"));
  sim_exec_result_fini(&r);
  sim_engine_free(e);
  sim_sched_fini(&s);
}

static void test_groups_and_deps(void) {
  /* pre (100) -> group [g1 (10) -> g2 (20)] x 5, carried g2 -> g1,
   * -> post (1): one unit: 100 + 5 * 30 + 1. */
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  uint32_t d0 = 0, d1 = 1, d2 = 2;
  op(&s, "pre", "a", 100, 0, 1, 0, NULL);
  op(&s, "g1", "a", 10, 0, 1, 1, &d0);
  op(&s, "g2", "b", 20, 0, 1, 1, &d1);
  op(&s, "post", "a", 1, 0, 1, 1, &d2);
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "loop");
  g.first = 1;
  g.n = 2;
  g.iters = 5;
  g.n_carry = 1;
  g.carry[0].from = 2;
  g.carry[0].to = 1;
  CU_ASSERT_EQUAL(sim_sched_push_group(&s, &g), 0);
  CU_ASSERT_EQUAL(run(&s, &a, 1, &r), 100 + 5 * 30 + 1);
  CU_ASSERT_EQUAL(r.ops[1].inst, 5);
  CU_ASSERT_EQUAL(r.ops[3].first_ps, 250);
  sim_exec_result_fini(&r);
  /* Without the carry, g1 of the next iteration overlaps g2 (a and b
   * are different units): 100 + 10 + 5 * 20 + 1 = 211. */
  s.groups[0].n_carry = 0;
  CU_ASSERT_EQUAL(run(&s, &a, 1, &r), 211);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
}

/* A model that runs ops itself: each takes (macs) ps of engine time and
 * calls sim_exec_done. */
typedef struct selfmodel {
  sim_exec *x;
  int started;
} selfmodel;

static void self_done(sim_engine *e, void *ctx, uint64_t tok) {
  (void)e;
  selfmodel *m = ctx;
  sim_exec_done(m->x, tok);
}

static sim_engine *g_e;
static int self_start2(void *ctx, sim_exec *x, const sim_sched *s, size_t op,
                       uint64_t iter, uint64_t n, uint64_t tok, sim_err *err) {
  (void)iter;
  (void)n;
  (void)err;
  selfmodel *m = ctx;
  m->x = x;
  m->started++;
  if (s->ops[op].macs == 0) return 1;
  return sim_schedule_in(g_e, s->ops[op].macs * 3, 0, self_done, m, tok,
                         NULL);
}

static void test_model_driven(void) {
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  selfmodel m = {0};
  a.start = self_start2;
  a.ctx = &m;
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  uint32_t d0 = 0;
  op(&s, "x", "a", 100, 0, 1, 0, NULL); /* model: 300 ps */
  op(&s, "y", "a", 0, 1000, 1, 1, &d0); /* declined: 1e6 ps on mem */
  g_e = sim_engine_new();
  sim_err err = {0};
  CU_ASSERT_EQUAL(sim_exec_run(g_e, &s, &a, NULL, &r, &err), 0);
  CU_ASSERT_EQUAL(r.end_ps, 300 + 1000000);
  CU_ASSERT_EQUAL(m.started, 2);
  sim_exec_result_fini(&r);
  sim_engine_free(g_e);
  sim_sched_fini(&s);
}

/* splitmix64, for reproducible random pipelines. */
static uint64_t sm64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A random software pipeline: pre-ops, then a group of k ops over units
 * a/b with intra deps, carries and shared bandwidth, then a post op. */
static void random_pipeline(sim_sched *s, uint64_t seed, uint64_t iters) {
  uint64_t x = seed;
  sim_sched_init(s, "rand");
  sim_sched_level(s, "mem");
  op(s, "pre", "a", 50 + sm64(&x) % 100, sm64(&x) % 3000, 1, 0, NULL);
  uint32_t first = (uint32_t)s->n_ops;
  int k = 2 + (int)(sm64(&x) % 4);
  for (int i = 0; i < k; i++) {
    uint32_t deps[2];
    int nd = 0;
    if (i == 0) deps[nd++] = 0;
    else deps[nd++] = first + (uint32_t)(sm64(&x) % (uint64_t)i);
    char nm[16];
    snprintf(nm, sizeof nm, "g%d", i);
    op(s, nm, sm64(&x) % 2 ? "a" : "b", 10 + sm64(&x) % 500,
       sm64(&x) % 2 ? sm64(&x) % 4000 : 0, 1 + sm64(&x) % 6, nd, deps);
  }
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "pipe");
  g.first = first;
  g.n = (uint32_t)k;
  g.iters = iters;
  g.n_carry = 1 + (uint32_t)(sm64(&x) % 2);
  for (uint32_t c = 0; c < g.n_carry; c++) {
    g.carry[c].from = first + (uint32_t)(sm64(&x) % (uint64_t)k);
    g.carry[c].to = first + (uint32_t)(sm64(&x) % (uint64_t)k);
  }
  sim_sched_push_group(s, &g);
  uint32_t last = first + (uint32_t)k - 1;
  op(s, "post", "b", 7, 100, 1, 1, &last);
}

static void test_extrapolation_equals_expansion(void) {
  int skipped_runs = 0;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    sim_exec_arch a;
    arch2(&a, 1 + (uint32_t)(seed % 3), 1 + (uint32_t)(seed % 2), 2);
    sim_sched s;
    random_pipeline(&s, seed, 300 + seed * 7);
    sim_exec_result full, fast;
    uint64_t t_full = run(&s, &a, 1, &full);
    uint64_t t_fast = run(&s, &a, 0, &fast);
    CU_ASSERT_EQUAL(full.iters_skipped, 0);
    if (t_full != t_fast)
      fprintf(stderr, "\n  seed %llu: full %llu, extrapolated %llu\n",
              (unsigned long long)seed, (unsigned long long)t_full,
              (unsigned long long)t_fast);
    CU_ASSERT_EQUAL(t_full, t_fast);
    CU_ASSERT_EQUAL(full.overlap_ps, fast.overlap_ps);
    for (size_t i = 0; i < s.n_ops; i++) {
      CU_ASSERT_EQUAL(full.ops[i].inst, fast.ops[i].inst);
      CU_ASSERT_EQUAL(full.ops[i].waves, fast.ops[i].waves);
      CU_ASSERT_EQUAL(full.ops[i].mem_bound, fast.ops[i].mem_bound);
      CU_ASSERT_EQUAL(full.ops[i].first_ps, fast.ops[i].first_ps);
      CU_ASSERT_EQUAL(full.ops[i].last_ps, fast.ops[i].last_ps);
      CU_ASSERT_DOUBLE_EQUAL(full.ops[i].busy_ps, fast.ops[i].busy_ps,
                             1e-9 * full.ops[i].busy_ps + 1e-6);
    }
    for (int u = 0; u < 2; u++)
      CU_ASSERT_DOUBLE_EQUAL(full.unit_busy_ps[u], fast.unit_busy_ps[u],
                             1e-9 * full.unit_busy_ps[u] + 1e-6);
    skipped_runs += fast.iters_skipped > 0;
    sim_exec_result_fini(&full);
    sim_exec_result_fini(&fast);
    sim_sched_fini(&s);
  }
  /* The steady state is found on most random pipelines. */
  fprintf(stderr, " [%d/40 extrapolated] ", skipped_runs);
  CU_ASSERT(skipped_runs >= 30);
}

static void test_extrapolation_scale(void) {
  /* 16M iterations of a 2-op pipeline (the 1M-token FuseMax cascade's
   * count of key-tile x query-tile pairs) run in well under a second. */
  sim_exec_arch a;
  arch2(&a, 1, 1, 400);
  sim_sched s;
  sim_exec_result r;
  sim_sched_init(&s, "t");
  uint32_t d = 0;
  op(&s, "qk", "a", 300, 1000, 1, 0, NULL);
  op(&s, "sv", "b", 200, 500, 1, 1, &d);
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "tiles");
  g.first = 0;
  g.n = 2;
  g.iters = 16ull << 20;
  g.n_carry = 1;
  g.carry[0].from = 0;
  g.carry[0].to = 0;
  sim_sched_push_group(&s, &g);
  uint64_t t = run(&s, &a, 0, &r);
  CU_ASSERT(r.iters_skipped > g.iters - 100);
  /* qk: max(300, 1000 B at 0.4 B/ps = 2500) per tile when alone... the
   * pipeline is bandwidth bound: 1500 B per iteration at 0.4 B/ps. */
  CU_ASSERT(t >= (uint64_t)(g.iters * 3750));
  CU_ASSERT(t <= (uint64_t)(g.iters * 3750) + 10000);
  CU_ASSERT_EQUAL(r.ops[1].inst, g.iters);
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
}

static void test_determinism(void) {
  sim_exec_arch a;
  arch2(&a, 2, 1, 3);
  sim_sched s;
  random_pipeline(&s, 99, 1000);
  sim_exec_result r1, r2;
  run(&s, &a, 0, &r1);
  run(&s, &a, 0, &r2);
  CU_ASSERT_EQUAL(r1.end_ps, r2.end_ps);
  CU_ASSERT_EQUAL(memcmp(r1.ops, r2.ops, s.n_ops * sizeof *r1.ops), 0);
  CU_ASSERT_EQUAL(memcmp(r1.unit_busy_ps, r2.unit_busy_ps,
                         sizeof r1.unit_busy_ps), 0);
  sim_exec_result_fini(&r1);
  sim_exec_result_fini(&r2);
  sim_sched_fini(&s);
}

static void test_unknown_names(void) {
  sim_exec_arch a;
  arch2(&a, 1, 1, 1);
  sim_sched s;
  sim_exec_result r;
  sim_err err = {0};
  sim_sched_init(&s, "t");
  op(&s, "x", "sm", 10, 0, 1, 0, NULL);
  sim_engine *e = sim_engine_new();
  CU_ASSERT_EQUAL(sim_exec_run(e, &s, &a, NULL, &r, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unit kind 'sm' is not one of "
                                         "this architecture's (a, b)"));
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  sim_sched_init(&s, "t");
  sim_sched_level(&s, "l2");
  op(&s, "x", "a", 10, 0, 1, 0, NULL);
  CU_ASSERT_EQUAL(sim_exec_run(e, &s, &a, NULL, &r, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "memory level 'l2'"));
  sim_exec_result_fini(&r);
  sim_sched_fini(&s);
  sim_engine_free(e);
}

static CU_TestInfo tests[] = {
    {"two units overlap, one unit serialises", test_overlap_and_serialise},
    {"shared bandwidth splits, water-filling", test_bandwidth_split},
    {"instances run in waves with a tail", test_waves},
    {"many waves fold into one event, exactly", test_wave_folding},
    {"groups: carried deps, deps across the group", test_groups_and_deps},
    {"a model that simulates ops itself", test_model_driven},
    {"extrapolation equals expansion (40 random pipelines)",
     test_extrapolation_equals_expansion},
    {"16M iterations extrapolated", test_extrapolation_scale},
    {"determinism", test_determinism},
    {"unknown unit kind or level named", test_unknown_names},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"exec", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
