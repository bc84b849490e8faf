/*
 * mcu.c — the mappers of the `mcu` class: `naive`, `tinyengine` and
 * `mcuformer` (DESIGN.md section 5).  Each turns the einsum cascade into a
 * schedule for one Cortex-M core: unit "core", activations on level
 * "sram", weights on level "flash".  What differs is which tensors exist
 * and how long they live; the class's planner (arch/mcu/mcu_plan.c) then
 * places them by lifetime and reports peak SRAM, so the mappers decide
 * the memory and the planner measures it.
 *
 *   naive       one op per einsum, every einsum's output its own buffer,
 *               attention over all heads at once.
 *   tinyengine  as naive, plus in-place reuse (TinyEngine's allocator,
 *               Lin et al., NeurIPS 2020): an element-wise op whose input
 *               dies at that op and has the output's size writes over it
 *               (the op lists the tensor as input and output).  That
 *               covers the norm's chain, the bias adds, GELU, the softmax
 *               numerator and division, and the residual adds.
 *   mcuformer   tinyengine plus MCUFormer's techniques (Liang et al.,
 *               NeurIPS 2023, Sec. 3.2), each a --map-opt to ablate:
 *     head_by_head  the attention core runs one head at a time: its
 *                   intermediates (scores, max, numerator, sum) become
 *                   per-head buffers of 1/h the size, reused by every head;
 *                   Q, K, V and the output stay whole.
 *     fuse_mlp      operator integration: the second half of each block
 *                   (norm, FFN with its low-rank factors, residual) runs
 *                   token by token as one op; only one token's working set
 *                   is live (computed by the same in-place rules on
 *                   per-token sizes).  The MLP weights stream from flash
 *                   once per token.
 *     mlp_tokens    tokens per fused step (default 1): t working sets
 *                   live at once, the MLP weights read N / t times.
 *     overwrite     token overwriting: the fused op writes each output
 *                   token over its input token (the residual stream is one
 *                   buffer).
 *     patch_rows    patch-embedding decomposition: the patch conv runs one
 *                   row of patches at a time, so only a P x image x C slice
 *                   of the image is resident (the rest arrives from the
 *                   sensor); the patch output is written straight into the
 *                   token matrix (the concatenation with the class token is
 *                   elided).
 *
 * Tensors.  The cascade's tensors become the schedule's (same ids), plus
 * new ones a mapping adds (per-head buffers, a fused op's merged weight
 * and per-token scratch, the image slice) at the end.  A tensor merged
 * into another by in-place reuse stays in the table untouched by any op,
 * so the planner gives it no space.
 *
 * Groups.  Layers lowered once with repeat = depth become groups of the
 * emitted ops, carried from the group's last op to its entry ops, as the
 * roofline mapper does.
 */
#include <stdio.h>
#include <string.h>

#include "map.h"

typedef struct mcu_opts {
  int inplace, head_by_head, fuse_mlp, overwrite, patch_rows;
  uint64_t mlp_tokens; /* tokens per fused MLP step (0: 1) */
} mcu_opts;

typedef struct mctx {
  const wl_cascade *w;
  sim_sched *out;
  mcu_opts o;
  int unit, sram, flash;
  size_t nt;         /* cascade tensors */
  uint32_t *root;    /* alias root per cascade tensor */
  int32_t *last_rd;  /* last cascade op reading the tensor, -1 */
  int32_t *cls_last; /* per root: last reader of its class, -1 */
  uint32_t *writers; /* ops writing (part of) the tensor */
  int32_t *newidx;   /* cascade op -> last emitted schedule op, -1 */
  int32_t *layer_of; /* per emitted op: cascade layer */
  uint64_t *rep_of;  /* per emitted op: cascade repeat */
  size_t cap_emit;
  sim_err *err;
} mctx;

static uint32_t find(const mctx *c, uint32_t t) {
  while (c->root[t] != t) t = c->root[t];
  return t;
}

/* Last cascade op reading any tensor of t's alias class (kept per root
 * as classes merge). */
static int32_t class_last(const mctx *c, uint32_t t) {
  return c->cls_last[find(c, t)];
}

/* Merges t's class into root r's. */
static void merge(mctx *c, uint32_t t, uint32_t r) {
  uint32_t a = find(c, t);
  if (a == r) return;
  c->root[a] = r;
  if (c->cls_last[a] > c->cls_last[r]) c->cls_last[r] = c->cls_last[a];
}

