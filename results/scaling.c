/*
 * scaling.c — the data of `tfsim report`'s scaling figure: speedup over
 * the `unfused` mapper and 2D / 1D utilisation by sequence length, one
 * line per (workload, mapper, other parameters), the shape of FuseMax's
 * figures 8-9 (docs/spatial.md).
 *
 * A design point joins the figure when its parameters have a "seq" and a
 * run of mapper `unfused` exists with the same workload and the same
 * parameters (any architecture: Unfused runs on FLAT's preset); the
 * speedup is that run's latency over the point's.  Utilisation comes
 * from the run's metrics util_2d and util_1d (the spatial class's; NaN,
 * skipped by gnuplot, for other classes).
 *
 * scaling.dat: one block per line of the plot, blocks separated by two
 * blank lines, each starting with a header row whose first column is the
 * line's title (gnuplot's columnheader), then "seq speedup util_2d
 * util_1d" rows sorted by seq.
 */
#define _GNU_SOURCE 1 /* open_memstream */
#include "resInt.h"

#include <stdio.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sc_row {
  size_t series;
  double seq, speedup, u2, u1;
} sc_row;

static int sc_cmp(const void *a, const void *b) {
  const sc_row *x = a, *y = b;
  if (x->series != y->series) return x->series < y->series ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}

int res__scaling_dat(res_db *db, const res__point *pt, size_t n,
                     char **out, sim_err *err) {
  *out = NULL;
  sc_row *rows = sim_calloc(n ? n : 1, sizeof *rows);
  char **keys = sim_calloc(n ? n : 1, sizeof *keys);   /* per series */
  char **titles = sim_calloc(n ? n : 1, sizeof *titles);
  size_t nr = 0, ns = 0;
  int rc = 0;
  if (!rows || !keys || !titles) goto oom;
  for (size_t i = 0; i < n; i++) {
    const res__point *p = &pt[i];
    if (!strcmp(p->mapper, "unfused") || !isfinite(p->latency_s) ||
        !(p->latency_s > 0))
      continue;
    json_t *js = json_loads(p->params, 0, NULL);
    json_t *seq = js ? json_object_get(js, "seq") : NULL;
    if (!seq || !json_is_integer(seq)) {
      json_decref(js);
      continue;
    }
    double sq = (double)json_integer_value(seq);
    const res__point *b = NULL;
    for (size_t j = 0; j < n && !b; j++)
      if (!strcmp(pt[j].mapper, "unfused") &&
          !strcmp(pt[j].workload, p->workload) &&
          !strcmp(pt[j].params, p->params) && isfinite(pt[j].latency_s))
        b = &pt[j];
    if (!b) {
      json_decref(js);
      continue;
    }
    json_object_del(js, "seq");
    char *rest = json_dumps(js, JSON_SORT_KEYS | JSON_COMPACT);
    json_t *scope = json_object_get(js, "scope");
    size_t kl = strlen(p->workload) + strlen(p->mapper) +
                (rest ? strlen(rest) : 0) + 4;
    char *key = sim_malloc(kl);
    char title[160];
    snprintf(title, sizeof title, "%s %s%s%s", p->workload, p->mapper,
             scope && json_is_string(scope) ? " " : "",
             scope && json_is_string(scope) ? json_string_value(scope) : "");
    for (char *c = title; *c; c++)
      if (*c == '"' || *c < ' ') *c = '\'';
    json_decref(js);
    if (!key || !rest) {
      free(rest);
      sim_free(key);
      goto oom;
    }
    snprintf(key, kl, "%s|%s|%s", p->workload, p->mapper, rest);
    free(rest);
    size_t s = 0;
    while (s < ns && strcmp(keys[s], key)) s++;
    if (s == ns) {
      keys[ns] = key;
      titles[ns] = sim_strdup(title);
      if (!titles[ns]) goto oom;
      ns++;
    } else {
      sim_free(key);
    }
    rows[nr].series = s;
    rows[nr].seq = sq;
    rows[nr].speedup = b->latency_s / p->latency_s;
    rows[nr].u2 = res__metric(db, p->run_id, "util_2d");
    rows[nr].u1 = res__metric(db, p->run_id, "util_1d");
    nr++;
  }
  if (nr) {
    if (nr) qsort(rows, nr, sizeof *rows, sc_cmp);
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    if (!f) goto oom;
    fputs("# tfsim report: speedup over mapper unfused and 2D/1D "
          "utilisation by sequence length\n",
          f);
    for (size_t i = 0; i < nr; i++) {
      if (i == 0 || rows[i].series != rows[i - 1].series)
        fprintf(f, "%s\"%s\" speedup util_2d util_1d\n", i ? "\n\n" : "",
                titles[rows[i].series]);
      fprintf(f, "%.17g %.17g", rows[i].seq, rows[i].speedup);
      if (isfinite(rows[i].u2)) fprintf(f, " %.17g", rows[i].u2);
      else fputs(" NaN", f);
      if (isfinite(rows[i].u1)) fprintf(f, " %.17g\n", rows[i].u1);
      else fputs(" NaN\n", f);
    }
    if (fclose(f) || !buf) {
      free(buf);
      goto oom;
    }
    *out = sim_strdup(buf);
    free(buf);
    if (!*out) goto oom;
  }
  goto out;
oom:
  rc = sim_err_set(err, SIM_ENOMEM, "report: out of memory");
out:
  for (size_t s = 0; s < ns; s++) {
    sim_free(keys[s]);
    sim_free(titles[s]);
  }
  sim_free(keys);
  sim_free(titles);
  sim_free(rows);
  return rc;
}
