/*
 * test_sweep.c — sweep/: expanding sweep files (products in order, zips,
 * groups), strict keys with their lines, stable design-point hashes,
 * shards that partition a sweep, and sweep_run in this process and in
 * worker processes, with resume.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sweep/sweep.h"
#include "tfsim_test.h"

static int load(const char *text, sweep_spec *s, sim_err *err) {
  return sweep_load_text("t.yaml", text, strlen(text), s, err);
}

static void test_product_order(void) {
  sweep_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load("fixed: {arch: ideal, model: gpt2-s}\n"
                             "product:\n  seq: [64, 128]\n"
                             "  batch: [1, 2, 4]\n", &s, &err), 0);
  CU_ASSERT_EQUAL(s.n, 6);
  CU_ASSERT_STRING_EQUAL(s.name, "t");
  /* The last key fastest. */
  CU_ASSERT_STRING_EQUAL(s.pts[0].val[SWEEP_P_SEQ], "64");
  CU_ASSERT_STRING_EQUAL(s.pts[0].val[SWEEP_P_BATCH], "1");
  CU_ASSERT_STRING_EQUAL(s.pts[1].val[SWEEP_P_BATCH], "2");
  CU_ASSERT_STRING_EQUAL(s.pts[3].val[SWEEP_P_SEQ], "128");
  CU_ASSERT_STRING_EQUAL(s.pts[0].canon,
                         "{\"arch\":\"ideal\",\"batch\":\"1\",\"model\":"
                         "\"gpt2-s\",\"seq\":\"64\"}");
  for (size_t i = 0; i < s.n; i++) CU_ASSERT_EQUAL(strlen(s.pts[i].hash), 16);
  sweep_spec_fini(&s);
}

static void test_zip_groups_sets(void) {
  sweep_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(
      load("name: z\nfixed: {model: gpt2-s}\n"
           "zip:\n  - {seq: [64, 128, 256], batch: [1, 2, 3]}\n"
           "groups:\n"
           "  - fixed: {arch: ideal}\n"
           "    product: {set.ideal.mem_bw_gbps: [900, 2039]}\n"
           "  - fixed: {arch: pim-gpt, map_opt.x: 1}\n",
           &s, &err),
      0);
  CU_ASSERT_EQUAL(s.n, 3 * 2 + 3);
  CU_ASSERT_STRING_EQUAL(s.name, "z");
  CU_ASSERT_STRING_EQUAL(s.pts[0].val[SWEEP_P_SEQ], "64");
  CU_ASSERT_STRING_EQUAL(s.pts[0].val[SWEEP_P_BATCH], "1");
  CU_ASSERT_EQUAL(s.pts[0].n_sets, 1);
  CU_ASSERT_STRING_EQUAL(s.pts[0].sets[0], "ideal.mem_bw_gbps=900");
  CU_ASSERT_STRING_EQUAL(s.pts[6].val[SWEEP_P_ARCH], "pim-gpt");
  CU_ASSERT_EQUAL(s.pts[6].n_map_opts, 1);
  CU_ASSERT_STRING_EQUAL(s.pts[6].map_opts[0], "x=1");
  CU_ASSERT_STRING_EQUAL(s.pts[8].val[SWEEP_P_SEQ], "256");
  CU_ASSERT_STRING_EQUAL(s.pts[8].val[SWEEP_P_BATCH], "3");
  sweep_spec_fini(&s);
}

