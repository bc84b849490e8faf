/*
 * test_results.c — CUnit suites of the results store (results/res.h).
 *
 * What is proved here:
 *  - open: a new file gets schema v1 (STRICT tables, WAL, application id);
 *    a newer schema version, a foreign database, a file that is not a
 *    database and an unwritable path each fail with the right code and a
 *    message naming the file;
 *  - write: every row of a run lands (headline, report and stat metrics,
 *    components, ops), params are stored canonical, a headline key is
 *    never overwritten, and a failure in the middle of the transaction
 *    leaves no row at all: each allocation of res_write_run is failed in
 *    turn through the sim_alloc hook, and a counter beyond 2^63-1 fails
 *    after rows were inserted;
 *  - concurrency: two processes (fork) writing 200 runs each into one new
 *    file at once both succeed and the rows add up;
 *  - JSON: the object parses back with jansson, has the contract's keys,
 *    and energy_j is the sum of energy_breakdown_j;
 *  - report: gnuplot writes non-empty PNG (magic checked) and SVG files
 *    that draw one bar per design point and one point per run (counted
 *    in the SVG), also for a database of a single run, and a missing
 *    gnuplot is a clear error;
 *  - regress: equal databases pass, a 10 % latency change is caught;
 *  - validation, merge, and the schedule JSON round trip.
 *
 * Every test works in its own directory under a mkdtemp() root, removed
 * at the end.
 */
#include "tfsim_test.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "results/res.h"
#include "sim/sim.h"

static char g_root[256];

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static void path_of(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", g_root, name);
}

/* Removes dir and everything below it (tests only create plain files and
 * directories). */
static void rm_rf(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    unlink(dir);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) rm_rf(p);
    else unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static int suite_init(void) {
  snprintf(g_root, sizeof g_root, "/tmp/tfsim-res-XXXXXX");
  return mkdtemp(g_root) ? 0 : -1;
}

static int suite_fini(void) {
  rm_rf(g_root);
  return 0;
}

/* One integer from SQL on the database at path (-1 on error). */
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

/* One text value from SQL into buf ("" on error). */
static void qs(const char *path, const char *sql, char *buf, size_t n) {
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  buf[0] = '\0';
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
}

static void xexec(const char *path, const char *sql) {
  sqlite3 *h = NULL;
  CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &h), SQLITE_OK);
  CU_ASSERT_EQUAL(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
}

/* Rows in all per-run tables together. */
static long long all_rows(const char *path) {
  return q1(path, "SELECT (SELECT count(*) FROM runs) + (SELECT count(*) "
                  "FROM metrics) + (SELECT count(*) FROM ops) + (SELECT "
                  "count(*) FROM components) + (SELECT count(*) FROM "
                  "validation)");
}

#define N_STATS 6
#define N_REPORT_METRICS 7 /* stored: "cycles" among the 8 is skipped */
#define N_OPS 3
#define N_METRIC_ROWS (5 + N_REPORT_METRICS + N_STATS)

/* A report like a model returns: lat scales latency, cycles and the
 * energy of the "pe" component. */
static void mk_report(sim_report *r, double lat) {
  CU_ASSERT_EQUAL_FATAL(sim_report_init(r), 0);
  r->latency_ps = (uint64_t)(1234567.0 * lat);
  r->cycles = (uint64_t)(1000.0 * lat);
  strcpy(r->clock, "core");
  r->util = 0.75;
  r->dram_bytes = 4096;
  sim_report_metric(r, "row_hit_rate", 0.9);
  sim_report_metric(r, "avg_read_latency_cycles", 42.5);
  sim_report_metric(r, "bandwidth_gbps", 12.5);
  sim_report_metric(r, "peak_sram_bytes", 123456);
  sim_report_metric(r, "fits", 1);
  sim_report_metric(r, "ms_per_token", 3.25);
  sim_report_metric(r, "params", 124e6);
  sim_report_metric(r, "cycles", 999); /* a headline key: ignored */
  sim_stats *s = r->stats;
  int h;
  h = sim_stat_register(s, "dram", "act_e", "pJ", SIM_STAT_SUM);
  sim_stat_addf(s, h, 1000);
  h = sim_stat_register(s, "dram", "rd_e", "pJ", SIM_STAT_SUM);
  sim_stat_addf(s, h, 500);
  h = sim_stat_register(s, "pe", "mac_e", "pJ", SIM_STAT_SUM);
  sim_stat_addf(s, h, 2500 * lat);
  h = sim_stat_register(s, "dram", "reads", "", SIM_STAT_COUNT);
  sim_stat_add(s, h, 77);
  h = sim_stat_register(s, "sram", "peak", "B", SIM_STAT_MAX);
  sim_stat_setf(s, h, 1e5);
  h = sim_stat_register(s, "pe", "busy", "cycles", SIM_STAT_VALUE);
  sim_stat_setf(s, h, 750);
  for (int i = 0; i < N_OPS; i++) {
    sim_op_record o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "L0.op%d", i);
    o.layer = 0;
    o.start_ps = (uint64_t)i * 100;
    o.end_ps = (uint64_t)i * 100 + 90;
    o.macs = 1000;
    o.rd_bytes = 64;
    o.energy_pj = 10;
    strcpy(o.bound, "compute");
    sim_report_push_op(r, &o);
  }
}

static res_run_meta mk_meta(const char *mapper, const char *params) {
  res_run_meta m = {0};
  m.arch_name = "toy";
  m.arch_class = "spatial";
  m.arch_yaml = "class: spatial\nspatial:\n  pe_rows: 4\n";
  m.workload = "gpt2";
  m.mapper = mapper;
  m.params_json = params;
  m.cmdline = "tfsim run --arch toy.yaml --model gpt2";
  return m;
}

/* Writes n runs of (mapper, params) with latency scale lat. */
static void put_runs(const char *db_path, const char *mapper,
                     const char *params, double lat, int n) {
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(db_path, &db, &err), 0);
  sim_report r;
  mk_report(&r, lat);
  res_run_meta m = mk_meta(mapper, params);
  for (int i = 0; i < n; i++) {
    int64_t id = 0;
    CU_ASSERT_EQUAL(res_write_run(db, &m, &r, &id, &err), 0);
    CU_ASSERT(id > 0);
  }
  sim_report_fini(&r);
  res_db_close(db);
}

/* ---------------------------------------------------------------------- */
/* Open and schema                                                        */
/* ---------------------------------------------------------------------- */

static void test_open_create(void) {
  char p[512];
  path_of(p, sizeof p, "new.db");
  res_db *db = (res_db *)1;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(db);
  CU_ASSERT_STRING_EQUAL(res_db_path(db), p);
  res_db_close(db);
  CU_ASSERT_EQUAL(q1(p, "PRAGMA user_version"), RES_SCHEMA_VERSION);
  CU_ASSERT_EQUAL(q1(p, "PRAGMA application_id"), RES_APPLICATION_ID);
  char mode[32];
  qs(p, "PRAGMA journal_mode", mode, sizeof mode);
  CU_ASSERT_STRING_EQUAL(mode, "wal");
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM sqlite_schema WHERE type = "
                        "'table' AND name IN ('runs', 'metrics', 'ops', "
                        "'components', 'validation', 'buffers')"),
                  6);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM pragma_table_list WHERE "
                        "strict = 1 AND schema = 'main'"),
                  6);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM sqlite_schema WHERE type = "
                        "'view'"),
                  2);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM pragma_foreign_key_list("
                        "'metrics')"),
                  1);
  /* Reopening an existing store works and changes nothing. */
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), 0);
  res_db_close(db);
  CU_ASSERT_EQUAL(q1(p, "PRAGMA user_version"), RES_SCHEMA_VERSION);
  res_db_close(NULL); /* no-op */
}

