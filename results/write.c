/*
 * write.c — writing runs into the results database: res_write_run (a
 * simulated run with its report), res_write_validation (a tfsim validate
 * table) and res_merge (the runs of another database, for sharded sweeps).
 *
 * Every function here is one transaction: BEGIN IMMEDIATE, the inserts,
 * COMMIT.  Every error path goes through one `fail:` label that rolls back,
 * so a failed call leaves the database exactly as it was (tests prove it
 * by failing each allocation in turn, see tests/results/).
 *
 * Row order inside a run (metrics are first-wins on a duplicate key):
 *   1. runs row;
 *   2. headline metrics (cycles, latency_s, energy_j, util, dram_bytes);
 *   3. report metrics, except headline keys;
 *   4. per statistic: a components row and a metrics row "component.name";
 *   5. per op: an ops row (unless RES_F_DB_NO_OPS).
 * energy_j is the sum of the energy statistics (sim_report_energy_breakdown),
 * the same figure res_report_json prints.
 *
 * Cost: one prepared INSERT per row, O(metrics + stats + ops) per run.
 */
#include "resInt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#ifndef TFSIM_VERSION
#define TFSIM_VERSION "unknown"
#endif

/* Steps an INSERT once; bind errors are passed in as rc. */
static int res_step(res_db *db, sqlite3_stmt *st, int rc, sim_err *err,
                    const char *what) {
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) return 0;
  if (rc == SQLITE_RANGE)
    return sim_err_set(err, SIM_ERANGE, "%s: %s: value beyond 2^63-1",
                       db->path, what);
  return res__sqlerr(db, rc, err, what);
}

static int res_metric(res_db *db, int64_t run, const char *key, double v,
                      const char *unit, const char *source, sim_err *err) {
  sqlite3_stmt *st;
  int rc = res__stmt(db, RES_ST_INS_METRIC, &st, err);
  if (rc) return rc;
  rc = sqlite3_bind_int64(st, 1, run);
  if (!rc) rc = res__bind_text(st, 2, key);
  if (!rc) rc = res__bind_real(st, 3, v);
  if (!rc) rc = res__bind_text(st, 4, unit);
  if (!rc) rc = res__bind_text(st, 5, source);
  return res_step(db, st, rc, err, key);
}

/* Inserts the runs row; *run is its id. */
static int res_run_row(res_db *db, const res_run_meta *m, const char *params,
                       const char *status, const char *clock, int64_t *run,
                       sim_err *err) {
  sqlite3_stmt *st;
  int rc = res__stmt(db, RES_ST_INS_RUN, &st, err);
  if (rc) return rc;
  rc = res__bind_text(st, 1, m->tfsim_version ? m->tfsim_version
                                              : TFSIM_VERSION);
  if (!rc) rc = res__bind_text(st, 2, m->arch_name);
  if (!rc) rc = res__bind_text(st, 3, m->arch_class);
  if (!rc) rc = res__bind_text(st, 4, m->arch_yaml);
  if (!rc) rc = res__bind_text(st, 5, m->workload);
  if (!rc) rc = res__bind_text(st, 6, m->mapper);
  if (!rc) rc = res__bind_text(st, 7, params);
  if (!rc) rc = res__bind_text(st, 8, m->cmdline);
  if (!rc) rc = res__bind_text(st, 9, status);
  if (!rc) rc = res__bind_text(st, 10, clock);
  if (!rc) rc = res__bind_text(st, 11, m->point_hash);
  if (!rc) rc = res__bind_text(st, 12, m->sched_hash);
  if (!rc) rc = res__bind_text(st, 13, m->error);
  rc = res_step(db, st, rc, err, "runs row");
  if (rc) return rc;
  *run = sqlite3_last_insert_rowid(db->h);
  return 0;
}

