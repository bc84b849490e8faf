/*
 * mcu_plan.c — the SRAM memory planner of the `mcu` class (TinyEngine /
 * MCUNet allocator, Lin et al., NeurIPS 2020 and 2021) and the MCUFormer
 * NAS memory proxy.  Design and invariants: mcuInt.h, section "Planner".
 *
 * Cost: lifetimes are one pass over the ops; placement is first-fit over
 * the tensors already placed that are still alive, sorted by address:
 * O(T x L log L) for T tensors of which at most L are alive at once (a few
 * hundred tensors for a whole ViT with its layers grouped, a few thousand
 * unrolled; L is tens).  The live peak is a sweep over
 * lifetime boundaries: O(T log T).
 */
#include "mcuInt.h"

#include <stdlib.h>
#include <string.h>

void mcu_plan_fini(mcu_plan *p) {
  if (!p) return;
  sim_free(p->addr);
  sim_free(p->first);
  sim_free(p->last);
  memset(p, 0, sizeof *p);
}

uint64_t mcu_op_weight_bytes(const sim_sched *s, size_t i) {
  const sim_sched_op *op = &s->ops[i];
  uint64_t b = 0;
  for (unsigned k = 0; k < op->n_in; k++) {
    const sim_tensor *t = &s->tensors[op->in[k]];
    int dup = 0;
    for (unsigned j = 0; j < k; j++) dup |= op->in[j] == op->in[k];
    if (t->kind == SIM_T_WEIGHT && !dup) b += t->bytes;
  }
  return b;
}

double mcu_nas_proxy_bytes(double d, double m, double p, double r,
                           double image) {
  double side = image / p;
  return d * ((side * side + 1) * (1 + m) + d * m * r);
}

/* Placement order: birth, then larger first (fewer holes), then id. */
typedef struct ord {
  uint32_t first;
  uint64_t bytes;
  size_t id;
} ord;