/* A report draws at most 32 memory timelines and counts the rest. */
static void test_report_timeline_cap(void) {
  if (access("/usr/bin/gnuplot", X_OK) != 0 && !getenv("TFSIM_GNUPLOT")) {
    fprintf(stderr, "gnuplot not installed: report test skipped\n");
    return;
  }
  char p[512], dir[512], f[700];
  path_of(p, sizeof p, "tlcap.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  sim_report r;
  mk_report(&r, 1.0);
  sim_buf_record b;
  memset(&b, 0, sizeof b);
  snprintf(b.name, sizeof b.name, "X");
  snprintf(b.level, sizeof b.level, "sram");
  b.bytes = 1024;
  b.last_op = 2;
  CU_ASSERT_EQUAL(sim_report_push_buf(&r, &b), 0);
  for (int i = 0; i < 34; i++) {
    char params[32];
    snprintf(params, sizeof params, "{\"i\": %d}", i);
    res_run_meta m = mk_meta("naive", params);
    CU_ASSERT_EQUAL(res_write_run(db, &m, &r, NULL, &err), 0);
  }
  sim_report_fini(&r);
  res_db_close(db);
  path_of(dir, sizeof dir, "tlcap");
  int rc = res_report(p, dir, &err);
  if (rc) fprintf(stderr, "res_report: %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  int drawn = 0;
  for (int id = 1; id <= 34; id++) {
    snprintf(f, sizeof f, "%s/timeline-%d.png", dir, id);
    drawn += access(f, R_OK) == 0;
  }
  CU_ASSERT_EQUAL(drawn, 32);
  static char md[1 << 16];
  snprintf(f, sizeof f, "%s/report.md", dir);
  FILE *fp = fopen(f, "r");
  size_t n = fp ? fread(md, 1, sizeof md - 1, fp) : 0;
  md[n] = '\0';
  if (fp) fclose(fp);
  CU_ASSERT_PTR_NOT_NULL(strstr(md, "first 32 runs with planned buffers; 2 "
                                    "more are not"));
}

/* A version-1 file (no buffers table) is read as it is and migrated when
 * opened for writing; a run's planned buffers are then stored. */
static void test_schema_migrate(void) {
  char p[512];
  path_of(p, sizeof p, "v1.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  res_db_close(db);
  /* Everything version 2 added goes: the file is a version 1 one. */
  xexec(p, "DROP TABLE buffers; DROP INDEX runs_point; "
           "ALTER TABLE runs DROP COLUMN point_hash; "
           "ALTER TABLE runs DROP COLUMN sched_hash; "
           "ALTER TABLE runs DROP COLUMN error; PRAGMA user_version = 1");
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM sqlite_schema WHERE name = "
                        "'buffers'"), 0);
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  CU_ASSERT_EQUAL(q1(p, "PRAGMA user_version"), RES_SCHEMA_VERSION);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM sqlite_schema WHERE name = "
                        "'buffers'"), 1);
  sim_report rep;
  CU_ASSERT_EQUAL_FATAL(sim_report_init(&rep), 0);
  sim_buf_record b;
  memset(&b, 0, sizeof b);
  snprintf(b.name, sizeof b.name, "X");
  snprintf(b.level, sizeof b.level, "sram");
  b.bytes = 100;
  b.addr = 64;
  b.first_op = 1;
  b.last_op = 3;
  b.at_peak = 1;
  CU_ASSERT_EQUAL(sim_report_push_buf(&rep, &b), 0);
  res_run_meta m = {0};
  m.arch_name = "a";
  int64_t id = 0;
  CU_ASSERT_EQUAL(res_write_run(db, &m, &rep, &id, &err), 0);
  res_db_close(db);
  sim_report_fini(&rep);
  CU_ASSERT_EQUAL(q1(p, "SELECT bytes + addr + first_op + last_op + at_peak "
                        "FROM buffers"), 169);
  /* Merging copies the buffers; a version-1 shard merges without them. */
  char q[512], v1[512];
  path_of(q, sizeof q, "v2merge.db");
  path_of(v1, sizeof v1, "v1shard.db");
  CU_ASSERT_EQUAL_FATAL(res_db_open(v1, &db, &err), 0);
  CU_ASSERT_EQUAL(res_write_run(db, &m, NULL, &id, &err), 0);
  res_db_close(db);
  xexec(v1, "DROP TABLE buffers; PRAGMA user_version = 1");
  CU_ASSERT_EQUAL_FATAL(res_db_open(q, &db, &err), 0);
  int64_t n = 0;
  CU_ASSERT_EQUAL(res_merge(db, p, &n, &err), 0);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(res_merge(db, v1, &n, &err), 0);
  CU_ASSERT_EQUAL(n, 1);
  res_db_close(db);
  CU_ASSERT_EQUAL(q1(q, "SELECT count(*) FROM runs"), 2);
  CU_ASSERT_EQUAL(q1(q, "SELECT bytes FROM buffers"), 100);
  /* The version-1 shard itself was only read. */
  CU_ASSERT_EQUAL(q1(v1, "PRAGMA user_version"), 1);
}

static void test_schema_newer(void) {
  char p[512];
  path_of(p, sizeof p, "newer.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  res_db_close(db);
  xexec(p, "PRAGMA user_version = 7");
  db = (res_db *)1;
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), SIM_ESCHEMA);
  CU_ASSERT_PTR_NULL(db);
  CU_ASSERT_EQUAL(err.code, SIM_ESCHEMA);
  char want[600];
  snprintf(want, sizeof want,
           "%s: schema version 7 is newer than this tfsim supports (%d)", p,
           RES_SCHEMA_VERSION);
  CU_ASSERT_STRING_EQUAL(err.msg, want);
  /* Read-only users (report, regress) refuse it the same way. */
  int n = -1;
  CU_ASSERT_EQUAL(res_regress(p, p, 1, NULL, &n, &err), SIM_ESCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "schema version 7"));
  /* The file was not touched. */
  CU_ASSERT_EQUAL(q1(p, "PRAGMA user_version"), 7);
}

static void test_not_ours(void) {
  char p[512];
  sim_err err;
  res_db *db = NULL;
  /* An SQLite database of someone else. */
  path_of(p, sizeof p, "foreign.db");
  xexec(p, "CREATE TABLE t (x)");
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), SIM_ESCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a tfsim results database"));
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM sqlite_schema"), 1);
  /* Right version number, wrong application. */
  path_of(p, sizeof p, "appid.db");
  xexec(p, "PRAGMA user_version = 1");
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), SIM_ESCHEMA);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "application_id"));
  /* Not a database at all. */
  path_of(p, sizeof p, "text.db");
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  for (int i = 0; i < 100; i++) fputs("this is not a database\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), SIM_EIO);
  CU_ASSERT_PTR_NULL(db);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not an SQLite database"));
}

