/*
 * report.c — the run report (sim_report): headline metrics, the per-op
 * timeline and the statistics registry whose "pJ" sums are the energy
 * breakdown.  Owned arrays; sim_report_fini frees them.
 */
#include "sim.h"

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
  memset(r, 0, sizeof *r);
}

int sim_report_metric(sim_report *r, const char *key, double value) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].key, key) == 0) {
      r->metrics[i].value = value;
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
  return 0;
}

double sim_report_get(const sim_report *r, const char *key, double dflt) {
  for (size_t i = 0; i < r->n_metrics; i++)
    if (strcmp(r->metrics[i].key, key) == 0) return r->metrics[i].value;
  return dflt;
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

int sim_val_pass(const sim_val_row *row) {
  return sim_val_error(row) <= row->tol;
}

int sim_report_append(sim_report *dst, const sim_report *src) {
  uint64_t t0 = dst->latency_ps;
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
  for (size_t i = 0; i < src->n_ops; i++) {
    sim_op_record o = src->ops[i];
    o.start_ps += t0;
    o.end_ps += t0;
    int rc = sim_report_push_op(dst, &o);
    if (rc) return rc;
  }
  uint64_t t1 = t0 + src->latency_ps;
  if (t1 > 0)
    dst->util = (dst->util * (double)t0 + src->util * (double)src->latency_ps) /
                (double)t1;
  dst->latency_ps = t1;
  dst->cycles += src->cycles;
  dst->dram_bytes += src->dram_bytes;
  if (!dst->clock[0]) memcpy(dst->clock, src->clock, sizeof dst->clock);
  return 0;
}