static int is_weight(const mctx *c, uint32_t t) {
  return wl_cascade_tensor(c->w, t)->kind == WL_T_WEIGHT;
}

static uint64_t tbytes(const mctx *c, uint32_t t) {
  return c->out->tensors[t].bytes;
}

/* Whether op i writes its whole output tensor (one writer, full
 * footprint). */
static int writes_whole(const mctx *c, const wl_op *op) {
  return c->writers[op->out.tensor] == 1 &&
         wl_op_out_bytes(c->w, op) == tbytes(c, op->out.tensor);
}

/* Pass 1: alias classes by the in-place rules (tinyengine), and copy
 * elision into a concatenation (mcuformer patch_rows). */
static void plan_aliases(mctx *c) {
  size_t n = wl_cascade_n_ops(c->w);
  for (size_t i = 0; i < n; i++) {
    const wl_op *op = wl_cascade_op(c->w, i);
    uint32_t o = op->out.tensor;
    if (op->compute != WL_C_ELEM || is_weight(c, o)) continue;
    if (op->fn == WL_FN_FILL) continue;
    if (op->fn == WL_FN_COPY) {
      /* Copy elision: the copied tensor is stored inside the part of the
       * destination it is copied to (its producer writes there). */
      if (!c->o.patch_rows || op->n_in != 1) continue;
      uint32_t a = find(c, op->in[0].tensor);
      if (is_weight(c, a) || c->writers[o] < 2 ||
          class_last(c, a) != (int32_t)i ||
          wl_op_out_bytes(c->w, op) != tbytes(c, a))
        continue;
      merge(c, a, find(c, o));
      continue;
    }
    if (!c->o.inplace || !writes_whole(c, op)) continue;
    /* Without token overwriting the fused MLP's residual output is a
     * buffer of its own. */
    if (c->o.fuse_mlp && !c->o.overwrite && op->part == WL_PART_RESID &&
        i > 0 && wl_cascade_op(c->w, i - 1)->part == WL_PART_FFN)
      continue;
    for (uint32_t k = 0; k < op->n_in; k++) {
      uint32_t a = find(c, op->in[k].tensor);
      if (is_weight(c, a) || a == find(c, o)) continue;
      if (tbytes(c, a) != tbytes(c, o)) continue;
      if (wl_cascade_tensor(c->w, a)->kind == WL_T_KVCACHE) continue;
      if (class_last(c, a) != (int32_t)i) continue;
      merge(c, o, a);
      break;
    }
  }
}

/* An emitted op: remember its layer and repeat for the groups. */
static int emit(mctx *c, const sim_sched_op *s, int32_t layer,
                uint64_t rep) {
  if (c->out->n_ops == c->cap_emit) {
    size_t nc = c->cap_emit ? 2 * c->cap_emit : 64;
    int32_t *l = sim_realloc(c->layer_of, nc * sizeof *l);
    if (!l) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    c->layer_of = l;
    uint64_t *r = sim_realloc(c->rep_of, nc * sizeof *r);
    if (!r) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    c->rep_of = r;
    c->cap_emit = nc;
  }
  c->layer_of[c->out->n_ops] = layer;
  c->rep_of[c->out->n_ops] = rep;
  if (sim_sched_push(c->out, s) < 0)
    return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
  return 0;
}

static int new_tensor(mctx *c, const char *name, uint64_t bytes,
                      sim_tensor_kind kind, int level) {
  sim_tensor t;
  sim_tensor_init(&t, name, bytes, SIM_P_INT8, kind);
  t.level = (int16_t)level;
  int id = sim_sched_push_tensor(c->out, &t);
  if (id < 0) sim_err_set(c->err, SIM_ENOMEM, "out of memory");
  return id;
}

static void add_dep(sim_sched_op *s, int32_t d) {
  if (d < 0) return;
  for (uint32_t k = 0; k < s->n_deps; k++)
    if (s->deps[k] == (uint32_t)d) return;
  if (s->n_deps < SIM_OP_MAX_DEPS) s->deps[s->n_deps++] = (uint32_t)d;
}

/* Cascade op i as a schedule op: aliases resolved, weights on flash,
 * deps through newidx. */