static void test_unwritable(void) {
  sim_err err;
  res_db *db = (res_db *)1;
  CU_ASSERT_EQUAL(res_db_open("/proc/x/y.db", &db, &err), SIM_EIO);
  CU_ASSERT_PTR_NULL(db);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/proc/x/y.db"));
  /* A directory. */
  CU_ASSERT_EQUAL(res_db_open(g_root, &db, &err), SIM_EIO);
  CU_ASSERT_EQUAL(strncmp(err.msg, g_root, strlen(g_root)), 0);
  /* A missing parent directory. */
  char p[512];
  path_of(p, sizeof p, "no/such/dir/x.db");
  CU_ASSERT_EQUAL(res_db_open(p, &db, &err), SIM_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
  /* Empty path. */
  CU_ASSERT_EQUAL(res_db_open("", &db, &err), SIM_EINVAL);
  /* Read-only users: a missing database is SIM_ENOENT. */
  int n;
  CU_ASSERT_EQUAL(res_regress(p, p, 1, NULL, &n, &err), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
}

/* ---------------------------------------------------------------------- */
/* Writing runs                                                           */
/* ---------------------------------------------------------------------- */

static void test_write_run(void) {
  char p[512];
  path_of(p, sizeof p, "write.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  sim_report r;
  mk_report(&r, 1);
  res_run_meta m = mk_meta("fusemax", "{\"seq\": 1024, \"phase\": \"decode\"}");
  int64_t id = 0;
  CU_ASSERT_EQUAL_FATAL(res_write_run(db, &m, &r, &id, &err), 0);
  CU_ASSERT_EQUAL(id, 1);
  /* A run without a report (e.g. a failed simulation). */
  m.status = "failed";
  int64_t id2 = 0;
  CU_ASSERT_EQUAL(res_write_run(db, &m, NULL, &id2, &err), 0);
  CU_ASSERT_EQUAL(id2, 2);
  res_db_close(db);

  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM runs"), 2);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics WHERE run_id = 1"),
                  N_METRIC_ROWS);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics WHERE run_id = 2"), 0);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM components"), N_STATS);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM ops"), N_OPS);
  char s[256];
  qs(p, "SELECT params FROM runs WHERE id = 1", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "{\"phase\":\"decode\",\"seq\":1024}");
  qs(p, "SELECT status || ',' || clock || ',' || arch_class FROM runs "
        "WHERE id = 1", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "ok,core,spatial");
  qs(p, "SELECT arch_yaml FROM runs WHERE id = 1", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, m.arch_yaml);
  qs(p, "SELECT tfsim_version FROM runs WHERE id = 1", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, TFSIM_VERSION);
  qs(p, "SELECT status FROM runs WHERE id = 2", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "failed");
  /* Headline: cycles is the report's, not the metric named "cycles". */
  CU_ASSERT_EQUAL(q1(p, "SELECT value FROM metrics WHERE run_id = 1 AND "
                        "key = 'cycles'"),
                  1000);
  CU_ASSERT_EQUAL(q1(p, "SELECT cycles FROM run_summary WHERE run_id = 1"),
                  1000);
  CU_ASSERT_EQUAL(q1(p, "SELECT dram_bytes FROM run_summary WHERE run_id = "
                        "1"),
                  4096);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics WHERE run_id = 1 AND "
                        "key IN ('latency_s', 'energy_j', 'util', "
                        "'row_hit_rate', 'peak_sram_bytes', 'fits', "
                        "'dram.act_e', 'dram.reads', 'sram.peak', "
                        "'pe.busy')"),
                  10);
  /* energy_j (J) == the sum of the energy breakdown (pJ) == 4000 pJ. */
  CU_ASSERT_EQUAL(q1(p, "SELECT round(energy_j * 1e12) FROM run_summary "
                        "WHERE run_id = 1"),
                  4000);
  CU_ASSERT_EQUAL(q1(p, "SELECT round(sum(energy_pj)) FROM energy_breakdown "
                        "WHERE run_id = 1"),
                  4000);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM energy_breakdown"), 2);
  CU_ASSERT_EQUAL(q1(p, "SELECT count FROM components WHERE name = "
                        "'reads'"),
                  77);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM components WHERE count IS "
                        "NULL"),
                  N_STATS - 1);
  CU_ASSERT_EQUAL(q1(p, "SELECT sum(macs) FROM ops WHERE run_id = 1"), 3000);
  /* Deleting a run cascades to its rows. */
  xexec(p, "PRAGMA foreign_keys = ON; DELETE FROM runs WHERE id = 1");
  CU_ASSERT_EQUAL(all_rows(p), 1);
  sim_report_fini(&r);
}

static void test_write_no_ops_flag(void) {
  char p[512];
  path_of(p, sizeof p, "noops.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  sim_report r;
  mk_report(&r, 1);
  res_run_meta m = mk_meta("unfused", NULL);
  m.flags = RES_F_DB_NO_OPS;
  CU_ASSERT_EQUAL(res_write_run(db, &m, &r, NULL, &err), 0);
  res_db_close(db);
  sim_report_fini(&r);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM ops"), 0);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics"), N_METRIC_ROWS);
  char s[64];
  qs(p, "SELECT params FROM runs", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "{}");
}

static void test_bad_params(void) {
  char p[512];
  path_of(p, sizeof p, "params.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  sim_report r;
  mk_report(&r, 1);
  const char *bad[] = {"[1, 2]", "{\"a\": ", "{\"a\": 1, \"a\": 2}", "7"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    res_run_meta m = mk_meta("flat", bad[i]);
    int64_t id = 5;
    CU_ASSERT_EQUAL(res_write_run(db, &m, &r, &id, &err), SIM_EINVAL);
    CU_ASSERT_EQUAL(id, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "params"));
  }
  res_db_close(db);
  sim_report_fini(&r);
  CU_ASSERT_EQUAL(all_rows(p), 0);
}

/* The allocation hook: fail the g_fail_at-th allocation (1-based). */
static long g_fail_at = -1, g_allocs;

static void *fail_nth(void *ud, void *ptr, size_t n) {
  (void)ud;
  if (n == 0) {
    free(ptr);
    return NULL;
  }
  if (g_fail_at > 0 && ++g_allocs == g_fail_at) return NULL;
  return realloc(ptr, n);
}

/* Fails every allocation of res_write_run in turn: each failure returns
 * SIM_ENOMEM and leaves zero rows; then one call with no failure writes
 * the run completely. */
static void test_write_alloc_fail(void) {
  char p[512];
  path_of(p, sizeof p, "oom.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  sim_report r;
  mk_report(&r, 1);
  res_run_meta m = mk_meta("fusemax", "{\"seq\": 64}");
  int failures = 0, ok = 0;
  for (long n = 1; n < 1000 && !ok; n++) {
    g_fail_at = n;
    g_allocs = 0;
    sim_alloc_set_hook(fail_nth, NULL);
    int64_t id = 9;
    int rc = res_write_run(db, &m, &r, &id, &err);
    sim_alloc_set_hook(NULL, NULL);
    if (rc == 0) {
      ok = 1;
      CU_ASSERT(id > 0);
      break;
    }
    failures++;
    CU_ASSERT_EQUAL(rc, SIM_ENOMEM);
    CU_ASSERT_EQUAL(id, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
    /* Nothing visible, even to another connection. */
    CU_ASSERT_EQUAL(all_rows(p), 0);
  }
  CU_ASSERT(ok);
  CU_ASSERT(failures >= N_STATS); /* one allocation per statistic at least */
  res_db_close(db);
  sim_report_fini(&r);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM runs"), 1);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics"), N_METRIC_ROWS);
  g_fail_at = -1;
}

