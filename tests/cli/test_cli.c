/*
 * test_cli.c — the tfsim command end to end, as a user runs it.
 *
 * Bad input (DESIGN.md / issue "Foundation"): missing file, YAML syntax
 * error, unknown key, wrong type, zero or negative size, a time that
 * overflows 64-bit ps, unknown model / arch class / mapper, unwritable
 * database path, newer schema: each gives exactly one line on stderr that
 * names the file and key, exit status 2, and no row in the database.
 * The happy path: --json has the contract's keys and energy adds up; the
 * database gets one run with the resolved configuration.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tfsim_test.h"

static char g_dir[128];
static char g_out[1 << 16], g_errb[1 << 14];

static int setup(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/tfsim_cli_%d", (int)getpid());
  mkdir(g_dir, 0755);
  return 0;
}

static int teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  return system(cmd) == 0 ? 0 : 0;
}

static void slurp(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  size_t r = f ? fread(buf, 1, n - 1, f) : 0;
  buf[r] = '\0';
  if (f) fclose(f);
}

/* Runs "<prefix> tfsim <args>"; returns the exit status; stdout/stderr
 * captured. */
static int tfsim_as(const char *prefix, const char *args) {
  char cmd[4096], o[256], e[256];
  snprintf(o, sizeof o, "%s/stdout", g_dir);
  snprintf(e, sizeof e, "%s/stderr", g_dir);
  snprintf(cmd, sizeof cmd, "%s%s %s >%s 2>%s </dev/null", prefix, TFSIM_BIN,
           args, o, e);
  int st = system(cmd);
  slurp(o, g_out, sizeof g_out);
  slurp(e, g_errb, sizeof g_errb);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int tfsim(const char *args) { return tfsim_as("", args); }

static const char *file(const char *name, const char *text) {
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

static const char *k_ideal =
    "name: t\nclass: ideal\nideal:\n  clock_mhz: 1000\n"
    "  macs_per_cycle: %s\n  elem_ops_per_cycle: 64\n  mem_bw_gbps: 100\n"
    "  energy:\n    mac_pj: 1\n    elem_op_pj: 1\n    dram_byte_pj: 10\n";

static const char *ideal_with(const char *name, const char *macs) {
  char text[512];
  snprintf(text, sizeof text, k_ideal, macs);
  return file(name, text);
}

static long db_runs(const char *db) {
  sqlite3 *h;
  long n = -1;
  if (access(db, F_OK) != 0) return 0; /* no file: no rows */
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    return -1;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(h, "SELECT count(*) FROM runs", -1, &st, NULL) ==
      SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  } else {
    n = 0; /* no runs table: no rows */
  }
  sqlite3_close(h);
  return n;
}

static int one_line(const char *s) {
  const char *nl = strchr(s, '\n');
  return s[0] && nl && nl[1] == '\0';
}

/* Asserts: exit 2, one stderr line containing each needle, no db rows. */
#define BAD(args, db, ...)                                                  \
  do {                                                                      \
    int st_ = tfsim(args);                                                  \
    CU_ASSERT_EQUAL(st_, 2);                                                \
    CU_ASSERT(one_line(g_errb));                                            \
    const char *needles_[] = {__VA_ARGS__, NULL};                           \
    for (int i_ = 0; needles_[i_]; i_++) {                                  \
      if (!strstr(g_errb, needles_[i_]))                                    \
        fprintf(stderr, "\n  missing '%s' in: %s", needles_[i_], g_errb);   \
      CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, needles_[i_]));                 \
    }                                                                       \
    const char *db_ = (db);                                                 \
    if (db_) CU_ASSERT_EQUAL(db_runs(db_), 0);                              \
  } while (0)