static int res_headline(res_db *db, int64_t run, const sim_report *rep,
                        sim_err *err) {
  struct {
    const char *key, *unit;
    double v;
  } h[] = {
      {"cycles", "cycles", (double)rep->cycles},
      {"latency_s", "s", (double)rep->latency_ps / (double)SIM_PS_PER_S},
      {"energy_j", "J", sim_report_energy_breakdown(rep, NULL, NULL)},
      {"util", "", rep->util},
      {"dram_bytes", "B", (double)rep->dram_bytes},
  };
  for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
    int rc = res_metric(db, run, h[i].key, h[i].v, h[i].unit, "headline",
                        err);
    if (rc) return rc;
  }
  for (size_t i = 0; i < rep->n_metrics; i++) {
    const sim_metric *m = &rep->metrics[i];
    if (res__is_headline(m->key)) continue;
    int rc = res_metric(db, run, m->key, m->value,
                        m->type == SIM_MT_BOOL ? "bool" : "", "report", err);
    if (rc) return rc;
  }
  return 0;
}

static int res_stats(res_db *db, int64_t run, const sim_stats *s,
                     sim_err *err) {
  int n = s ? sim_stat_count(s) : 0;
  for (int h = 0; h < n; h++) {
    const char *comp = sim_stat_component(s, h), *name = sim_stat_name(s, h);
    const char *unit = sim_stat_unit(s, h);
    sim_stat_kind kind = sim_stat_kind_of(s, h);
    double v = sim_stat_f64(s, h);
    sqlite3_stmt *st;
    int rc = res__stmt(db, RES_ST_INS_COMP, &st, err);
    if (rc) return rc;
    rc = sqlite3_bind_int64(st, 1, run);
    if (!rc) rc = res__bind_text(st, 2, comp);
    if (!rc) rc = res__bind_text(st, 3, name);
    if (!rc) rc = res__bind_text(st, 4, unit);
    if (!rc) rc = res__bind_text(st, 5, res__kind_name(kind));
    if (!rc) rc = res__bind_real(st, 6, v);
    if (!rc && kind == SIM_STAT_COUNT)
      rc = res__bind_u64(st, 7, sim_stat_u64(s, h));
    rc = res_step(db, st, rc, err, name);
    if (rc) return rc;
    char *key = res__join(comp, '.', name);
    if (!key)
      return sim_err_set(err, SIM_ENOMEM, "%s: out of memory writing %s.%s",
                         db->path, comp, name);
    rc = res_metric(db, run, key, v, unit, "stat", err);
    sim_free(key);
    if (rc) return rc;
  }
  return 0;
}

static int res_ops(res_db *db, int64_t run, const sim_report *rep,
                   sim_err *err) {
  for (size_t i = 0; i < rep->n_ops; i++) {
    const sim_op_record *o = &rep->ops[i];
    char bound[sizeof o->bound + 1];
    memcpy(bound, o->bound, sizeof o->bound);
    bound[sizeof o->bound] = '\0';
    char name[SIM_NAME_MAX + 1];
    memcpy(name, o->name, SIM_NAME_MAX);
    name[SIM_NAME_MAX] = '\0';
    sqlite3_stmt *st;
    int rc = res__stmt(db, RES_ST_INS_OP, &st, err);
    if (rc) return rc;
    rc = sqlite3_bind_int64(st, 1, run);
    if (!rc) rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
    if (!rc) rc = sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
    if (!rc) rc = sqlite3_bind_int(st, 4, o->layer);
    if (!rc) rc = res__bind_u64(st, 5, o->start_ps);
    if (!rc) rc = res__bind_u64(st, 6, o->end_ps);
    if (!rc) rc = res__bind_u64(st, 7, o->macs);
    if (!rc) rc = res__bind_u64(st, 8, o->elem_ops);
    if (!rc) rc = res__bind_u64(st, 9, o->rd_bytes);
    if (!rc) rc = res__bind_u64(st, 10, o->wr_bytes);
    if (!rc) rc = res__bind_real(st, 11, o->energy_pj);
    if (!rc) rc = sqlite3_bind_text(st, 12, bound, -1, SQLITE_TRANSIENT);
    rc = res_step(db, st, rc, err, "ops row");
    if (rc) {
      if (err && rc == SIM_ERANGE)
        sim_err_set(err, rc, "%s: op %zu (%s): a time or counter is beyond "
                    "2^63-1", db->path, i, name);
      return rc;
    }
  }
  return 0;
}