/* A failure after rows were inserted (an op time beyond 2^63-1 on the
 * last op): SIM_ERANGE, and the runs, metrics, components and earlier ops
 * rows are all rolled back. */
static void test_write_range_rollback(void) {
  char p[512];
  path_of(p, sizeof p, "range.db");
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  put_runs(p, "unfused", NULL, 1, 1); /* one good run already there */
  long long before = all_rows(p);
  sim_report r;
  mk_report(&r, 1);
  r.ops[N_OPS - 1].end_ps = UINT64_MAX;
  res_run_meta m = mk_meta("flat", NULL);
  int64_t id = 3;
  CU_ASSERT_EQUAL(res_write_run(db, &m, &r, &id, &err), SIM_ERANGE);
  CU_ASSERT_EQUAL(id, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "L0.op2"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, p));
  CU_ASSERT_EQUAL(all_rows(p), before);
  /* The handle is still usable. */
  r.ops[N_OPS - 1].end_ps = 290;
  CU_ASSERT_EQUAL(res_write_run(db, &m, &r, &id, &err), 0);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM runs"), 2);
  res_db_close(db);
  sim_report_fini(&r);
}

/* Two processes write 200 runs each into one new file at the same time
 * (they race to create the schema too); both succeed, rows add up. */
static void test_two_writers(void) {
  char p[512];
  path_of(p, sizeof p, "concurrent.db");
  enum { N = 200 };
  int fds[2][2];
  pid_t pid[2];
  for (int c = 0; c < 2; c++) {
    CU_ASSERT_EQUAL_FATAL(pipe(fds[c]), 0);
    pid[c] = fork();
    CU_ASSERT_FATAL(pid[c] >= 0);
    if (pid[c] == 0) {
      /* Child: wait for the start signal, write, exit 0 when all ok. */
      char go;
      close(fds[c][1]);
      if (read(fds[c][0], &go, 1) != 1) _exit(3);
      sim_err err;
      res_db *db = NULL;
      if (res_db_open(p, &db, &err) != 0) {
        fprintf(stderr, "child %d: %s\n", c, err.msg);
        _exit(1);
      }
      sim_report r;
      if (sim_report_init(&r) != 0) _exit(4);
      r.cycles = 100;
      r.latency_ps = 1000;
      int h = sim_stat_register(r.stats, "pe", "mac_e", "pJ", SIM_STAT_SUM);
      sim_stat_addf(r.stats, h, 1);
      sim_report_metric(&r, "child", c);
      res_run_meta m = {0};
      m.arch_name = c ? "b" : "a";
      m.workload = "w";
      int bad = 0;
      for (int i = 0; i < N && !bad; i++) {
        char params[64];
        snprintf(params, sizeof params, "{\"i\": %d}", i);
        m.params_json = params;
        if (res_write_run(db, &m, &r, NULL, &err) != 0) {
          fprintf(stderr, "child %d run %d: %s\n", c, i, err.msg);
          bad = 1;
        }
      }
      sim_report_fini(&r);
      res_db_close(db);
      _exit(bad ? 2 : 0);
    }
    close(fds[c][0]);
  }
  for (int c = 0; c < 2; c++) {
    CU_ASSERT_EQUAL(write(fds[c][1], "g", 1), 1);
    close(fds[c][1]);
  }
  for (int c = 0; c < 2; c++) {
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pid[c], &st, 0), pid[c]);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM runs"), 2 * N);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM runs WHERE arch_name = 'a'"),
                  N);
  /* 5 headline + "child" + 1 stat per run. */
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM metrics"), 2 * N * 7);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM components"), 2 * N);
  CU_ASSERT_EQUAL(q1(p, "SELECT sum(value) FROM metrics WHERE key = "
                        "'child'"),
                  N);
  char s[16];
  qs(p, "PRAGMA integrity_check", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "ok");
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                   */
/* ---------------------------------------------------------------------- */

/* Prints the run to memory and parses it back. */
static json_t *json_of(const res_run_meta *m, const sim_report *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  sim_err err;
  int rc = res_report_json(f, m, r, &err);
  fclose(f);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  CU_ASSERT(len > 0 && buf[len - 1] == '\n');
  json_error_t je;
  json_t *j = json_loads(buf, 0, &je);
  if (!j) fprintf(stderr, "JSON: %s\n%s\n", je.text, buf);
  free(buf);
  return j;
}

static void test_json(void) {
  sim_report r;
  mk_report(&r, 1);
  res_run_meta m = mk_meta("fusemax", "{\"seq\": 1024}");
  json_t *j = json_of(&m, &r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  const char *keys[] = {"cycles", "latency_s", "energy_j",
                        "energy_breakdown_j", "util", "dram_bytes",
                        "row_hit_rate", "avg_read_latency_cycles",
                        "bandwidth_gbps", "ms_per_token", "peak_sram_bytes",
                        "fits", "arch", "arch_class", "model", "mapper",
                        "options", "status", "clock", "tfsim_version",
                        "params"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (!json_object_get(j, keys[i])) fprintf(stderr, "missing %s\n", keys[i]);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(j, keys[i]));
  }
  CU_ASSERT_PTR_NULL(json_object_get(j, "ops"));
  CU_ASSERT_PTR_NULL(json_object_get(j, "stats"));
  CU_ASSERT_PTR_NULL(json_object_get(j, "run_id"));
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "cycles")), 1000);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "dram_bytes")), 4096);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "peak_sram_bytes")),
                  123456);
  CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "latency_s")),
                         1234567e-12, 1e-20);
  CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "util")), 0.75,
                         0);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "model")),
                         "gpt2");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "arch")), "toy");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(
                      json_object_get(j, "options"), "seq")),
                  1024);
  /* "params" is a report metric (the model's parameter count). */
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "params")),
                  124000000);
  /* energy_j == sum of energy_breakdown_j; the breakdown is by component. */
  json_t *bd = json_object_get(j, "energy_breakdown_j");
  CU_ASSERT_EQUAL(json_object_size(bd), 2);
  double sum = 0;
  const char *k;
  json_t *v;
  json_object_foreach(bd, k, v) sum += json_number_value(v);
  double e = json_number_value(json_object_get(j, "energy_j"));
  CU_ASSERT_DOUBLE_EQUAL(e, sum, fabs(sum) * 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(e, 4000e-12, 1e-20);
  CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(bd, "dram")),
                         1500e-12, 1e-20);
  json_decref(j);

  /* Flags: ops, stats, run_id, compact. */
  m.flags = RES_F_JSON_OPS | RES_F_JSON_STATS | RES_F_JSON_COMPACT;
  m.run_id = 42;
  j = json_of(&m, &r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "run_id")), 42);
  json_t *ops = json_object_get(j, "ops");
  CU_ASSERT_EQUAL(json_array_size(ops), N_OPS);
  CU_ASSERT_STRING_EQUAL(
      json_string_value(json_object_get(json_array_get(ops, 2), "name")),
      "L0.op2");
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(ops, 2),
                                                     "end_ps")),
                  290);
  json_t *stats = json_object_get(j, "stats");
  CU_ASSERT_EQUAL(json_object_size(stats), N_STATS);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(stats, "dram.reads")),
                  77);
  json_decref(j);

  /* Non-finite values print as null, the output stays valid JSON. */
  sim_report_metric(&r, "bandwidth_gbps", NAN);
  r.util = INFINITY;
  m.flags = 0;
  j = json_of(&m, &r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT(json_is_null(json_object_get(j, "bandwidth_gbps")));
  CU_ASSERT(json_is_null(json_object_get(j, "util")));
  json_decref(j);

  /* Without a report: the run description only. */
  j = json_of(&m, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT_PTR_NULL(json_object_get(j, "cycles"));
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "mapper")),
                         "fusemax");
  json_decref(j);

  /* Bad params. */
  m.params_json = "[]";
  sim_err err;
  CU_ASSERT_EQUAL(res_report_json(stdout, &m, &r, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "options"));
  sim_report_fini(&r);
}