static void test_bad_inputs(void) {
  char db[256], args[2048];
  snprintf(db, sizeof db, "%s/bad.db", g_dir);
  const char *good = ideal_with("good.yaml", "1024");

  snprintf(args, sizeof args, "run --arch %s/none.yaml --model gpt2 --db %s",
           g_dir, db);
  BAD(args, db, "none.yaml", "cannot read file");

  const char *syn = file("syntax.yaml", "name: t\nclass: ideal\nideal: {a: 1\n");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", syn, db);
  BAD(args, db, "syntax.yaml:", "YAML syntax error");

  char text[600];
  snprintf(text, sizeof text, "%s  bogus: 3\n", "name: t\nclass: ideal\n"
           "ideal:\n  clock_mhz: 1000\n");
  const char *unk = file("unknown.yaml", text);
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", unk, db);
  BAD(args, db, "unknown.yaml:5: ideal.bogus: unknown key");

  const char *wt = ideal_with("type.yaml", "lots");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", wt, db);
  BAD(args, db, "type.yaml:5: ideal.macs_per_cycle: invalid value");

  const char *zero = ideal_with("zero.yaml", "0");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", zero, db);
  BAD(args, db, "zero.yaml:5: ideal.macs_per_cycle: must be > 0");

  const char *neg = ideal_with("neg.yaml", "-8");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", neg, db);
  BAD(args, db, "neg.yaml:5: ideal.macs_per_cycle: must be > 0");

  snprintf(args, sizeof args, "run --arch %s --model gpt2 --set "
           "ideal.clock_mhz=1e-14 --db %s", good, db);
  BAD(args, db, "ideal.clock_mhz", "overflows 64-bit picoseconds");

  snprintf(args, sizeof args, "run --arch %s --model gpt2 --set "
           "ideal.nope=1 --db %s", good, db);
  BAD(args, db, "--set: ideal.nope: unknown key");

  snprintf(args, sizeof args, "run --arch %s --model gpt2-xxl --db %s", good,
           db);
  BAD(args, db, "unknown model 'gpt2-xxl'", "did you mean");

  const char *cls = file("class.yaml", "name: t\nclass: quantum\n");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", cls, db);
  BAD(args, db, "class.yaml:2: class: unknown architecture class 'quantum'");

  snprintf(args, sizeof args, "run --arch %s --model gpt2 --mapper warp "
           "--db %s", good, db);
  BAD(args, db, "unknown mapper 'warp'");

  /* Mapper options are checked against the mapper's table: an unknown
   * key names the keys it has. */
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --map-opt "
           "nosuch=1 --db %s", good, db);
  BAD(args, db, "--map-opt: mapper 'roofline' has no option 'nosuch' "
      "(allowed: none)");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --map-opt nosuch "
           "--db %s", good, db);
  BAD(args, db, "--map-opt: 'nosuch' is not key=value");

  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db "
           "/proc/tfsim/none/x.db", good);
  BAD(args, NULL, "/proc/tfsim/none/x.db");

  snprintf(args, sizeof args, "run --arch %s --model gpt2 --db %s", good,
           g_dir);
  BAD(args, NULL, g_dir);

  /* A database with a newer schema version. */
  char newer[256];
  snprintf(newer, sizeof newer, "%s/newer.db", g_dir);
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq 8 --db %s",
           good, newer);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  CU_ASSERT_EQUAL(db_runs(newer), 1);
  sqlite3 *h;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(newer, &h), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(h, "PRAGMA user_version=99", 0, 0, 0),
                  SQLITE_OK);
  sqlite3_close(h);
  BAD(args, NULL, "newer.db", "schema version 99");
  CU_ASSERT_EQUAL(db_runs(newer), 1);

  /* Options. */
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --batch 0", good);
  BAD(args, NULL, "--batch", "not a positive integer");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --frobnicate",
           good);
  BAD(args, NULL, "unknown option '--frobnicate'");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --phase warp", good);
  BAD(args, NULL, "warp");
  BAD("run --model gpt2", NULL, "--arch is required");

  /* Counts that would wrap 64 bits are an error, not a wrong number. */
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --batch "
           "1000000000 --seq 1024 --db %s", good, db);
  BAD(args, db, "2^64", "batch or sequence too large");
  /* The class chose the schema: it cannot be overridden. */
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --set class=dram "
           "--db %s", good, db);
  BAD(args, db, "--set: class: cannot be overridden");
  /* Decode past the learned positions is caught before any step runs,
   * naming the options. */
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --phase decode "
           "--kv 1020 --gen 8 --db %s", good, db);
  BAD(args, db, "--kv 1020 + --gen 8", "max_pos 1024");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --phase decode "
           "--kv 99999999999999999999", good);
  BAD(args, NULL, "--kv", "out of range");
  /* A model file with absurd sizes. */
  const char *huge = file("huge.json", "{\"model_type\": \"gpt2\", "
                          "\"n_embd\": 1073741825, \"n_layer\": 2, "
                          "\"n_head\": 1, \"vocab_size\": 100, "
                          "\"n_positions\": 64}");
  snprintf(args, sizeof args, "run --arch %s --model %s --seq 8", good, huge);
  BAD(args, NULL, "d_model", "exceeds the limit");
  /* Not a YAML mapping, empty, a directory, a list as class. */
  const char *lst = file("list.yaml", "- a\n- b\n");
  snprintf(args, sizeof args, "run --arch %s --model gpt2", lst);
  BAD(args, NULL, "list.yaml:1: the document must be a mapping");
  const char *empty = file("empty.yaml", "");
  snprintf(args, sizeof args, "run --arch %s --model gpt2", empty);
  BAD(args, NULL, "empty.yaml:1: the file is empty");
  snprintf(args, sizeof args, "run --arch %s --model gpt2", g_dir);
  BAD(args, NULL, "is a directory");
  const char *lcls = file("lcls.yaml", "name: t\nclass: [ideal]\n");
  snprintf(args, sizeof args, "run --arch %s --model gpt2", lcls);
  BAD(args, NULL, "lcls.yaml:2: class: must be a single value");
  const char *inf = ideal_with("inf.yaml", "1e400");
  snprintf(args, sizeof args, "run --arch %s --model gpt2", inf);
  BAD(args, NULL, "inf.yaml:5: ideal.macs_per_cycle: must be finite");
  BAD("nosuchcommand", NULL, "unknown command");

  /* Options that would be ignored are refused, naming the option.  (file()
   * reuses 8 name buffers: write the arch file again.) */
  good = ideal_with("good2.yaml", "1024");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --scope layer "
           "--db %s", good, db);
  BAD(args, db, "--scope", "'layer'", "attention, block (one layer), model");
  snprintf(args, sizeof args, "run --arch %s --model vit-b16 --seq 64 "
           "--db %s", good, db);
  BAD(args, db, "--seq does not apply", "ViT");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --phase decode "
           "--kv 8 --seq 64 --db %s", good, db);
  BAD(args, db, "--seq does not apply to --phase decode");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --seq 8 --ops",
           good);
  BAD(args, NULL, "--ops applies with --json");
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --seq 8 --no-ops "
           "--json", good);
  BAD(args, NULL, "--no-ops applies with --db");
  /* ... but where they apply they are taken. */
  snprintf(args, sizeof args, "run --arch %s --model t5-base --phase decode "
           "--kv 8 --seq 64", good);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  snprintf(args, sizeof args, "run --arch %s --model gpt2 --seq 8 --ops "
           "--json", good);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  /* BERT has 512 positions: without --seq it runs 512, not 1024. */
  snprintf(args, sizeof args, "run --arch %s --model bert-base", good);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "seq 512\n"));
  snprintf(args, sizeof args, "run --arch %s --model bert-base --seq 1024",
           good);
  BAD(args, NULL, "max_pos 512");
}

