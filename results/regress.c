/*
 * regress.c — `tfsim regress`: compare a results database with a
 * baseline database and list what changed beyond a tolerance.
 *
 * Design: both databases are opened read-only and reduced to their
 * design points (res__latest_points_by: the latest ok run of each point,
 * a point being its hash, runs.point_hash, where the run has one, else
 * its (arch, workload, mapper, params) key), sorted by that match key and
 * merge-joined in O(n + m).  For a point in both, EVERY metric of the two
 * runs (the metrics table: headline numbers, report metrics, statistics)
 * is merge-joined by key and compared:
 *
 *   change = (current - baseline) / |baseline|        (0 when both are 0,
 *                                                      infinite when only
 *                                                      the baseline is 0)
 *   regression when |change| * 100 > tol_pct, or when the baseline has
 *   the metric and the current run does not.
 *
 * And the mapping itself: when both runs stored a schedule hash and they
 * differ, the point regressed ("MAPPING") whatever its cost did, because
 * the schedule is what a mapper regression test pins.  A baseline point
 * whose current runs all failed is a regression too ("FAILED").
 *
 * Both directions count: a faster run also means the baseline must be
 * updated on purpose.  Points only in the current database are "new",
 * points only in the baseline "missing"; neither counts as a regression
 * (a sweep may cover a subset of the baseline), but both are listed, and
 * the caller fails when nothing at all could be compared.
 *
 * Output: one line per point with the signed change of the headline
 * metrics and the number of metrics that moved, then every regression in
 * detail and a summary line.
 */
#include "resInt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RES_N_REG 3

static double res_reg_val(const res__point *p, int k) {
  return k == 0 ? p->cycles : k == 1 ? p->latency_s : p->energy_j;
}

/* Relative change in percent; NAN when the baseline lacks the metric. */
static double res_change_pct(double base, double cur) {
  if (isnan(base)) return NAN;
  if (isnan(cur)) return INFINITY;
  if (base == 0) return cur == 0 ? 0 : (cur > 0 ? INFINITY : -INFINITY);
  return (cur - base) / fabs(base) * 100.0;
}

static void res_fmt_change(char *buf, size_t n, double base, double cur) {
  double c = res_change_pct(base, cur);
  if (isnan(base)) snprintf(buf, n, "-");
  else if (isnan(cur)) snprintf(buf, n, "absent");
  else if (isinf(c)) snprintf(buf, n, "%cinf%%", c > 0 ? '+' : '-');
  else snprintf(buf, n, "%+.2f%%", c);
}

/* The key points are matched by: the hash, or "\x01" + the run's key. */
static char *res_match_key(const res__point *p, int by_hash) {
  if (by_hash && p->point_hash[0]) return sim_strdup(p->point_hash);
  size_t n = strlen(p->arch) + strlen(p->workload) + strlen(p->mapper) +
             strlen(p->params) + 8;
  char *k = sim_malloc(n);
  if (k)
    snprintf(k, n, "\x01%s\x1f%s\x1f%s\x1f%s", p->arch, p->workload,
             p->mapper, p->params);
  return k;
}

typedef struct res_mp {
  res__point *p;
  char *key;
} res_mp;

static int res_mp_cmp(const void *a, const void *b) {
  return strcmp(((const res_mp *)a)->key, ((const res_mp *)b)->key);
}

static void res_mp_free(res_mp *v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) sim_free(v[i].key);
  sim_free(v);
}

/* Points with their match keys, sorted by key. */
static int res_mp_make(res__point *p, size_t n, int by_hash, res_mp **out,
                       sim_err *err) {
  *out = NULL;
  res_mp *v = sim_calloc(n ? n : 1, sizeof *v);
  if (!v) return sim_err_set(err, SIM_ENOMEM, "regress: out of memory");
  for (size_t i = 0; i < n; i++) {
    v[i].p = &p[i];
    if (!(v[i].key = res_match_key(&p[i], by_hash))) {
      res_mp_free(v, n);
      return sim_err_set(err, SIM_ENOMEM, "regress: out of memory");
    }
  }
  if (n) qsort(v, n, sizeof *v, res_mp_cmp);
  *out = v;
  return 0;
}

/* One metric of a run. */
typedef struct res_kv {
  char *key;
  double v;
} res_kv;

static void res_kv_free(res_kv *v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) sim_free(v[i].key);
  sim_free(v);
}

