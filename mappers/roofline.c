/*
 * roofline.c — the `roofline` mapper for the `ideal` class.
 *
 * Mapping space: a single point.  Every einsum of the cascade becomes one
 * schedule op, in cascade order (a topological order), and every op reads
 * its inputs from and writes its output to memory: no fusion, no on-chip
 * reuse across ops.  That is the honest baseline a roofline answers: the
 * bytes of an op are wl_op_in_bytes + wl_op_out_bytes (each distinct
 * tensor once), its work wl_op_macs and wl_op_elem_ops.  Ops of repeated
 * layers keep their repeat count.
 */
#include <stdio.h>
#include <string.h>

#include "map.h"

static sim_op_kind roofline_kind(wl_compute c) {
  switch (c) {
  case WL_C_MAC: return SIM_OP_MAC;
  case WL_C_MAX_REDUCE:
  case WL_C_SUM_REDUCE: return SIM_OP_REDUCE;
  case WL_C_GATHER: return SIM_OP_MOVE;
  case WL_C_ELEM:
  default: return SIM_OP_ELEM;
  }
}

static int roofline_map(const wl_cascade *w, const arch_model *a,
                        const map_opts *o, sim_sched *out, sim_err *err) {
  (void)a;
  (void)o;
  size_t n = wl_cascade_n_ops(w);
  for (size_t i = 0; i < n; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    sim_sched_op s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", op->name);
    s.kind = roofline_kind(op->compute);
    s.layer = op->layer;
    s.macs = wl_op_macs(w, op);
    s.elem_ops = wl_op_elem_ops(w, op);
    s.rd_bytes = wl_op_in_bytes(w, op);
    s.wr_bytes = wl_op_out_bytes(w, op);
    s.repeat = op->repeat ? op->repeat : 1;
    _Static_assert(SIM_OP_MAX_DEPS >= WL_MAX_DEPS,
                   "a schedule op must hold every dependency of an einsum");
    for (uint32_t d = 0; d < op->n_deps; d++) s.deps[s.n_deps++] = op->deps[d];
    int rc = sim_sched_push(out, &s);
    if (rc < 0) return sim_err_set(err, rc, "out of memory");
  }
  return 0;
}

/* A single point: nothing to choose, so no options. */
static const map_opt_def roofline_opts[] = {{0}};

const map_ops roofline_map_ops = {
    .iVersion = 2,
    .name = "roofline",
    .arch_cls = "ideal",
    .summary = "one op per einsum, every tensor through memory (no fusion)",
    .is_default = 1,
    .map = roofline_map,
    .opts = roofline_opts,
};