static void base_op(mctx *c, size_t i, sim_sched_op *s) {
  const wl_op *op = wl_cascade_op(c->w, i);
  map_cascade_op(c->w, i, c->unit, c->sram, s);
  uint64_t wb = wl_op_weight_bytes(c->w, op);
  s->rd_bytes[c->sram] -= wb;
  s->rd_bytes[c->flash] = wb;
  for (unsigned k = 0; k < s->n_in; k++)
    s->in[k] = (int32_t)find(c, (uint32_t)s->in[k]);
  for (unsigned k = 0; k < s->n_out; k++)
    s->out[k] = (int32_t)find(c, (uint32_t)s->out[k]);
  s->n_deps = 0;
  for (uint32_t d = 0; d < op->n_deps; d++) add_dep(s, c->newidx[op->deps[d]]);
}

static int rank_idx(const sim_sched_op *s, const char *name) {
  for (int r = 0; r < s->n_ranks; r++)
    if (strcmp(s->ranks[r].name, name) == 0) return r;
  return -1;
}

/* ---------------------------------------------------------------------- */
/* Attention one head at a time                                           */
/* ---------------------------------------------------------------------- */

/* Emits the attention run [a, b] (ATTN ops of one layer) head by head.
 * Returns 1 if the run does not have the shape (then nothing was
 * emitted). */
