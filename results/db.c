/*
 * db.c — opening a results database: create schema v1 on a new file,
 * check the version and the application id of an existing one, WAL mode
 * and busy timeout so several processes can write at once; plus the small
 * SQLite helpers the other files of results/ share (resInt.h).
 *
 * Open sequence (res__open):
 *   1. sqlite3_open_v2; CANTOPEN (missing directory, a directory, /proc)
 *      becomes SIM_EIO naming the path and the OS error.
 *   2. Read application_id and user_version.  This is the first real read
 *      of the file, so "file is not a database" shows up here.
 *   3. user_version > RES_SCHEMA_VERSION: SIM_ESCHEMA.  A version we know
 *      with a foreign application id: SIM_ESCHEMA "not a tfsim database".
 *   4. Read-write only: journal_mode=WAL (retried while another process
 *      holds the lock), then, if user_version is 0, BEGIN IMMEDIATE,
 *      re-read user_version (another process may have won the race), and
 *      create the schema unless the file already holds foreign tables.
 *
 * Reading commands (report, regress, the source of merge) open RES__RO
 * and never change the database; how depends on who may write there
 * (res_ro_how), because a WAL database needs its -wal and -shm files even
 * to be read, and a read-only connection cannot remove them:
 *   - the file and its directory are writable: READWRITE without CREATE
 *     and PRAGMA query_only=ON, so SQL cannot change anything, concurrent
 *     writers are locked against properly, and SQLite, closing the last
 *     connection, checkpoints and removes the -wal and -shm (a READONLY
 *     connection would leave both behind);
 *   - else, path-wal exists (a writer with other rights is at work, or
 *     crashed): plain SQLITE_OPEN_READONLY, using its files;
 *   - else (a read-only directory or file, where no writer can create a
 *     -wal): SQLITE_OPEN_READONLY on the URI file:PATH?immutable=1, which
 *     reads the file as it is and creates nothing.
 * A path that cannot be opened is reported with the OS reason found by
 * res_why_not (e.g. "Permission denied" for a new file in a read-only
 * directory), not SQLite's last errno, which may name another file.
 *
 * Schema versions only grow.  Version 2 added the buffers table (the
 * memory planner's placement, for memory timelines) and runs.point_hash,
 * runs.sched_hash and runs.error (sweeps, regress).  A file of version 1
 * opened for writing is migrated in one transaction (res_migrate); opened
 * for reading it is read as it is (db->version 1: readers leave out what
 * it lacks).  A file written by a newer tfsim is never touched.
 */
#include "resInt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* Schema version 1.  Keep in step with docs/results.md.  Never edited:
 * later versions are migrations (res_schema_steps) applied on top. */