static void test_help_everywhere(void) {
  const char *cmds[] = {"run", "map", "trace", "sweep", "merge", "report",
                        "regress", "validate", "list", NULL};
  for (int i = 0; cmds[i]; i++) {
    char a[64];
    snprintf(a, sizeof a, "%s --help", cmds[i]);
    CU_ASSERT_EQUAL(tfsim(a), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "usage: tfsim"));
  }
  CU_ASSERT_EQUAL(tfsim("--help"), 0);
  /* A sweep file that does not exist: one line naming it, exit 2. */
  CU_ASSERT_EQUAL(tfsim("sweep no-such-sweep.yaml"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "no-such-sweep.yaml"));
}

static void test_list(void) {
  CU_ASSERT_EQUAL(tfsim("list models"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "1557611200"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "llama2-7b"));
  CU_ASSERT_EQUAL(tfsim("list archs"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "ideal-a100"));
  /* FILE is relative to the presets folder (printed once), not the
   * absolute source path: "ideal-a100  ideal  ideal.yaml". */
  char name[64], cls[64], fname[512];
  const char *row = strstr(g_out, "ideal-a100");
  CU_ASSERT_PTR_NOT_NULL_FATAL(row);
  CU_ASSERT_EQUAL(sscanf(row, "%63s %63s %511s", name, cls, fname), 3);
  CU_ASSERT_STRING_EQUAL(fname, "ideal.yaml");
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "presets folder: "));
  /* Every name that list shows is accepted by --arch. */
  CU_ASSERT_EQUAL(tfsim("run --arch ideal --model gpt2-s --seq 8 --json"), 0);
  CU_ASSERT_EQUAL(tfsim("run --arch ideal-a100 --model gpt2-s --seq 8"), 0);
  char args[512];
  const char *tr = file("p.trace", "0x0 READ 0\n");
  snprintf(args, sizeof args, "trace --arch ddr4-3200-8gb-x8-1ch1r --trace %s",
           tr);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "cycles"));
  BAD("run --arch ideal-z100 --model gpt2-s", NULL,
      "ideal-z100: no such file, nor a preset", "tfsim list archs");
  CU_ASSERT_EQUAL(tfsim("list mappers"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "roofline"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "options: none"));
  CU_ASSERT_EQUAL(tfsim("list gadgets"), 2);
}

