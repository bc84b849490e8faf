/*
 * report.c — the run report (sim_report): headline metrics, the per-op
 * timeline and the statistics registry whose "pJ" sums are the energy
 * breakdown.  Owned arrays; sim_report_fini frees them.
 */
#include "sim.h"

#include <math.h>
#include <string.h>

int sim_report_init(sim_report *r) {
  memset(r, 0, sizeof *r);
  r->stats = sim_stats_new();
  return r->stats ? 0 : SIM_ENOMEM;
}

void sim_report_fini(sim_report *r) {
  if (!r) return;
  sim_stats_free(r->stats);
  sim_free(r->metrics);
  sim_free(r->ops);
  sim_free(r->bufs);
  memset(r, 0, sizeof *r);
}

int sim_report_metric(sim_report *r, const char *key, double value) {
  return sim_report_metric_agg(r, key, value, SIM_AGG_MEAN);
}

int sim_report_metric_agg(sim_report *r, const char *key, double value,
                          sim_agg agg) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].key, key) == 0) {
      r->metrics[i].value = value;
      r->metrics[i].agg = agg;
      return 0;
    }
  if (r->n_metrics == r->cap_metrics) {
    size_t cap = r->cap_metrics ? r->cap_metrics * 2 : 16;
    sim_metric *n = sim_realloc(r->metrics, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    r->metrics = n;
    r->cap_metrics = cap;
  }
  sim_metric *m = &r->metrics[r->n_metrics++];
  memset(m, 0, sizeof *m);
  strncpy(m->key, key, sizeof m->key - 1);
  m->value = value;
  m->agg = agg;
  m->type = SIM_MT_NUM;
  return 0;
}

int sim_report_metric_bool(sim_report *r, const char *key, int yes) {
  int rc = sim_report_metric_agg(r, key, yes ? 1.0 : 0.0, SIM_AGG_MIN);
  if (!rc)
    for (size_t i = 0; i < r->n_metrics; i++)
      if (strcmp(r->metrics[i].key, key) == 0) r->metrics[i].type = SIM_MT_BOOL;
  return rc;
}

int sim_report_metric_int(sim_report *r, const char *key, uint64_t v) {
  int rc = sim_report_metric_agg(r, key, (double)v, SIM_AGG_SUM);
  if (!rc)
    for (size_t i = 0; i < r->n_metrics; i++)
      if (strcmp(r->metrics[i].key, key) == 0) r->metrics[i].type = SIM_MT_INT;
  return rc;
}

double sim_report_get(const sim_report *r, const char *key, double dflt) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].key, key) == 0) return r->metrics[i].value;
  return dflt;
}