/* Every allocation of res_report_json (with stats) fails in turn. */
static void test_json_alloc_fail(void) {
  sim_report r;
  mk_report(&r, 1);
  res_run_meta m = mk_meta("fusemax", NULL);
  m.flags = RES_F_JSON_STATS;
  int ok = 0;
  for (long n = 1; n < 1000 && !ok; n++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sim_err err;
    g_fail_at = n;
    g_allocs = 0;
    sim_alloc_set_hook(fail_nth, NULL);
    int rc = res_report_json(f, &m, &r, &err);
    sim_alloc_set_hook(NULL, NULL);
    fclose(f);
    if (rc == 0) ok = 1;
    else CU_ASSERT_EQUAL(rc, SIM_ENOMEM);
    free(buf);
  }
  CU_ASSERT(ok);
  g_fail_at = -1;
  sim_report_fini(&r);
}

/* ---------------------------------------------------------------------- */
/* Report (gnuplot)                                                       */
/* ---------------------------------------------------------------------- */

static int is_png(const char *path) {
  static const unsigned char magic[8] = {0x89, 'P', 'N', 'G',
                                         '\r', '\n', 0x1a, '\n'};
  unsigned char b[8];
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(b, 1, 8, f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  return n == 8 && memcmp(b, magic, 8) == 0 && size > 1000;
}

static int file_has(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) found = !!strstr(line, needle);
  fclose(f);
  return found;
}

/* Reads a whole file (malloc'd, NUL-terminated; NULL when unreadable). */
static char *slurp_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  size_t r = s ? fread(s, 1, (size_t)n, f) : 0;
  fclose(f);
  if (s) s[r] = '\0';
  return s;
}

/* What gnuplot drew: the occurrences of needle inside plot k (1-based) of
 * an SVG written by gnuplot's svg terminal, i.e. between
 * `<g id="gnuplot_plot_k"` and the next plot group (or the end).  A bar
 * of boxxyerror is one `<polygon`, a point one `<use ... translate(`.
 * -1 when the file or the group is missing. */
static int svg_count(const char *path, int k, const char *needle) {
  char *s = slurp_all(path), open_tag[48];
  if (!s) return -1;
  snprintf(open_tag, sizeof open_tag, "<g id=\"gnuplot_plot_%d\"", k);
  char *a = strstr(s, open_tag);
  if (!a) {
    free(s);
    return -1;
  }
  a += strlen(open_tag);
  char *b = strstr(a, "<g id=\"gnuplot_plot_");
  if (b) *b = '\0';
  int n = 0;
  for (char *p = a; (p = strstr(p, needle)); p += strlen(needle)) n++;
  free(s);
  return n;
}

#define SVG_BAR "<polygon"
#define SVG_POINT "<use xlink:href='#gpPt6' transform='translate("

/* Data lines of a .dat file: not blank, not a comment. */
static int dat_lines(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (line[0] != '#' && line[0] != '\n') n++;
  fclose(f);
  return n;
}

