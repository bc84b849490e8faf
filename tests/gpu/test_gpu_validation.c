/*
 * test_gpu_validation.c — `tfsim validate --suite gpu` as a test: the
 * long-context peak analysis (Yi-34B on A100-80GB, ideal mode) must pass,
 * FlashAttention-2 and FlashAttention rows must exist for every cell of
 * the paper's table, every miss must carry its reason, and FA2 must beat
 * FA1 which must beat standard attention in every cell.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mappers/map.h"
#include "tfsim_test.h"

static void test_suite(void) {
  sim_val_table t = {0};
  sim_err err = {0};
  int rc = map_gpu_validate(&t, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  int n_fa2 = 0, n_fa1 = 0, fu_pass = 0;
  for (size_t i = 0; i < t.n; i++) {
    const sim_val_row *r = &t.rows[i];
    if (!strncmp(r->item, "fa2/", 4)) n_fa2++;
    if (!strncmp(r->item, "fa1/", 4)) n_fa1++;
    if (!strncmp(r->item, "yi34b/ideal/", 12) && !isnan(r->published))
      fu_pass += sim_val_check(r) == SIM_VAL_PASS;
    if (sim_val_check(r) == SIM_VAL_MISS)
      CU_ASSERT(strlen(r->note) > 0); /* a miss says why */
    /* fa2 row i, fa1 row i + 1, standard row i + 2 (to 8k). */
    if (!strncmp(r->item, "fa2/", 4) && i + 1 < t.n)
      CU_ASSERT(r->ours > t.rows[i + 1].ours);
    if (!strncmp(r->item, "fa2/", 4) && i + 2 < t.n &&
        !strncmp(t.rows[i + 2].item, "standard/", 9))
      CU_ASSERT(r->ours > t.rows[i + 2].ours);
  }
  CU_ASSERT_EQUAL(n_fa2, 24);
  CU_ASSERT_EQUAL(n_fa1, 24);
  CU_ASSERT_EQUAL(fu_pass, 3);
  sim_val_free(&t);
}

/* The same inputs give bit-identical figures. */
static void test_deterministic(void) {
  sim_val_table a = {0}, b = {0};
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_gpu_validate(&a, &err), 0);
  CU_ASSERT_EQUAL_FATAL(map_gpu_validate(&b, &err), 0);
  CU_ASSERT_EQUAL_FATAL(a.n, b.n);
  for (size_t i = 0; i < a.n; i++)
    CU_ASSERT(memcmp(&a.rows[i].ours, &b.rows[i].ours, sizeof(double)) == 0);
  sim_val_free(&a);
  sim_val_free(&b);
}

static CU_TestInfo tests[] = {{"gpu suite", test_suite},
                              {"deterministic", test_deterministic},
                              CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"gpu_validation", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
