/*
 * test_clock.c — clock domains: the helpers against closed-form values
 * (golden), and clocked processes whose cycle counts and end times follow
 * analytically from their periods.
 */
#include "sim/sim.h"
#include "tfsim_test.h"

static void test_cycles_edges(void) {
  const sim_clock c = {1000, 0};
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 0), 0);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 999), 0);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 1000), 1);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 2500), 2);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, UINT64_MAX), UINT64_MAX / 1000);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 0), 0);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 1), 1000);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 1000), 1000);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 1001), 2000);
  CU_ASSERT_EQUAL(sim_clock_time(&c, 0), 0);
  CU_ASSERT_EQUAL(sim_clock_time(&c, 3), 3000);
  /* The last representable edge, and overflow past it. */
  const uint64_t last = UINT64_MAX / 1000;
  CU_ASSERT_EQUAL(sim_clock_time(&c, last), last * 1000);
  CU_ASSERT_EQUAL(sim_clock_time(&c, last + 1), SIM_T_NEVER);
  CU_ASSERT_EQUAL(sim_clock_time(&c, UINT64_MAX), SIM_T_NEVER);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, last * 1000 + 1), SIM_T_NEVER);
}

static void test_phase(void) {
  const sim_clock c = {1000, 250};
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 0), 0);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 250), 0);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 1249), 0);
  CU_ASSERT_EQUAL(sim_clock_cycles(&c, 1250), 1);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 0), 250);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 250), 250);
  CU_ASSERT_EQUAL(sim_clock_next_edge(&c, 251), 1250);
  CU_ASSERT_EQUAL(sim_clock_time(&c, 2), 2250);
  const sim_clock d = {3, UINT64_MAX - 1};
  CU_ASSERT_EQUAL(sim_clock_time(&d, 0), UINT64_MAX - 1);
  CU_ASSERT_EQUAL(sim_clock_time(&d, 1), SIM_T_NEVER);
}

/* A process that ticks on every edge of its domain until a deadline. */
typedef struct ticker {
  const sim_clock *clk;
  uint64_t ticks, until_ps;
} ticker;

static void tick(sim_engine *e, void *ctx, uint64_t arg) {
  ticker *k = ctx;
  k->ticks++;
  uint64_t next = sim_clock_time(k->clk, arg + 1);
  if (next <= k->until_ps) sim_schedule(e, next, 0, tick, k, arg + 1, NULL);
}

/* 1 us of a 1 GHz core and a 1.6 GHz DRAM clock (625 ps): 1001 and 1601
 * edges including t = 0, the last at exactly 1 us; each domain reports
 * its own cycle count at the end. */
static void test_two_domains_golden(void) {
  sim_engine *e = sim_engine_new();
  int core = sim_clock_add(e, "core", 1000);
  int dram = sim_clock_add(e, "dram", 625);
  CU_ASSERT_FATAL(core >= 0 && dram >= 0);
  ticker a = {sim_clock_get(e, core), 0, 1000000};
  ticker b = {sim_clock_get(e, dram), 0, 1000000};
  sim_schedule(e, 0, 0, tick, &a, 0, NULL);
  sim_schedule(e, 0, 1, tick, &b, 0, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 1001 + 1601);
  CU_ASSERT_EQUAL(a.ticks, 1001);
  CU_ASSERT_EQUAL(b.ticks, 1601);
  CU_ASSERT_EQUAL(sim_now(e), 1000000);
  CU_ASSERT_EQUAL(sim_clock_cycles(sim_clock_get(e, core), sim_now(e)), 1000);
  CU_ASSERT_EQUAL(sim_clock_cycles(sim_clock_get(e, dram), sim_now(e)), 1600);
  sim_engine_free(e);
}

static CU_TestInfo tests[] = {
    {"cycles, edges, overflow", test_cycles_edges},
    {"phase", test_phase},
    {"two domains for 1 us (golden)", test_two_domains_golden},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"clock", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