static void test_report(void) {
  if (access("/usr/bin/gnuplot", X_OK) != 0 && !getenv("TFSIM_GNUPLOT")) {
    fprintf(stderr, "gnuplot not installed: report test skipped\n");
    return;
  }
  char p[512], dir[512], f[700];
  path_of(p, sizeof p, "report.db");
  put_runs(p, "unfused", "{\"seq\": 1024, \"batch\": 1}", 2.0, 1);
  put_runs(p, "flat", "{\"seq\": 1024, \"batch\": 1}", 1.5, 1);
  put_runs(p, "fusemax", "{\"seq\": 1024, \"batch\": 1}", 1.0, 2);
  put_runs(p, "fusemax", "{\"seq\": 4096, \"batch\": 1, \"note\": "
           "\"it's \\\"q\\\"\"}", 3.0, 1);
  path_of(dir, sizeof dir, "out dir/it's nested");
  sim_err err;
  int rc = res_report(p, dir, &err);
  if (rc) fprintf(stderr, "res_report: %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  const char *figs[] = {"latency", "energy", "util", "pareto"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(f, sizeof f, "%s/%s.png", dir, figs[i]);
    CU_ASSERT(is_png(f));
    snprintf(f, sizeof f, "%s/%s.svg", dir, figs[i]);
    CU_ASSERT(file_has(f, "<svg"));
  }
  /* Latest run per key: 4 design points (fusemax seq=1024 twice). */
  snprintf(f, sizeof f, "%s/runs.dat", dir);
  CU_ASSERT_EQUAL(dat_lines(f), 4);
  /* What is drawn, not just that an image exists: one bar per design
   * point in latency and util (util comes after energy.gp, whose
   * `set datafile columnheaders` once survived `reset` and ate the first
   * run), and every one of the 5 ok runs as a point of the Pareto plot
   * (plus the key's sample point). */
  snprintf(f, sizeof f, "%s/latency.svg", dir);
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_BAR), 4);
  snprintf(f, sizeof f, "%s/util.svg", dir);
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_BAR), 4);
  snprintf(f, sizeof f, "%s/energy.svg", dir);
  /* Each component is one plot: a bar per run, plus the key's sample. */
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_BAR), 4 + 1);
  CU_ASSERT_EQUAL(svg_count(f, 2, SVG_BAR), 4 + 1);
  snprintf(f, sizeof f, "%s/pareto.svg", dir);
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_POINT), 5 + 1);
  snprintf(f, sizeof f, "%s/runs.dat", dir);
  CU_ASSERT(file_has(f, "\"flat seq=1024\""));
  /* Labels show only what differs between points: batch is 1 in all. */
  CU_ASSERT(!file_has(f, "batch="));
  snprintf(f, sizeof f, "%s/energy.dat", dir);
  CU_ASSERT(file_has(f, "run label \"dram\" \"pe\""));
  snprintf(f, sizeof f, "%s/report.md", dir);
  CU_ASSERT(file_has(f, "latency.png"));
  CU_ASSERT(file_has(f, "energy.svg"));
  CU_ASSERT(file_has(f, "Latest ok run of each"));
  CU_ASSERT(file_has(f, ": 4;"));
  snprintf(f, sizeof f, "%s/index.html", dir);
  CU_ASSERT(file_has(f, "<img src=\"util.svg\""));
  snprintf(f, sizeof f, "%s/latency.gp", dir);
  CU_ASSERT(file_has(f, "Usage:"));

  /* --baseline: one speedup bar per run with a baseline of the same
   * workload and parameters (flat and fusemax at seq 1024 over unfused;
   * fusemax at 4096 has none), the value being the latency ratio. */
  char sdir[512];
  path_of(sdir, sizeof sdir, "speedup");
  rc = res_report_ex(p, sdir, "unfused", &err);
  if (rc) fprintf(stderr, "res_report_ex: %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  snprintf(f, sizeof f, "%s/speedup.dat", sdir);
  CU_ASSERT_EQUAL(dat_lines(f), 2);
  CU_ASSERT(file_has(f, "\"flat seq=1024\" 1.333"));
  snprintf(f, sizeof f, "%s/speedup.svg", sdir);
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_BAR), 2);
  snprintf(f, sizeof f, "%s/index.html", sdir);
  CU_ASSERT(file_has(f, "speedup.svg"));
  /* No run of that name: an error naming it. */
  rc = res_report_ex(p, sdir, "nosuch", &err);
  CU_ASSERT_EQUAL(rc, SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'nosuch'"));

  /* A database with a single run: every plot draws it (the util plot
   * once failed with "undefined variable: STATS_records"). */
  char one[512], odir[512];
  path_of(one, sizeof one, "one.db");
  path_of(odir, sizeof odir, "one");
  put_runs(one, "flat", "{\"seq\": 1024}", 1.0, 1);
  rc = res_report(one, odir, &err);
  if (rc) fprintf(stderr, "res_report: %s\n", err.msg);
  CU_ASSERT_EQUAL(rc, 0);
  const char *bars[] = {"latency", "util", "energy"};
  for (int i = 0; i < 3; i++) {
    snprintf(f, sizeof f, "%s/%s.svg", odir, bars[i]);
    CU_ASSERT_EQUAL(svg_count(f, 1, SVG_BAR), i == 2 ? 2 : 1);
    snprintf(f, sizeof f, "%s/%s.png", odir, bars[i]);
    CU_ASSERT(is_png(f));
  }
  snprintf(f, sizeof f, "%s/pareto.svg", odir);
  CU_ASSERT_EQUAL(svg_count(f, 1, SVG_POINT), 1 + 1);
  CU_ASSERT_EQUAL(svg_count(f, 2, SVG_POINT), 1 + 1);

  /* gnuplot missing: a clear error. */
  setenv("TFSIM_GNUPLOT", "/nonexistent/gnuplot", 1);
  rc = res_report(p, dir, &err);
  unsetenv("TFSIM_GNUPLOT");
  CU_ASSERT_EQUAL(rc, SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/gnuplot"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "gnuplot-nox"));

  /* A database with no ok run. */
  char e[512];
  path_of(e, sizeof e, "empty.db");
  res_db *db = NULL;
  CU_ASSERT_EQUAL_FATAL(res_db_open(e, &db, &err), 0);
  res_db_close(db);
  CU_ASSERT_EQUAL(res_report(e, dir, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no ok run"));
  /* Runs without energy statistics, and one stored without results: the
   * energy plot falls back to a "total" column, no Pareto plot. */
  char z[512], zdir[512];
  path_of(z, sizeof z, "zero.db");
  path_of(zdir, sizeof zdir, "zero");
  CU_ASSERT_EQUAL_FATAL(res_db_open(z, &db, &err), 0);
  for (int i = 0; i < 3; i++) {
    sim_report zr;
    CU_ASSERT_EQUAL_FATAL(sim_report_init(&zr), 0);
    zr.latency_ps = 1000u * (unsigned)(i + 1);
    char par[32];
    snprintf(par, sizeof par, "{\"i\": %d}", i);
    res_run_meta zm = mk_meta("unfused", par);
    CU_ASSERT_EQUAL(res_write_run(db, &zm, i == 2 ? NULL : &zr, NULL, &err),
                    0);
    sim_report_fini(&zr);
  }
  res_db_close(db);
  rc = res_report(z, zdir, &err);
  if (rc) fprintf(stderr, "res_report: %s\n", err.msg);
  CU_ASSERT_EQUAL(rc, 0);
  snprintf(f, sizeof f, "%s/energy.png", zdir);
  CU_ASSERT(is_png(f));
  snprintf(f, sizeof f, "%s/energy.dat", zdir);
  CU_ASSERT(file_has(f, "run label \"total\""));
  snprintf(f, sizeof f, "%s/pareto.png", zdir);
  CU_ASSERT_EQUAL(access(f, F_OK), -1);
  snprintf(f, sizeof f, "%s/runs.dat", zdir);
  CU_ASSERT(file_has(f, "\"i=1\""));
  CU_ASSERT(!file_has(f, "\"i=2\""));
  /* An output path that cannot be a directory. */
  CU_ASSERT_EQUAL(res_report(p, "/proc/tfsim/out", &err), SIM_EIO);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/proc/tfsim"));
}

/* ---------------------------------------------------------------------- */
/* Regress                                                                */
/* ---------------------------------------------------------------------- */

static char *regress_text(const char *cur, const char *base, double tol,
                          int *n, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sim_err err;
  *rc = res_regress(cur, base, tol, f, n, &err);
  fclose(f);
  if (*rc) fprintf(stderr, "res_regress: %s\n", err.msg);
  return buf;
}

static void test_regress(void) {
  char base[512], cur[512];
  path_of(base, sizeof base, "base.db");
  path_of(cur, sizeof cur, "cur.db");
  put_runs(base, "unfused", "{\"seq\": 1024}", 2.0, 1);
  put_runs(base, "fusemax", "{\"seq\": 1024}", 1.0, 1);
  put_runs(base, "flat", "{\"seq\": 1024}", 1.5, 1); /* missing in cur */
  put_runs(cur, "fusemax", "{\"seq\": 1024}", 5.0, 1); /* superseded */
  put_runs(cur, "unfused", "{\"seq\": 1024}", 2.0, 1);
  put_runs(cur, "fusemax", "{\"seq\":1024}", 1.0, 1);
  put_runs(cur, "fusemax", "{\"seq\": 8}", 1.0, 1); /* new */
  int n = -1, rc;
  char *t = regress_text(cur, base, 1.0, &n, &rc);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "2 compared ("));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "), 0 regressed (0 moved, 0 mapping "
                                   "changed, 0 failed now), 1 new, 1 "
                                   "missing"));
  free(t);
  /* Equal at tolerance 0 too. */
  t = regress_text(cur, base, 0, &n, &rc);
  CU_ASSERT_EQUAL(n, 0);
  free(t);
  /* A 10 % slower (and costlier) fusemax run. */
  put_runs(cur, "fusemax", "{\"seq\": 1024}", 1.1, 1);
  t = regress_text(cur, base, 5.0, &n, &rc);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "REGRESSED"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "+10.00%"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "latency_s"));
  CU_ASSERT_PTR_NOT_NULL(strstr(t, "gpt2 toy fusemax seq=1024"));
  free(t);
  /* Within a 15 % tolerance it passes. */
  t = regress_text(cur, base, 15.0, &n, &rc);
  CU_ASSERT_EQUAL(n, 0);
  free(t);
  /* Faster by 10 % is also a change beyond 5 %. */
  t = regress_text(base, cur, 5.0, &n, &rc);
  CU_ASSERT_EQUAL(n, 1);
  free(t);
  /* Bad tolerance; NULL out is fine. */
  sim_err err;
  CU_ASSERT_EQUAL(res_regress(cur, base, -1, NULL, &n, &err), SIM_EINVAL);
  CU_ASSERT_EQUAL(res_regress(cur, base, NAN, NULL, &n, &err), SIM_EINVAL);
  CU_ASSERT_EQUAL(res_regress(cur, base, 5, NULL, &n, &err), 0);
  CU_ASSERT_EQUAL(n, 1);
}