static int emit_heads(mctx *c, size_t a, size_t b) {
  const wl_cascade *w = c->w;
  int gr = wl_cascade_find_rank(w, "g");
  if (gr < 0) return 1;
  uint64_t g = wl_cascade_rank(w, (size_t)gr)->size;
  if (g < 2) return 1;
  for (size_t i = a; i <= b; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    int has = 0;
    for (uint32_t r = 0; r < op->n_ranks; r++) has |= op->ranks[r] == (uint32_t)gr;
    if (!has) return 1;
  }
  /* Per-head tensors: written in the run and read only inside it. */
  size_t nt = c->nt;
  int32_t *ph = sim_calloc(nt, sizeof *ph); /* first per-head id, or -1 */
  if (!ph) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
  for (size_t t = 0; t < nt; t++) ph[t] = -1;
  int rc = 0;
  for (size_t i = a; i <= b && !rc; i++) {
    uint32_t o = find(c, wl_cascade_op(w, i)->out.tensor);
    /* Read only inside the run (every alias of it too), divisible. */
    int32_t last = class_last(c, o);
    if (ph[o] >= 0 || last > (int32_t)b || last < (int32_t)a ||
        wl_cascade_tensor(w, o)->kind == WL_T_OUTPUT)
      continue;
    if (tbytes(c, o) % g) continue;
    for (uint64_t h = 0; h < g && !rc; h++) {
      char nm[SIM_NAME_MAX];
      snprintf(nm, sizeof nm, "%.34s.h%u", c->out->tensors[o].name,
               (unsigned)h);
      int id = new_tensor(c, nm, tbytes(c, o) / g, SIM_T_SCRATCH, c->sram);
      if (id < 0) rc = SIM_ENOMEM;
      else if (h == 0) ph[o] = id;
    }
  }
  int32_t prev_last = -1;
  for (uint64_t h = 0; h < g && !rc; h++) {
    int32_t first_of_head = (int32_t)c->out->n_ops;
    for (size_t i = a; i <= b && !rc; i++) {
      const wl_op *op = wl_cascade_op(w, i);
      sim_sched_op s;
      base_op(c, i, &s);
      char nm[SIM_NAME_MAX];
      snprintf(nm, sizeof nm, "%.34s.h%u", op->name, (unsigned)h);
      memcpy(s.name, nm, sizeof s.name);
      int r = rank_idx(&s, "g");
      if (r >= 0) s.ranks[r].size = 1;
      s.macs /= g;
      s.elem_ops /= g;
      for (int l = 0; l < SIM_LEVEL_MAX; l++) {
        s.rd_bytes[l] /= g;
        s.wr_bytes[l] /= g;
      }
      for (unsigned k = 0; k < s.n_in; k++)
        if (ph[s.in[k]] >= 0) s.in[k] = ph[s.in[k]] + (int32_t)h;
      for (unsigned k = 0; k < s.n_out; k++)
        if (ph[s.out[k]] >= 0) s.out[k] = ph[s.out[k]] + (int32_t)h;
      /* Deps inside the run point at this head's copies. */
      s.n_deps = 0;
      for (uint32_t d = 0; d < op->n_deps; d++) {
        uint32_t dep = op->deps[d];
        if (dep >= a && dep <= b)
          add_dep(&s, first_of_head + (int32_t)(dep - a));
        else
          add_dep(&s, c->newidx[dep]);
      }
      /* A head starts when the previous one is done: its buffers are
       * reused. */
      if (i == a) add_dep(&s, prev_last);
      rc = emit(c, &s, op->layer, op->repeat);
    }
    prev_last = (int32_t)c->out->n_ops - 1;
  }
  for (size_t i = a; i <= b; i++)
    c->newidx[i] = prev_last - (int32_t)(b - i);
  sim_free(ph);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* MLP fused token by token                                               */
/* ---------------------------------------------------------------------- */

/* Emits [a, b] (norm, FFN, residual of one layer) as one op.  Returns 1
 * if the range does not have the shape (nothing emitted). */
static int emit_fused_mlp(mctx *c, size_t a, size_t b) {
  const wl_cascade *w = c->w;
  int pr = wl_cascade_find_rank(w, "p");
  if (pr < 0) return 1;
  uint64_t ntok = wl_cascade_rank(w, (size_t)pr)->size;
  /* External inputs and outputs of the range (alias roots). */
  int32_t ext_in[SIM_OP_MAX_IN], ext_out = -1;
  unsigned n_in = 0;
  uint64_t wsum = 0, macs = 0, elem = 0;
  size_t nt = c->nt;
  unsigned char *seen_w = sim_calloc(nt, 1);
  if (!seen_w) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
  int bad = 0;
  for (size_t i = a; i <= b && !bad; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    macs += wl_op_macs(w, op);
    elem += wl_op_elem_ops(w, op);
    for (uint32_t k = 0; k < op->n_in; k++) {
      uint32_t t = op->in[k].tensor;
      if (is_weight(c, t)) {
        if (!seen_w[t]) wsum += tbytes(c, t);
        seen_w[t] = 1;
        continue;
      }
      uint32_t r = find(c, t);
      int inside = 0;
      for (size_t j = a; j < i; j++)
        inside |= find(c, wl_cascade_op(w, j)->out.tensor) == r;
      if (inside) continue;
      int dup = 0;
      for (unsigned q = 0; q < n_in; q++) dup |= ext_in[q] == (int32_t)r;
      if (dup) continue;
      if (n_in == SIM_OP_MAX_IN - 1) bad = 1;
      else ext_in[n_in++] = (int32_t)r;
    }
    uint32_t o = op->out.tensor;
    if (c->last_rd[o] > (int32_t)b ||
        wl_cascade_tensor(w, o)->kind == WL_T_OUTPUT) {
      if (ext_out >= 0 && ext_out != (int32_t)find(c, o)) bad = 1;
      ext_out = (int32_t)find(c, o);
    }
  }
  sim_free(seen_w);
  if (bad || ext_out < 0 || n_in == 0) return 1;
  /* The per-token working set: the range's own tensors (alias roots) at
   * one token's size, live from their first to their last op in the
   * range.  Only tensors the range touches are looked at: O(range^2). */
  enum { MAXT = 3 * 64 };
  uint32_t own[MAXT];
  size_t lo[MAXT], hi[MAXT], n_own = 0;
  if (b - a + 1 > 64) return 1;
  for (size_t j = a; j <= b; j++) {
    const wl_op *op = wl_cascade_op(w, j);
    for (uint32_t k = 0; k <= op->n_in; k++) {
      uint32_t t = k < op->n_in ? op->in[k].tensor : op->out.tensor;
      if (is_weight(c, t)) continue;
      t = find(c, t);
      if ((int32_t)t == ext_out) continue;
      int ext = 0;
      for (unsigned q = 0; q < n_in; q++) ext |= ext_in[q] == (int32_t)t;
      if (ext) continue;
      size_t q = 0;
      while (q < n_own && own[q] != t) q++;
      if (q == n_own) {
        own[n_own] = t;
        lo[n_own++] = j;
      }
      hi[q] = j;
    }
  }
  uint64_t tok_peak = 0;
  for (size_t i = a; i <= b; i++) {
    uint64_t live = 0;
    for (size_t q = 0; q < n_own; q++)
      if (lo[q] <= i && i <= hi[q])
        live += (tbytes(c, own[q]) + ntok - 1) / ntok;
    if (live > tok_peak) tok_peak = live;
  }
  /* t tokens per step: t working sets live, the weights read once per
   * step. */
  uint64_t tstep = c->o.mlp_tokens ? c->o.mlp_tokens : 1;
  if (tstep > ntok) tstep = ntok;
  uint64_t steps = (ntok + tstep - 1) / tstep;
  tok_peak *= tstep;
  const wl_op *op0 = wl_cascade_op(w, a);
  char nm[SIM_NAME_MAX];
  int layer = op0->layer;
  snprintf(nm, sizeof nm, "L%d.mlp.W", layer);
  int wt = new_tensor(c, nm, wsum, SIM_T_WEIGHT, c->flash);
  snprintf(nm, sizeof nm, "L%d.mlp.tok", layer);
  int st = wt < 0 ? -1 : new_tensor(c, nm, tok_peak, SIM_T_SCRATCH, c->sram);
  if (st < 0) return SIM_ENOMEM;
  sim_sched_op s;
  snprintf(nm, sizeof nm, "L%d.mlp.fused", layer);
  sim_sched_op_init(&s, nm, SIM_FN_MAC, c->out->tensors[ext_out].prec,
                    c->unit);
  s.layer = layer;
  s.ranks[0].size = ntok;
  snprintf(s.ranks[0].name, sizeof s.ranks[0].name, "p");
  s.n_ranks = 1;
  s.macs = macs;
  s.elem_ops = elem;
  for (unsigned q = 0; q < n_in; q++) {
    s.in[s.n_in++] = ext_in[q];
    s.rd_bytes[c->sram] += tbytes(c, (uint32_t)ext_in[q]);
  }
  s.in[s.n_in++] = wt;
  s.rd_bytes[c->flash] = wsum * steps; /* the weights again every step */
  s.out[s.n_out++] = ext_out;
  s.out[s.n_out++] = st;
  s.wr_bytes[c->sram] = tbytes(c, (uint32_t)ext_out);
  for (size_t i = a; i <= b; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    for (uint32_t d = 0; d < op->n_deps; d++)
      if (op->deps[d] < a) add_dep(&s, c->newidx[op->deps[d]]);
  }
  int rc = emit(c, &s, layer, op0->repeat);
  for (size_t i = a; i <= b; i++) c->newidx[i] = (int32_t)c->out->n_ops - 1;
  return rc;
}

/* The range [a, b] of layer-l ops to fuse: the FFN ops, the norm ops just
 * before them, the residual op just after. */
static int mlp_range(const wl_cascade *w, size_t i, size_t *a, size_t *b) {
  size_t n = wl_cascade_n_ops(w);
  const wl_op *op = wl_cascade_op(w, i);
  if (op->part != WL_PART_NORM || op->layer < 0) return 0;
  size_t j = i;
  while (j < n && wl_cascade_op(w, j)->part == WL_PART_NORM &&
         wl_cascade_op(w, j)->layer == op->layer)
    j++;
  if (j >= n || wl_cascade_op(w, j)->part != WL_PART_FFN) return 0;
  while (j < n && wl_cascade_op(w, j)->part == WL_PART_FFN &&
         wl_cascade_op(w, j)->layer == op->layer)
    j++;
  if (j < n && wl_cascade_op(w, j)->part == WL_PART_RESID &&
      wl_cascade_op(w, j)->layer == op->layer)
    j++;
  *a = i;
  *b = j - 1;
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Patch embedding one row of patches at a time                           */
/* ---------------------------------------------------------------------- */

static int emit_patch_rows(mctx *c, size_t i) {
  const wl_op *op = wl_cascade_op(c->w, i);
  sim_sched_op s;
  base_op(c, i, &s);
  int r = rank_idx(&s, "py");
  if (r < 0 || s.ranks[r].size < 2 || op->n_in < 1) return 1;
  uint64_t rows = s.ranks[r].size;
  uint32_t img = op->in[0].tensor;
  if (wl_cascade_tensor(c->w, img)->kind != WL_T_INPUT) return 1;
  char nm[SIM_NAME_MAX];
  snprintf(nm, sizeof nm, "%.40s.row", c->out->tensors[img].name);
  int sl = new_tensor(c, nm, (tbytes(c, img) + rows - 1) / rows, SIM_T_ACT,
                      c->sram);
  if (sl < 0) return SIM_ENOMEM;
  for (unsigned k = 0; k < s.n_in; k++)
    if (s.in[k] == (int32_t)find(c, img)) s.in[k] = sl;
  s.ranks[r].size = 1;
  s.count = rows;
  s.macs /= rows;
  s.elem_ops /= rows;
  for (int l = 0; l < SIM_LEVEL_MAX; l++) {
    /* Every row of patches needs the whole conv kernel again. */
    if (l == c->flash) continue;
    s.rd_bytes[l] /= rows;
    s.wr_bytes[l] /= rows;
  }
  int rc = emit(c, &s, op->layer, op->repeat);
  c->newidx[i] = (int32_t)c->out->n_ops - 1;
  return rc;
}

/* ---------------------------------------------------------------------- */
/* The driver                                                             */
/* ---------------------------------------------------------------------- */

/* Groups: emitted ops of one layer lowered with repeat > 1. */
static int make_groups(mctx *c) {
  sim_sched *s = c->out;
  size_t n = s->n_ops;
  for (size_t i = 0; i < n;) {
    if (c->rep_of[i] <= 1) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < n && c->rep_of[j] == c->rep_of[i] &&
           c->layer_of[j] == c->layer_of[i])
      j++;
    sim_sched_group g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "layer%d x%llu", (int)c->layer_of[i],
             (unsigned long long)c->rep_of[i]);
    g.first = (uint32_t)i;
    g.n = (uint32_t)(j - i);
    g.iters = c->rep_of[i];
    for (size_t k = i; k < j; k++) {
      int inner = 0;
      for (uint32_t d = 0; d < s->ops[k].n_deps; d++)
        inner |= s->ops[k].deps[d] >= i;
      if (inner) continue;
      if (g.n_carry == SIM_GROUP_MAX_CARRY)
        return sim_err_set(c->err, SIM_EINTERNAL, "layer %d: more than %d "
                           "entry ops to carry", (int)c->layer_of[i],
                           SIM_GROUP_MAX_CARRY);
      g.carry[g.n_carry].from = (uint32_t)(j - 1);
      g.carry[g.n_carry].to = (uint32_t)k;
      g.n_carry++;
    }
    if (sim_sched_push_group(s, &g) < 0)
      return sim_err_set(c->err, SIM_EINVAL, "layer %d: cannot group ops "
                         "[%zu, %zu)", (int)c->layer_of[i], i, j);
    i = j;
  }
  return 0;
}