static const char res_schema_v1[] =
    "CREATE TABLE runs (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  time          TEXT NOT NULL\n"
    "                DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n"
    "  tfsim_version TEXT NOT NULL,\n"
    "  arch_name     TEXT NOT NULL,\n"
    "  arch_class    TEXT NOT NULL,\n"
    "  arch_yaml     TEXT NOT NULL,\n"
    "  workload      TEXT NOT NULL,\n"
    "  mapper        TEXT NOT NULL,\n"
    "  params        TEXT NOT NULL CHECK (json_valid(params)),\n"
    "  cmdline       TEXT NOT NULL,\n"
    "  status        TEXT NOT NULL,\n"
    "  clock         TEXT NOT NULL DEFAULT ''\n"
    ") STRICT;\n"
    "CREATE INDEX runs_key ON runs(arch_name, workload, mapper, params, id);\n"
    "CREATE INDEX runs_time ON runs(time);\n"
    "CREATE TABLE metrics (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  key    TEXT NOT NULL,\n"
    "  value  REAL,\n"
    "  unit   TEXT NOT NULL DEFAULT '',\n"
    "  source TEXT NOT NULL\n"
    "         CHECK (source IN ('headline', 'report', 'stat', 'validation')),\n"
    "  PRIMARY KEY (run_id, key)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX metrics_key ON metrics(key, run_id);\n"
    "CREATE TABLE ops (\n"
    "  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  idx       INTEGER NOT NULL,\n"
    "  name      TEXT NOT NULL,\n"
    "  layer     INTEGER NOT NULL,\n"
    "  start_ps  INTEGER NOT NULL,\n"
    "  end_ps    INTEGER NOT NULL,\n"
    "  macs      INTEGER NOT NULL,\n"
    "  elem_ops  INTEGER NOT NULL,\n"
    "  rd_bytes  INTEGER NOT NULL,\n"
    "  wr_bytes  INTEGER NOT NULL,\n"
    "  energy_pj REAL,\n"
    "  bound     TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, idx)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE TABLE components (\n"
    "  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  component TEXT NOT NULL,\n"
    "  name      TEXT NOT NULL,\n"
    "  unit      TEXT NOT NULL,\n"
    "  kind      TEXT NOT NULL CHECK (kind IN ('count', 'sum', 'max', "
    "'value')),\n"
    "  value     REAL,\n"
    "  count     INTEGER,\n"
    "  PRIMARY KEY (run_id, component, name)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE INDEX components_component ON components(component, run_id);\n"
    "CREATE TABLE validation (\n"
    "  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  idx       INTEGER NOT NULL,\n"
    "  suite     TEXT NOT NULL,\n"
    "  item      TEXT NOT NULL,\n"
    "  metric    TEXT NOT NULL,\n"
    "  published REAL,\n"
    "  ours      REAL,\n"
    "  tol       REAL,\n"
    "  tol_abs   INTEGER NOT NULL,\n"
    "  error     REAL,\n"
    "  pass      INTEGER,\n" /* 1 pass, 0 miss, NULL informational */
    "  source    TEXT NOT NULL,\n"
    "  note      TEXT NOT NULL,\n"
    "  PRIMARY KEY (run_id, idx)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "CREATE VIEW run_summary AS\n"
    "  SELECT r.id AS run_id, r.time, r.arch_name, r.arch_class,\n"
    "         r.workload, r.mapper, r.params, r.status, r.clock,\n"
    "         (SELECT value FROM metrics m\n"
    "           WHERE m.run_id = r.id AND m.key = 'cycles') AS cycles,\n"
    "         (SELECT value FROM metrics m\n"
    "           WHERE m.run_id = r.id AND m.key = 'latency_s') AS latency_s,\n"
    "         (SELECT value FROM metrics m\n"
    "           WHERE m.run_id = r.id AND m.key = 'energy_j') AS energy_j,\n"
    "         (SELECT value FROM metrics m\n"
    "           WHERE m.run_id = r.id AND m.key = 'util') AS util,\n"
    "         (SELECT value FROM metrics m\n"
    "           WHERE m.run_id = r.id AND m.key = 'dram_bytes') AS dram_bytes\n"
    "    FROM runs r;\n"
    "CREATE VIEW energy_breakdown AS\n"
    "  SELECT run_id, component, SUM(value) AS energy_pj\n"
    "    FROM components WHERE unit = 'pJ' AND kind = 'sum'\n"
    "   GROUP BY run_id, component;\n";

/* Version 2: the planned buffers of a run (classes with a memory planner:
 * mcu), for the memory timeline of `tfsim report`; and the sweep columns
 * of runs. */
static const char res_schema_v2[] =
    "CREATE TABLE buffers (\n"
    "  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  idx      INTEGER NOT NULL,\n"
    "  name     TEXT NOT NULL,\n"
    "  level    TEXT NOT NULL,\n"
    "  bytes    INTEGER NOT NULL,\n"
    "  addr     INTEGER NOT NULL,\n"
    "  first_op INTEGER NOT NULL,\n"
    "  last_op  INTEGER NOT NULL,\n"
    "  at_peak  INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run_id, idx)\n"
    ") STRICT, WITHOUT ROWID;\n"
    /* sweeps: the design point's hash (sweep/), the hash of the schedule
     * the run executed (a changed mapping shows in regress even when its
     * cost did not) and the error of a failed run */
    "ALTER TABLE runs ADD COLUMN point_hash TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE runs ADD COLUMN sched_hash TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE runs ADD COLUMN error TEXT NOT NULL DEFAULT '';\n"
    "CREATE INDEX runs_point ON runs(point_hash, status);\n";

/* res_schema_steps[v - 1] takes a database from version v - 1 to v: a new
 * file runs them all, an older file the ones it lacks (res_migrate). */
static const char *const res_schema_steps[RES_SCHEMA_VERSION] = {
    res_schema_v1, res_schema_v2};

const char *const res__headline_keys[] = {"cycles", "latency_s", "energy_j",
                                          "util", "dram_bytes", NULL};