static int res_bufs(res_db *db, int64_t run, const sim_report *rep,
                    sim_err *err) {
  for (size_t i = 0; i < rep->n_bufs; i++) {
    const sim_buf_record *b = &rep->bufs[i];
    char name[SIM_NAME_MAX + 1], level[sizeof b->level + 1];
    memcpy(name, b->name, SIM_NAME_MAX);
    name[SIM_NAME_MAX] = '\0';
    memcpy(level, b->level, sizeof b->level);
    level[sizeof b->level] = '\0';
    sqlite3_stmt *st;
    int rc = res__stmt(db, RES_ST_INS_BUF, &st, err);
    if (rc) return rc;
    rc = sqlite3_bind_int64(st, 1, run);
    if (!rc) rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
    if (!rc) rc = sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
    if (!rc) rc = sqlite3_bind_text(st, 4, level, -1, SQLITE_TRANSIENT);
    if (!rc) rc = res__bind_u64(st, 5, b->bytes);
    if (!rc) rc = res__bind_u64(st, 6, b->addr);
    if (!rc) rc = sqlite3_bind_int64(st, 7, b->first_op);
    if (!rc) rc = sqlite3_bind_int64(st, 8, b->last_op);
    if (!rc) rc = sqlite3_bind_int(st, 9, b->at_peak != 0);
    rc = res_step(db, st, rc, err, "buffers row");
    if (rc) return rc;
  }
  return 0;
}

