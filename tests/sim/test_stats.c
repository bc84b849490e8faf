/*
 * test_stats.c — the statistics registry (sim/stats.c), and the report
 * and validation helpers built on it (sim/report.c): registration once by
 * (component, name), kind and unit checks, the four kinds, reset, lookup,
 * many statistics, the energy sum of a report, and tolerance checks.
 */
#include "sim/sim.h"
#include "tfsim_test.h"

#include <math.h>
#include <string.h>

static void test_register_and_update(void) {
  sim_stats *s = sim_stats_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  CU_ASSERT_EQUAL(sim_stat_count(s), 0);
  CU_ASSERT_EQUAL(sim_stat_find(s, "dram", "reads"), SIM_ENOENT);
  int rd = sim_stat_register(s, "dram", "reads", "cmds", SIM_STAT_COUNT);
  int e = sim_stat_register(s, "dram", "act_energy", "pJ", SIM_STAT_SUM);
  int mx = sim_stat_register(s, "ctrl", "queue_max", "reqs", SIM_STAT_MAX);
  int v = sim_stat_register(s, "ctrl", "util", "", SIM_STAT_VALUE);
  CU_ASSERT_EQUAL(rd, 0);
  CU_ASSERT_EQUAL(e, 1);
  CU_ASSERT_EQUAL(mx, 2);
  CU_ASSERT_EQUAL(v, 3);
  CU_ASSERT_EQUAL(sim_stat_count(s), 4);

  sim_stat_add(s, rd, 5);
  sim_stat_add(s, rd, 7);
  sim_stat_addf(s, e, 1.5);
  sim_stat_addf(s, e, 2.25);
  sim_stat_setf(s, mx, 3);
  sim_stat_setf(s, mx, 9);
  sim_stat_setf(s, mx, 4);
  sim_stat_setf(s, v, 0.75);
  sim_stat_setf(s, v, 0.5);
  CU_ASSERT_EQUAL(sim_stat_u64(s, rd), 12);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, rd), 12.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, e), 3.75, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, mx), 9.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, v), 0.5, 0);
  CU_ASSERT_EQUAL(sim_stat_u64(s, mx), 9);
  CU_ASSERT_EQUAL(sim_stat_u64(s, v), 0);

  CU_ASSERT_STRING_EQUAL(sim_stat_component(s, e), "dram");
  CU_ASSERT_STRING_EQUAL(sim_stat_name(s, e), "act_energy");
  CU_ASSERT_STRING_EQUAL(sim_stat_unit(s, e), "pJ");
  CU_ASSERT_EQUAL(sim_stat_kind_of(s, mx), SIM_STAT_MAX);
  CU_ASSERT_EQUAL(sim_stat_find(s, "ctrl", "util"), v);
  CU_ASSERT_EQUAL(sim_stat_find(s, "ctrl", "reads"), SIM_ENOENT);
  CU_ASSERT_PTR_NULL(sim_stat_name(s, 4));
  CU_ASSERT_PTR_NULL(sim_stat_name(s, -1));
  CU_ASSERT_EQUAL(sim_stat_u64(s, 99), 0);
  sim_stats_free(s);
  sim_stats_free(NULL);
}

static void test_duplicates_and_errors(void) {
  sim_stats *s = sim_stats_new();
  int h = sim_stat_register(s, "bank0", "acts", "cmds", SIM_STAT_COUNT);
  CU_ASSERT(h >= 0);
  sim_stat_add(s, h, 3);
  CU_ASSERT_EQUAL(sim_stat_register(s, "bank0", "acts", "cmds",
                                    SIM_STAT_COUNT), h);
  CU_ASSERT_EQUAL(sim_stat_u64(s, h), 3); /* re-registering keeps the value */
  CU_ASSERT_EQUAL(sim_stat_register(s, "bank0", "acts", "cmds", SIM_STAT_SUM),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_stat_register(s, "bank0", "acts", "B", SIM_STAT_COUNT),
                  SIM_EINVAL);
  /* Same name, other component; the separator keeps ("ab","c") apart
   * from ("a","bc"). */
  int h2 = sim_stat_register(s, "bank1", "acts", "cmds", SIM_STAT_COUNT);
  int h3 = sim_stat_register(s, "ab", "c", "", SIM_STAT_COUNT);
  int h4 = sim_stat_register(s, "a", "bc", "", SIM_STAT_COUNT);
  CU_ASSERT(h2 > h && h3 > h2 && h4 > h3);
  CU_ASSERT_EQUAL(sim_stat_count(s), 4);
  CU_ASSERT_EQUAL(sim_stat_register(s, NULL, "x", "", SIM_STAT_COUNT),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_stat_register(s, "c", "", "", SIM_STAT_COUNT),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_stat_register(s, "c", "x", "", (sim_stat_kind)7),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_stat_register(NULL, "c", "x", "", SIM_STAT_COUNT),
                  SIM_EINVAL);
  int hn = sim_stat_register(s, "c", "nounit", NULL, SIM_STAT_VALUE);
  CU_ASSERT_STRING_EQUAL(sim_stat_unit(s, hn), "");
  CU_ASSERT_EQUAL(sim_stat_count(s), 5);
  sim_stats_free(s);
}

