/*
 * pim_gpt.c — the `pim-gpt` mapper for the `pim` class (PIM-GPT's mapping,
 * npj Unconventional Computing 2024, "Mapping"; arch/pim/pim.c says how
 * the model turns these numbers into commands).
 *
 * Mapping space: a single point, the paper's.
 *  - Vector-matrix products whose matrix is a weight or the KV cache run
 *    in the banks (unit "pim"): the matrix's bytes stream through every
 *    bank's MAC unit (level "bank", read), the input vector is broadcast
 *    into every channel's global buffer (level "gbuf", write), and the
 *    banks' partial sums come back to the ASIC (level "io", read: one
 *    bf16 per output per global-buffer chunk).  Heads are concatenated so
 *    rows fill (the matrix's bytes are split evenly over channels and
 *    banks, row after row: the model's row count is bytes / channels /
 *    row size); a matrix whose input is longer than the global buffer is
 *    tiled into chunks and the ASIC adds the chunks' partial sums (an
 *    extra ASIC op, N x (chunks - 1) additions).  K is stored row-major
 *    and V column-major, so both products read their cache rows in order.
 *  - KV-cache appends are writes into the banks (level "bank", write).
 *  - Everything else (LayerNorm, softmax, GELU, residual adds, biases, the
 *    embedding gather) runs on the ASIC (unit "asic"): element operations.
 * The schedule keeps the cascade's dependencies, so the executor overlaps
 * ASIC work with the banks wherever they are independent.
 */
#include <stdio.h>
#include <string.h>

#include "arch/pim/pim.h"
#include "map.h"

static int is_kind(const wl_cascade *w, const wl_op *op, wl_tensor_kind k,
                   int *which) {
  for (uint32_t i = 0; i < op->n_in; i++)
    if (wl_cascade_tensor(w, op->in[i].tensor)->kind == k) {
      *which = (int)i;
      return 1;
    }
  return 0;
}