static int mcu_map(const wl_cascade *w, const mcu_opts *o, sim_sched *out,
                   sim_err *err) {
  mctx c;
  memset(&c, 0, sizeof c);
  c.w = w;
  c.out = out;
  c.o = *o;
  c.err = err;
  c.unit = sim_sched_unit(out, "core");
  c.sram = sim_sched_level(out, "sram");
  c.flash = sim_sched_level(out, "flash");
  int rc = map_cascade_tensors(w, out, c.sram, err);
  if (rc) return rc;
  size_t nt = c.nt = wl_cascade_n_tensors(w), n = wl_cascade_n_ops(w);
  for (size_t t = 0; t < nt; t++)
    if (out->tensors[t].kind == SIM_T_WEIGHT)
      out->tensors[t].level = (int16_t)c.flash;
  c.root = sim_calloc(nt ? nt : 1, sizeof *c.root);
  c.last_rd = sim_calloc(nt ? nt : 1, sizeof *c.last_rd);
  c.cls_last = sim_calloc(nt ? nt : 1, sizeof *c.cls_last);
  c.writers = sim_calloc(nt ? nt : 1, sizeof *c.writers);
  c.newidx = sim_calloc(n ? n : 1, sizeof *c.newidx);
  if (!c.root || !c.last_rd || !c.cls_last || !c.writers || !c.newidx) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t t = 0; t < nt; t++) {
    c.root[t] = (uint32_t)t;
    c.last_rd[t] = -1;
  }
  for (size_t i = 0; i < n; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    for (uint32_t k = 0; k < op->n_in; k++)
      c.last_rd[op->in[k].tensor] = (int32_t)i;
    c.writers[op->out.tensor]++;
    c.newidx[i] = -1;
  }
  memcpy(c.cls_last, c.last_rd, nt * sizeof *c.cls_last);
  plan_aliases(&c);
  for (size_t i = 0; i < n && !rc;) {
    const wl_op *op = wl_cascade_op(w, i);
    size_t a, b;
    if (c.o.fuse_mlp && mlp_range(w, i, &a, &b) && b > a) {
      rc = emit_fused_mlp(&c, a, b);
      if (rc == 0) {
        i = b + 1;
        continue;
      }
      if (rc < 0) break;
      rc = 0;
    }
    if (c.o.head_by_head && op->part == WL_PART_ATTN) {
      size_t j = i;
      while (j + 1 < n && wl_cascade_op(w, j + 1)->part == WL_PART_ATTN &&
             wl_cascade_op(w, j + 1)->layer == op->layer)
        j++;
      rc = emit_heads(&c, i, j);
      if (rc == 0) {
        i = j + 1;
        continue;
      }
      if (rc < 0) break;
      rc = 0;
    }
    if (c.o.patch_rows && op->part == WL_PART_EMBED &&
        op->compute == WL_C_MAC) {
      rc = emit_patch_rows(&c, i);
      if (rc == 0) {
        i++;
        continue;
      }
      if (rc < 0) break;
      rc = 0;
    }
    sim_sched_op s;
    base_op(&c, i, &s);
    rc = emit(&c, &s, op->layer, op->repeat);
    c.newidx[i] = (int32_t)out->n_ops - 1;
    i++;
  }
  if (!rc) rc = make_groups(&c);
