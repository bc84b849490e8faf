/*
 * test_map_opts.c — mapper options (mappers/opts.c) against a synthetic
 * mapper that declares one option of every type.
 *
 * Defaults apply when nothing is given; user values override them, typed;
 * each kind of bad input (not key=value, unknown key, bad integer, out of
 * range, not in the enum, not a boolean, a key given twice) is SIM_EINVAL
 * with one line naming the key and what is allowed; a table whose default
 * its own range rejects is SIM_EINTERNAL; every registered mapper's table
 * parses with no options given; map_run rejects an unknown key before the
 * mapper runs.
 */
#include <string.h>

#include "mappers/map.h"
#include "tfsim_test.h"

static const char *const k_orders[] = {"mnk", "mkn", "nkm", NULL};

static const map_opt_def k_defs[] = {
    {.key = "tile", .type = MAP_OPT_INT, .dflt = "64", .imin = 1,
     .imax = 4096, .help = "tile edge"},
    {.key = "alpha", .type = MAP_OPT_FLOAT, .dflt = "0.5", .fmin = 0,
     .fmax = 1, .help = "a fraction"},
    {.key = "fuse", .type = MAP_OPT_BOOL, .dflt = "false", .help = "fuse"},
    {.key = "order", .type = MAP_OPT_ENUM, .dflt = "mkn",
     .values = k_orders, .help = "loop order"},
    {.key = "any", .type = MAP_OPT_INT, .dflt = "-5", .help = "unbounded"},
    {0}};

static int fake_map(const wl_cascade *w, const arch_model *a,
                    const map_opts *o, sim_sched *out, sim_err *err) {
  return 0;
}

static const map_ops k_fake = {.iVersion = 2, .name = "fake",
                               .arch_cls = "ideal", .summary = "test",
                               .map = fake_map, .opts = k_defs};

static int one_line(const char *s) { return s[0] && !strchr(s, '\n'); }

static void test_defaults(void) {
  map_opts *o = (map_opts *)1;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_opts_new(&k_fake, NULL, 0, &o, &err), 0);
  CU_ASSERT_EQUAL(map_opt_int(o, "tile"), 64);
  CU_ASSERT_EQUAL(map_opt_float(o, "alpha"), 0.5);
  CU_ASSERT_EQUAL(map_opt_bool(o, "fuse"), 0);
  CU_ASSERT_STRING_EQUAL(map_opt_enum(o, "order"), "mkn");
  CU_ASSERT_EQUAL(map_opt_enum_index(o, "order"), 1);
  CU_ASSERT_EQUAL(map_opt_int(o, "any"), -5);
  CU_ASSERT_EQUAL(map_opt_given(o, "tile"), 0);
  map_opts_free(o);
  map_opts_free(NULL);
}

static void test_values(void) {
  const char *kv[] = {"tile=128", "alpha=1", "fuse=on", "order=nkm",
                      "any=-9223372036854775808"};
  map_opts *o = NULL;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(map_opts_new(&k_fake, kv, 5, &o, &err), 0);
  CU_ASSERT_EQUAL(map_opt_int(o, "tile"), 128);
  CU_ASSERT_EQUAL(map_opt_float(o, "alpha"), 1.0);
  CU_ASSERT_EQUAL(map_opt_bool(o, "fuse"), 1);
  CU_ASSERT_STRING_EQUAL(map_opt_enum(o, "order"), "nkm");
  CU_ASSERT_EQUAL(map_opt_enum_index(o, "order"), 2);
  CU_ASSERT_EQUAL(map_opt_int(o, "any"), INT64_MIN);
  CU_ASSERT_EQUAL(map_opt_given(o, "tile"), 1);
  map_opts_free(o);
}

/* Bad input: (kv, code, needles). */
static void bad(const char *kv, const char *n1, const char *n2) {
  map_opts *o = (map_opts *)1;
  sim_err err = {0};
  const char *v[] = {kv, kv};
  int twice = !strcmp(n1, "given twice");
  CU_ASSERT_EQUAL(map_opts_new(&k_fake, v, twice ? 2 : 1, &o, &err),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NULL(o);
  CU_ASSERT(one_line(err.msg));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--map-opt: "));
  if (!strstr(err.msg, n1) || (n2 && !strstr(err.msg, n2)))
    fprintf(stderr, "\n  '%s': got '%s'", kv, err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, n1));
  if (n2) CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, n2));
}

