/*
 * roofline.c — the `roofline` mapper for the `ideal` class.
 *
 * Mapping space: a single point.  Every einsum of the cascade becomes one
 * schedule op on the one unit kind "core", in cascade order (a topological
 * order), and every op reads its inputs from and writes its output to the
 * level "dram": no fusion, no on-chip reuse across ops.  That is the
 * honest baseline a roofline answers: the bytes of an op are
 * wl_op_in_bytes + wl_op_out_bytes (each distinct tensor once), its work
 * wl_op_macs and wl_op_elem_ops.
 *
 * The same mapping, named `traffic`, is the default for the `dram` class:
 * the memory alone, each op as its off-chip traffic (its work ignored).
 *
 * The cascade's tensors become the schedule's tensor table (home level
 * dram).  A layer lowered once with repeat = depth (wl_opts.repeat_layers)
 * becomes a group iterated `depth` times, carried from the layer's last op
 * to its entry ops (the ops that depend on nothing inside the layer), so
 * layer i+1 starts after layer i without expanding the layers.
 */
#include <stdio.h>
#include <string.h>

#include "map.h"

sim_fn map_fn_of(const wl_op *op) {
  switch (op->compute) {
  case WL_C_MAC: return SIM_FN_MAC;
  case WL_C_MAX_REDUCE: return SIM_FN_MAX;
  case WL_C_SUM_REDUCE: return SIM_FN_SUM;
  case WL_C_GATHER: return SIM_FN_GATHER;
  case WL_C_ELEM:
  default: break;
  }
  switch (op->fn) {
  case WL_FN_COPY: return SIM_FN_COPY;
  case WL_FN_FILL: return SIM_FN_FILL;
  case WL_FN_SCALE: return SIM_FN_SCALE;
  case WL_FN_ADD: return SIM_FN_ADD;
  case WL_FN_SUB: return SIM_FN_SUB;
  case WL_FN_MUL: return SIM_FN_MUL;
  case WL_FN_DIV: return SIM_FN_DIV;
  case WL_FN_MAX: return SIM_FN_MAX;
  case WL_FN_EXP: return SIM_FN_EXP;
  case WL_FN_SUB_EXP: return SIM_FN_SUB_EXP;
  case WL_FN_GELU: return SIM_FN_GELU;
  case WL_FN_SILU: return SIM_FN_SILU;
  case WL_FN_RELU: return SIM_FN_RELU;
  case WL_FN_RSQRT: return SIM_FN_RSQRT;
  case WL_FN_TANH: return SIM_FN_TANH;
  default: return SIM_FN_COPY;
  }
}

sim_tensor_kind map_tensor_kind_of(wl_tensor_kind k) {
  switch (k) {
  case WL_T_WEIGHT: return SIM_T_WEIGHT;
  case WL_T_KVCACHE: return SIM_T_KV;
  case WL_T_INTER: return SIM_T_SCRATCH;
  case WL_T_INPUT:
  case WL_T_OUTPUT:
  default: return SIM_T_ACT;
  }
}

_Static_assert((int)WL_FP32 == (int)SIM_P_FP32 && (int)WL_FP16 == (int)SIM_P_FP16 &&
               (int)WL_BF16 == (int)SIM_P_BF16 && (int)WL_INT8 == (int)SIM_P_INT8 &&
               (int)WL_INT4 == (int)SIM_P_INT4 && (int)WL_INT32 == (int)SIM_P_INT32,
               "wl_precision and sim_prec share their first values");