out:
  sim_free(c.root);
  sim_free(c.last_rd);
  sim_free(c.cls_last);
  sim_free(c.writers);
  sim_free(c.newidx);
  sim_free(c.layer_of);
  sim_free(c.rep_of);
  return rc;
}

static int naive_map(const wl_cascade *w, const arch_model *a,
                     const map_opts *o, sim_sched *out, sim_err *err) {
  (void)a;
  (void)o;
  mcu_opts mo = {0};
  return mcu_map(w, &mo, out, err);
}

static int tinyengine_map(const wl_cascade *w, const arch_model *a,
                          const map_opts *o, sim_sched *out, sim_err *err) {
  (void)a;
  (void)o;
  mcu_opts mo = {.inplace = 1};
  return mcu_map(w, &mo, out, err);
}

static int mcuformer_map(const wl_cascade *w, const arch_model *a,
                         const map_opts *o, sim_sched *out, sim_err *err) {
  (void)a;
  mcu_opts mo = {.inplace = 1,
                 .head_by_head = map_opt_bool(o, "head_by_head"),
                 .fuse_mlp = map_opt_bool(o, "fuse_mlp"),
                 .overwrite = map_opt_bool(o, "overwrite"),
                 .patch_rows = map_opt_bool(o, "patch_rows"),
                 .mlp_tokens = (uint64_t)map_opt_int(o, "mlp_tokens")};
  return mcu_map(w, &mo, out, err);
}