static void test_run_json_and_db(void) {
  char db[256], args[1024];
  snprintf(db, sizeof db, "%s/ok.db", g_dir);
  const char *good = ideal_with("ok.yaml", "1024");
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq 64 --set "
           "ideal.mem_bw_gbps=250 --db %s --json", good, db);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_error_t je;
  json_t *j = json_loads(g_out, 0, &je);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  const char *keys[] = {"cycles", "latency_s", "energy_j",
                        "energy_breakdown_j", "util", "dram_bytes", NULL};
  for (int i = 0; keys[i]; i++)
    CU_ASSERT_PTR_NOT_NULL(json_object_get(j, keys[i]));
  double sum = 0;
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(j, "energy_breakdown_j"), k, v)
      sum += json_number_value(v);
  double e = json_number_value(json_object_get(j, "energy_j"));
  CU_ASSERT(e > 0);
  CU_ASSERT_DOUBLE_EQUAL(sum, e, e * 1e-12);
  double u = json_number_value(json_object_get(j, "util"));
  CU_ASSERT(u > 0 && u <= 1);
  CU_ASSERT_EQUAL(db_runs(db), 1);
  /* The database holds the very same headline figures as --json. */
  sqlite3 *hh;
  sqlite3_stmt *q;
  sqlite3_open(db, &hh);
  const char *heads[] = {"energy_j", "latency_s", "cycles", "util", NULL};
  for (int i = 0; heads[i]; i++) {
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(hh, "SELECT value FROM metrics "
                                             "WHERE key = ?1", -1, &q, NULL),
                          SQLITE_OK);
    sqlite3_bind_text(q, 1, heads[i], -1, SQLITE_STATIC);
    CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
    double dbv = sqlite3_column_double(q, 0);
    double jv = json_number_value(json_object_get(j, heads[i]));
    CU_ASSERT_EQUAL(memcmp(&dbv, &jv, sizeof dbv), 0);
    sqlite3_finalize(q);
  }
  sqlite3_close(hh);
  json_decref(j);
  /* The resolved configuration (with the override) is stored. */
  sqlite3 *h;
  sqlite3_open(db, &h);
  sqlite3_stmt *st;
  CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(h, "SELECT arch_yaml FROM runs",
                                           -1, &st, NULL), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
  const char *y = (const char *)sqlite3_column_text(st, 0);
  CU_ASSERT_PTR_NOT_NULL(y && strstr(y, "mem_bw_gbps: 2.5000000000000000e+02\n"));
  sqlite3_finalize(st);
  sqlite3_close(h);
}