int sim_report_push_buf(sim_report *r, const sim_buf_record *b) {
  if (r->n_bufs == r->cap_bufs) {
    size_t cap = r->cap_bufs ? r->cap_bufs * 2 : 64;
    sim_buf_record *n = sim_realloc(r->bufs, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    r->bufs = n;
    r->cap_bufs = cap;
  }
  r->bufs[r->n_bufs++] = *b;
  return 0;
}

int sim_report_push_op(sim_report *r, const sim_op_record *op) {
  if (r->n_ops == r->cap_ops) {
    size_t cap = r->cap_ops ? r->cap_ops * 2 : 64;
    sim_op_record *n = sim_realloc(r->ops, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    r->ops = n;
    r->cap_ops = cap;
  }
  r->ops[r->n_ops++] = *op;
  return 0;
}

double sim_report_energy_pj(const sim_report *r) {
  double t = 0;
  if (!r->stats) return 0;
  for (int h = 0; h < sim_stat_count(r->stats); h++)
    if (sim_stat_kind_of(r->stats, h) == SIM_STAT_SUM &&
        strcmp(sim_stat_unit(r->stats, h), "pJ") == 0)
      t += sim_stat_f64(r->stats, h);
  return t;
}

int sim_val_add(sim_val_table *t, const sim_val_row *row) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    sim_val_row *n = sim_realloc(t->rows, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    t->rows = n;
    t->cap = cap;
  }
  t->rows[t->n++] = *row;
  return 0;
}

void sim_val_free(sim_val_table *t) {
  if (!t) return;
  sim_free(t->rows);
  memset(t, 0, sizeof *t);
}

double sim_val_error(const sim_val_row *row) {
  double d = row->ours - row->published;
  if (d < 0) d = -d;
  if (row->tol_abs) return d;
  return row->published != 0 ? d / (row->published < 0 ? -row->published
                                                        : row->published)
                             : d;
}

sim_val_verdict sim_val_check(const sim_val_row *row) {
  if (isnan(row->published)) return SIM_VAL_INFO;
  return sim_val_error(row) <= row->tol ? SIM_VAL_PASS : SIM_VAL_MISS;
}

int sim_val_pass(const sim_val_row *row) {
  return sim_val_check(row) == SIM_VAL_PASS;
}

static int is_energy(const sim_stats *s, int h) {
  return sim_stat_kind_of(s, h) == SIM_STAT_SUM &&
         strcmp(sim_stat_unit(s, h), "pJ") == 0;
}

/* O(n^2) in the number of statistics: a few hundred at most. */
double sim_report_energy_breakdown(const sim_report *r,
                                   void (*fn)(void *ud, const char *comp,
                                              double j),
                                   void *ud) {
  double total = 0;
  const sim_stats *s = r->stats;
  int n = s ? sim_stat_count(s) : 0;
  for (int h = 0; h < n; h++) {
    if (!is_energy(s, h)) continue;
    const char *c = sim_stat_component(s, h);
    int seen = 0;
    for (int k = 0; k < h && !seen; k++)
      seen = is_energy(s, k) && strcmp(sim_stat_component(s, k), c) == 0;
    if (seen) continue; /* summed with its first */
    double pj = 0;
    for (int k = h; k < n; k++)
      if (is_energy(s, k) && strcmp(sim_stat_component(s, k), c) == 0)
        pj += sim_stat_f64(s, k);
    double j = pj * 1e-12;
    if (fn) fn(ud, c, j);
    total += j;
  }
  return total;
}

static int report_add(sim_report *dst, const sim_report *src, int accumulate);

int sim_report_append(sim_report *dst, const sim_report *src) {
  return report_add(dst, src, 0);
}

int sim_report_accumulate(sim_report *dst, const sim_report *src) {
  return report_add(dst, src, 1);
}

static int report_add(sim_report *dst, const sim_report *src, int accumulate) {
  uint64_t t0 = dst->latency_ps;
  if (accumulate && dst->n_ops) {
    if (dst->n_ops != src->n_ops) return SIM_EINVAL;
    for (size_t i = 0; i < src->n_ops; i++)
      if (strcmp(dst->ops[i].name, src->ops[i].name)) return SIM_EINVAL;
  }
  for (int h = 0; h < sim_stat_count(src->stats); h++) {
    sim_stat_kind k = sim_stat_kind_of(src->stats, h);
    int d = sim_stat_register(dst->stats, sim_stat_component(src->stats, h),
                              sim_stat_name(src->stats, h),
                              sim_stat_unit(src->stats, h), k);
    if (d < 0) return d;
    switch (k) {
    case SIM_STAT_COUNT: sim_stat_add(dst->stats, d, sim_stat_u64(src->stats, h)); break;
    case SIM_STAT_SUM: sim_stat_addf(dst->stats, d, sim_stat_f64(src->stats, h)); break;
    case SIM_STAT_MAX:
      if (sim_stat_f64(src->stats, h) > sim_stat_f64(dst->stats, d))
        sim_stat_setf(dst->stats, d, sim_stat_f64(src->stats, h));
      break;
    case SIM_STAT_VALUE: sim_stat_setf(dst->stats, d, sim_stat_f64(src->stats, h)); break;
    }
  }
  int merge = accumulate && dst->n_ops;
  for (size_t i = 0; i < src->n_ops; i++) {
    sim_op_record o = src->ops[i];
    o.start_ps += t0;
    o.end_ps += t0;
    if (merge) {
      sim_op_record *d = &dst->ops[i];
      d->macs += o.macs;
      d->elem_ops += o.elem_ops;
      d->rd_bytes += o.rd_bytes;
      d->wr_bytes += o.wr_bytes;
      d->energy_pj += o.energy_pj;
      d->end_ps = o.end_ps;
      continue;
    }
    int rc = sim_report_push_op(dst, &o);
    if (rc) return rc;
  }
  if (!dst->n_bufs)
    for (size_t i = 0; i < src->n_bufs; i++) {
      int rc = sim_report_push_buf(dst, &src->bufs[i]);
      if (rc) return rc;
    }
  uint64_t t1 = t0 + src->latency_ps;
  for (size_t i = 0; i < src->n_metrics; i++) {
    const sim_metric *m = &src->metrics[i];
    double v = m->value;
    int found = 0;
    for (size_t j = 0; j < dst->n_metrics && !found; j++) {
      sim_metric *d = &dst->metrics[j];
      if (strcmp(d->key, m->key)) continue;
      found = 1;
      switch (m->agg) {
      case SIM_AGG_SUM: v = d->value + m->value; break;
      case SIM_AGG_MAX: v = d->value > m->value ? d->value : m->value; break;
      case SIM_AGG_LAST: break;
      case SIM_AGG_MIN: v = d->value < m->value ? d->value : m->value; break;
      case SIM_AGG_MEAN:
        if (t1 > 0)
          v = (d->value * (double)t0 + m->value * (double)src->latency_ps) /
              (double)t1;
        break;
      }
    }
    int rc = sim_report_metric_agg(dst, m->key, v, m->agg);
    if (rc) return rc;
    for (size_t j = 0; j < dst->n_metrics; j++)
      if (strcmp(dst->metrics[j].key, m->key) == 0)
        dst->metrics[j].type = m->type;
  }
  if (!dst->schedule[0]) memcpy(dst->schedule, src->schedule,
                                sizeof dst->schedule);
  if (t1 > 0)
    dst->util = (dst->util * (double)t0 + src->util * (double)src->latency_ps) /
                (double)t1;
  dst->latency_ps = t1;
  dst->cycles += src->cycles;
  dst->dram_bytes += src->dram_bytes;
  if (!dst->clock[0]) memcpy(dst->clock, src->clock, sizeof dst->clock);
  return 0;
}