/* Every metric of run id, sorted by key (byte order). */
static int res_metrics_of(res_db *db, int64_t id, res_kv **out, size_t *n,
                          sim_err *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db->h,
                              "SELECT key, value FROM metrics WHERE run_id ="
                              " ?1 ORDER BY key COLLATE BINARY",
                              -1, &st, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot read metrics");
  sqlite3_bind_int64(st, 1, id);
  res_kv *v = NULL;
  size_t len = 0, cap = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (len == cap) {
      size_t nc = cap ? cap * 2 : 64;
      res_kv *nv = sim_realloc(v, nc * sizeof *nv);
      if (!nv) goto oom;
      v = nv;
      cap = nc;
    }
    const unsigned char *k = sqlite3_column_text(st, 0);
    v[len].key = sim_strdup(k ? (const char *)k : "");
    if (!v[len].key) goto oom;
    v[len].v = sqlite3_column_type(st, 1) == SQLITE_NULL
                   ? NAN
                   : sqlite3_column_double(st, 1);
    len++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    res_kv_free(v, len);
    return res__sqlerr(db, rc, err, "cannot read metrics");
  }
  *out = v;
  *n = len;
  return 0;
oom:
  sqlite3_finalize(st);
  res_kv_free(v, len);
  return sim_err_set(err, SIM_ENOMEM, "regress: out of memory");
}

/* Compares every metric of base against cur; counts those beyond tol in
 * *moved and prints each when out is set. */
static int res_cmp_metrics(res_db *dbc, res_db *dbb, const res__point *base,
                           const res__point *cur, double tol_pct, FILE *out,
                           const char *label, int *moved, int *n_cmp,
                           sim_err *err) {
  *moved = 0;
  res_kv *mb = NULL, *mc = NULL;
  size_t nb = 0, nc = 0;
  int rc = res_metrics_of(dbb, base->run_id, &mb, &nb, err);
  if (!rc) rc = res_metrics_of(dbc, cur->run_id, &mc, &nc, err);
  if (rc) goto done;
  size_t i = 0, j = 0;
  while (j < nb) {
    int c = i == nc ? 1 : strcmp(mc[i].key, mb[j].key);
    if (c < 0) { /* a metric the baseline did not have: not a regression */
      i++;
      continue;
    }
    double bv = mb[j].v, cv = c == 0 ? mc[i].v : NAN;
    int gone = c > 0;
    (*n_cmp)++;
    int bad = 0;
    if (gone) {
      bad = 1;
    } else if (isnan(bv) != isnan(cv)) {
      bad = 1;
    } else if (!isnan(bv)) {
      bad = fabs(res_change_pct(bv, cv)) > tol_pct;
    }
    if (bad) {
      (*moved)++;
      if (out) {
        char ch[24];
        res_fmt_change(ch, sizeof ch, bv, cv);
        if (gone)
          fprintf(out, "  %s: %s %.9g -> absent (run %lld vs baseline run "
                       "%lld)\n",
                  label, mb[j].key, bv, (long long)cur->run_id,
                  (long long)base->run_id);
        else
          fprintf(out, "  %s: %s %.9g -> %.9g (%s, run %lld vs baseline "
                       "run %lld)\n",
                  label, mb[j].key, bv, cv, ch, (long long)cur->run_id,
                  (long long)base->run_id);
      }
    }
    if (c == 0) i++;
    j++;
  }
done:
  res_kv_free(mb, nb);
  res_kv_free(mc, nc);
  return rc;
}

static int res_mapping_changed(const res__point *b, const res__point *c) {
  return b->sched_hash[0] && c->sched_hash[0] &&
         strcmp(b->sched_hash, c->sched_hash) != 0;
}

static void res_line(FILE *out, const char *status, const res__point *base,
                     const res__point *cur, int moved) {
  if (!out) return;
  const res__point *p = cur ? cur : base;
  char ch[RES_N_REG][24];
  for (int k = 0; k < RES_N_REG; k++) {
    if (base && cur)
      res_fmt_change(ch[k], sizeof ch[k], res_reg_val(base, k),
                     res_reg_val(cur, k));
    else
      snprintf(ch[k], sizeof ch[k], "-");
  }
  char run[24], brun[24], mv[24];
  snprintf(run, sizeof run, "%lld", cur ? (long long)cur->run_id : 0LL);
  snprintf(brun, sizeof brun, "%lld", base ? (long long)base->run_id : 0LL);
  snprintf(mv, sizeof mv, "%d", moved);
  char *label = res__label(p->workload, p->arch, p->mapper, p->params);
  fprintf(out, "%-10s %10s %10s %10s %5s %6s %6s  %s\n", status, ch[0], ch[1],
          ch[2], base && cur ? mv : "-", cur ? run : "-", base ? brun : "-",
          label ? label : "?");
  sim_free(label);
}

/* One line of the table, printed sorted by its label (matching runs in
 * hash order, the table would read in random order). */
typedef struct res_row {
  const char *status;
  const res__point *b, *c;
  int moved;
  char *label;
} res_row;