static void test_decode_steps(void) {
  char args[1024];
  const char *good = ideal_with("dec.yaml", "1024");
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --phase decode "
           "--kv 100 --gen 4 --json", good);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  double lat = json_number_value(json_object_get(j, "latency_s"));
  double mpt = json_number_value(json_object_get(j, "ms_per_token"));
  double macs4 = json_number_value(json_object_get(j, "macs"));
  CU_ASSERT(mpt > 0);
  CU_ASSERT_DOUBLE_EQUAL(mpt, lat * 1e3 / 4, mpt * 1e-9);
  json_decref(j);
  /* The cache grows a token per step: four steps from kv 100 do more
   * attention work than four copies of the first step, and exactly the
   * sum of the four single steps. */
  double sum = 0, first = 0;
  for (int k = 0; k < 4; k++) {
    snprintf(args, sizeof args, "run --arch %s --model gpt2-s --phase "
             "decode --kv %d --json", good, 100 + k);
    CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
    json_t *s1 = json_loads(g_out, 0, NULL);
    double m1 = json_number_value(json_object_get(s1, "macs"));
    if (k == 0) first = m1;
    sum += m1;
    json_decref(s1);
  }
  CU_ASSERT(macs4 > 4 * first);
  CU_ASSERT_DOUBLE_EQUAL(macs4, sum, 0);
}

/* tfsim map writes a schedule; run --schedule runs it with the result of
 * run --model; a hand edit is honoured; bad schedules are one line, 2. */
static void test_map_and_schedule(void) {
  char args[1024], sched[256], edited[256];
  const char *good = ideal_with("map.yaml", "1024");
  snprintf(sched, sizeof sched, "%s/s.json", g_dir);
  snprintf(args, sizeof args, "map --arch %s --model gpt2-s --seq 64 --out "
           "%s", good, sched);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq 64 --json",
           good);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_t *a = json_loads(g_out, 0, NULL);
  snprintf(args, sizeof args, "run --arch %s --schedule %s --json", good,
           sched);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_t *b = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(b);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(a, "cycles")),
                  json_integer_value(json_object_get(b, "cycles")));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(b, "mapper")),
                         "roofline");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(b, "schedule")),
                         "unfused, op-serial roofline");
  CU_ASSERT(json_is_true(json_object_get(b, "fits_memory")) ||
            json_object_get(b, "fits_memory") == NULL);
  /* A hand edit: the first op's count doubled costs more time. */
  json_t *s = json_load_file(sched, 0, NULL);
  json_t *op0 = json_array_get(json_object_get(s, "ops"), 1);
  json_object_set_new(op0, "count", json_integer(1000));
  snprintf(edited, sizeof edited, "%s/e.json", g_dir);
  json_dump_file(s, edited, 0);
  json_decref(s);
  snprintf(args, sizeof args, "run --arch %s --schedule %s --json", good,
           edited);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_t *c = json_loads(g_out, 0, NULL);
  CU_ASSERT(json_integer_value(json_object_get(c, "cycles")) >
            json_integer_value(json_object_get(b, "cycles")));
  json_decref(a);
  json_decref(b);
  json_decref(c);
  /* Bad schedules: exit 2, one line naming the op and the field. */
  const char *bad = file("bad.json",
      "{\"version\": 2, \"mapper\": \"m\", \"levels\": [\"dram\"], "
      "\"units\": [\"sm\"], \"ops\": [{\"name\": \"qk\", \"fn\": "
      "\"mac\", \"prec\": \"fp16\", \"unit\": \"sm\"}]}");
  snprintf(args, sizeof args, "run --arch %s --schedule %s", good, bad);
  CU_ASSERT_EQUAL(tfsim(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "unit kind 'sm' is not one of this "
                                        "architecture's (core)"));
  CU_ASSERT_PTR_NOT_NULL(strchr(g_errb, '\n'));
  CU_ASSERT_PTR_NULL(strchr(g_errb, '\n') + 1 < g_errb + strlen(g_errb)
                         ? strchr(strchr(g_errb, '\n') + 1, '\n')
                         : NULL);
  bad = file("bad2.json", "{\"version\": 7, \"mapper\": \"m\"}");
  snprintf(args, sizeof args, "run --arch %s --schedule %s", good, bad);
  CU_ASSERT_EQUAL(tfsim(args), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "version: 7 is not supported"));
  snprintf(args, sizeof args, "run --arch %s --schedule %s --model gpt2",
           good, sched);
  CU_ASSERT_EQUAL(tfsim(args), 2);
}

