/*
 * test_arch_presets.c — finding architecture presets by name
 * (arch_preset_dir, arch_preset_path, arch_load with a name), the lookup
 * every front end shares.
 *
 * What is checked: a preset is found by its file name without .yaml
 * ("ideal") and by its `name:` ("ideal-a100"); in the source tree when
 * nothing else is set; in $TFSIM_DATA_DIR/configs when that is set (an
 * installed layout), and $TFSIM_ARCH_DIR before it; an unknown name is
 * SIM_ENOENT and a path-like name SIM_EINVAL; arch_load takes a name and
 * says "no such file, nor a preset" for an unknown one.  The lookup next
 * to an installed executable is exercised end to end by the install_tree
 * test (tests/install_test.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"
#include "tfsim_test.h"

#define SRC_CONFIGS TFSIM_SOURCE_DIR "/arch/configs"

static char g_tmp[128];

static int setup(void) {
  unsetenv("TFSIM_ARCH_DIR");
  unsetenv("TFSIM_DATA_DIR");
  snprintf(g_tmp, sizeof g_tmp, "/tmp/tfsim-presets-XXXXXX");
  return mkdtemp(g_tmp) ? 0 : -1;
}

static int teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
  return system(cmd) == 0 ? 0 : 0;
}

static void test_source_tree(void) {
  char buf[4096];
  CU_ASSERT_EQUAL(arch_preset_dir(buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, SRC_CONFIGS);
  CU_ASSERT_EQUAL(arch_preset_path("ideal", buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, SRC_CONFIGS "/ideal.yaml");
  CU_ASSERT_EQUAL(arch_preset_path("ideal.yaml", buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, SRC_CONFIGS "/ideal.yaml");
  CU_ASSERT_EQUAL(arch_preset_path("ideal-a100", buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, SRC_CONFIGS "/ideal.yaml");
  CU_ASSERT_EQUAL(arch_preset_path("ddr4-3200-8gb-x8-1ch1r", buf, sizeof buf),
                  0);
  CU_ASSERT_STRING_EQUAL(buf, SRC_CONFIGS "/ddr4-3200-8gb-x8-1ch1r.yaml");
  CU_ASSERT_EQUAL(arch_preset_path("no-such-preset", buf, sizeof buf),
                  SIM_ENOENT);
  CU_ASSERT_EQUAL(arch_preset_path("arch/configs/ideal", buf, sizeof buf),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(arch_preset_path("", buf, sizeof buf), SIM_EINVAL);
  /* Too small a buffer is an error, not a truncated path. */
  CU_ASSERT_EQUAL(arch_preset_path("ideal", buf, 8), SIM_EINVAL);
}

static void test_arch_load_by_name(void) {
  arch_model m;
  sim_err err = {0};
  int rc = arch_load(&m, "ideal", NULL, 0, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_STRING_EQUAL(m.ops->cls, "ideal");
  CU_ASSERT_STRING_EQUAL(m.cfg.path, SRC_CONFIGS "/ideal.yaml");
  arch_unload(&m);
  CU_ASSERT_EQUAL(arch_load(&m, "ddr4-3200-8gb-x8-1ch1r", NULL, 0, &err), 0);
  CU_ASSERT_STRING_EQUAL(m.ops->cls, "dram");
  arch_unload(&m);
  CU_ASSERT_EQUAL(arch_load(&m, "nope", NULL, 0, &err), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nope: no such file, nor a preset"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tfsim list archs"));
  /* A path is a path: no preset lookup. */
  CU_ASSERT_EQUAL(arch_load(&m, "./ideal", NULL, 0, &err), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot read file"));
}

static void test_env_overrides(void) {
  char cfgs[256], f[300], buf[4096];
  snprintf(cfgs, sizeof cfgs, "%s/configs", g_tmp);
  CU_ASSERT_EQUAL_FATAL(mkdir(cfgs, 0755), 0);
  snprintf(f, sizeof f, "%s/mine.yaml", cfgs);
  FILE *fp = fopen(f, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
  fputs("name: my-machine\nclass: ideal\n", fp);
  fclose(fp);
  setenv("TFSIM_DATA_DIR", g_tmp, 1);
  CU_ASSERT_EQUAL(arch_preset_dir(buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, cfgs);
  CU_ASSERT_EQUAL(arch_preset_path("mine", buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, f);
  CU_ASSERT_EQUAL(arch_preset_path("my-machine", buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, f);
  /* Only that folder is searched. */
  CU_ASSERT_EQUAL(arch_preset_path("ideal", buf, sizeof buf), SIM_ENOENT);
  /* TFSIM_ARCH_DIR (the folder itself) comes first. */
  setenv("TFSIM_ARCH_DIR", SRC_CONFIGS, 1);
  CU_ASSERT_EQUAL(arch_preset_path("ideal", buf, sizeof buf), 0);
  CU_ASSERT_EQUAL(arch_preset_path("mine", buf, sizeof buf), SIM_ENOENT);
  unsetenv("TFSIM_ARCH_DIR");
  /* A data folder without configs/ is reported, naming it. */
  setenv("TFSIM_DATA_DIR", "/nonexistent-tfsim", 1);
  CU_ASSERT_EQUAL(arch_preset_dir(buf, sizeof buf), SIM_ENOENT);
  CU_ASSERT_STRING_EQUAL(buf, "/nonexistent-tfsim/configs");
  unsetenv("TFSIM_DATA_DIR");
}

static CU_TestInfo tests[] = {
    {"presets in the source tree, by file and by name", test_source_tree},
    {"arch_load takes a preset name", test_arch_load_by_name},
    {"TFSIM_DATA_DIR and TFSIM_ARCH_DIR", test_env_overrides},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"arch.presets", setup, teardown, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