static int res_row_cmp(const void *x, const void *y) {
  const res_row *a = x, *b = y;
  int c = strcmp(a->label ? a->label : "", b->label ? b->label : "");
  if (!c) c = strcmp(a->status, b->status);
  return c;
}

static int res_row_add(res_row **v, size_t *n, size_t *cap, const char *st,
                       const res__point *b, const res__point *c, int moved) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    res_row *nv = sim_realloc(*v, nc * sizeof *nv);
    if (!nv) return SIM_ENOMEM;
    *v = nv;
    *cap = nc;
  }
  const res__point *p = c ? c : b;
  res_row *r = &(*v)[(*n)++];
  r->status = st;
  r->b = b;
  r->c = c;
  r->moved = moved;
  r->label = res__label(p->workload, p->arch, p->mapper, p->params);
  if (!r->label) {
    (*n)--;
    return SIM_ENOMEM;
  }
  return 0;
}

static int res_hash_in(const char (*v)[RES_HASH_LEN + 1], size_t n,
                       const char *h) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(v[mid], h);
    if (!c) return 1;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}

int res_regress(const char *db_path, const char *baseline_path,
                double tol_pct, FILE *out, int *n_regressions, sim_err *err) {
  res_regress_result r;
  if (n_regressions) *n_regressions = 0;
  int rc = res_regress_ex(db_path, baseline_path, tol_pct, out, &r, err);
  if (!rc && n_regressions) *n_regressions = r.regressed;
  return rc;
}

int res_regress_ex(const char *db_path, const char *baseline_path,
                   double tol_pct, FILE *out, res_regress_result *res,
                   sim_err *err) {
  res_regress_result r;
  memset(&r, 0, sizeof r);
  if (res) *res = r;
  if (!db_path || !baseline_path)
    return sim_err_set(err, SIM_EINVAL, "res_regress: no database given");
  if (!isfinite(tol_pct) || tol_pct < 0)
    return sim_err_set(err, SIM_EINVAL,
                       "--tol: must be a percentage >= 0 (got %g)", tol_pct);
  res_db *cur = NULL, *base = NULL;
  res__point *pc = NULL, *pb = NULL;
  res_mp *mc = NULL, *mb = NULL;
  char (*all_cur)[RES_HASH_LEN + 1] = NULL;
  size_t nc = 0, nb = 0, n_all = 0;
  res_row *rows = NULL;
  size_t n_rows = 0, cap_rows = 0;
  int rc = res__open(db_path, RES__RO, &cur, err);
  if (!rc) rc = res__open(baseline_path, RES__RO, &base, err);
  if (!rc) rc = res__latest_points_by(cur, 1, &pc, &nc, err);
  if (!rc) rc = res__latest_points_by(base, 1, &pb, &nb, err);
  /* Match by hash when every point of both has one; else (a version 1
   * database, runs of `tfsim run`) by key, grouped by key. */
  int by_hash = !rc;
  for (size_t i = 0; by_hash && i < nc; i++) by_hash = pc[i].point_hash[0];
  for (size_t i = 0; by_hash && i < nb; i++) by_hash = pb[i].point_hash[0];
  if (!rc && !by_hash) {
    res__points_free(pc, nc);
    res__points_free(pb, nb);
    pc = pb = NULL;
    nc = nb = 0;
    rc = res__latest_points_by(cur, 0, &pc, &nc, err);
    if (!rc) rc = res__latest_points_by(base, 0, &pb, &nb, err);
  }
  if (!rc) rc = res_mp_make(pc, nc, by_hash, &mc, err);
  if (!rc) rc = res_mp_make(pb, nb, by_hash, &mb, err);
  if (!rc) rc = res_point_hashes(cur, 0, &all_cur, &n_all, err);
  if (rc) goto done;

  if (out)
    fprintf(out, "tfsim regress: %s against baseline %s, tolerance %g %%\n"
                 "%-10s %10s %10s %10s %5s %6s %6s  %s\n",
            db_path, baseline_path, tol_pct, "status", "cycles", "latency",
            "energy", "moved", "run", "base", "design point");
  /* Pass 1: the table (pass 2 prints the details of the regressions). */
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      if (out) {
        if (n_rows) qsort(rows, n_rows, sizeof *rows, res_row_cmp);
        for (size_t k = 0; k < n_rows; k++)
          res_line(out, rows[k].status, rows[k].b, rows[k].c, rows[k].moved);
      }
      if (!out || !r.regressed) break;
      fputs("\nregressions:\n", out);
    }
    size_t i = 0, j = 0;
    while (i < nc || j < nb) {
      int c = i == nc ? 1 : j == nb ? -1 : strcmp(mc[i].key, mb[j].key);
      if (c < 0) {
        if (pass == 0) {
          if (out && res_row_add(&rows, &n_rows, &cap_rows, "new", NULL,
                                 mc[i].p, 0))
            goto oom;
          r.n_new++;
        }
        i++;
        continue;
      }
      if (c > 0) {
        const res__point *b = mb[j].p;
        int failed = b->point_hash[0] &&
                     res_hash_in((const char(*)[RES_HASH_LEN + 1])all_cur,
                                 n_all, b->point_hash);
        if (pass == 0) {
          if (out && res_row_add(&rows, &n_rows, &cap_rows,
                                 failed ? "FAILED" : "missing", b, NULL, 0))
            goto oom;
          if (failed) r.failed_now++, r.regressed++;
          else r.n_missing++;
        } else if (failed) {
          char *label = res__label(b->workload, b->arch, b->mapper,
                                   b->params);
          fprintf(out, "  %s: only failed runs now (baseline run %lld was "
                       "ok)\n",
                  label ? label : "?", (long long)b->run_id);
          sim_free(label);
        }
        j++;
        continue;
      }
      const res__point *b = mb[j].p, *cu = mc[i].p;
      char *label = res__label(cu->workload, cu->arch, cu->mapper,
                               cu->params);
      int moved = 0, ncmp = 0;
      rc = res_cmp_metrics(cur, base, b, cu, tol_pct, pass ? out : NULL,
                           label ? label : "?", &moved, &ncmp, err);
      int mapping = res_mapping_changed(b, cu);
      if (!rc && pass == 1 && mapping)
        fprintf(out, "  %s: the schedule changed (%s -> %s, run %lld vs "
                     "baseline run %lld)\n",
                label ? label : "?", b->sched_hash, cu->sched_hash,
                (long long)cu->run_id, (long long)b->run_id);
      sim_free(label);
      if (rc) goto done;
      if (pass == 0) {
        r.compared++;
        r.metrics_compared += ncmp;
        if (moved) r.moved++;
        if (mapping) r.mapping_changed++;
        if (moved || mapping) r.regressed++;
        if (out && res_row_add(&rows, &n_rows, &cap_rows,
                               moved     ? "REGRESSED"
                               : mapping ? "MAPPING"
                                         : "ok",
                               b, cu, moved))
          goto oom;
      }
      i++;
      j++;
    }
  }
  if (out) {
    fprintf(out, "\n%d compared (%d metrics), %d regressed (%d moved, %d "
                 "mapping changed, %d failed now), %d new, %d missing "
                 "(tolerance %g %%)\n",
            r.compared, r.metrics_compared, r.regressed, r.moved,
            r.mapping_changed, r.failed_now, r.n_new, r.n_missing, tol_pct);
    if (ferror(out))
      rc = sim_err_set(err, SIM_EIO, "regress: cannot write the table");
  }
  if (res) *res = r;
  goto done;
