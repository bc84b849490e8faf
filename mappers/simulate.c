/*
 * simulate.c — a whole run in the library: lower, map, execute, for one
 * prefill or for T decode steps (DESIGN.md section 9: "lowering and
 * mapping once, not per token; memory independent of the number of
 * tokens").  Every front end (the tfsim command, a sweep, the SystemC
 * adapter, a C API user) calls map_simulate; none re-implements it.
 *
 * Decode.  A step's schedule depends on the KV length only through its
 * counts (MACs, element-wise ops, bytes per level, rank sizes, tensor
 * bytes), and those are affine in the KV length.  So the model is lowered
 * and mapped twice (kv0 and kv0 + 1); the difference is the per-token
 * slope, and step i's schedule is S0 + i * slope, written into one
 * schedule in place.  The affine form is verified against a real lowering
 * of the last step; where it does not hold (a sliding-window cap, a
 * mapper whose tiling changes with the length) every step is lowered and
 * mapped anew: slower, never wrong.
 *
 * Aggregation.  Steps append to the report without growing it: one op
 * record per schedule op (counters summed, the first start and the last
 * end), statistics summed, metrics combined by their sim_agg, and the
 * class's `summarize` hook recomputes ratios (row-hit rate, utilisation)
 * from the summed counters.  A per-step timeline is kept only when asked
 * (MAP_SIM_STEP_OPS).
 *
 * Model state.  A class that keeps state across steps (open rows, the
 * refresh phase) provides begin/step/end (arch.h, iVersion 2); the steps
 * then run on one model instance whose time continues.
 */
#include <stdio.h>
#include <string.h>

#include "map.h"

/* Numeric fields of a schedule that may change with the KV length. */
typedef struct slope {
  int64_t *v; /* per op: macs, elem_ops, rd[L], wr[L], ranks[R]; per
                 tensor: bytes */
  size_t n;
} slope;

#define OP_FIELDS (2 + 2 * SIM_LEVEL_MAX + SIM_OP_MAX_RANKS)

static uint64_t *op_field(sim_sched_op *op, int k) {
  if (k == 0) return &op->macs;
  if (k == 1) return &op->elem_ops;
  if (k < 2 + SIM_LEVEL_MAX) return &op->rd_bytes[k - 2];
  if (k < 2 + 2 * SIM_LEVEL_MAX) return &op->wr_bytes[k - 2 - SIM_LEVEL_MAX];
  return &op->ranks[k - 2 - 2 * SIM_LEVEL_MAX].size;
}

/* Whether a and b have the same structure (everything but the counts). */
static int same_shape(const sim_sched *a, const sim_sched *b) {
  if (a->n_ops != b->n_ops || a->n_tensors != b->n_tensors ||
      a->n_groups != b->n_groups || a->n_levels != b->n_levels ||
      a->n_units != b->n_units)
    return 0;
  for (size_t i = 0; i < a->n_ops; i++) {
    sim_sched_op x = a->ops[i], y = b->ops[i];
    for (int k = 0; k < OP_FIELDS; k++) *op_field(&x, k) = *op_field(&y, k) = 0;
    if ((x.payload == NULL) != (y.payload == NULL) ||
        (x.payload && strcmp(x.payload, y.payload)))
      return 0;
    x.payload = y.payload = NULL;
    if (memcmp(&x, &y, sizeof x)) return 0;
  }
  for (size_t t = 0; t < a->n_tensors; t++) {
    sim_tensor x = a->tensors[t], y = b->tensors[t];
    x.bytes = y.bytes = 0;
    if (memcmp(&x, &y, sizeof x)) return 0;
  }
  return a->n_groups == 0 ||
         memcmp(a->groups, b->groups, a->n_groups * sizeof *a->groups) == 0;
}

static int slope_of(const sim_sched *s0, const sim_sched *s1, slope *d) {
  d->n = s0->n_ops * OP_FIELDS + s0->n_tensors;
  d->v = sim_calloc(d->n ? d->n : 1, sizeof *d->v);
  if (!d->v) return SIM_ENOMEM;
  size_t j = 0;
  for (size_t i = 0; i < s0->n_ops; i++)
    for (int k = 0; k < OP_FIELDS; k++)
      d->v[j++] = (int64_t)(*op_field(&s1->ops[i], k) -
                            *op_field(&s0->ops[i], k));
  for (size_t t = 0; t < s0->n_tensors; t++)
    d->v[j++] = (int64_t)(s1->tensors[t].bytes - s0->tensors[t].bytes);
  return 0;
}

/* s = s0 + step * d (s has s0's shape). */
static void apply(sim_sched *s, const sim_sched *s0, const slope *d,
                  uint64_t step) {
  size_t j = 0;
  for (size_t i = 0; i < s0->n_ops; i++)
    for (int k = 0; k < OP_FIELDS; k++)
      *op_field(&s->ops[i], k) =
          *op_field(&s0->ops[i], k) + (uint64_t)d->v[j++] * step;
  for (size_t t = 0; t < s0->n_tensors; t++)
    s->tensors[t].bytes = s0->tensors[t].bytes + (uint64_t)d->v[j++] * step;
}

static int equal_counts(const sim_sched *a, const sim_sched *b) {
  if (!same_shape(a, b)) return 0;
  for (size_t i = 0; i < a->n_ops; i++)
    for (int k = 0; k < OP_FIELDS; k++)
      if (*op_field(&a->ops[i], k) != *op_field(&b->ops[i], k)) return 0;
  for (size_t t = 0; t < a->n_tensors; t++)
    if (a->tensors[t].bytes != b->tensors[t].bytes) return 0;
  return 1;
}