#define PRESET_DIR TFSIM_SOURCE_DIR "/arch/configs/"

/* --model takes a Hugging Face model folder (holding config.json), and a
 * config that leaves out keys with a transformers default. */
static void test_model_folder(void) {
  char dir[256], cfg[300], args[1024];
  snprintf(dir, sizeof dir, "%s/Mistral-Tiny", g_dir);
  mkdir(dir, 0755);
  snprintf(cfg, sizeof cfg, "%s/config.json", dir);
  FILE *f = fopen(cfg, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("{\"model_type\": \"mistral\", \"hidden_size\": 64, "
        "\"intermediate_size\": 128, \"num_attention_heads\": 4, "
        "\"num_key_value_heads\": 2, \"num_hidden_layers\": 2, "
        "\"sliding_window\": 16}", f);
  fclose(f);
  snprintf(args, sizeof args, "run --arch ideal --model %s --seq 64", dir);
  int st = tfsim(args);
  if (st) fprintf(stderr, "\n  %s", g_errb);
  CU_ASSERT_EQUAL(st, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "mistral-tiny"));
  /* Decode past the window costs what decode at the window does. */
  double macs[2];
  for (int i = 0; i < 2; i++) {
    snprintf(args, sizeof args, "run --arch ideal --model %s --phase decode "
             "--kv %d --json", dir, i ? 1000 : 15);
    CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
    json_t *j = json_loads(g_out, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    macs[i] = json_number_value(json_object_get(j, "macs"));
    json_decref(j);
  }
  CU_ASSERT(macs[0] > 0);
  CU_ASSERT_DOUBLE_EQUAL(macs[0], macs[1], 0);
  unlink(cfg);
  snprintf(args, sizeof args, "run --arch ideal --model %s", dir);
  BAD(args, NULL, "Mistral-Tiny", "without config.json");
  rmdir(dir);
}

/* Whether a file exists. */
static int exists(const char *dir, const char *name) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return access(p, F_OK) == 0;
}

/* Reading commands read: report and regress on a database in a read-only
 * directory work, and create nothing there; where they could write, they
 * leave no -wal or -shm behind.  A new database in a read-only directory
 * is "Permission denied" with the path.  Root ignores permissions, so as
 * root the commands run as nobody (setpriv). */