static int pim_gpt_map(const wl_cascade *w, const arch_model *a,
                       const map_opts *o, sim_sched *out, sim_err *err) {
  (void)o;
  int u_pim = sim_sched_unit(out, "pim"), u_asic = sim_sched_unit(out, "asic");
  int l_bank = sim_sched_level(out, "bank"), l_gbuf = sim_sched_level(out, "gbuf");
  int l_io = sim_sched_level(out, "io");
  /* Input elements per global-buffer load (bf16). */
  uint64_t gb_elems = pim_gbuf_bytes(a) / 2;
  if (!gb_elems)
    return sim_err_set(err, SIM_EINVAL, "pim-gpt: %s is not a pim "
                       "architecture", a->cfg.path);
  /* Weights and the KV cache live in the PIM memory; the KV cache in the
   * space the weights leave (PIM-GPT reserves it). */
  uint64_t wb = 0, kvb = 0, kv_tok = w->opts.kv + 1;
  for (size_t t = 0; t < wl_cascade_n_tensors(w); t++) {
    const wl_tensor *wt = wl_cascade_tensor(w, t);
    uint64_t e = wt->repeat ? wt->repeat : 1;
    for (uint32_t d = 0; d < wt->ndim; d++) e *= wt->extent[d];
    if (wt->kind == WL_T_WEIGHT) wb += e * 2;
    if (wt->kind == WL_T_KVCACHE) kvb += e * 2;
  }
  uint64_t cap = pim_capacity_bytes(a);
  if (wb > cap)
    return sim_err_set(err, SIM_EINVAL, "pim-gpt: the weights (%llu bytes) "
                       "do not fit the PIM memory (%llu bytes)",
                       (unsigned long long)wb, (unsigned long long)cap);
  if (kvb > cap - wb) {
    uint64_t per = kvb / kv_tok;
    return sim_err_set(err, SIM_EINVAL, "pim-gpt: a KV cache of %llu "
                       "tokens needs %llu bytes; the space the weights leave "
                       "(%llu bytes) holds %llu tokens",
                       (unsigned long long)kv_tok, (unsigned long long)kvb,
                       (unsigned long long)(cap - wb),
                       (unsigned long long)(per ? (cap - wb) / per : 0));
  }
  int rc = map_cascade_tensors(w, out, l_bank, err);
  if (rc) return rc;
  size_t n = wl_cascade_n_ops(w);
  /* Schedule index of each cascade op (reductions are inserted). */
  uint32_t *at = sim_calloc(n ? n : 1, sizeof *at);
  if (!at) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    sim_sched_op s;
    map_cascade_op(w, i, u_asic, l_bank, &s);
    memset(s.rd_bytes, 0, sizeof s.rd_bytes);
    memset(s.wr_bytes, 0, sizeof s.wr_bytes);
    for (uint32_t d = 0; d < s.n_deps; d++) s.deps[d] = at[s.deps[d]];
    s.prec = SIM_P_BF16;
    int wi = -1, ki = -1;
    const wl_tensor *ot = wl_cascade_tensor(w, op->out.tensor);
    uint64_t reduce = 0;
    if (op->compute == WL_C_MAC &&
        (is_kind(w, op, WL_T_WEIGHT, &wi) || is_kind(w, op, WL_T_KVCACHE, &ki))) {
      int m = wi >= 0 ? wi : ki;
      const wl_access *mat = &op->in[m], *vec = &op->in[1 - m];
      uint64_t out_elems = wl_access_elems(w, op, &op->out);
      uint64_t in_elems = op->n_in > 1 ? wl_access_elems(w, op, vec) : 0;
      uint64_t k = out_elems ? wl_op_macs(w, op) / out_elems : 0;
      uint64_t chunks = k ? (k + gb_elems - 1) / gb_elems
                          : 1;
      s.unit = (uint8_t)u_pim;
      s.rd_bytes[l_bank] = wl_access_elems(w, op, mat) * 2;
      s.wr_bytes[l_gbuf] = in_elems * 2;
      s.rd_bytes[l_io] = out_elems * chunks * 2;
      reduce = chunks > 1 ? out_elems * (chunks - 1) : 0;
      s.elem_ops = 0;
    } else if (ot->kind == WL_T_KVCACHE) {
      s.unit = (uint8_t)u_pim;
      s.wr_bytes[l_bank] = wl_op_out_bytes(w, op);
      s.macs = 0;
      s.elem_ops = 0;
    } else {
      s.unit = (uint8_t)u_asic;
      if (!s.elem_ops && !s.macs) s.elem_ops = wl_access_elems(w, op, &op->out);
    }
    int idx = sim_sched_push(out, &s);
    if (idx < 0) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      break;
    }
    at[i] = (uint32_t)idx;
    if (reduce) {
      sim_sched_op r;
      char name[SIM_NAME_MAX];
      snprintf(name, sizeof name, "%.40s.red", op->name);
      sim_sched_op_init(&r, name, SIM_FN_ADD, SIM_P_BF16, u_asic);
      r.layer = op->layer;
      r.elem_ops = reduce;
      r.n_deps = 1;
      r.deps[0] = (uint32_t)idx;
      r.n_in = 1;
      r.in[0] = s.out[0];
      r.n_out = 1;
      r.out[0] = s.out[0];
      idx = sim_sched_push(out, &r);
      if (idx < 0) {
        rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
        break;
      }
      at[i] = (uint32_t)idx; /* dependents wait for the sum */
    }
  }
  /* Groups: the cascade's repeated layers, with indices remapped. */
  for (size_t i = 0; i < n && !rc;) {
    const wl_op *op = wl_cascade_op(w, i);
    if (op->repeat <= 1) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < n && wl_cascade_op(w, j)->repeat == op->repeat &&
           wl_cascade_op(w, j)->layer == op->layer)
      j++;
    /* First schedule op of cascade op i: at[i-1] + 1 (or 0). */
    uint32_t first = i ? at[i - 1] + 1 : 0;
    uint32_t last = at[j - 1];
    sim_sched_group g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "layer%d x%llu", op->layer,
             (unsigned long long)op->repeat);
    g.first = first;
    g.n = last - first + 1;
    g.iters = op->repeat;
    for (uint32_t k = first; k <= last && g.n_carry < SIM_GROUP_MAX_CARRY;
         k++) {
      const sim_sched_op *sk = &out->ops[k];
      int inner = 0;
      for (uint32_t d = 0; d < sk->n_deps; d++) inner |= sk->deps[d] >= first;
      if (!inner) {
        g.carry[g.n_carry].from = last;
        g.carry[g.n_carry].to = k;
        g.n_carry++;
      }
    }
    if (sim_sched_push_group(out, &g) < 0)
      rc = sim_err_set(err, SIM_EINVAL, "layer %d: cannot group ops",
                       op->layer);
    i = j;
  }
  sim_free(at);
  return rc;
}

static const map_opt_def pim_gpt_opts[] = {{0}};

const map_ops pim_gpt_map_ops = {
    .iVersion = 2,
    .name = "pim-gpt",
    .arch_cls = "pim",
    .summary = "PIM-GPT: VMMs in the banks (weights and KV cache), "
               "everything else on the ASIC",
    .is_default = 1,
    .map = pim_gpt_map,
    .opts = pim_gpt_opts,
};