int map_lower_and_map(const wl_model *m, const wl_opts *o,
                      const arch_model *am, const char *mapper,
                      const char *const *kv, size_t n_kv, sim_sched *out,
                      sim_err *err) {
  wl_cascade *w = NULL;
  sim_sched_init(out, NULL);
  int rc = wl_lower(m, o, &w, err);
  if (!rc) rc = map_run(mapper, w, am, kv, n_kv, out, err);
  wl_cascade_free(w);
  return rc;
}

/* One step on the model (a session when the class keeps state). */
static int run_step(arch_model *am, void *session, const sim_sched *s,
                    sim_report *rep, sim_err *err) {
  if (session) return am->ops->step(session, s, rep, err);
  return arch_run(am, s, rep, err);
}

int map_simulate(arch_model *am, const wl_model *m, const wl_opts *o,
                 const map_sim_opts *so, sim_report *rep, sim_sched *first,
                 sim_err *err) {
  map_sim_opts dflt = {0};
  if (!so) so = &dflt;
  wl_opts op = *o;
  /* Layers lowered once with repeat = depth: the schedule groups them. */
  op.repeat_layers = so->unroll_layers ? 0 : 1;
  uint64_t steps = o->phase == WL_DECODE && o->gen > 1 ? o->gen : 1;
  sim_sched s0, s1, cur;
  sim_report step;
  slope d = {0};
  void *session = NULL;
  int rc, affine = 0;
  sim_sched_init(&s0, NULL);
  sim_sched_init(&s1, NULL);
  sim_sched_init(&cur, NULL);
  memset(&step, 0, sizeof step);
  if (first) sim_sched_init(first, NULL);
  if ((rc = map_lower_and_map(m, &op, am, so->mapper, so->kv_opts,
                              so->n_kv_opts, &s0, err)))
    goto out;
  if (first && (rc = sim_sched_copy(first, &s0))) {
    sim_err_set(err, rc, "out of memory");
    goto out;
  }
  if (steps > 1 && !so->relower_every_step) {
    wl_opts o1 = op, ol = op;
    o1.kv = op.kv + 1;
    ol.kv = op.kv + steps - 1;
    sim_sched sl;
    if ((rc = map_lower_and_map(m, &o1, am, so->mapper, so->kv_opts,
                                so->n_kv_opts, &s1, err)))
      goto out;
    if (same_shape(&s0, &s1)) {
      if ((rc = slope_of(&s0, &s1, &d))) {
        sim_err_set(err, rc, "out of memory");
        goto out;
      }
      rc = map_lower_and_map(m, &ol, am, so->mapper, so->kv_opts,
                             so->n_kv_opts, &sl, err);
      if (!rc && (rc = sim_sched_copy(&cur, &s0)))
        sim_err_set(err, rc, "out of memory");
      if (!rc) {
        apply(&cur, &s0, &d, steps - 1);
        affine = equal_counts(&cur, &sl);
      }
      sim_sched_fini(&sl);
      if (rc) goto out;
    }
  }
  if (am->ops->iVersion >= 2 && am->ops->begin &&
      (rc = am->ops->begin(am->state, &am->cfg, &session, err)))
    goto out;
  for (uint64_t i = 0; i < steps; i++) {
    const sim_sched *s = &s0;
    if (i > 0 && affine) {
      apply(&cur, &s0, &d, i);
      s = &cur;
    } else if (i > 0) {
      wl_opts oi = op;
      oi.kv = op.kv + i;
      sim_sched_fini(&cur);
      if ((rc = map_lower_and_map(m, &oi, am, so->mapper, so->kv_opts,
                                  so->n_kv_opts, &cur, err)))
        goto out;
      s = &cur;
    }
    sim_report_fini(&step);
    if ((rc = sim_report_init(&step))) {
      sim_err_set(err, rc, "out of memory");
      goto out;
    }
    if ((rc = run_step(am, session, s, &step, err))) goto out;
    rc = so->step_ops ? sim_report_append(rep, &step)
                      : sim_report_accumulate(rep, &step);
    if (rc) {
      sim_err_set(err, rc, rc == SIM_EINVAL ? "decode: step %llu has a "
                  "schedule of another shape" : "out of memory",
                  (unsigned long long)i);
      goto out;
    }
    if (so->progress) so->progress(so->progress_ctx, i + 1, steps);
  }
  if (am->ops->iVersion >= 2 && am->ops->summarize &&
      (rc = am->ops->summarize(am->state, rep, err)))
    goto out;
  if (steps > 1 || o->phase == WL_DECODE) {
    double lat_s = (double)rep->latency_ps * 1e-12;
    if ((rc = sim_report_metric(rep, "ms_per_token",
                                lat_s * 1e3 / (double)steps)) ||
        (rc = sim_report_metric(rep, "tokens_per_s",
                                lat_s > 0 ? (double)(steps * o->batch) / lat_s
                                          : 0)) ||
        (rc = sim_report_metric_agg(rep, "energy_per_token_j",
                                    sim_report_energy_pj(rep) * 1e-12 /
                                        (double)steps,
                                    SIM_AGG_LAST)))
      sim_err_set(err, rc, "out of memory");
  }
  if (!rc && steps > 1 && (rc = sim_report_metric_bool(rep, "decode_affine",
                                                      affine)))
    sim_err_set(err, rc, "out of memory");
out:
  if (session) am->ops->end(session);
  sim_report_fini(&step);
  sim_free(d.v);
  sim_sched_fini(&s0);
  sim_sched_fini(&s1);
  sim_sched_fini(&cur);
  return rc;
}