int res__is_headline(const char *key) {
  for (int i = 0; res__headline_keys[i]; i++)
    if (strcmp(key, res__headline_keys[i]) == 0) return 1;
  return 0;
}

const char *res__kind_name(sim_stat_kind k) {
  switch (k) {
  case SIM_STAT_COUNT: return "count";
  case SIM_STAT_SUM: return "sum";
  case SIM_STAT_MAX: return "max";
  case SIM_STAT_VALUE: return "value";
  }
  return "value";
}

int res__code(int rc) {
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW: return 0;
  case SQLITE_NOMEM: return SIM_ENOMEM;
  case SQLITE_RANGE: return SIM_ERANGE;
  case SQLITE_CONSTRAINT:
  case SQLITE_MISMATCH: return SIM_EINVAL;
  default: return SIM_EIO;
  }
}

int res__sqlerr(res_db *db, int rc, sim_err *err, const char *what) {
  int code = res__code(rc);
  if (!code) code = SIM_EIO;
  const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY)
    return sim_err_set(err, code, "%s: %s: database is locked (waited %d s)",
                       db ? db->path : "?", what,
                       RES_BUSY_TIMEOUT_MS / 1000);
  return sim_err_set(err, code, "%s: %s: %s", db ? db->path : "?", what,
                     msg);
}

int res__exec(res_db *db, const char *sql, sim_err *err, const char *what) {
  int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, what);
  return 0;
}

int res__begin(res_db *db, sim_err *err) {
  return res__exec(db, "BEGIN IMMEDIATE", err, "cannot start a transaction");
}

int res__commit(res_db *db, sim_err *err) {
  int rc = res__exec(db, "COMMIT", err, "cannot commit");
  if (rc) res__rollback(db);
  return rc;
}

