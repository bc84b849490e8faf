/*
 * regress.c — `tfsim regress`: compare a results database with a
 * baseline database and list what changed beyond a tolerance.
 *
 * Design: both databases are opened read-only and reduced to their
 * design points (res__latest_points: the latest ok run of each (arch,
 * workload, mapper, params) key, sorted by key in byte order, the same
 * order strcmp gives), then merge-joined in O(n + m).  For a key in both,
 * each of cycles, latency_s, energy_j is compared:
 *
 *   change = (current - baseline) / |baseline|        (0 when both are 0,
 *                                                      infinite when only
 *                                                      the baseline is 0)
 *   regression when |change| * 100 > tol_pct, or when the baseline has
 *   the metric and the current run does not.
 *
 * Both directions count: a faster run also means the baseline must be
 * updated on purpose.  Keys only in the current database are "new", keys
 * only in the baseline "missing"; neither counts as a regression (a sweep
 * may cover a subset of the baseline), but both are listed.
 *
 * Output: one line per key with the signed change of each metric, then the
 * regressions in detail and a summary line.
 */
#include "resInt.h"

#include <math.h>
#include <string.h>

static const char *const res_reg_keys[] = {"cycles", "latency_s",
                                           "energy_j"};
#define RES_N_REG 3

static double res_reg_val(const res__point *p, int k) {
  return k == 0 ? p->cycles : k == 1 ? p->latency_s : p->energy_j;
}

static int res_key_cmp(const res__point *a, const res__point *b) {
  int c = strcmp(a->arch, b->arch);
  if (!c) c = strcmp(a->workload, b->workload);
  if (!c) c = strcmp(a->mapper, b->mapper);
  if (!c) c = strcmp(a->params, b->params);
  return c;
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

/* Whether metric k of cur regressed against base. */
static int res_regressed(const res__point *base, const res__point *cur, int k,
                         double tol_pct) {
  double b = res_reg_val(base, k), c = res_reg_val(cur, k);
  if (isnan(b)) return 0;
  if (isnan(c)) return 1;
  return fabs(res_change_pct(b, c)) > tol_pct;
}

static void res_line(FILE *out, const char *status, const res__point *base,
                     const res__point *cur) {
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
  char run[24], brun[24];
  snprintf(run, sizeof run, "%lld", cur ? (long long)cur->run_id : 0LL);
  snprintf(brun, sizeof brun, "%lld", base ? (long long)base->run_id : 0LL);
  char *label = res__label(p->workload, p->arch, p->mapper, p->params);
  fprintf(out, "%-10s %10s %10s %10s %6s %6s  %s\n", status, ch[0], ch[1],
          ch[2], cur ? run : "-", base ? brun : "-", label ? label : "?");
  sim_free(label);
}

static void res_detail(FILE *out, const res__point *base,
                       const res__point *cur, double tol_pct) {
  char *label = res__label(cur->workload, cur->arch, cur->mapper,
                           cur->params);
  for (int k = 0; k < RES_N_REG; k++) {
    if (!res_regressed(base, cur, k, tol_pct)) continue;
    char ch[24];
    res_fmt_change(ch, sizeof ch, res_reg_val(base, k), res_reg_val(cur, k));
    fprintf(out, "  %s: %s %.9g -> %.9g (%s, run %lld vs baseline run "
                 "%lld)\n",
            label ? label : "?", res_reg_keys[k], res_reg_val(base, k),
            res_reg_val(cur, k), ch, (long long)cur->run_id,
            (long long)base->run_id);
  }
  sim_free(label);
}

int res_regress(const char *db_path, const char *baseline_path,
                double tol_pct, FILE *out, int *n_regressions, sim_err *err) {
  if (n_regressions) *n_regressions = 0;
  if (!db_path || !baseline_path)
    return sim_err_set(err, SIM_EINVAL, "res_regress: no database given");
  if (!isfinite(tol_pct) || tol_pct < 0)
    return sim_err_set(err, SIM_EINVAL,
                       "--tol: must be a percentage >= 0 (got %g)", tol_pct);
  res_db *cur = NULL, *base = NULL;
  res__point *pc = NULL, *pb = NULL;
  size_t nc = 0, nb = 0;
  int rc = res__open(db_path, RES__RO, &cur, err);
  if (!rc) rc = res__open(baseline_path, RES__RO, &base, err);
  if (!rc) rc = res__latest_points(cur, &pc, &nc, err);
  if (!rc) rc = res__latest_points(base, &pb, &nb, err);
  if (rc) goto done;

  if (out)
    fprintf(out, "tfsim regress: %s against baseline %s, tolerance %g %%\n"
                 "%-10s %10s %10s %10s %6s %6s  %s\n",
            db_path, baseline_path, tol_pct, "status", "cycles", "latency",
            "energy", "run", "base", "design point");
  size_t i = 0, j = 0, compared = 0, n_new = 0, n_missing = 0;
  int regressions = 0;
  while (i < nc || j < nb) {
    int c = i == nc ? 1 : j == nb ? -1 : res_key_cmp(&pc[i], &pb[j]);
    if (c < 0) {
      res_line(out, "new", NULL, &pc[i++]);
      n_new++;
    } else if (c > 0) {
      res_line(out, "missing", &pb[j++], NULL);
      n_missing++;
    } else {
      int bad = 0;
      for (int k = 0; k < RES_N_REG; k++)
        bad |= res_regressed(&pb[j], &pc[i], k, tol_pct);
      res_line(out, bad ? "REGRESSED" : "ok", &pb[j], &pc[i]);
      regressions += bad;
      compared++;
      i++;
      j++;
    }
  }
  if (out && regressions) {
    fputs("\nregressions:\n", out);
    for (i = j = 0; i < nc && j < nb;) {
      int c = res_key_cmp(&pc[i], &pb[j]);
      if (c < 0) i++;
      else if (c > 0) j++;
      else res_detail(out, &pb[j++], &pc[i++], tol_pct);
    }
  }
  if (out) {
    fprintf(out, "\n%zu compared, %d regressed, %zu new, %zu missing "
                 "(tolerance %g %%)\n",
            compared, regressions, n_new, n_missing, tol_pct);
    if (ferror(out))
      rc = sim_err_set(err, SIM_EIO, "regress: cannot write the table");
  }
  if (n_regressions) *n_regressions = regressions;
done:
  res__points_free(pc, nc);
  res__points_free(pb, nb);
  res_db_close(cur);
  res_db_close(base);
  return rc;
}