static void test_bad_values(void) {
  bad("tile", "'tile' is not key=value", NULL);
  bad("=3", "'=3' is not key=value", NULL);
  bad("nosuch=1", "mapper 'fake' has no option 'nosuch' "
      "(allowed: tile, alpha, fuse, order, any)", NULL);
  bad("til=1", "no option 'til'", NULL); /* a prefix is not a key */
  bad("tile=abc", "tile=abc: not an integer", "allowed: 1..4096");
  bad("tile=", "tile=: not an integer", "1..4096");
  bad("tile=12x", "not an integer", NULL);
  bad("tile=0", "tile=0: out of range", "allowed: 1..4096");
  bad("tile=4097", "out of range", "1..4096");
  bad("tile=99999999999999999999", "out of range", NULL);
  bad("alpha=1.5", "alpha=1.5: out of range", "allowed: 0..1");
  bad("alpha=nan", "not a finite number", NULL);
  bad("fuse=maybe", "fuse=maybe: not a boolean", "true|false");
  bad("order=kmn", "order=kmn: not an allowed value",
      "allowed: mnk|mkn|nkm");
  bad("tile=8", "given twice", "tile=8, tile=8");
}

/* A mapper with no options says so. */
static void test_no_options(void) {
  static const map_opt_def none[] = {{0}};
  map_ops m = k_fake;
  m.opts = none;
  map_opts *o = NULL;
  sim_err err = {0};
  const char *kv[] = {"nosuch=1"};
  CU_ASSERT_EQUAL(map_opts_new(&m, NULL, 0, &o, &err), 0);
  map_opts_free(o);
  CU_ASSERT_EQUAL(map_opts_new(&m, kv, 1, &o, &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--map-opt: mapper 'fake' has no option "
                         "'nosuch' (allowed: none)");
  /* A version-1 table has no `opts` to read. */
  m.iVersion = 1;
  m.opts = k_defs;
  CU_ASSERT_EQUAL(map_opts_new(&m, kv, 1, &o, &err), SIM_EINVAL);
}

static void test_bad_table(void) {
  static const map_opt_def broken[] = {
      {.key = "tile", .type = MAP_OPT_INT, .dflt = "0", .imin = 1,
       .imax = 8, .help = "default out of its own range"},
      {0}};
  map_ops m = k_fake;
  m.opts = broken;
  map_opts *o = NULL;
  sim_err err = {0};
  CU_ASSERT_EQUAL(map_opts_new(&m, NULL, 0, &o, &err), SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "mapper 'fake': option 'tile': "
                                         "default '0' is out of range"));
}

static void test_domain_text(void) {
  char b[64];
  map_opt_domain(&k_defs[0], b, sizeof b);
  CU_ASSERT_STRING_EQUAL(b, "1..4096");
  map_opt_domain(&k_defs[1], b, sizeof b);
  CU_ASSERT_STRING_EQUAL(b, "0..1");
  map_opt_domain(&k_defs[2], b, sizeof b);
  CU_ASSERT_STRING_EQUAL(b, "true|false");
  map_opt_domain(&k_defs[3], b, sizeof b);
  CU_ASSERT_STRING_EQUAL(b, "mnk|mkn|nkm");
  map_opt_domain(&k_defs[4], b, sizeof b);
  CU_ASSERT_STRING_EQUAL(b, "any integer");
  map_opt_domain(&k_defs[3], b, 6); /* truncates, stays a C string */
  CU_ASSERT_STRING_EQUAL(b, "mnk");
}

/* Every registered mapper is version 2 and its table's defaults parse. */
static void test_registry_tables(void) {
  int n = 0;
  for (const map_ops *const *m = map_list(); *m; m++, n++) {
    map_opts *o = NULL;
    sim_err err = {0};
    CU_ASSERT_EQUAL((*m)->iVersion, 2);
    CU_ASSERT_EQUAL(map_opts_new(*m, NULL, 0, &o, &err), 0);
    if (err.code) fprintf(stderr, "\n  %s: %s", (*m)->name, err.msg);
    map_opts_free(o);
  }
  CU_ASSERT(n >= 1);
}

/* map_run checks the options before the mapper runs: a bad key never
 * reaches it. */
static void test_map_run_checks_first(void) {
  arch_model am;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(arch_load(&am, TFSIM_SOURCE_DIR
                                  "/arch/configs/ideal.yaml", NULL, 0, &err),
                        0);
  sim_sched s;
  const char *kv[] = {"nosuch=1"};
  CU_ASSERT_EQUAL(map_run("roofline", NULL, &am, kv, 1, &s, &err),
                  SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--map-opt: mapper 'roofline' has no "
                         "option 'nosuch' (allowed: none)");
  CU_ASSERT_EQUAL(sim_err_exit_status(err.code), 2);
  sim_sched_fini(&s);
  arch_unload(&am);
}

static CU_TestInfo tests[] = {
    {"defaults when nothing is given", test_defaults},
    {"typed values override defaults", test_values},
    {"bad input: one line naming key and allowed values", test_bad_values},
    {"a mapper without options", test_no_options},
    {"a default its own range rejects is a bug", test_bad_table},
    {"allowed values as text", test_domain_text},
    {"every registered mapper's table parses", test_registry_tables},
    {"map_run checks options before mapping", test_map_run_checks_first},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {{"map_opts", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