static const map_opt_def none_opts[] = {{0}};

static const map_opt_def mcuformer_opts[] = {
    {.key = "head_by_head", .type = MAP_OPT_BOOL, .dflt = "true",
     .help = "attention one head at a time (per-head score buffers)"},
    {.key = "fuse_mlp", .type = MAP_OPT_BOOL, .dflt = "true",
     .help = "norm + FFN + residual fused, token by token"},
    {.key = "overwrite", .type = MAP_OPT_BOOL, .dflt = "true",
     .help = "token overwriting: the fused MLP writes over its input"},
    {.key = "patch_rows", .type = MAP_OPT_BOOL, .dflt = "true",
     .help = "patch embedding one row of patches at a time"},
    {.key = "mlp_tokens", .type = MAP_OPT_INT, .dflt = "1", .imin = 1,
     .imax = 1000000,
     .help = "tokens per fused MLP step: more SRAM, fewer weight reads"},
    {0}};

const map_ops naive_map_ops = {
    .iVersion = 2,
    .name = "naive",
    .arch_cls = "mcu",
    .summary = "one op per einsum, every output its own buffer, all heads "
               "at once",
    .is_default = 0,
    .map = naive_map,
    .opts = none_opts,
};

const map_ops tinyengine_map_ops = {
    .iVersion = 2,
    .name = "tinyengine",
    .arch_cls = "mcu",
    .summary = "naive plus in-place reuse of dying inputs (TinyEngine)",
    .is_default = 0,
    .map = tinyengine_map,
    .opts = none_opts,
};

const map_ops mcuformer_map_ops = {
    .iVersion = 2,
    .name = "mcuformer",
    .arch_cls = "mcu",
    .summary = "tinyengine plus head-by-head attention, token-by-token MLP "
               "with overwriting, row-wise patch embedding (MCUFormer)",
    .is_default = 1,
    .map = mcuformer_map,
    .opts = mcuformer_opts,
};
