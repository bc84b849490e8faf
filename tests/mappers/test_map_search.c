/*
 * test_map_search.c — the shared mapping-space search (mappers/search.c)
 * on a synthetic space whose optimum is known by construction.
 *
 * Space: a in {1, 2, 4, ..., 64} (7), b in 0..9 (10), c in {x, y, z, w}
 * (4): 280 points.  Constraint (the mapper's valid()): a * (b + 1) <= 256
 * ("the tile fits the buffer").  The estimate also rejects c = w with
 * a = 1.  Cost: (log2 a - 3)^2 + (b - 6)^2 + pen[c], pen = {3, 1, 0.5, 2}:
 * convex along each dimension, minimum 0.5 at a = 8, b = 6, c = z, which
 * is valid (8 * 7 = 56).  The valid points are counted by brute force
 * here, independently of search.c.
 */
#include <math.h>
#include <string.h>

#include "mappers/map.h"
#include "tfsim_test.h"

static const int64_t k_a[] = {1, 2, 4, 8, 16, 32, 64};
static const int64_t k_b[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
static const char *const k_c[] = {"x", "y", "z", "w"};
static const double k_pen[] = {3, 1, 0.5, 2};

static const map_dim k_dims[] = {{.name = "a", .n = 7, .ivals = k_a},
                                 {.name = "b", .n = 10, .ivals = k_b},
                                 {.name = "c", .n = 4, .svals = k_c}};

typedef struct ctx {
  int all_invalid;   /* valid() rejects everything */
  int flat;          /* cost depends on b only: many ties */
  int fail_at_b;     /* >= 0: the estimate fails (SIM_ERANGE) at this b */
  long n_est;        /* estimate calls seen by the hook */
  uint64_t log[64];  /* first points estimated, as a*1000+b*10+c */
  int n_log;
} ctx;

static int fits(void *vc, const map_point *p) {
  ctx *c = vc;
  if (c->all_invalid) return 0;
  return k_a[p->idx[0]] * (k_b[p->idx[1]] + 1) <= 256;
}

static double cost_of(const ctx *c, const map_point *p) {
  double la = log2((double)k_a[p->idx[0]]) - 3, db = (double)k_b[p->idx[1]] - 6;
  return c->flat ? db * db : la * la + db * db + k_pen[p->idx[2]];
}

static int estimate(void *vc, const map_point *p, double *cost) {
  ctx *c = vc;
  c->n_est++;
  if (c->n_log < 64)
    c->log[c->n_log++] = (uint64_t)(k_a[p->idx[0]] * 1000 +
                                    k_b[p->idx[1]] * 10 + p->idx[2]);
  if (c->fail_at_b >= 0 && k_b[p->idx[1]] == c->fail_at_b) return SIM_ERANGE;
  if (p->idx[2] == 3 && k_a[p->idx[0]] == 1) return MAP_INVALID;
  *cost = cost_of(c, p);
  return 0;
}

/* Exact lower bound: the cost with c's penalty replaced by the least. */
static int bound(void *vc, const map_point *p, double *lb) {
  ctx *c = vc;
  *lb = cost_of(c, p) - (c->flat ? 0 : k_pen[p->idx[2]] - 0.5);
  return 0;
}

static const map_space k_space = {.dims = k_dims, .n_dims = 3,
                                  .valid = fits};

static void ctx_init(ctx *c) {
  memset(c, 0, sizeof *c);
  c->fail_at_b = -1;
}

static map_search_cfg cfg_of(map_strategy st, uint64_t seed, uint64_t budget) {
  map_search_cfg g = {.strategy = st, .seed = seed, .budget = budget};
  return g;
}

static void expect_optimum(const map_search_result *r) {
  CU_ASSERT_EQUAL(map_point_int(&k_space, &r->best, 0), 8);
  CU_ASSERT_EQUAL(map_point_int(&k_space, &r->best, 1), 6);
  CU_ASSERT_STRING_EQUAL(map_point_str(&k_space, &r->best, 2), "z");
  CU_ASSERT_EQUAL(r->cost, 0.5);
}

/* Valid points by brute force: (constraint, estimate) rejections. */
static void count_valid(long *n_valid, long *n_con, long *n_est_inv) {
  *n_valid = *n_con = *n_est_inv = 0;
  for (int a = 0; a < 7; a++)
    for (int b = 0; b < 10; b++)
      for (int c = 0; c < 4; c++) {
        if (k_a[a] * (k_b[b] + 1) > 256)
          ++*n_con;
        else if (c == 3 && a == 0)
          ++*n_est_inv;
        else
          ++*n_valid;
      }
}

static void test_exhaustive_finds_optimum(void) {
  ctx c;
  ctx_init(&c);
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 1000);
  map_search_result r;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c, &g, &r,
                                   &err), 0);
  expect_optimum(&r);
  long nv, ncon, nei;
  count_valid(&nv, &ncon, &nei);
  CU_ASSERT_EQUAL(r.n_space, 280);
  CU_ASSERT_EQUAL(r.n_visited, 280);
  CU_ASSERT_EQUAL(r.n_estimated, (uint64_t)(nv + nei));
  CU_ASSERT_EQUAL(r.n_estimated, (uint64_t)c.n_est);
  CU_ASSERT_EQUAL(r.n_invalid, (uint64_t)(ncon + nei));
  CU_ASSERT_EQUAL(r.n_pruned, 0);
  CU_ASSERT(ncon > 0 && nei > 0); /* the test has both invalid kinds */
  /* Point order: exhaustive estimates a=1, b=0, c=x first, then c=y. */
  CU_ASSERT_EQUAL(c.log[0], 1000);
  CU_ASSERT_EQUAL(c.log[1], 1001);
  char buf[64];
  map_point_format(&k_space, &r.best, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL(buf, "a=8 b=6 c=z");
}