oom:
  rc = sim_err_set(err, SIM_ENOMEM, "regress: out of memory");
done:
  for (size_t k = 0; k < n_rows; k++) sim_free(rows[k].label);
  sim_free(rows);
  res_mp_free(mc, nc);
  res_mp_free(mb, nb);
  sim_free(all_cur);
  res__points_free(pc, nc);
  res__points_free(pb, nb);
  res_db_close(cur);
  res_db_close(base);
  return rc;
}

int res_snapshot(const char *src_path, const char *dst_path, sim_err *err) {
  res_db *src = NULL;
  int rc = res__open(src_path, RES__RO, &src, err);
  if (rc) return rc;
  size_t n = strlen(dst_path) + 16;
  char *tmp = sim_malloc(n);
  if (!tmp) {
    res_db_close(src);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  snprintf(tmp, n, "%s.tmp%d", dst_path, (int)getpid());
  unlink(tmp);
  /* res__open checked the file; VACUUM INTO needs a connection that is
   * not query_only (it writes only the new file). */
  sqlite3 *h = NULL;
  sqlite3_stmt *st = NULL;
  rc = sqlite3_open_v2(src_path, &h, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) sqlite3_busy_timeout(h, RES_BUSY_TIMEOUT_MS);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, tmp, -1, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    rc = sim_err_set(err, SIM_EIO, "%s: cannot copy %s: %s", dst_path,
                     src_path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    unlink(tmp);
  } else if (rename(tmp, dst_path) != 0) {
    rc = sim_err_set(err, SIM_EIO, "%s: %s", dst_path, strerror(errno));
    unlink(tmp);
  } else {
    rc = 0;
  }
  sim_free(tmp);
  sqlite3_close_v2(h);
  res_db_close(src);
  return rc;
}
