/*
 * test_cfg.c — the YAML configuration layer (sim/cfg) and the arch load
 * path: every error is one line naming file, line and key; --set is typed
 * like the file; the resolved dump round-trips.  Uses the ideal class's
 * schema as a real-world schema, plus a small local one for nesting.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "sim/cfg/cfg.h"
#include "tfsim_test.h"

typedef struct t_sub {
  unsigned a;
  double b;
} t_sub;
typedef struct t_top {
  unsigned n;
  double x;
  int flag;
  char *name;
  t_sub *sub;
} t_top;

static const cyaml_schema_field_t sub_fields[] = {
    CYAML_FIELD_UINT("a", CYAML_FLAG_DEFAULT, t_sub, a),
    CYAML_FIELD_FLOAT("b", CYAML_FLAG_OPTIONAL, t_sub, b), CYAML_FIELD_END};
static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_UINT("n", CYAML_FLAG_DEFAULT, t_top, n),
    CYAML_FIELD_FLOAT("x", CYAML_FLAG_OPTIONAL, t_top, x),
    CYAML_FIELD_BOOL("flag", CYAML_FLAG_OPTIONAL, t_top, flag),
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           t_top, name, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("sub", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            t_top, sub, sub_fields),
    CYAML_FIELD_END};
static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, t_top, top_fields)};

static char g_path[256];

static const char *write_tmp(const char *text) {
  snprintf(g_path, sizeof g_path, "/tmp/tfsim_test_cfg_%d.yaml", (int)getpid());
  FILE *f = fopen(g_path, "w");
  fputs(text, f);
  fclose(f);
  return g_path;
}

/* Loads text with the local schema; returns rc and fills err. */
static int load(const char *text, sim_cfg *c, sim_err *err) {
  return sim_cfg_load(c, write_tmp(text), &top_schema, err);
}

static void test_ok_and_key_line(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load("n: 3\nx: 2.5\nsub:\n  a: 7\n  b: 1.5\n", &c,
                             &err), 0);
  t_top *t = c.data;
  CU_ASSERT_EQUAL(t->n, 3);
  CU_ASSERT_DOUBLE_EQUAL(t->x, 2.5, 0);
  CU_ASSERT_EQUAL(t->sub->a, 7);
  CU_ASSERT_EQUAL(sim_cfg_key_line(g_path, "sub.a"), 4);
  CU_ASSERT_EQUAL(sim_cfg_key_line(g_path, "sub.b"), 5);
  CU_ASSERT_EQUAL(sim_cfg_key_line(g_path, "x"), 2);
  CU_ASSERT_EQUAL(sim_cfg_key_line(g_path, "sub.zz"), 0);
  /* Semantic failure names file, line and key. */
  CU_ASSERT_EQUAL(sim_cfg_fail(&c, &err, "sub.b", "must be > %d", 2),
                  SIM_EINVAL);
  char want[512];
  snprintf(want, sizeof want, "%s:5: sub.b: must be > 2", g_path);
  CU_ASSERT_STRING_EQUAL(err.msg, want);
  sim_cfg_close(&c);
}

static void test_missing_file(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL(sim_cfg_load(&c, "/nonexistent/x.yaml", &top_schema, &err),
                  SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/x.yaml"));
  CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
}

static void test_syntax_error(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load("n: 3\nsub: {a: 1\nx: 2\n", &c, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "YAML syntax error"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, g_path));
  /* libyaml reports the problem at line 3 (the unterminated flow map). */
  char want[300];
  snprintf(want, sizeof want, "%s:3:", g_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void test_unknown_key(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load("n: 3\nsub:\n  a: 1\n  bogus: 2\n", &c, &err),
                  SIM_EINVAL);
  char want[300];
  snprintf(want, sizeof want, "%s:4: sub.bogus: unknown key", g_path);
  CU_ASSERT_STRING_EQUAL(err.msg, want);
}

static void test_wrong_type(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load("n: 3\nsub:\n  a: 1\n  b: fast\n", &c, &err),
                  SIM_EINVAL);
  char want[300];
  snprintf(want, sizeof want, "%s:4: sub.b: invalid value", g_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  CU_ASSERT_EQUAL(load("n: -4\n", &c, &err), SIM_EINVAL);
  snprintf(want, sizeof want, "%s:1: n: invalid value '-4'", g_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  CU_ASSERT_EQUAL(load("n: [1, 2]\n", &c, &err), SIM_EINVAL);
  snprintf(want, sizeof want, "%s:1: n: wrong type", g_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
}

static void test_missing_key(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load("x: 1\n", &c, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, ": n: missing required key"));
  CU_ASSERT_EQUAL(load("n: 1\nsub:\n  b: 2\n", &c, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sub.a: missing required key"));
}

static void test_set(void) {
  sim_cfg c;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load("n: 3\n", &c, &err), 0);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "n=42", &err), 0);
  CU_ASSERT_EQUAL(((t_top *)c.data)->n, 42);
  /* Absent optional section is created. */
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "sub.b=0.25", &err), 0);
  CU_ASSERT_DOUBLE_EQUAL(((t_top *)c.data)->sub->b, 0.25, 0);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "flag=true", &err), 0);
  CU_ASSERT_EQUAL(((t_top *)c.data)->flag, 1);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "name=abc", &err), 0);
  CU_ASSERT_STRING_EQUAL(((t_top *)c.data)->name, "abc");
  /* Typed like the file. */
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "n=-1", &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--set: n: invalid value '-1'");
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "n=99999999999", &err), SIM_ERANGE);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "x=abc", &err), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "sub.q=1", &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg, "--set: sub.q: unknown key 'q'");
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "noequals", &err), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "n.deeper=1", &err), SIM_EINVAL);
  /* An overridden key is reported as --set by semantic checks. */
  sim_cfg_fail(&c, &err, "n", "too big");
  CU_ASSERT_STRING_EQUAL(err.msg, "--set: n: too big");
  sim_cfg_close(&c);
}

