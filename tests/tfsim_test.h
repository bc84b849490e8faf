/*
 * tfsim_test.h — the small harness every CUnit suite uses: a main() that
 * runs the registered suites in basic mode and exits non-zero on any
 * failure, so CTest sees it.  Usage:
 *
 *   static CU_TestInfo tests[] = { {"name", fn}, CU_TEST_INFO_NULL };
 *   static CU_SuiteInfo suites[] = { {"engine", NULL, NULL, NULL, NULL,
 *                                      tests}, CU_SUITE_INFO_NULL };
 *   TFSIM_TEST_MAIN(suites)
 */
#ifndef TFSIM_TEST_H
#define TFSIM_TEST_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>

static inline int tfsim_test_run(CU_SuiteInfo *suites) {
  if (CU_initialize_registry() != CUE_SUCCESS) return 2;
  if (CU_register_suites(suites) != CUE_SUCCESS) {
    fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 2;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() +
                    CU_get_number_of_tests_failed();
  unsigned ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  if (ran == 0) {
    fprintf(stderr, "no test ran\n");
    return 1;
  }
  return failed ? 1 : 0;
}

#define TFSIM_TEST_MAIN(suites)                                               \
  int main(void) { return tfsim_test_run(suites); }

#endif