/* The bound prunes without changing the answer. */
static void test_bound_prunes(void) {
  ctx c1, c2;
  ctx_init(&c1);
  ctx_init(&c2);
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 1000);
  map_search_result r1, r2;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c1, &g, &r1,
                                   &err), 0);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, bound, &c2, &g, &r2,
                                   &err), 0);
  expect_optimum(&r2);
  CU_ASSERT(r2.n_pruned > 0);
  CU_ASSERT(r2.n_estimated < r1.n_estimated);
  /* Conservation: every point past the constraint is estimated or
   * pruned (this bound never says invalid). */
  CU_ASSERT_EQUAL(r2.n_estimated + r2.n_pruned, r1.n_estimated);
  CU_ASSERT_EQUAL(r2.n_visited, r1.n_visited);
}

static void test_greedy_finds_optimum_visiting_fewer(void) {
  ctx ce, cg, cb;
  ctx_init(&ce);
  ctx_init(&cg);
  ctx_init(&cb);
  map_search_result re, rg, rb;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 1000);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &ce, &g, &re,
                                   &err), 0);
  g = cfg_of(MAP_SEARCH_GREEDY, 0, 1000);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &cg, &g, &rg,
                                   &err), 0);
  expect_optimum(&rg);
  CU_ASSERT(rg.n_visited < re.n_visited);
  CU_ASSERT(rg.n_estimated < re.n_estimated);
  /* At most passes x (7 + 10 + 4): here two passes suffice. */
  CU_ASSERT(rg.n_visited <= 2 * (7 + 10 + 4));
  CU_ASSERT_EQUAL(rg.budget_hit, 0);
  /* With the bound: the same point, fewer estimates still. */
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, bound, &cb, &g, &rb,
                                   &err), 0);
  expect_optimum(&rb);
  CU_ASSERT(rb.n_estimated < rg.n_estimated);
  CU_ASSERT(rb.n_pruned > 0);
}