/* The hash depends on the point, not on how the file wrote it. */
static void test_hash_stable(void) {
  sweep_spec a, b;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load("fixed: {arch: ideal, model: gpt2-s, seq: 64,"
                             " set.a: 1, set.b: 2}\n", &a, &err), 0);
  CU_ASSERT_EQUAL_FATAL(load("product: {set.b: [2], seq: [64]}\n"
                             "fixed: {set.a: 1, model: gpt2-s, arch: "
                             "ideal}\n", &b, &err), 0);
  CU_ASSERT_STRING_EQUAL(a.pts[0].hash, b.pts[0].hash);
  CU_ASSERT_STRING_EQUAL(a.pts[0].canon, b.pts[0].canon);
  /* A fixed golden: the hash is stored in databases, it must not drift. */
  char h[RES_HASH_LEN + 1];
  res_hash_hex("", 0, h);
  CU_ASSERT_STRING_EQUAL(h, "cbf29ce484222325");
  res_hash_hex("a", 1, h);
  CU_ASSERT_STRING_EQUAL(h, "af63dc4c8601ec8c");
  sweep_spec_fini(&a);
  sweep_spec_fini(&b);
  /* Duplicates are dropped, the first kept. */
  CU_ASSERT_EQUAL_FATAL(load("fixed: {arch: ideal, model: gpt2-s}\n"
                             "product: {seq: [64, 128, 64]}\n", &a, &err), 0);
  CU_ASSERT_EQUAL(a.n, 2);
  CU_ASSERT_EQUAL(a.n_dup, 1);
  sweep_spec_fini(&a);
}

static void expect_err(const char *text, const char *msg) {
  sweep_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load(text, &s, &err), SIM_EINVAL);
  if (!strstr(err.msg, msg)) {
    fprintf(stderr, "\n  got: %s\n  want: %s\n", err.msg, msg);
    CU_FAIL("message");
  }
  CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
}

static void test_bad_input(void) {
  expect_err("fixed: {arch: ideal, model: gpt2-s}\nproduct:\n  seq: [1]\n"
             "  sequence: [1]\n",
             "t.yaml:4: product.sequence: unknown parameter");
  expect_err("name: x\nfixd: {arch: ideal}\n", "t.yaml:2: fixd: unknown key");
  expect_err("fixed: {arch: ideal, model: gpt2-s}\nproduct: {seq: []}\n",
             "t.yaml:2: product.seq: empty list");
  expect_err("fixed: {arch: ideal, model: gpt2-s}\n"
             "zip:\n  - {seq: [1, 2], batch: [1]}\n",
             "t.yaml:3: zip: seq has 2 values and batch 1");
  expect_err("fixed: {arch: ideal, model: gpt2-s, seq: 1}\n"
             "product: {seq: [2]}\n",
             "t.yaml:2: product.seq: given twice for the same points (also "
             "line 1)");
  expect_err("fixed: {model: gpt2-s}\n", "t.yaml:1: a point has no arch");
  /* fuzz_sweep: an empty zip entry had no axis to count (a null read). */
  expect_err("fixed: {arch: ideal, model: gpt2-s}\nzip:\n  - {}\n",
             "t.yaml:3: zip: an entry must give at least one list");
  expect_err("fixed: {arch: ideal, model: [a, b]}\n",
             "t.yaml:1: fixed.model: must be a value");
  expect_err("fixed: {arch: ideal\n", "t.yaml:2:");
  expect_err("groups:\n  - fixed: {arch: ideal, model: m}\n    prod: {}\n",
             "t.yaml:3: groups.prod: unknown key");
  expect_err("", "t.yaml:1: empty sweep file");
}