static void test_regress_alloc_fail(void) {
  char base[512], cur[512];
  path_of(base, sizeof base, "base.db");
  path_of(cur, sizeof cur, "cur.db");
  int ok = 0;
  for (long n = 1; n < 5000 && !ok; n++) {
    int nreg = -1;
    sim_err err;
    g_fail_at = n;
    g_allocs = 0;
    sim_alloc_set_hook(fail_nth, NULL);
    int rc = res_regress(cur, base, 5, NULL, &nreg, &err);
    sim_alloc_set_hook(NULL, NULL);
    if (rc == 0) {
      ok = 1;
      CU_ASSERT_EQUAL(nreg, 1);
    } else {
      CU_ASSERT_EQUAL(rc, SIM_ENOMEM);
    }
  }
  CU_ASSERT(ok);
  g_fail_at = -1;
}

/* ---------------------------------------------------------------------- */
/* Validation, merge, schedule JSON                                       */
/* ---------------------------------------------------------------------- */

static void test_validation(void) {
  char p[512];
  path_of(p, sizeof p, "validate.db");
  sim_val_table t = {0};
  sim_val_row row;
  memset(&row, 0, sizeof row);
  strcpy(row.suite, "dram");
  strcpy(row.item, "ddr4-3200/seq");
  strcpy(row.metric, "cycles");
  row.published = 100;
  row.ours = 101;
  row.tol = 0.02;
  strcpy(row.source, "DRAMsim3");
  sim_val_add(&t, &row);
  row.ours = 110; /* 10 % off: fails */
  strcpy(row.note, "refresh differs");
  sim_val_add(&t, &row);
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(p, &db, &err), 0);
  int64_t id = 0;
  CU_ASSERT_EQUAL(res_write_validation(db, &t, &id, &err), 0);
  CU_ASSERT(id > 0);
  res_db_close(db);
  sim_val_free(&t);
  CU_ASSERT_EQUAL(q1(p, "SELECT count(*) FROM validation"), 2);
  CU_ASSERT_EQUAL(q1(p, "SELECT sum(pass) FROM validation"), 1);
  char s[64];
  qs(p, "SELECT status FROM runs", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "fail");
  CU_ASSERT_EQUAL(q1(p, "SELECT value FROM metrics WHERE key = "
                        "'validation.failed'"),
                  1);
  /* Validation runs are not design points for regress. */
  int n;
  CU_ASSERT_EQUAL(res_regress(p, p, 0, NULL, &n, &err), 0);

  /* An informational row (nothing published) is neither pass nor fail: a
   * table of passes and infos is a "pass" run with 0 failed. */
  char p2[512];
  path_of(p2, sizeof p2, "validate_info.db");
  sim_val_table t2 = {0};
  row.ours = 101;
  row.note[0] = '\0';
  sim_val_add(&t2, &row);
  row.published = NAN;
  strcpy(row.metric, "energy_pj");
  sim_val_add(&t2, &row);
  CU_ASSERT_EQUAL_FATAL(res_db_open(p2, &db, &err), 0);
  CU_ASSERT_EQUAL(res_write_validation(db, &t2, &id, &err), 0);
  res_db_close(db);
  sim_val_free(&t2);
  qs(p2, "SELECT status FROM runs", s, sizeof s);
  CU_ASSERT_STRING_EQUAL(s, "pass");
  CU_ASSERT_EQUAL(q1(p2, "SELECT value FROM metrics WHERE key = "
                         "'validation.failed'"), 0);
  CU_ASSERT_EQUAL(q1(p2, "SELECT count(*) FROM validation WHERE pass IS "
                         "NULL"), 1);
}

static void test_merge(void) {
  char a[512], b[512];
  path_of(a, sizeof a, "shard0.db");
  path_of(b, sizeof b, "shard1.db");
  put_runs(a, "unfused", NULL, 1, 3);
  put_runs(b, "flat", NULL, 1, 2);
  long long rows_a = all_rows(a), rows_b = all_rows(b);
  res_db *db = NULL;
  sim_err err;
  CU_ASSERT_EQUAL_FATAL(res_db_open(a, &db, &err), 0);
  int64_t n = 0;
  CU_ASSERT_EQUAL(res_merge(db, b, &n, &err), 0);
  CU_ASSERT_EQUAL(n, 2);
  char missing[512];
  path_of(missing, sizeof missing, "nope.db");
  CU_ASSERT_EQUAL(res_merge(db, missing, &n, &err), SIM_ENOENT);
  CU_ASSERT_EQUAL(res_merge(db, a, &n, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "into itself"));
  res_db_close(db);
  CU_ASSERT_EQUAL(q1(a, "SELECT count(*) FROM runs"), 5);
  CU_ASSERT_EQUAL(all_rows(a), rows_a + rows_b);
  CU_ASSERT_EQUAL(q1(a, "SELECT count(*) FROM ops o JOIN runs r ON "
                        "o.run_id = r.id WHERE r.mapper = 'flat'"),
                  2 * N_OPS);
}

/* A schedule that uses every field of format v2. */
static void full_sched(sim_sched *s) {
  sim_sched_init(s, "fusemax");
  int dram = sim_sched_level(s, "dram"), gbuf = sim_sched_level(s, "gbuf");
  int pe2d = sim_sched_unit(s, "pe2d"), pe1d = sim_sched_unit(s, "pe1d");
  sim_tensor t;
  sim_tensor_init(&t, "Q", 4096, SIM_P_FP16, SIM_T_ACT);
  t.level = (int16_t)dram;
  t.addr = 1ll << 33;
  t.channel = 3;
  t.bank = 15;
  sim_sched_push_tensor(s, &t);
  sim_tensor_init(&t, "K", 1ull << 40, SIM_P_BF16, SIM_T_KV);
  sim_sched_push_tensor(s, &t);
  sim_tensor_init(&t, "W", 77, SIM_P_INT4, SIM_T_WEIGHT);
  t.level = (int16_t)gbuf;
  sim_sched_push_tensor(s, &t);
  for (int i = 0; i < 4; i++) {
    sim_sched_op op;
    char name[32];
    snprintf(name, sizeof name, "L%d.attn.qk", i);
    sim_sched_op_init(&op, name, (sim_fn)(i * 3 % SIM_FN_COUNT),
                      (sim_prec)(i % SIM_PREC_COUNT), i % 2 ? pe1d : pe2d);
    op.layer = i;
    op.n_ranks = 2;
    snprintf(op.ranks[0].name, sizeof op.ranks[0].name, "m1");
    op.ranks[0].size = 4096;
    snprintf(op.ranks[1].name, sizeof op.ranks[1].name, "p0");
    op.ranks[1].size = 256;
    op.count = 64 + (uint64_t)i;
    op.macs = 1000ull * (uint64_t)(i + 1);
    op.elem_ops = 7;
    op.rd_bytes[dram] = 1ull << 30;
    op.wr_bytes[gbuf] = 3;
    op.n_in = 2;
    op.in[0] = 0;
    op.in[1] = 1;
    op.n_out = 1;
    op.out[0] = 2;
    if (i > 0) {
      op.n_deps = 1;
      op.deps[0] = (uint32_t)(i - 1);
    }
    op.payload = i == 2 ? "{\"grid\":[108,4],\"smem\":49152}" : NULL;
    sim_sched_push(s, &op);
  }
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "key tiles");
  g.first = 1;
  g.n = 3;
  g.iters = 1ull << 20;
  g.n_carry = 2;
  g.carry[0].from = 3;
  g.carry[0].to = 1;
  g.carry[1].from = 2;
  g.carry[1].to = 2;
  CU_ASSERT_EQUAL(sim_sched_push_group(s, &g), 0);
  sim_sched_set_payload(s, "{\"pim\":{\"cmds\":[1,2,3]}}");
}

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return strdup(buf);
}

