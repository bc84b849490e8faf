/*
 * compare.c — the data of two `tfsim report` figures that compare runs
 * with each other rather than list them:
 *
 *   speedup.dat   each run's speedup over its baseline (`report
 *                 --baseline NAME`): the run of the same workload and
 *                 parameters whose mapper or arch is NAME; the speedup is
 *                 that run's latency over this one's.  One line a run:
 *                 label, speedup.  Runs without a baseline are left out.
 *   roofline.dat  each run in the roofline plane: arithmetic intensity
 *                 (FLOP per off-chip byte, FLOP = 2 x MACs: the metric
 *                 "macs", or "pim_macs" for PIM) and achieved FLOP/s.
 *                 Runs without MACs or off-chip bytes are left out.
 *
 * Both are text owned by the caller (sim_free), or NULL when no run
 * qualifies.
 */
#define _GNU_SOURCE 1 /* open_memstream */
#include "resInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text built in a memory stream; its buffer is copied into sim_malloc. */
static int cmp_finish(FILE *f, char **bufp, size_t *lenp, int rows,
                      char **out, sim_err *err) {
  /* open_memstream sets the buffer and its length at fclose. */
  int bad = fclose(f) != 0;
  char *buf = *bufp;
  size_t len = *lenp;
  if (bad || !buf) {
    free(buf);
    return sim_err_set(err, SIM_ENOMEM, "report: out of memory");
  }
  if (rows > 0) {
    *out = sim_malloc(len + 1);
    if (!*out) {
      free(buf);
      return sim_err_set(err, SIM_ENOMEM, "report: out of memory");
    }
    memcpy(*out, buf, len + 1);
  }
  free(buf);
  return 0;
}

int res__speedup_dat(res_db *db, const res__point *pt, char *const *labels,
                     size_t n, const char *baseline, char **out,
                     sim_err *err) {
  (void)db;
  *out = NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return sim_err_set(err, SIM_ENOMEM, "report: out of memory");
  fprintf(f, "# speedup over the run of the same workload and parameters "
             "whose mapper or arch is '%s'\n# label speedup\n", baseline);
  int rows = 0;
  for (size_t i = 0; i < n; i++) {
    const res__point *p = &pt[i];
    if (!(p->latency_s > 0)) continue;
    for (size_t j = 0; j < n; j++) {
      const res__point *b = &pt[j];
      if (j == i || strcmp(b->workload, p->workload) ||
          strcmp(b->params, p->params) || !(b->latency_s > 0))
        continue;
      if (strcmp(b->mapper, baseline) && strcmp(b->arch, baseline)) continue;
      fprintf(f, "\"%s\" %.17g\n", labels[i], b->latency_s / p->latency_s);
      rows++;
      break;
    }
  }
  return cmp_finish(f, &buf, &len, rows, out, err);
}

int res__roofline_dat(res_db *db, const res__point *pt, char *const *labels,
                      size_t n, char **out, sim_err *err) {
  *out = NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return sim_err_set(err, SIM_ENOMEM, "report: out of memory");
  fprintf(f, "# label flop_per_byte flop_per_s (FLOP = 2 x MACs)\n");
  int rows = 0;
  for (size_t i = 0; i < n; i++) {
    const res__point *p = &pt[i];
    double macs = res__metric(db, p->run_id, "macs");
    if (!(macs > 0)) macs = res__metric(db, p->run_id, "pim_macs");
    if (!(macs > 0) || !(p->dram_bytes > 0) || !(p->latency_s > 0)) continue;
    /* Short labels (arch and mapper): the plane is crowded. */
    (void)labels;
    fprintf(f, "\"%s %s\" %.17g %.17g\n", p->arch, p->mapper,
            2 * macs / p->dram_bytes, 2 * macs / p->latency_s);
    rows++;
  }
  return cmp_finish(f, &buf, &len, rows, out, err);
}