static int cmp_ord(const void *a, const void *b) {
  const ord *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct span {
  uint64_t lo, hi; /* [lo, hi) */
  size_t id;
} span;

static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Boundary events of the live sweep: +bytes at first, -bytes after last. */
typedef struct edge {
  uint64_t at; /* op index; a death is at last + 1 */
  int64_t delta;
} edge;

static int cmp_edge(const void *a, const void *b) {
  const edge *x = a, *y = b;
  if (x->at != y->at) return x->at < y->at ? -1 : 1;
  /* Deaths (negative) before births at the same index. */
  return (x->delta > y->delta) - (x->delta < y->delta);
}

static int in_sram(const sim_sched *s, const mcu_plan *p, size_t t) {
  return s->tensors[t].kind != SIM_T_WEIGHT && p->first[t] <= p->last[t] &&
         s->tensors[t].bytes > 0;
}

int mcu_plan_run(const sim_sched *s, mcu_plan *p, sim_err *err) {
  memset(p, 0, sizeof *p);
  size_t nt = s->n_tensors;
  p->n_tensors = nt;
  int rc = 0;
  ord *order = NULL;
  span *sp = NULL;
  edge *ev = NULL;
  uint64_t *iters = NULL;
  if (!nt) return 0;
  p->addr = sim_calloc(nt, sizeof *p->addr);
  p->first = sim_calloc(nt, sizeof *p->first);
  p->last = sim_calloc(nt, sizeof *p->last);
  iters = sim_calloc(nt, sizeof *iters);
  order = sim_calloc(nt, sizeof *order);
  sp = sim_calloc(nt, sizeof *sp);
  ev = sim_calloc(2 * nt, sizeof *ev);
  if (!p->addr || !p->first || !p->last || !iters || !order || !sp || !ev) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t t = 0; t < nt; t++) {
    p->first[t] = UINT32_MAX;
    p->last[t] = 0;
    p->addr[t] = -1;
  }
  /* Lifetimes: first and last op touching each tensor. */
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t it = sim_sched_op_iters(s, op);
    for (unsigned k = 0; k < op->n_in + op->n_out; k++) {
      int32_t t = k < op->n_in ? op->in[k] : op->out[k - op->n_in];
      if (p->first[t] == UINT32_MAX) p->first[t] = (uint32_t)i;
      p->last[t] = (uint32_t)i;
      if (it > iters[t]) iters[t] = it;
    }
  }
  for (size_t t = 0; t < nt; t++)
    if (s->tensors[t].kind == SIM_T_WEIGHT && iters[t])
      p->flash_bytes += s->tensors[t].bytes * iters[t];
  /* Placement: a mapper's own addresses first, then first-fit. */
  size_t n = 0;
  for (size_t t = 0; t < nt; t++) {
    if (!in_sram(s, p, t)) continue;
    order[n].first = p->first[t];
    order[n].bytes = s->tensors[t].bytes;
    order[n].id = t;
    n++;
  }
  if (n) qsort(order, n, sizeof *order, cmp_ord);
  /* Pass 0 places the mapper's fixed tensors (checked against each
   * other), pass 1 the rest in birth order.  In pass 1 a tensor only
   * meets tensors placed before it that are still alive at its birth, so
   * `act` keeps those (fixed ones stay until they die): the scan is
   * O(live tensors), not O(all). */
  size_t *act = sim_calloc(nt, sizeof *act), n_act = 0;
  if (!act) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  for (int pass = 0; pass < 2; pass++) {
    for (size_t k = 0; k < n; k++) {
      size_t t = order[k].id;
      int fixed = s->tensors[t].addr >= 0;
      if (fixed != (pass == 0)) continue;
      uint64_t b = s->tensors[t].bytes;
      size_t m = 0, keep = 0;
      for (size_t q = 0; q < n_act; q++) {
        size_t j = act[q];
        /* Births are in order: a tensor dead now is dead for the rest. */
        if (pass == 1 && p->last[j] < p->first[t]) continue;
        act[keep++] = j;
        if (p->first[j] > p->last[t] || p->first[t] > p->last[j]) continue;
        sp[m].lo = (uint64_t)p->addr[j];
        sp[m].hi = sp[m].lo + s->tensors[j].bytes;
        sp[m].id = j;
        m++;
      }
      n_act = keep;
      if (m) qsort(sp, m, sizeof *sp, cmp_span);
      if (fixed) {
        uint64_t lo = (uint64_t)s->tensors[t].addr;
        for (size_t j = 0; j < m; j++)
          if (sp[j].lo < lo + b && lo < sp[j].hi) {
            rc = sim_err_set(err, SIM_EINVAL, "tensors '%s' and '%s': "
                             "placed at overlapping SRAM addresses while "
                             "both are live", s->tensors[t].name,
                             s->tensors[sp[j].id].name);
            sim_free(act);
            goto out;
          }
        p->addr[t] = (int64_t)lo;
      } else {
        uint64_t at = 0;
        for (size_t j = 0; j < m; j++) {
          if (sp[j].lo >= at + b) break; /* the gap before it fits */
          if (sp[j].hi > at) at = sp[j].hi;
        }
        p->addr[t] = (int64_t)at;
      }
      act[n_act++] = t;
      uint64_t top = (uint64_t)p->addr[t] + b;
      if (top > p->peak_sram_bytes) p->peak_sram_bytes = top;
    }
  }
  sim_free(act);
  /* The live peak: sweep over births and deaths. */
  size_t ne = 0;
  for (size_t k = 0; k < n; k++) {
    size_t t = order[k].id;
    ev[ne].at = p->first[t];
    ev[ne++].delta = (int64_t)s->tensors[t].bytes;
    ev[ne].at = (uint64_t)p->last[t] + 1;
    ev[ne++].delta = -(int64_t)s->tensors[t].bytes;
  }
  if (ne) qsort(ev, ne, sizeof *ev, cmp_edge);
  int64_t live = 0;
  for (size_t k = 0; k < ne; k++) {
    live += ev[k].delta;
    if (live > 0 && (uint64_t)live > p->live_peak_bytes) {
      p->live_peak_bytes = (uint64_t)live;
      p->live_peak_op = (size_t)ev[k].at;
    }
  }
  MCU_ASSERT(live == 0);
  MCU_ASSERT(p->live_peak_bytes <= p->peak_sram_bytes);
out:
  sim_free(iters);
  sim_free(order);
  sim_free(sp);
  sim_free(ev);
  return rc;
}