void res__rollback(res_db *db) {
  if (db && db->h && !sqlite3_get_autocommit(db->h))
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

static const char *const res_stmt_sql[RES_ST_COUNT] = {
    [RES_ST_INS_RUN] =
        "INSERT INTO runs (tfsim_version, arch_name, arch_class, arch_yaml,"
        " workload, mapper, params, cmdline, status, clock, point_hash,"
        " sched_hash, error)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [RES_ST_INS_METRIC] =
        "INSERT INTO metrics (run_id, key, value, unit, source)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, key) DO NOTHING",
    [RES_ST_INS_OP] =
        "INSERT INTO ops (run_id, idx, name, layer, start_ps, end_ps, macs,"
        " elem_ops, rd_bytes, wr_bytes, energy_pj, bound)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [RES_ST_INS_COMP] =
        "INSERT INTO components (run_id, component, name, unit, kind, value,"
        " count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [RES_ST_INS_VAL] =
        "INSERT INTO validation (run_id, idx, suite, item, metric, published,"
        " ours, tol, tol_abs, error, pass, source, note)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [RES_ST_INS_BUF] =
        "INSERT INTO buffers (run_id, idx, name, level, bytes, addr,"
        " first_op, last_op, at_peak)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

int res__stmt(res_db *db, res__sid id, sqlite3_stmt **out, sim_err *err) {
  *out = NULL;
  if (!db->st[id]) {
    int rc = sqlite3_prepare_v3(db->h, res_stmt_sql[id], -1,
                                SQLITE_PREPARE_PERSISTENT, &db->st[id], NULL);
    if (rc != SQLITE_OK)
      return res__sqlerr(db, rc, err, "cannot prepare a statement");
  }
  sqlite3_reset(db->st[id]);
  sqlite3_clear_bindings(db->st[id]);
  *out = db->st[id];
  return 0;
}

int res__bind_real(sqlite3_stmt *st, int i, double v) {
  return isfinite(v) ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

int res__bind_u64(sqlite3_stmt *st, int i, uint64_t v) {
  if (v > (uint64_t)INT64_MAX) return SQLITE_RANGE;
  return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

int res__bind_text(sqlite3_stmt *st, int i, const char *s) {
  return sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

double res__metric(res_db *db, int64_t run, const char *key) {
  sqlite3_stmt *st = NULL;
  double v = NAN;
  if (sqlite3_prepare_v2(db->h, "SELECT value FROM metrics WHERE run_id = ?1"
                         " AND key = ?2", -1, &st, NULL) != SQLITE_OK)
    return v;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW &&
      sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

char *res__join(const char *a, char sep, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  char *s = sim_malloc(na + nb + 2);
  if (!s) return NULL;
  memcpy(s, a, na);
  s[na] = sep;
  memcpy(s + na + 1, b, nb + 1);
  return s;
}

int res__params_canon(const char *db_path, const char *json, char **out,
                      sim_err *err) {
  *out = NULL;
  if (!json || !*json) json = "{}";
  json_error_t je;
  json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, &je);
  if (!v)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: params: not valid JSON at column %d: %s",
                       db_path, je.column, je.text);
  if (!json_is_object(v)) {
    json_decref(v);
    return sim_err_set(err, SIM_EINVAL, "%s: params: must be a JSON object",
                       db_path);
  }
  *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
  json_decref(v);
  if (!*out)
    return sim_err_set(err, SIM_ENOMEM, "%s: params: out of memory",
                       db_path);
  return 0;
}

static int res_why_not(const char *path, int mode);

/* Reads one integer PRAGMA. */
static int res_pragma_int(res_db *db, const char *sql, int64_t *v,
                          sim_err *err) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *v = sqlite3_column_int64(st, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_OK) return 0;
  if ((rc & 0xff) == SQLITE_NOTADB)
    return sim_err_set(err, SIM_EIO, "%s: not an SQLite database (%s)",
                       db->path, sqlite3_errstr(rc));
  if ((rc & 0xff) == SQLITE_CANTOPEN) {
    int e = res_why_not(db->path, db->readonly ? RES__RO : RES__RW);
    if (!e) e = sqlite3_system_errno(db->h);
    return sim_err_set(err, SIM_EIO, "%s: cannot open database: %s",
                       db->path, e ? strerror(e) : sqlite3_errstr(rc));
  }
  return res__sqlerr(db, rc, err, "cannot read the schema version");
}

/* journal_mode=WAL needs a short exclusive moment; retry while another
 * process holds the file, up to the busy timeout. */
static int res_set_wal(res_db *db, sim_err *err) {
  struct timespec ts = {0, 10 * 1000 * 1000};
  int rc = SQLITE_OK;
  for (int waited_ms = 0; waited_ms <= RES_BUSY_TIMEOUT_MS; waited_ms += 10) {
    rc = sqlite3_exec(db->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) break;
    nanosleep(&ts, NULL);
  }
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot enable WAL");
  return 0;
}

/* Creates schema v1 unless another process did it first. */
static int res_create_schema(res_db *db, sim_err *err) {
  int rc = res__begin(db, err);
  if (rc) return rc;
  int64_t ver = 0, ntab = 0;
  rc = res_pragma_int(db, "PRAGMA user_version", &ver, err);
  if (rc) goto fail;
  if (ver != 0) { /* someone else created it meanwhile: re-check */
    res__rollback(db);
    return 1;
  }
  rc = res_pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntab, err);
  if (rc) goto fail;
  if (ntab > 0) {
    rc = sim_err_set(err, SIM_ESCHEMA,
                     "%s: not a tfsim results database (it holds other "
                     "tables and no tfsim schema version)",
                     db->path);
    goto fail;
  }
  for (int v = 0; v < RES_SCHEMA_VERSION && !rc; v++)
    rc = res__exec(db, res_schema_steps[v], err, "cannot create the schema");
  if (rc) goto fail;
  char pragma[96];
  snprintf(pragma, sizeof pragma,
           "PRAGMA application_id=%d; PRAGMA user_version=%d",
           RES_APPLICATION_ID, RES_SCHEMA_VERSION);
  rc = res__exec(db, pragma, err, "cannot set the schema version");
  if (rc) goto fail;
  return res__commit(db, err);
fail:
  res__rollback(db);
  return rc;
}

/* Brings a database of an older version (1 <= ver < current) up to date
 * in one transaction: the steps it lacks, then the new user_version.
 * Another process may have migrated it meanwhile: then nothing is done. */
static int res_migrate(res_db *db, sim_err *err) {
  int rc = res__begin(db, err);
  if (rc) return rc;
  int64_t ver = 0;
  rc = res_pragma_int(db, "PRAGMA user_version", &ver, err);
  for (int64_t v = ver; !rc && v < RES_SCHEMA_VERSION; v++)
    rc = res__exec(db, res_schema_steps[v], err,
                   "cannot migrate the schema");
  if (!rc && ver < RES_SCHEMA_VERSION) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d",
             RES_SCHEMA_VERSION);
    rc = res__exec(db, pragma, err, "cannot set the schema version");
  }
  if (rc) {
    res__rollback(db);
    return rc;
  }
  return res__commit(db, err);
}