static void test_sched_json(void) {
  sim_sched s;
  full_sched(&s);
  sim_err err;
  CU_ASSERT_EQUAL(sim_sched_check(&s, &err), 0);
  char p[512], p2[512];
  path_of(p, sizeof p, "sched.json");
  path_of(p2, sizeof p2, "sched2.json");
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  CU_ASSERT_EQUAL(res_sched_write_json(f, &s, &err), 0);
  fclose(f);
  sim_sched back;
  CU_ASSERT_EQUAL_FATAL(res_sched_read_json(p, &back, &err), 0);
  /* Field by field: everything but the payload pointers is plain data. */
  CU_ASSERT_STRING_EQUAL(back.mapper, "fusemax");
  CU_ASSERT_EQUAL(back.version, SIM_SCHED_VERSION);
  CU_ASSERT_EQUAL(back.n_levels, 2);
  CU_ASSERT_EQUAL(memcmp(back.levels, s.levels, sizeof s.levels), 0);
  CU_ASSERT_EQUAL(memcmp(back.units, s.units, sizeof s.units), 0);
  CU_ASSERT_EQUAL_FATAL(back.n_tensors, 3);
  CU_ASSERT_EQUAL(memcmp(back.tensors, s.tensors, 3 * sizeof *s.tensors), 0);
  CU_ASSERT_EQUAL_FATAL(back.n_ops, 4);
  for (int i = 0; i < 4; i++) {
    sim_sched_op a = s.ops[i], b = back.ops[i];
    CU_ASSERT((a.payload == NULL) == (b.payload == NULL));
    a.payload = b.payload = NULL;
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
  }
  CU_ASSERT_EQUAL_FATAL(back.n_groups, 1);
  CU_ASSERT_EQUAL(memcmp(back.groups, s.groups, sizeof *s.groups), 0);
  CU_ASSERT_PTR_NOT_NULL(back.payload);
  CU_ASSERT_PTR_NOT_NULL(strstr(back.ops[2].payload, "49152"));
  /* And the text is a fixed point: write, read, write gives the same. */
  f = fopen(p2, "w");
  CU_ASSERT_EQUAL(res_sched_write_json(f, &back, &err), 0);
  fclose(f);
  char *t1 = slurp(p), *t2 = slurp(p2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
  CU_ASSERT_STRING_EQUAL(t1, t2);
  free(t1);
  free(t2);
  sim_sched_fini(&back);
  sim_sched_fini(&s);
}

/* Each bad schedule: SIM_EINVAL and a message naming the op and field. */
static void bad_sched(const char *json, const char *want) {
  char p[512];
  path_of(p, sizeof p, "bad.json");
  FILE *f = fopen(p, "w");
  fputs(json, f);
  fclose(f);
  sim_sched back;
  sim_err err;
  sim_err_clear(&err);
  int rc = res_sched_read_json(p, &back, &err);
  CU_ASSERT_EQUAL(rc, SIM_EINVAL);
  if (!strstr(err.msg, want))
    fprintf(stderr, "\n  want '%s' in: %s\n", want, err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
  sim_sched_fini(&back);
}

#define HEAD "{\"version\": 2, \"mapper\": \"m\", \"levels\": [\"dram\"], " \
             "\"units\": [\"core\"], \"tensors\": [{\"name\": \"x\", "     \
             "\"bytes\": 8, \"prec\": \"fp16\", \"kind\": \"act\"}], "

static void test_sched_json_bad(void) {
  bad_sched("{\"version\": 3, \"mapper\": \"m\", \"ops\": []}",
            "version: 3 is not supported");
  bad_sched("{\"mapper\": \"m\", \"ops\": []}", "version: missing");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"in\": [5]}]}",
            "ops[0] 'a'.in: [0]: 5 must be a tensor id (0..0)");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"sm\"}]}",
            "ops[0] 'a'.unit: 'sm' is not in units");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"rd_bytes\": {\"l2\": 4}}]}",
            "ops[0] 'a'.rd_bytes: 'l2' is not a declared level");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"deps\": [0]}]}",
            "ops[0] 'a'.deps: [0]: must be an earlier op (no cycles), and "
            "there is none");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"count\": -4}]}",
            "ops[0] 'a'.count: must be an integer >= 0");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"count\": 4294967296, "
                 "\"macs\": 4294967296}]}",
            "op 'a' (#0): macs/elem_ops x count x iterations overflow");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\", \"macss\": 1}]}",
            "ops[0] 'a'.macss: unknown key");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"matmul\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\"}]}",
            "ops[0] 'a'.fn: 'matmul' is not one of");
  bad_sched(HEAD "\"ops\": [{\"name\": \"a\", \"fn\": \"mac\", \"prec\": "
                 "\"fp16\", \"unit\": \"core\"}], \"groups\": [{\"name\": "
                 "\"g\", \"first\": 0, \"n\": 1, \"iters\": 2, \"carry\": "
                 "[[0, 3]]}]}",
            "groups[0] 'g'.carry: [0]: must be [from, to], op indices "
            "inside the group");
}
static CU_TestInfo open_tests[] = {
    {"open creates the schema", test_open_create},
    {"newer schema version refused", test_schema_newer},
    {"version 1 migrated, buffers stored", test_schema_migrate},
    {"report: at most 32 memory timelines", test_report_timeline_cap},
    {"foreign db and non-db refused", test_not_ours},
    {"unwritable path is SIM_EIO", test_unwritable},
    CU_TEST_INFO_NULL};

static CU_TestInfo write_tests[] = {
    {"run rows", test_write_run},
    {"no-ops flag, default params", test_write_no_ops_flag},
    {"bad params leave no rows", test_bad_params},
    {"each allocation failure leaves no rows", test_write_alloc_fail},
    {"failure after inserts rolls back", test_write_range_rollback},
    {"two processes write at once", test_two_writers},
    {"validation table", test_validation},
    {"merge shards", test_merge},
    CU_TEST_INFO_NULL};

static CU_TestInfo out_tests[] = {
    {"json keys and energy sum", test_json},
    {"json allocation failures", test_json_alloc_fail},
    {"schedule json round trip", test_sched_json},
    {"schedule json bad input names op and field", test_sched_json_bad},
    {"gnuplot report", test_report},
    {"regress", test_regress},
    {"regress allocation failures", test_regress_alloc_fail},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"results.open", suite_init, suite_fini, NULL, NULL, open_tests},
    {"results.write", suite_init, suite_fini, NULL, NULL, write_tests},
    {"results.output", suite_init, suite_fini, NULL, NULL, out_tests},
    CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