int map_cascade_tensors(const wl_cascade *w, sim_sched *out, int level,
                        sim_err *err) {
  size_t nt = wl_cascade_n_tensors(w);
  for (size_t t = 0; t < nt; t++) {
    const wl_tensor *wt = wl_cascade_tensor(w, t);
    uint64_t elems = 1;
    for (uint32_t d = 0; d < wt->ndim; d++) elems *= wt->extent[d];
    uint64_t bits = sim_prec_bits((sim_prec)wt->prec);
    sim_tensor st;
    sim_tensor_init(&st, wt->name, (elems * bits + 7) / 8,
                    (sim_prec)wt->prec, map_tensor_kind_of(wt->kind));
    st.level = (int16_t)level;
    if (sim_sched_push_tensor(out, &st) < 0)
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  return 0;
}

int map_cascade_op(const wl_cascade *w, size_t i, int unit, int level,
                   sim_sched_op *s) {
  const wl_op *op = wl_cascade_op(w, i);
  const wl_tensor *ot = wl_cascade_tensor(w, op->out.tensor);
  sim_sched_op_init(s, op->name, map_fn_of(op), (sim_prec)ot->prec, unit);
  s->layer = op->layer;
  for (uint32_t r = 0; r < op->n_ranks && r < SIM_OP_MAX_RANKS; r++) {
    const wl_rank *wr = wl_cascade_rank(w, op->ranks[r]);
    snprintf(s->ranks[r].name, sizeof s->ranks[r].name, "%.15s", wr->name);
    s->ranks[r].size = wr->size;
    s->n_ranks = (uint8_t)(r + 1);
  }
  s->macs = wl_op_macs(w, op);
  s->elem_ops = wl_op_elem_ops(w, op);
  s->rd_bytes[level] = wl_op_in_bytes(w, op);
  s->wr_bytes[level] = wl_op_out_bytes(w, op);
  for (uint32_t k = 0; k < op->n_in && k < SIM_OP_MAX_IN; k++)
    s->in[s->n_in++] = (int32_t)op->in[k].tensor;
  s->out[s->n_out++] = (int32_t)op->out.tensor;
  _Static_assert(SIM_OP_MAX_DEPS >= WL_MAX_DEPS,
                 "a schedule op must hold every dependency of an einsum");
  for (uint32_t d = 0; d < op->n_deps; d++) s->deps[s->n_deps++] = op->deps[d];
  return 0;
}

int map_cascade_groups(const wl_cascade *w, sim_sched *out, sim_err *err) {
  size_t n = wl_cascade_n_ops(w);
  for (size_t i = 0; i < n;) {
    const wl_op *op = wl_cascade_op(w, i);
    if (op->repeat <= 1) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < n && wl_cascade_op(w, j)->repeat == op->repeat &&
           wl_cascade_op(w, j)->layer == op->layer)
      j++;
    sim_sched_group g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "layer%d x%llu", op->layer,
             (unsigned long long)op->repeat);
    g.first = (uint32_t)i;
    g.n = (uint32_t)(j - i);
    g.iters = op->repeat;
    /* Carry: layer i+1's entry ops wait for layer i's last op. */
    for (size_t k = i; k < j && g.n_carry < SIM_GROUP_MAX_CARRY; k++) {
      const wl_op *ok = wl_cascade_op(w, k);
      int inner = 0;
      for (uint32_t d = 0; d < ok->n_deps; d++) inner |= ok->deps[d] >= i;
      if (!inner) {
        g.carry[g.n_carry].from = (uint32_t)(j - 1);
        g.carry[g.n_carry].to = (uint32_t)k;
        g.n_carry++;
      }
    }
    if (sim_sched_push_group(out, &g) < 0)
      return sim_err_set(err, SIM_EINVAL, "layer %d: cannot group ops "
                         "[%zu, %zu)", op->layer, i, j);
    i = j;
  }
  return 0;
}

static int roofline_map(const wl_cascade *w, const arch_model *a,
                        const map_opts *o, sim_sched *out, sim_err *err) {
  (void)a;
  (void)o;
  int unit = sim_sched_unit(out, "core");
  int level = sim_sched_level(out, "dram");
  int rc = map_cascade_tensors(w, out, level, err);
  if (rc) return rc;
  size_t n = wl_cascade_n_ops(w);
  for (size_t i = 0; i < n; i++) {
    sim_sched_op s;
    map_cascade_op(w, i, unit, level, &s);
    if (sim_sched_push(out, &s) < 0)
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  return map_cascade_groups(w, out, err);
}

/* A single point: nothing to choose, so no options. */
static const map_opt_def roofline_opts[] = {{0}};

const map_ops roofline_map_ops = {
    .iVersion = 2,
    .name = "roofline",
    .arch_cls = "ideal",
    .summary = "unfused, op-serial: one op per einsum, every tensor through "
               "memory",
    .is_default = 1,
    .map = roofline_map,
    .opts = roofline_opts,
};

const map_ops traffic_map_ops = {
    .iVersion = 2,
    .name = "traffic",
    .arch_cls = "dram",
    .summary = "the memory alone: one op per einsum as its off-chip "
               "traffic, op after op",
    .is_default = 1,
    .map = roofline_map,
    .opts = roofline_opts,
};