int res_write_run(res_db *db, const res_run_meta *meta, const sim_report *rep,
                  int64_t *run_id, sim_err *err) {
  if (run_id) *run_id = 0;
  if (!db || !meta)
    return sim_err_set(err, SIM_EINVAL, "res_write_run: db or meta is NULL");
  char *params = NULL;
  int rc = res__params_canon(db->path, meta->params_json, &params, err);
  if (rc) return rc;
  rc = res__begin(db, err);
  if (rc) {
    free(params);
    return rc;
  }
  int64_t run = 0;
  char clock[SIM_NAME_MAX + 1] = "";
  if (rep) {
    memcpy(clock, rep->clock, SIM_NAME_MAX);
    clock[SIM_NAME_MAX] = '\0';
  }
  rc = res_run_row(db, meta, params, meta->status ? meta->status : "ok",
                   clock, &run, err);
  if (rc) goto fail;
  if (rep) {
    rc = res_headline(db, run, rep, err);
    if (rc) goto fail;
    rc = res_stats(db, run, rep->stats, err);
    if (rc) goto fail;
    if (!(meta->flags & RES_F_DB_NO_OPS)) {
      rc = res_ops(db, run, rep, err);
      if (rc) goto fail;
    }
    rc = res_bufs(db, run, rep, err);
    if (rc) goto fail;
  }
  rc = res__commit(db, err);
  if (rc) goto fail;
  free(params);
  if (run_id) *run_id = run;
  return 0;
fail:
  res__rollback(db);
  free(params);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Validation                                                             */
/* ---------------------------------------------------------------------- */

/* A fixed char array as a string, even when it fills the array. */
#define RES_FIELD(dst, src)                                                   \
  char dst[sizeof(src) + 1];                                                  \
  memcpy(dst, src, sizeof(src));                                              \
  dst[sizeof(src)] = '\0'

static int res_val_row(res_db *db, int64_t run, size_t i,
                       const sim_val_row *r, sim_err *err) {
  RES_FIELD(suite, r->suite);
  RES_FIELD(item, r->item);
  RES_FIELD(metric, r->metric);
  RES_FIELD(source, r->source);
  RES_FIELD(note, r->note);
  sqlite3_stmt *st;
  int rc = res__stmt(db, RES_ST_INS_VAL, &st, err);
  if (rc) return rc;
  rc = sqlite3_bind_int64(st, 1, run);
  if (!rc) rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
  if (!rc) rc = sqlite3_bind_text(st, 3, suite, -1, SQLITE_TRANSIENT);
  if (!rc) rc = sqlite3_bind_text(st, 4, item, -1, SQLITE_TRANSIENT);
  if (!rc) rc = sqlite3_bind_text(st, 5, metric, -1, SQLITE_TRANSIENT);
  if (!rc) rc = res__bind_real(st, 6, r->published);
  if (!rc) rc = res__bind_real(st, 7, r->ours);
  if (!rc) rc = res__bind_real(st, 8, r->tol);
  if (!rc) rc = sqlite3_bind_int(st, 9, r->tol_abs ? 1 : 0);
  if (!rc) rc = res__bind_real(st, 10, sim_val_error(r));
  /* pass: 1, 0, or NULL for an informational row (nothing published). */
  sim_val_verdict v = sim_val_check(r);
  if (!rc)
    rc = v == SIM_VAL_INFO ? sqlite3_bind_null(st, 11)
                           : sqlite3_bind_int(st, 11, v == SIM_VAL_PASS);
  if (!rc) rc = sqlite3_bind_text(st, 12, source, -1, SQLITE_TRANSIENT);
  if (!rc) rc = sqlite3_bind_text(st, 13, note, -1, SQLITE_TRANSIENT);
  return res_step(db, st, rc, err, "validation row");
}

int res_write_validation(res_db *db, const sim_val_table *t, int64_t *run_id,
                         sim_err *err) {
  if (run_id) *run_id = 0;
  if (!db || !t)
    return sim_err_set(err, SIM_EINVAL,
                       "res_write_validation: db or table is NULL");
  size_t passed = 0, failed = 0;
  for (size_t i = 0; i < t->n; i++) {
    sim_val_verdict v = sim_val_check(&t->rows[i]);
    passed += v == SIM_VAL_PASS;
    failed += v == SIM_VAL_MISS;
  }
  res_run_meta m = {0};
  m.arch_name = "validate";
  m.arch_class = "validate";
  m.workload = t->n ? t->rows[0].suite : "";
  m.cmdline = "tfsim validate";
  int rc = res__begin(db, err);
  if (rc) return rc;
  int64_t run = 0;
  rc = res_run_row(db, &m, "{}", failed == 0 ? "pass" : "fail", "", &run,
                   err);
  if (rc) goto fail;
  for (size_t i = 0; i < t->n; i++) {
    rc = res_val_row(db, run, i, &t->rows[i], err);
    if (rc) goto fail;
  }
  rc = res_metric(db, run, "validation.rows", (double)t->n, "", "validation",
                  err);
  if (!rc)
    rc = res_metric(db, run, "validation.passed", (double)passed, "",
                    "validation", err);
  if (!rc)
    rc = res_metric(db, run, "validation.failed", (double)failed, "",
                    "validation", err);
  if (rc) goto fail;
  rc = res__commit(db, err);
  if (rc) goto fail;
  if (run_id) *run_id = run;
  return 0;
fail:
  res__rollback(db);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Merge                                                                  */
/* ---------------------------------------------------------------------- */

/* Per-run child-table copies; ?1 new run id, ?2 source run id. */
static const char *const res_merge_sql[] = {
    "INSERT INTO main.metrics (run_id, key, value, unit, source)"
    " SELECT ?1, key, value, unit, source FROM src.metrics WHERE run_id = ?2",
    "INSERT INTO main.ops (run_id, idx, name, layer, start_ps, end_ps, macs,"
    " elem_ops, rd_bytes, wr_bytes, energy_pj, bound)"
    " SELECT ?1, idx, name, layer, start_ps, end_ps, macs, elem_ops,"
    " rd_bytes, wr_bytes, energy_pj, bound FROM src.ops WHERE run_id = ?2",
    "INSERT INTO main.components (run_id, component, name, unit, kind,"
    " value, count) SELECT ?1, component, name, unit, kind, value, count"
    " FROM src.components WHERE run_id = ?2",
    "INSERT INTO main.validation (run_id, idx, suite, item, metric,"
    " published, ours, tol, tol_abs, error, pass, source, note)"
    " SELECT ?1, idx, suite, item, metric, published, ours, tol, tol_abs,"
    " error, pass, source, note FROM src.validation WHERE run_id = ?2",
    /* Last: a version-1 source has no buffers table (res_merge skips it). */
    "INSERT INTO main.buffers (run_id, idx, name, level, bytes, addr,"
    " first_op, last_op, at_peak) SELECT ?1, idx, name, level, bytes, addr,"
    " first_op, last_op, at_peak FROM src.buffers WHERE run_id = ?2",
};
#define RES_N_MERGE (sizeof res_merge_sql / sizeof res_merge_sql[0])

int res_merge(res_db *db, const char *src_path, int64_t *n_runs,
              sim_err *err) {
  return res_merge_dedup(db, src_path, n_runs, NULL, err);
}

int res_merge_dedup(res_db *db, const char *src_path, int64_t *n_runs,
                    int64_t *n_dup, sim_err *err) {
  if (n_runs) *n_runs = 0;
  if (n_dup) *n_dup = 0;
  if (!db || !src_path)
    return sim_err_set(err, SIM_EINVAL, "res_merge: db or path is NULL");
  /* Open it once on its own: that checks it is a tfsim database of a
   * version we read, with the usual messages. */
  res_db *src = NULL;
  int rc = res__open(src_path, RES__RO, &src, err);
  if (rc) return rc;
  int src_v2 = src->version >= 2;
  res_db_close(src);
  if (db->readonly)
    return sim_err_set(err, SIM_EINVAL, "%s: opened read-only", db->path);
  struct stat sa, sb;
  if (stat(db->path, &sa) == 0 && stat(src_path, &sb) == 0 &&
      sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: cannot merge a database into itself", src_path);

  sqlite3_stmt *att = NULL, *runs = NULL, *ins = NULL;
  sqlite3_stmt *child[RES_N_MERGE] = {0};
  int attached = 0;
  int64_t count = 0, dups = 0;
  rc = sqlite3_prepare_v2(db->h, "ATTACH DATABASE ?1 AS src", -1, &att, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(att, 1, src_path, -1, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(att);
  sqlite3_finalize(att);
  if (rc != SQLITE_DONE) return res__sqlerr(db, rc, err, src_path);
  attached = 1;
  rc = res__begin(db, err);
  if (rc) goto done;
  /* A source run is a duplicate when main holds the same design point
   * (hash) with the same status, or, without a hash, the same run. */
  static const char dup_sql[] =
      "SELECT s.id, EXISTS (SELECT 1 FROM main.runs m WHERE"
      "  CASE WHEN %s <> '' THEN m.point_hash = %s AND m.status = s.status"
      "  ELSE m.time = s.time AND m.arch_name = s.arch_name"
      "   AND m.workload = s.workload AND m.mapper = s.mapper"
      "   AND m.params = s.params AND m.status = s.status END)"
      " FROM src.runs s ORDER BY s.id";
  char sel[1024];
  snprintf(sel, sizeof sel, dup_sql, src_v2 ? "s.point_hash" : "''",
           src_v2 ? "s.point_hash" : "''");
  int src_rc = sqlite3_prepare_v2(db->h, sel, -1, &runs, NULL);
  if (src_rc == SQLITE_OK)
    src_rc = sqlite3_prepare_v2(
        db->h,
        src_v2 ? "INSERT INTO main.runs (time, tfsim_version, arch_name,"
                 " arch_class, arch_yaml, workload, mapper, params, cmdline,"
                 " status, clock, point_hash, sched_hash, error)"
                 " SELECT time, tfsim_version, arch_name, arch_class,"
                 " arch_yaml, workload, mapper, params, cmdline, status,"
                 " clock, point_hash, sched_hash, error"
                 " FROM src.runs WHERE id = ?1"
               : "INSERT INTO main.runs (time, tfsim_version, arch_name,"
                 " arch_class, arch_yaml, workload, mapper, params, cmdline,"
                 " status, clock)"
                 " SELECT time, tfsim_version, arch_name, arch_class,"
                 " arch_yaml, workload, mapper, params, cmdline, status,"
                 " clock FROM src.runs WHERE id = ?1",
        -1, &ins, NULL);
  /* A version-1 source lacks the buffers table: its copy is skipped. */
  sqlite3_stmt *has = NULL;
  size_t n_child = RES_N_MERGE;
  if (src_rc == SQLITE_OK &&
      sqlite3_prepare_v2(db->h, "SELECT 1 FROM src.sqlite_schema WHERE "
                         "name = 'buffers'", -1, &has, NULL) == SQLITE_OK &&
      sqlite3_step(has) != SQLITE_ROW)
    n_child = RES_N_MERGE - 1;
  sqlite3_finalize(has);
  for (size_t i = 0; src_rc == SQLITE_OK && i < n_child; i++)
    src_rc = sqlite3_prepare_v2(db->h, res_merge_sql[i], -1, &child[i], NULL);
  if (src_rc != SQLITE_OK) {
    rc = res__sqlerr(db, src_rc, err, src_path);
    goto fail;
  }
  while ((src_rc = sqlite3_step(runs)) == SQLITE_ROW) {
    int64_t old = sqlite3_column_int64(runs, 0);
    if (sqlite3_column_int(runs, 1)) {
      dups++;
      continue;
    }
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, old);
    if ((src_rc = sqlite3_step(ins)) != SQLITE_DONE) break;
    int64_t nid = sqlite3_last_insert_rowid(db->h);
    for (size_t i = 0; i < n_child; i++) {
      sqlite3_reset(child[i]);
      sqlite3_bind_int64(child[i], 1, nid);
      sqlite3_bind_int64(child[i], 2, old);
      if ((src_rc = sqlite3_step(child[i])) != SQLITE_DONE) break;
    }
    if (src_rc != SQLITE_DONE) break;
    count++;
  }
  if (src_rc != SQLITE_DONE) {
    rc = res__sqlerr(db, src_rc, err, src_path);
    goto fail;
  }
  sqlite3_finalize(runs);
  sqlite3_finalize(ins);
  runs = ins = NULL;
  for (size_t i = 0; i < RES_N_MERGE; i++) {
    sqlite3_finalize(child[i]);
    child[i] = NULL;
  }
  rc = res__commit(db, err);
  if (rc) goto fail;
  if (n_runs) *n_runs = count;
  if (n_dup) *n_dup = dups;
  goto done;
fail:
  res__rollback(db);
done:
  sqlite3_finalize(runs);
  sqlite3_finalize(ins);
  for (size_t i = 0; i < RES_N_MERGE; i++) sqlite3_finalize(child[i]);
  if (attached) sqlite3_exec(db->h, "DETACH DATABASE src", NULL, NULL, NULL);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Hashes (sweeps, regress)                                               */
/* ---------------------------------------------------------------------- */

/* FNV-1a, 64 bits (Fowler, Noll, Vo; offset basis and prime from the
 * reference, http://www.isthe.com/chongo/tech/comp/fnv/).  Not
 * cryptographic: it names design points and schedules, where a collision
 * among a sweep's points is unlikely (n^2 / 2^65) and would show as a
 * point skipped as done. */
void res_hash_hex(const void *data, size_t n, char out[RES_HASH_LEN + 1]) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  snprintf(out, RES_HASH_LEN + 1, "%016llx", (unsigned long long)h);
}

int res_sched_hash(const sim_sched *s, char out[RES_HASH_LEN + 1],
                   sim_err *err) {
  out[0] = '\0';
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return sim_err_set(err, SIM_ENOMEM, "schedule hash: out of memory");
  int rc = res_sched_write_json(f, s, err);
  if (fclose(f) != 0 && !rc)
    rc = sim_err_set(err, SIM_ENOMEM, "schedule hash: out of memory");
  if (!rc) res_hash_hex(buf, len, out);
  free(buf);
  return rc;
}

static int res_hash_cmp(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

int res_point_hashes(res_db *db, int ok_only,
                     char (**out)[RES_HASH_LEN + 1], size_t *n,
                     sim_err *err) {
  *out = NULL;
  *n = 0;
  if (db->version < 2) return 0;
  sqlite3_stmt *st = NULL;
  char (*v)[RES_HASH_LEN + 1] = NULL;
  size_t len = 0, cap = 0;
  int rc = sqlite3_prepare_v2(
      db->h,
      ok_only ? "SELECT DISTINCT point_hash FROM runs WHERE point_hash <> ''"
                " AND status = 'ok'"
              : "SELECT DISTINCT point_hash FROM runs WHERE point_hash <> ''",
      -1, &st, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot read runs");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      size_t nc = cap ? cap * 2 : 256;
      void *nv = sim_realloc(v, nc * sizeof *v);
      if (!nv) {
        sqlite3_finalize(st);
        sim_free(v);
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", db->path);
      }
      v = nv;
      cap = nc;
    }
    const unsigned char *h = sqlite3_column_text(st, 0);
    snprintf(v[len++], RES_HASH_LEN + 1, "%s", h ? (const char *)h : "");
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    sim_free(v);
    return res__sqlerr(db, rc, err, "cannot read runs");
  }
  if (len) qsort(v, len, sizeof *v, res_hash_cmp);
  *out = v;
  *n = len;
  return 0;
}