static void test_reset(void) {
  sim_stats *s = sim_stats_new();
  int a = sim_stat_register(s, "x", "a", "B", SIM_STAT_COUNT);
  int b = sim_stat_register(s, "x", "b", "pJ", SIM_STAT_SUM);
  int c = sim_stat_register(s, "x", "c", "", SIM_STAT_MAX);
  sim_stat_add(s, a, 10);
  sim_stat_addf(s, b, 2.5);
  sim_stat_setf(s, c, 7);
  sim_stats_reset(s);
  CU_ASSERT_EQUAL(sim_stat_count(s), 3);
  CU_ASSERT_EQUAL(sim_stat_find(s, "x", "b"), b);
  CU_ASSERT_EQUAL(sim_stat_u64(s, a), 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, b), 0, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_stat_f64(s, c), 0, 0);
  sim_stat_add(s, a, 1); /* handles still work */
  CU_ASSERT_EQUAL(sim_stat_u64(s, a), 1);
  sim_stats_free(s);
}

/* Thousands of statistics (per-bank counters): handles are dense, in
 * registration order, and every one is found again. */
static void test_many(void) {
  sim_stats *s = sim_stats_new();
  char comp[32], name[32];
  enum { N = 5000 };
  for (int i = 0; i < N; i++) {
    snprintf(comp, sizeof comp, "ch%d.bank%d", i / 16, i % 16);
    snprintf(name, sizeof name, "acts");
    CU_ASSERT_EQUAL(sim_stat_register(s, comp, name, "cmds", SIM_STAT_COUNT),
                    i);
    sim_stat_add(s, i, (uint64_t)i);
  }
  int ok = 1;
  for (int i = 0; i < N; i++) {
    snprintf(comp, sizeof comp, "ch%d.bank%d", i / 16, i % 16);
    ok &= sim_stat_find(s, comp, "acts") == i;
    ok &= sim_stat_u64(s, i) == (uint64_t)i;
  }
  CU_ASSERT(ok);
  CU_ASSERT_EQUAL(sim_stat_count(s), N);
  sim_stats_free(s);
}

static void test_engine_owns_stats(void) {
  sim_engine *e1 = sim_engine_new(), *e2 = sim_engine_new();
  sim_stats *s1 = sim_engine_stats(e1), *s2 = sim_engine_stats(e2);
  CU_ASSERT_PTR_NOT_NULL(s1);
  CU_ASSERT_PTR_NOT_EQUAL(s1, s2);
  CU_ASSERT_PTR_EQUAL(sim_engine_stats(e1), s1);
  int h = sim_stat_register(s1, "x", "n", "", SIM_STAT_COUNT);
  sim_stat_add(s1, h, 1);
  CU_ASSERT_EQUAL(sim_stat_count(s2), 0);
  sim_engine_free(e1);
  sim_engine_free(e2);
}

/* The report's energy is the sum of the pJ SUM statistics: other units
 * and kinds do not count. */
static void test_report_energy(void) {
  sim_report r;
  CU_ASSERT_EQUAL_FATAL(sim_report_init(&r), 0);
  int a = sim_stat_register(r.stats, "dram", "energy", "pJ", SIM_STAT_SUM);
  int b = sim_stat_register(r.stats, "pe", "energy", "pJ", SIM_STAT_SUM);
  int c = sim_stat_register(r.stats, "pe", "peak", "pJ", SIM_STAT_MAX);
  int d = sim_stat_register(r.stats, "pe", "bytes", "B", SIM_STAT_SUM);
  sim_stat_addf(r.stats, a, 100.5);
  sim_stat_addf(r.stats, b, 20.25);
  sim_stat_setf(r.stats, c, 1e6);
  sim_stat_addf(r.stats, d, 1e6);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r), 120.75, 1e-12);
  CU_ASSERT_EQUAL(sim_report_metric(&r, "row_hit_rate", 0.5), 0);
  CU_ASSERT_EQUAL(sim_report_metric(&r, "row_hit_rate", 0.75), 0);
  CU_ASSERT_EQUAL(r.n_metrics, 1);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_get(&r, "row_hit_rate", -1), 0.75, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_get(&r, "missing", -1), -1, 0);
  sim_op_record op;
  memset(&op, 0, sizeof op);
  for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(sim_report_push_op(&r, &op), 0);
  CU_ASSERT_EQUAL(r.n_ops, 100);
  sim_report_fini(&r);
  CU_ASSERT_PTR_NULL(r.stats);
}

static void test_val_helpers(void) {
  sim_val_row row;
  memset(&row, 0, sizeof row);
  row.published = 200;
  row.ours = 203;
  row.tol = 0.02;
  CU_ASSERT_DOUBLE_EQUAL(sim_val_error(&row), 0.015, 1e-12);
  CU_ASSERT_TRUE(sim_val_pass(&row));
  row.ours = 205;
  CU_ASSERT_FALSE(sim_val_pass(&row));
  row.tol_abs = 1;
  row.tol = 5;
  CU_ASSERT_DOUBLE_EQUAL(sim_val_error(&row), 5, 0);
  CU_ASSERT_TRUE(sim_val_pass(&row));
  row.published = -100; /* relative to |published| */
  row.ours = -101;
  row.tol_abs = 0;
  row.tol = 0.01;
  CU_ASSERT_DOUBLE_EQUAL(sim_val_error(&row), 0.01, 1e-12);
  sim_val_table t = {0};
  for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(sim_val_add(&t, &row), 0);
  CU_ASSERT_EQUAL(t.n, 40);
  sim_val_free(&t);
  CU_ASSERT_EQUAL(t.n, 0);
  CU_ASSERT(isfinite(sim_val_error(&row)));
}

static CU_TestInfo tests[] = {
    {"register and update", test_register_and_update},
    {"duplicates, kind and unit mismatch", test_duplicates_and_errors},
    {"reset keeps registrations", test_reset},
    {"many statistics", test_many},
    {"engine-owned registry", test_engine_owns_stats},
    {"report energy sum", test_report_energy},
    {"validation helpers", test_val_helpers},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"stats", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