static void test_shards(void) {
  unsigned i, n;
  sim_err err = {0};
  CU_ASSERT_EQUAL(sweep_shard_parse("2/3", &i, &n, &err), 0);
  CU_ASSERT_EQUAL(i, 2);
  CU_ASSERT_EQUAL(n, 3);
  const char *bad[] = {"3/2", "0/2", "1/0", "x", "1/", "/1", "1/2x", "-1/2"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    CU_ASSERT_EQUAL(sweep_shard_parse(bad[k], &i, &n, &err), SIM_EINVAL);
  sweep_spec s;
  CU_ASSERT_EQUAL_FATAL(load("fixed: {arch: ideal, model: gpt2-s}\n"
                             "product: {seq: [1,2,3,4,5,6,7,8,9,10,11,12,13,"
                             "14,15,16,17,18,19,20], batch: [1, 2, 3]}\n",
                             &s, &err), 0);
  /* Every point in exactly one shard, every shard non-empty. */
  size_t per[4] = {0};
  for (size_t p = 0; p < s.n; p++) {
    int in = 0;
    for (unsigned k = 1; k <= 4; k++)
      if (sweep_in_shard(&s.pts[p], k, 4)) in++, per[k - 1]++;
    CU_ASSERT_EQUAL(in, 1);
    CU_ASSERT_TRUE(sweep_in_shard(&s.pts[p], 1, 1));
  }
  for (int k = 0; k < 4; k++) CU_ASSERT_TRUE(per[k] > 0);
  sweep_spec_fini(&s);
}

static long long q1(const char *path, const char *sql) {
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

static void test_run_resume(void) {
  char dir[] = "/tmp/tfsim_sweep_XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  char db[256];
  snprintf(db, sizeof db, "%s/s.db", dir);
  sweep_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(
      load("fixed: {model: gpt2-s, seq: 64}\n"
           "product:\n  arch: [ideal, no-such-arch]\n  batch: [1, 2, 3]\n",
           &s, &err),
      0);
  sweep_opts o = {.db_path = db, .jobs = 1, .shard_i = 1, .shard_n = 2};
  sweep_summary sum;
  CU_ASSERT_EQUAL_FATAL(sweep_run(&s, &o, &sum, &err), 0);
  size_t first = sum.ok + sum.failed;
  CU_ASSERT_EQUAL(sum.in_shard, first);
  CU_ASSERT_EQUAL(sum.lost, 0);
  /* The rest in two workers; the first shard's points are skipped. */
  o.shard_n = 0;
  o.jobs = 2;
  CU_ASSERT_EQUAL_FATAL(sweep_run(&s, &o, &sum, &err), 0);
  CU_ASSERT_EQUAL(sum.skipped, first);
  CU_ASSERT_EQUAL(sum.ok + sum.failed, 6 - first);
  CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM runs"), 6);
  CU_ASSERT_EQUAL(q1(db, "SELECT count(DISTINCT point_hash) FROM runs"), 6);
  CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM runs WHERE status = 'ok'"
                         " AND sched_hash <> '' AND arch_class = 'ideal'"),
                  3);
  CU_ASSERT_EQUAL(q1(db, "SELECT count(*) FROM runs WHERE status = "
                         "'failed' AND error LIKE '%no-such-arch%'"),
                  3);
  /* Equal schedules hash equal: batch changes the schedule. */
  CU_ASSERT_EQUAL(q1(db, "SELECT count(DISTINCT sched_hash) FROM runs "
                         "WHERE status = 'ok'"),
                  3);
  /* Everything done: nothing runs. */
  CU_ASSERT_EQUAL_FATAL(sweep_run(&s, &o, &sum, &err), 0);
  CU_ASSERT_EQUAL(sum.skipped, 6);
  CU_ASSERT_EQUAL(sum.ok + sum.failed, 0);
  /* retry_failed runs the failed ones again. */
  o.retry_failed = 1;
  CU_ASSERT_EQUAL_FATAL(sweep_run(&s, &o, &sum, &err), 0);
  CU_ASSERT_EQUAL(sum.failed, 3);
  sweep_spec_fini(&s);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

/* The canonical JSON, written directly by spec.c, equals what jansson
 * writes for the same point (compact, sorted keys, ASCII): the hashes of
 * points stored before stay valid.  Every point of the example sweeps,
 * and values with quotes, backslashes, controls, DEL and non-ASCII. */
static void canon_matches_jansson(const sweep_spec *s) {
  for (size_t i = 0; i < s->n; i++) {
    const sweep_point *p = &s->pts[i];
    json_t *j = json_object(), *js = json_array(), *jm = json_array();
    for (int q = 0; q < SWEEP_P_COUNT; q++)
      if (p->val[q])
        json_object_set_new(j, sweep_param_name((sweep_param)q),
                            json_string(p->val[q]));
    for (size_t k = 0; k < p->n_sets; k++)
      json_array_append_new(js, json_string(p->sets[k]));
    for (size_t k = 0; k < p->n_map_opts; k++)
      json_array_append_new(jm, json_string(p->map_opts[k]));
    if (p->n_sets) json_object_set(j, "set", js);
    if (p->n_map_opts) json_object_set(j, "map_opt", jm);
    char *want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
                                   JSON_ENSURE_ASCII);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    if (strcmp(want, p->canon) != 0)
      fprintf(stderr, "\n  point %zu: %s\n  jansson:  %s\n", i, p->canon,
              want);
    CU_ASSERT_STRING_EQUAL(p->canon, want);
    free(want);
    json_decref(j);
    json_decref(js);
    json_decref(jm);
  }
}