/* Greedy from an invalid start (a = 64, b = 9: 640 > 256) falls back to
 * the first valid point in order, and from a valid start elsewhere
 * descends to the same optimum. */
static void test_greedy_start(void) {
  map_point bad = {{6, 9, 0}}, far = {{0, 0, 3}};
  for (int k = 0; k < 2; k++) {
    ctx c;
    ctx_init(&c);
    map_search_cfg g = cfg_of(MAP_SEARCH_GREEDY, 0, 1000);
    g.start = k ? &far : &bad;
    map_search_result r;
    sim_err err = {0};
    CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c, &g, &r,
                                     &err), 0);
    expect_optimum(&r);
  }
  map_point out = {{7, 0, 0}}; /* a has 7 candidates: index 7 is out */
  ctx c;
  ctx_init(&c);
  map_search_cfg g = cfg_of(MAP_SEARCH_GREEDY, 0, 1000);
  g.start = &out;
  map_search_result r;
  sim_err err = {0};
  CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "dimension 'a'"));
}

/* Random: the same seed visits the same points and returns the same
 * answer; another seed visits others. */
static void test_random_reproducible(void) {
  ctx c1, c2, c3;
  ctx_init(&c1);
  ctx_init(&c2);
  ctx_init(&c3);
  map_search_result r1, r2, r3;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_RANDOM, 42, 40);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c1, &g, &r1,
                                   &err), 0);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c2, &g, &r2,
                                   &err), 0);
  CU_ASSERT_EQUAL(r1.n_visited, 40);
  CU_ASSERT_EQUAL(r1.budget_hit, 1);
  CU_ASSERT_EQUAL(c1.n_log, c2.n_log);
  CU_ASSERT(memcmp(c1.log, c2.log, sizeof c1.log) == 0);
  CU_ASSERT(memcmp(&r1.best, &r2.best, sizeof r1.best) == 0);
  CU_ASSERT_EQUAL(r1.cost, r2.cost);
  CU_ASSERT_EQUAL(r1.n_estimated, r2.n_estimated);
  g.seed = 43;
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c3, &g, &r3,
                                   &err), 0);
  CU_ASSERT(memcmp(c1.log, c3.log, sizeof c1.log) != 0);
  /* Not the first 40 points in order: the draws are spread. */
  CU_ASSERT(c1.log[0] != 1000 || c1.log[1] != 1001);
}

/* With a budget of the whole space, random finds the optimum for any
 * seed; with 3/4 of it (210 distinct points), for this seed. */
static void test_random_large_budget(void) {
  for (uint64_t seed = 0; seed < 4; seed++) {
    ctx c;
    ctx_init(&c);
    map_search_result r;
    sim_err err = {0};
    map_search_cfg g = cfg_of(MAP_SEARCH_RANDOM, seed, 280);
    CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c, &g, &r,
                                     &err), 0);
    expect_optimum(&r);
    CU_ASSERT_EQUAL(r.n_visited, 280);
  }
  ctx c;
  ctx_init(&c);
  map_search_result r;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_RANDOM, 1, 210);
  CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c, &g, &r,
                                   &err), 0);
  expect_optimum(&r);
  CU_ASSERT_EQUAL(r.n_visited, 210);
}

/* Equal costs: every strategy returns the earliest point in order. */
static void test_ties_by_point_order(void) {
  map_strategy st[] = {MAP_SEARCH_EXHAUSTIVE, MAP_SEARCH_RANDOM,
                       MAP_SEARCH_GREEDY};
  for (int k = 0; k < 3; k++) {
    ctx c;
    ctx_init(&c);
    c.flat = 1; /* cost (b - 6)^2: every a and c ties */
    map_search_result r;
    sim_err err = {0};
    map_search_cfg g = cfg_of(st[k], 5, 280);
    if (st[k] == MAP_SEARCH_GREEDY) {
      static const map_point s = {{3, 0, 2}}; /* starts at a=8, c=z */
      g.start = &s;
    }
    CU_ASSERT_EQUAL_FATAL(map_search(&k_space, estimate, NULL, &c, &g, &r,
                                     &err), 0);
    CU_ASSERT_EQUAL(r.best.idx[0], 0);
    CU_ASSERT_EQUAL(r.best.idx[1], 6);
    CU_ASSERT_EQUAL(r.best.idx[2], 0);
    CU_ASSERT_EQUAL(r.cost, 0);
  }
}