static void test_readonly_db(void) {
  char ro[200], db[256], out[256], args[1024];
  snprintf(ro, sizeof ro, "%s/rodir", g_dir);
  snprintf(db, sizeof db, "%s/runs.db", ro);
  snprintf(out, sizeof out, "%s/rout", g_dir);
  mkdir(ro, 0755);
  mkdir(out, 0777);
  chmod(out, 0777);
  const char *good = ideal_with("ro.yaml", "1024");
  for (int seq = 8; seq <= 16; seq += 8) {
    snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq %d "
             "--db %s", good, seq, db);
    CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  }
  CU_ASSERT(!exists(ro, "runs.db-wal") && !exists(ro, "runs.db-shm"));
  /* Writable: nothing left behind. */
  snprintf(args, sizeof args, "report --db %s --out %s", db, out);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  snprintf(args, sizeof args, "regress --db %s --baseline %s", db, db);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  CU_ASSERT(!exists(ro, "runs.db-wal"));
  CU_ASSERT(!exists(ro, "runs.db-shm"));
  /* Read-only directory. */
  const char *as = "";
  if (geteuid() == 0) {
    if (access("/usr/bin/setpriv", X_OK) != 0) {
      fprintf(stderr, "root without setpriv: read-only part skipped\n");
      return;
    }
    as = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  /* (Were they left, the read-only part would pass on them: start clean.) */
  char side[300];
  snprintf(side, sizeof side, "%s-wal", db);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", db);
  unlink(side);
  CU_ASSERT_EQUAL_FATAL(chmod(ro, 0555), 0);
  snprintf(out, sizeof out, "%s/rout2", g_dir);
  mkdir(out, 0777);
  chmod(out, 0777);
  snprintf(args, sizeof args, "report --db %s --out %s", db, out);
  int st = tfsim_as(as, args);
  if (st) fprintf(stderr, "\n  report: %s", g_errb);
  CU_ASSERT_EQUAL(st, 0);
  snprintf(args, sizeof args, "regress --db %s --baseline %s", db, db);
  st = tfsim_as(as, args);
  if (st) fprintf(stderr, "\n  regress: %s", g_errb);
  CU_ASSERT_EQUAL(st, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "2 compared ("));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "), 0 regressed"));
  CU_ASSERT(!exists(ro, "runs.db-wal"));
  CU_ASSERT(!exists(ro, "runs.db-shm"));
  char newdb[300];
  snprintf(newdb, sizeof newdb, "%s/new.db", ro);
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq 8 --db %s",
           good, newdb);
  CU_ASSERT_EQUAL(tfsim_as(as, args), 2);
  CU_ASSERT(one_line(g_errb));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, newdb));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "Permission denied"));
  CU_ASSERT(!exists(ro, "new.db"));
  chmod(ro, 0755);
}

/* tfsim trace: an empty trace is bad input naming the file; an idle gap
 * of 3 x 10^8 cycles is skipped, not taken for a deadlock. */
static void test_trace_cli(void) {
  char args[1024];
  const char *empty = file("empty.trace", "");
  snprintf(args, sizeof args, "trace --arch " PRESET_DIR
           "ddr4-3200-8gb-x8-1ch1r.yaml --trace %s", empty);
  BAD(args, NULL, "empty.trace", "has no request");
  const char *gap = file("gap.trace", "0x0 READ 0\n0x40 READ 300000000\n");
  snprintf(args, sizeof args, "trace --arch " PRESET_DIR
           "ddr4-3200-8gb-x8-1ch1r.yaml --trace %s --json", gap);
  CU_ASSERT_EQUAL(tfsim(args), 0);
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT(json_number_value(json_object_get(j, "cycles")) > 3e8);
  CU_ASSERT(json_number_value(json_object_get(j, "cycles")) < 3e8 + 1000);
  json_decref(j);
}

/* Informational validation rows (published = NAN) are no misses: the
 * text never prints "nan", says "-" and "info"; --json gives them null
 * figures and "verdict": "info"; the exit status is 0. */
static void test_validate_info_rows(void) {
  CU_ASSERT_EQUAL(tfsim("validate --suite dram"), 0);
  CU_ASSERT_PTR_NULL(strstr(g_out, "nan"));
  CU_ASSERT_PTR_NULL(strstr(g_out, "MISS"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "30 rows: 15 pass, 0 miss, 15 info"));
  const char *hb = strstr(g_out, "hbm2/seq ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(hb);
  char line[256];
  sscanf(hb, "%255[^\n]", line);
  CU_ASSERT_PTR_NOT_NULL(strstr(line, " - "));
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "info"));
  CU_ASSERT_EQUAL(tfsim("validate --suite dram --json"), 0);
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  json_t *rows = json_object_get(j, "rows"), *r;
  size_t i, n_info = 0;
  json_array_foreach(rows, i, r) {
    int info = json_is_null(json_object_get(r, "published"));
    const char *v = json_string_value(json_object_get(r, "verdict"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(v, info ? "info" : "pass");
    if (info) CU_ASSERT(json_is_null(json_object_get(r, "pass")));
    n_info += (size_t)info;
  }
  CU_ASSERT_EQUAL(n_info, 15);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "miss")), 0);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "info")), 15);
  json_decref(j);
}