static void test_canon_jansson(void) {
  const char *files[] = {"examples/demo-sweep.yaml",
                         "results/baseline/validation-sweep.yaml"};
  sim_err err = {0};
  sweep_spec s;
  for (size_t f = 0; f < 2; f++) {
    CU_ASSERT_EQUAL_FATAL(sweep_load(files[f], &s, &err), 0);
    CU_ASSERT(s.n >= 10);
    canon_matches_jansson(&s);
    sweep_spec_fini(&s);
  }
  CU_ASSERT_EQUAL_FATAL(
      load("fixed: {arch: \"a\\\"b\\\\c\", model: \"m\\t\\n\\x7f\\x01\"}\n"
           "product:\n"
           "  set.k: [\"\\u00e9t\u00e9\", \"\\U0001F600\", plain, \"a/b\"]\n"
           "  map_opt.z: [\"\\u2028\", x]\n"
           "  map_opt.a: [1]\n"
           "  seq: [\"\\r\\b\\f\"]\n",
           &s, &err), 0);
  CU_ASSERT_EQUAL(s.n, 8);
  canon_matches_jansson(&s);
  sweep_spec_fini(&s);
}

/* At most 100,000 points per file, all groups together (each group below
 * the cap): an error naming the line, not minutes of expansion. */
static void test_point_cap(void) {
  char text[2048];
  int n = snprintf(text, sizeof text,
                   "fixed: {model: gpt2-s}\n"
                   "product:\n"
                   "  seq: [1,2,3,4,5,6,7,8,9,10]\n"
                   "  batch: [1,2,3,4,5,6,7,8,9,10]\n"
                   "  kv: [1,2,3,4,5,6,7,8,9,10]\n"
                   "  gen: [1,2,3,4,5,6,7,8,9,10]\n"
                   "groups:\n");
  for (int g = 0; g < 11; g++)
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "  - fixed: {arch: a%d}\n", g);
  sweep_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL(load(text, &s, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "t.yaml:18: more than 100000 points"));
  /* Ten groups: exactly the cap. */
  char *last = strstr(text, "  - fixed: {arch: a10}");
  CU_ASSERT_PTR_NOT_NULL_FATAL(last);
  *last = 0;
  CU_ASSERT_EQUAL_FATAL(load(text, &s, &err), 0);
  CU_ASSERT_EQUAL(s.n, 100000);
  sweep_spec_fini(&s);
}

static CU_TestInfo tests[] = {
    {"product order and canonical JSON", test_product_order},
    {"zip, groups, set and map_opt", test_zip_groups_sets},
    {"hash stable, duplicates dropped", test_hash_stable},
    {"bad input names file, line and key", test_bad_input},
    {"shards partition the points", test_shards},
    {"canonical JSON equals jansson's", test_canon_jansson},
    {"at most 100,000 points per file", test_point_cap},
    {"run, fail, resume, workers", test_run_resume},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"sweep", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