/* Checks version and application id; creates the schema when asked. */
static int res_check_schema(res_db *db, int mode, sim_err *err) {
  for (int attempt = 0; attempt < 3; attempt++) {
    int64_t ver = 0, app = 0;
    int rc = res_pragma_int(db, "PRAGMA user_version", &ver, err);
    if (rc) return rc;
    rc = res_pragma_int(db, "PRAGMA application_id", &app, err);
    if (rc) return rc;
    if (ver > RES_SCHEMA_VERSION)
      return sim_err_set(err, SIM_ESCHEMA,
                         "%s: schema version %lld is newer than this tfsim "
                         "supports (%d)",
                         db->path, (long long)ver, RES_SCHEMA_VERSION);
    if (ver > 0 && app != RES_APPLICATION_ID)
      return sim_err_set(err, SIM_ESCHEMA,
                         "%s: not a tfsim results database (application_id "
                         "0x%llx, expected 0x%x)",
                         db->path, (unsigned long long)app,
                         RES_APPLICATION_ID);
    if (ver < 0)
      return sim_err_set(err, SIM_ESCHEMA,
                         "%s: bad schema version %lld", db->path,
                         (long long)ver);
    if (ver == RES_SCHEMA_VERSION) {
      db->version = (int)ver;
      return 0;
    }
    /* An older version: a reader reads it as it is (what it lacks reads
     * as empty), a writer migrates it. */
    if (ver > 0 && mode == RES__RO) {
      db->version = (int)ver;
      return 0;
    }
    if (ver > 0) {
      rc = res_migrate(db, err);
      if (rc == 0) db->version = RES_SCHEMA_VERSION;
      return rc;
    }
    /* ver == 0: an empty (or foreign) file. */
    if (mode == RES__RO)
      return sim_err_set(err, SIM_ESCHEMA,
                         "%s: not a tfsim results database (no schema "
                         "version)",
                         db->path);
    rc = res_create_schema(db, err);
    if (rc == 0) db->version = RES_SCHEMA_VERSION;
    if (rc <= 0) return rc;
    /* rc == 1: another process created it; check what it wrote. */
  }
  return sim_err_set(err, SIM_EINTERNAL, "%s: schema creation did not settle",
                     db->path);
}

/* The directory part of path ("." for a bare name), into buf. */
static void res_dirname(const char *path, char *buf, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) {
    snprintf(buf, n, ".");
    return;
  }
  size_t l = (size_t)(slash - path);
  if (l == 0) l = 1; /* "/x.db" */
  if (l >= n) l = n - 1;
  memcpy(buf, path, l);
  buf[l] = '\0';
}

/* Why path cannot be opened (mode RES__RW may create it): an errno found
 * by asking the file system directly, or 0 when nothing is wrong. */
static int res_why_not(const char *path, int mode) {
  struct stat sb;
  if (stat(path, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return EISDIR;
    if (access(path, mode == RES__RW ? R_OK | W_OK : R_OK) != 0) return errno;
    return 0;
  }
  int e = errno;
  if (e != ENOENT || mode == RES__RO) return e;
  char dir[4096];
  res_dirname(path, dir, sizeof dir);
  if (stat(dir, &sb) != 0) return errno;
  if (!S_ISDIR(sb.st_mode)) return ENOTDIR;
  if (access(dir, W_OK | X_OK) != 0) return errno;
  return 0;
}

/* How a reading command opens path (see the file header). */
enum { RES_RO_SHARED, RES_RO_QUERY_ONLY, RES_RO_IMMUTABLE };

static int res_ro_how(const char *path) {
  char wal[4096], dir[4096];
  res_dirname(path, dir, sizeof dir);
  if (access(path, W_OK) == 0 && access(dir, W_OK | X_OK) == 0)
    return RES_RO_QUERY_ONLY;
  snprintf(wal, sizeof wal, "%s-wal", path);
  if (access(wal, F_OK) == 0) return RES_RO_SHARED;
  return RES_RO_IMMUTABLE;
}

/* "file:PATH?immutable=1" with PATH percent-encoded where a URI needs it
 * (sim_malloc'd, NULL when out of memory). */
static char *res_immutable_uri(const char *path) {
  size_t n = strlen(path);
  char *u = sim_malloc(5 + 3 * n + 16);
  if (!u) return NULL;
  char *q = u + sprintf(u, "file:");
  for (const char *p = path; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '%' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f)
      q += sprintf(q, "%%%02X", c);
    else
      *q++ = (char)c;
  }
  strcpy(q, "?immutable=1");
  return u;
}