static void test_all_invalid(void) {
  map_strategy st[] = {MAP_SEARCH_EXHAUSTIVE, MAP_SEARCH_RANDOM,
                       MAP_SEARCH_GREEDY};
  for (int k = 0; k < 3; k++) {
    ctx c;
    ctx_init(&c);
    c.all_invalid = 1;
    map_search_result r;
    sim_err err = {0};
    map_search_cfg g = cfg_of(st[k], 1, 1000);
    CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err),
                    SIM_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "map search: no valid mapping: all 280 "
                           "points of the space (a 7 x b 10 x c 4) are "
                           "invalid (280 by the mapper's constraint, 0 by "
                           "its estimate)");
    CU_ASSERT_EQUAL(c.n_est, 0);
  }
  /* A budget too small to reach a valid point says so. */
  ctx c;
  ctx_init(&c);
  c.all_invalid = 1;
  map_search_result r;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_RANDOM, 1, 10);
  CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no valid mapping among the 10 "
                                         "points visited (budget=10) of the "
                                         "280"));
}

static void test_exhaustive_cap(void) {
  ctx c;
  ctx_init(&c);
  map_search_result r;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 279);
  CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "map search: exhaustive search over 280 "
                         "points (a 7 x b 10 x c 4) exceeds budget=279; "
                         "raise --map-opt budget or sample with --map-opt "
                         "search=random");
  CU_ASSERT_EQUAL(c.n_est, 0); /* refused before any estimate */
  g.budget = 280;
  CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err), 0);
}

/* A hook's error stops the search and names the point. */
static void test_estimate_error(void) {
  ctx c;
  ctx_init(&c);
  c.fail_at_b = 3;
  map_search_result r;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 1000);
  CU_ASSERT_EQUAL(map_search(&k_space, estimate, NULL, &c, &g, &r, &err),
                  SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the estimate failed at a=1 b=3 "
                                         "c=x"));
}