static void test_dump_roundtrip(void) {
  sim_cfg c, d;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load("n: 3\nx: 0.1\nsub:\n  a: 9\n", &c, &err), 0);
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "sub.b=7.5", &err), 0);
  char *y = NULL;
  CU_ASSERT_EQUAL_FATAL(sim_cfg_dump(&c, &y, &err), 0);
  CU_ASSERT_EQUAL_FATAL(sim_cfg_load_string(&d, "dump", y, &top_schema, &err),
                        0);
  t_top *a = c.data, *b = d.data;
  CU_ASSERT_EQUAL(a->n, b->n);
  CU_ASSERT_DOUBLE_EQUAL(a->x, b->x, 0);
  CU_ASSERT_EQUAL(b->sub->a, 9);
  CU_ASSERT_DOUBLE_EQUAL(b->sub->b, 7.5, 0);
  sim_free(y);
  sim_cfg_close(&c);
  sim_cfg_close(&d);
}

static void test_peek(void) {
  char *v = NULL;
  sim_err err = {0};
  write_tmp("name: a\nsub:\n  class: inner\nclass: outer\n");
  CU_ASSERT_EQUAL(sim_cfg_peek(g_path, "class", &v, &err), 0);
  CU_ASSERT_STRING_EQUAL(v, "outer");
  sim_free(v);
  CU_ASSERT_EQUAL(sim_cfg_peek(g_path, "nope", &v, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NULL(v);
}

/* Allocation failures inside libcyaml come back as SIM_ENOMEM, no leak
 * (the sanitizer build checks the leak part). */
static long g_fail_at, g_count;
static void *failing_alloc(void *ud, void *ptr, size_t n) {
  (void)ud;
  if (n == 0) {
    free(ptr);
    return NULL;
  }
  if (++g_count == g_fail_at) return NULL;
  return realloc(ptr, n);
}

static void test_oom(void) {
  int saw_oom = 0;
  for (g_fail_at = 1; g_fail_at < 60; g_fail_at++) {
    sim_cfg c;
    sim_err err = {0};
    write_tmp("n: 3\nname: hello\nsub:\n  a: 1\n");
    g_count = 0;
    sim_alloc_set_hook(failing_alloc, NULL);
    int rc = sim_cfg_load(&c, g_path, &top_schema, &err);
    sim_alloc_set_hook(NULL, NULL);
    if (rc == 0)
      sim_cfg_close(&c);
    else {
      /* An allocation failure is never reported as bad input. */
      CU_ASSERT_EQUAL(rc, SIM_ENOMEM);
      saw_oom |= rc == SIM_ENOMEM;
    }
  }
  CU_ASSERT(saw_oom);
}

static void test_arch_load_errors(void) {
  arch_model m;
  sim_err err = {0};
  /* Unknown class, with the line of `class`. */
  write_tmp("name: x\nclass: quantum\n");
  CU_ASSERT_EQUAL(arch_load(&m, g_path, NULL, 0, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, ":2: class: unknown architecture "
                                         "class 'quantum'"));
  /* Zero and negative sizes in the ideal class. */
  const char *ideal =
      "name: t\nclass: ideal\nideal:\n  clock_mhz: 1000\n  macs_per_cycle: "
      "%s\n  elem_ops_per_cycle: 1\n  mem_bw_gbps: 1\n  energy:\n    mac_pj: "
      "1\n    elem_op_pj: 1\n    dram_byte_pj: 1\n";
  char text[512];
  snprintf(text, sizeof text, ideal, "0");
  write_tmp(text);
  CU_ASSERT_EQUAL(arch_load(&m, g_path, NULL, 0, &err), SIM_EINVAL);
  char want[400];
  snprintf(want, sizeof want, "%s:5: ideal.macs_per_cycle: must be > 0",
           g_path);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  snprintf(text, sizeof text, ideal, "-3");
  write_tmp(text);
  CU_ASSERT_EQUAL(arch_load(&m, g_path, NULL, 0, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  /* --set goes through the same checks. */
  snprintf(text, sizeof text, ideal, "8");
  write_tmp(text);
  const char *sets[] = {"ideal.macs_per_cycle=0"};
  CU_ASSERT_EQUAL(arch_load(&m, g_path, sets, 1, &err), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(err.msg,
                         "--set: ideal.macs_per_cycle: must be > 0 (got 0)");
  /* A clock whose period does not fit 64-bit ps... and one below 1 ps. */
  const char *sets2[] = {"ideal.clock_mhz=1e7"};
  CU_ASSERT_EQUAL(arch_load(&m, g_path, sets2, 1, &err), SIM_ERANGE);
  CU_ASSERT_EQUAL(arch_load(&m, g_path, NULL, 0, &err), 0);
  arch_unload(&m);
}

static CU_TestInfo tests[] = {
    {"ok values and key lines", test_ok_and_key_line},
    {"missing file", test_missing_file},
    {"YAML syntax error", test_syntax_error},
    {"unknown key", test_unknown_key},
    {"wrong type", test_wrong_type},
    {"missing required key", test_missing_key},
    {"--set overrides", test_set},
    {"resolved dump round-trips", test_dump_roundtrip},
    {"peek top-level key", test_peek},
    {"allocation failure", test_oom},
    {"arch load errors", test_arch_load_errors},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"cfg", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