int res__open(const char *path, int mode, res_db **out, sim_err *err) {
  *out = NULL;
  if (!path || !*path)
    return sim_err_set(err, SIM_EINVAL, "results database: empty path");
  if (mode == RES__RO) {
    struct stat sb;
    if (stat(path, &sb) != 0)
      return sim_err_set(err, errno == ENOENT ? SIM_ENOENT : SIM_EIO,
                         "%s: cannot open database: %s", path,
                         strerror(errno));
  }
  res_db *db = sim_calloc(1, sizeof *db);
  if (!db) return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
  db->readonly = mode == RES__RO;
  db->path = sim_strdup(path);
  if (!db->path) {
    sim_free(db);
    return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int how = mode == RES__RO ? res_ro_how(path) : -1;
  char *uri = NULL;
  if (how == RES_RO_SHARED) flags = SQLITE_OPEN_READONLY;
  if (how == RES_RO_QUERY_ONLY) flags = SQLITE_OPEN_READWRITE;
  if (how == RES_RO_IMMUTABLE) {
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    if (!(uri = res_immutable_uri(path))) {
      res_db_close(db);
      return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    }
  }
  int rc = sqlite3_open_v2(uri ? uri : path, &db->h, flags, NULL);
  sim_free(uri);
  if (rc != SQLITE_OK) {
    int e = res_why_not(path, mode);
    if (!e && db->h) e = sqlite3_system_errno(db->h);
    if ((rc & 0xff) == SQLITE_NOMEM)
      rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    else
      rc = sim_err_set(err, SIM_EIO, "%s: cannot open database: %s", path,
                       e ? strerror(e) : sqlite3_errstr(rc));
    goto fail;
  }
  sqlite3_extended_result_codes(db->h, 1);
  sqlite3_busy_timeout(db->h, RES_BUSY_TIMEOUT_MS);
  if (how == RES_RO_QUERY_ONLY) {
    rc = res__exec(db, "PRAGMA query_only=ON", err, "cannot open read-only");
    if (rc) goto fail;
  }
  rc = res_check_schema(db, mode, err);
  if (rc) goto fail;
  if (mode == RES__RW) {
    if (sqlite3_db_readonly(db->h, "main") == 1) {
      rc = sim_err_set(err, SIM_EIO, "%s: database is not writable", path);
      goto fail;
    }
    rc = res_set_wal(db, err);
    if (rc) goto fail;
    /* NORMAL: a commit appends to the WAL without fsync (a power cut
     * may lose the last runs, never corrupt the file); the fsyncs come
     * at checkpoints, which a larger autocheckpoint (4000 pages, 16 MB
     * of WAL, folded back on close) makes rarer: a sweep writes a run
     * in well under a millisecond (tests/bench/bench_sweep.c). */
    rc = res__exec(db, "PRAGMA synchronous=NORMAL; "
                   "PRAGMA wal_autocheckpoint=4000", err,
                   "cannot set synchronous");
    if (rc) goto fail;
  }
  rc = res__exec(db, "PRAGMA foreign_keys=ON", err,
                 "cannot enable foreign keys");
  if (rc) goto fail;
  *out = db;
  return 0;
fail:
  res_db_close(db);
  return rc;
}

int res_db_open(const char *path, res_db **out, sim_err *err) {
  if (!out) return sim_err_set(err, SIM_EINVAL, "res_db_open: out is NULL");
  return res__open(path, RES__RW, out, err);
}

void res_db_close(res_db *db) {
  if (!db) return;
  for (int i = 0; i < RES_ST_COUNT; i++) sqlite3_finalize(db->st[i]);
  if (db->h) {
    res__rollback(db);
    sqlite3_close_v2(db->h);
  }
  sim_free(db->path);
  sim_free(db);
}

const char *res_db_path(const res_db *db) { return db ? db->path : NULL; }

/* ---------------------------------------------------------------------- */
/* Design points (report, regress)                                        */
/* ---------------------------------------------------------------------- */

/* The latest ok run of each design point: grouped by (arch, workload,
 * mapper, params), or with by_hash by point_hash where a run has one (two
 * sweep points may share a key: an arch given by preset name and by
 * path).  %s: the grouping, then the hash columns (v1: ''). */
static const char res_latest_fmt[] =
    "WITH latest AS (\n"
    "  SELECT max(id) AS id FROM runs\n"
    "   WHERE status = 'ok' AND arch_class <> 'validate'\n"
    "   GROUP BY %s)\n"
    "SELECT r.id, r.arch_name, r.workload, r.mapper, r.params,\n"
    "  (SELECT value FROM metrics m WHERE m.run_id = r.id AND m.key = "
    "'cycles'),\n"
    "  (SELECT value FROM metrics m WHERE m.run_id = r.id AND m.key = "
    "'latency_s'),\n"
    "  (SELECT value FROM metrics m WHERE m.run_id = r.id AND m.key = "
    "'energy_j'),\n"
    "  (SELECT value FROM metrics m WHERE m.run_id = r.id AND m.key = "
    "'util'),\n"
    "  (SELECT value FROM metrics m WHERE m.run_id = r.id AND m.key = "
    "'dram_bytes'),\n"
    "  %s\n"
    "  FROM runs r JOIN latest l ON r.id = l.id\n"
    " ORDER BY r.arch_name, r.workload, r.mapper, r.params";

static double res_col_real(sqlite3_stmt *st, int i) {
  return sqlite3_column_type(st, i) == SQLITE_NULL
             ? NAN
             : sqlite3_column_double(st, i);
}

static char *res_col_dup(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return sim_strdup(s ? (const char *)s : "");
}

void res__points_free(res__point *p, size_t n) {
  if (!p) return;
  for (size_t i = 0; i < n; i++) {
    sim_free(p[i].arch);
    sim_free(p[i].workload);
    sim_free(p[i].mapper);
    sim_free(p[i].params);
    sim_free(p[i].point_hash);
    sim_free(p[i].sched_hash);
  }
  sim_free(p);
}

int res__latest_points(res_db *db, res__point **out, size_t *n,
                       sim_err *err) {
  return res__latest_points_by(db, 0, out, n, err);
}

int res__latest_points_by(res_db *db, int by_hash, res__point **out,
                          size_t *n, sim_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st = NULL;
  res__point *v = NULL;
  size_t len = 0, cap = 0;
  char sql[2048];
  int v2 = db->version >= 2;
  snprintf(sql, sizeof sql, res_latest_fmt,
           v2 && by_hash
               ? "CASE WHEN point_hash <> '' THEN point_hash ELSE "
                 "json_array(arch_name, workload, mapper, params) END"
               : "arch_name, workload, mapper, params",
           v2 ? "r.point_hash, r.sched_hash" : "'', ''");
  int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot read runs");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      size_t nc = cap ? cap * 2 : 32;
      res__point *nv = sim_realloc(v, nc * sizeof *nv);
      if (!nv) goto oom;
      v = nv;
      cap = nc;
    }
    res__point *p = &v[len++];
    memset(p, 0, sizeof *p);
    p->run_id = sqlite3_column_int64(st, 0);
    p->arch = res_col_dup(st, 1);
    p->workload = res_col_dup(st, 2);
    p->mapper = res_col_dup(st, 3);
    p->params = res_col_dup(st, 4);
    p->point_hash = res_col_dup(st, 10);
    p->sched_hash = res_col_dup(st, 11);
    if (!p->arch || !p->workload || !p->mapper || !p->params ||
        !p->point_hash || !p->sched_hash)
      goto oom;
    p->cycles = res_col_real(st, 5);
    p->latency_s = res_col_real(st, 6);
    p->energy_j = res_col_real(st, 7);
    p->util = res_col_real(st, 8);
    p->dram_bytes = res_col_real(st, 9);
  }
  if (rc != SQLITE_DONE) {
    rc = res__sqlerr(db, rc, err, "cannot read runs");
    goto fail;
  }
  sqlite3_finalize(st);
  *out = v;
  *n = len;
  return 0;
oom:
  rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory reading runs",
                   db->path);
fail:
  sqlite3_finalize(st);
  res__points_free(v, len);
  return rc;
}