/* The ideal preset's compute peak and MAC energy depend on precision
 * (A100: fp16 312, int8 624, tf32 156, fp32 19.5 TFLOPS); a precision it
 * has no rate for is refused; a model whose weights and KV cache exceed
 * the capacity says so (fits_memory: false, and by how much). */
static void test_precision_and_capacity(void) {
  double t[3], e[3];
  const char *prec[3] = {"fp16", "int8", "fp32"};
  for (int i = 0; i < 3; i++) {
    char args[512];
    /* Batch 64: compute-bound, so time follows the MAC peak. */
    snprintf(args, sizeof args, "run --arch ideal --model gpt2-s --batch 64 "
             "--seq 512 --precision %s --json", prec[i]);
    CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
    json_t *j = json_loads(g_out, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    t[i] = json_number_value(json_object_get(j, "latency_s"));
    e[i] = json_number_value(json_object_get(json_object_get(j,
                             "energy_breakdown_j"), "compute"));
    CU_ASSERT(json_is_true(json_object_get(j, "fits_memory")));
    json_decref(j);
  }
  CU_ASSERT(t[1] < 0.75 * t[0]);   /* int8 at twice the fp16 rate */
  CU_ASSERT(t[2] > 5 * t[0]);      /* fp32 on the CUDA cores */
  CU_ASSERT(e[1] < 0.5 * e[0]);    /* int8 MACs cost less */
  CU_ASSERT(e[2] > 2 * e[0]);
  /* A preset with no int8 rate refuses int8 (as A100 refuses fp8). */
  const char *y = file("nofp8.yaml",
      "name: t\nclass: ideal\nideal:\n  clock_mhz: 1000\n"
      "  macs_per_cycle: 1024\n  elem_ops_per_cycle: 64\n"
      "  mem_bw_gbps: 100\n  capacity_gb: 1\n  energy:\n    mac_pj: 1\n"
      "    elem_op_pj: 1\n    dram_byte_pj: 10\n");
  char args[512];
  snprintf(args, sizeof args, "run --arch %s --model gpt2-s --seq 16 "
           "--precision int8", y);
  CU_ASSERT_EQUAL(tfsim(args), 2);
  CU_ASSERT(one_line(g_errb));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "no MAC rate for precision int8 "
                                        "(add ideal.macs_per_cycle_prec."
                                        "int8)"));
  /* 1 GB holds GPT-2 S (0.25 GB at fp16) but not GPT-2 XL (3.1 GB). */
  snprintf(args, sizeof args, "run --arch %s --model gpt2-xl --seq 16 "
           "--json", y);
  CU_ASSERT_EQUAL_FATAL(tfsim(args), 0);
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT(json_is_false(json_object_get(j, "fits_memory")));
  double need = json_number_value(json_object_get(j, "resident_bytes"));
  double short_b = json_number_value(json_object_get(j,
                                      "memory_shortfall_bytes"));
  CU_ASSERT(need > 3.0e9 && need < 3.3e9);
  CU_ASSERT_DOUBLE_EQUAL(short_b, need - 1e9, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "more than the memory holds"));
  json_decref(j);
}

static CU_TestInfo tests[] = {
    {"precision sets the peak; capacity is checked",
     test_precision_and_capacity},
    {"map, run --schedule, hand edits, bad schedules",
     test_map_and_schedule},
    {"bad input: one line, exit 2, no rows", test_bad_inputs},
    {"--help on every subcommand", test_help_everywhere},
    {"list archs|models|mappers", test_list},
    {"run --json and --db", test_run_json_and_db},
    {"decode --gen steps", test_decode_steps},
    {"trace: empty file, long idle gap", test_trace_cli},
    {"report, regress read a read-only database", test_readonly_db},
    {"validate: informational rows are no misses", test_validate_info_rows},
    {"--model DIR, transformers defaults, window", test_model_folder},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"cli", setup, teardown, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