/* A space declared wrong is a mapper bug, named. */
static void test_bad_space(void) {
  ctx c;
  ctx_init(&c);
  map_search_result r;
  sim_err err = {0};
  map_search_cfg g = cfg_of(MAP_SEARCH_EXHAUSTIVE, 0, 1000);
  map_dim d[2] = {{.name = "a", .n = 7, .ivals = k_a},
                  {.name = "e", .n = 0, .ivals = k_a}};
  map_space s = {.dims = d, .n_dims = 2};
  CU_ASSERT_EQUAL(map_search(&s, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "dimension 'e' has no candidates"));
  d[1].n = 4;
  d[1].svals = k_c;
  CU_ASSERT_EQUAL(map_search(&s, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "exactly one"));
  s.n_dims = 0;
  CU_ASSERT_EQUAL(map_search(&s, estimate, NULL, &c, &g, &r, &err),
                  SIM_EINTERNAL);
  /* 2^64 points or more: 12 dims of 2^16 - 1 candidates. */
  static map_dim big[MAP_DIM_MAX];
  for (int i = 0; i < MAP_DIM_MAX; i++)
    big[i] = (map_dim){.name = "t", .n = 65535, .ivals = k_a};
  map_space sb = {.dims = big, .n_dims = MAP_DIM_MAX};
  uint64_t n;
  CU_ASSERT_EQUAL(map_space_size(&sb, &n, &err), SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2^64 points or more"));
  CU_ASSERT_EQUAL(map_space_size(&k_space, &n, &err), 0);
  CU_ASSERT_EQUAL(n, 280);
  CU_ASSERT_EQUAL(map_space_dim(&k_space, "c"), 2);
  CU_ASSERT_EQUAL(map_space_dim(&k_space, "q"), -1);
}

/* The shared option fragment: a mapper includes it in its table and the
 * user's --map-opt values reach map_search_cfg. */
static const map_opt_def k_opts[] = {
    MAP_SEARCH_OPTS("greedy", "5000"),
    {.key = "tile", .type = MAP_OPT_INT, .dflt = "8", .imin = 1, .imax = 64,
     .help = "a mapper's own option"},
    {0}};

static int noop_map(const wl_cascade *w, const arch_model *a,
                    const map_opts *o, sim_sched *out, sim_err *err) {
  return 0;
}

static const map_ops k_mapper = {.iVersion = 2, .name = "tiles",
                                 .arch_cls = "ideal", .summary = "test",
                                 .map = noop_map, .opts = k_opts};

static void test_search_options(void) {
  map_opts *o = NULL;
  sim_err err = {0};
  map_search_cfg g;
  CU_ASSERT_EQUAL_FATAL(map_opts_new(&k_mapper, NULL, 0, &o, &err), 0);
  map_search_cfg_from(o, &g);
  CU_ASSERT_EQUAL(g.strategy, MAP_SEARCH_GREEDY);
  CU_ASSERT_EQUAL(g.budget, 5000);
  CU_ASSERT_EQUAL(g.seed, 1);
  CU_ASSERT_PTR_NULL(g.start);
  map_opts_free(o);
  const char *kv[] = {"search=random", "seed=7", "budget=40", "tile=16"};
  CU_ASSERT_EQUAL_FATAL(map_opts_new(&k_mapper, kv, 4, &o, &err), 0);
  map_search_cfg_from(o, &g);
  CU_ASSERT_EQUAL(g.strategy, MAP_SEARCH_RANDOM);
  CU_ASSERT_EQUAL(g.seed, 7);
  CU_ASSERT_EQUAL(g.budget, 40);
  CU_ASSERT_EQUAL(map_opt_int(o, "tile"), 16);
  map_opts_free(o);
  const char *bad[] = {"search=annealing"};
  CU_ASSERT_EQUAL(map_opts_new(&k_mapper, bad, 1, &o, &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--map-opt: search=annealing: not an "
                         "allowed value; allowed: exhaustive|random|greedy");
  const char *zero[] = {"budget=0"};
  CU_ASSERT_EQUAL(map_opts_new(&k_mapper, zero, 1, &o, &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--map-opt: budget=0: out of range; "
                         "allowed: 1..100000000");
  const char *nk[] = {"nosuch=1"};
  CU_ASSERT_EQUAL(map_opts_new(&k_mapper, nk, 1, &o, &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--map-opt: mapper 'tiles' has no option "
                         "'nosuch' (allowed: search, seed, budget, tile)");
}

static CU_TestInfo tests[] = {
    {"exhaustive finds the known optimum", test_exhaustive_finds_optimum},
    {"a lower bound prunes, same answer", test_bound_prunes},
    {"greedy finds it visiting fewer points",
     test_greedy_finds_optimum_visiting_fewer},
    {"greedy from an invalid or a far start", test_greedy_start},
    {"random: same seed, same points", test_random_reproducible},
    {"random: a large budget finds the optimum", test_random_large_budget},
    {"ties go to the earlier point", test_ties_by_point_order},
    {"an all-invalid space is a clear error", test_all_invalid},
    {"exhaustive cap names the space size", test_exhaustive_cap},
    {"a hook's error names the point", test_estimate_error},
    {"a space declared wrong", test_bad_space},
    {"search options through the shared fragment", test_search_options},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {{"map_search", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
