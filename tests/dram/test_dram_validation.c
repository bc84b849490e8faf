/*
 * test_dram_validation.c — the DRAMsim3 validation (tfsim validate --suite
 * dram) as a test: seq, rand and mix, 1,048,576 requests each, on the
 * DDR4-3200 preset, with the protocol checker on every run.  Total cycles
 * must lie within 2 % and the row-buffer hit rate within 0.01 of the
 * published DRAMsim3 figures (shared/validation/dram/README.md, copied with
 * their source into arch/dram/dram_validate.c); the informational rows
 * (latency, ACT count, energy) within their stated tolerances.  The HBM2
 * rows have no published figure and only need to be sane.  Labelled
 * `validation` (about 5 s with the checker; not `slow`).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/dram/dram.h"
#include "tfsim_test.h"

static void test_against_dramsim3(void) {
  sim_val_table t = {0};
  sim_err err = {0};
  int rc = dram_validate_n(&t, (size_t)1 << 20, 1, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_EQUAL(t.n, 30);
  int cycles = 0, hits = 0;
  for (size_t i = 0; i < t.n; i++) {
    const sim_val_row *r = &t.rows[i];
    printf("\n  %-16s %-24s published %14.6g ours %14.6g", r->item,
           r->metric, r->published, r->ours);
    if (isnan(r->published)) {
      CU_ASSERT(r->ours > 0 || strcmp(r->metric, "row_hit_rate") == 0);
      continue;
    }
    CU_ASSERT(sim_val_pass(r));
    if (strcmp(r->metric, "cycles") == 0) {
      cycles++;
      CU_ASSERT(fabs(r->ours / r->published - 1) <= 0.02);
    }
    if (strcmp(r->metric, "row_hit_rate") == 0) {
      hits++;
      CU_ASSERT(fabs(r->ours - r->published) <= 0.01);
    }
  }
  printf("\n");
  CU_ASSERT_EQUAL(cycles, 3);
  CU_ASSERT_EQUAL(hits, 3);
  sim_val_free(&t);
}

static CU_TestInfo k_tests[] = {
    {"seq/rand/mix vs DRAMsim3 (1M requests)", test_against_dramsim3},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo k_suites[] = {
    {"dram-validation", NULL, NULL, NULL, NULL, k_tests},
    CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(k_suites)
