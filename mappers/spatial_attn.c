/*
 * spatial_attn.c — the attention mappers of the `spatial` class
 * (arch/spatial/): `unfused`, `flat`, `fusemax`, and FuseMax's ablation
 * steps `fusemax-cascade` and `fusemax-arch` (Nayak et al., MICRO 2024,
 * Section 6).  docs/spatial.md is the guide; the names and the figures
 * they are compared with are in spatial_validate.c.
 *
 * Shapes come from the workload's cascade (ranks b, g, j, p, m, e, f of
 * the attention core, fp16 words): B sequences, H = g x j heads, P
 * queries, M keys, E and F the Q/K and V head dims.  Tiles follow the
 * paper's mapping: P0 = cols queries across the 2D array's columns, M0 =
 * rows keys down its rows, one query per 1D PE.  A P or M the tile does
 * not divide is refused, naming the key.
 *
 * fusemax / fusemax-arch / fusemax-cascade (the 1-pass cascade).  One
 * schedule group iterates over every (b, h, p2, m1, p1) tile pair, keys
 * outer of the P1 query tiles that share one K/V tile (P1: the most that
 * fit the global buffer, or --map-opt p1).  Per iteration the 11 einsums
 * of the cascade (QK LM RM SLN PRM SLD SPD RD SLNV SPNV RNV) and 1/M1 of
 * the final divide AV (the previous query tile's outputs, spread over
 * the key steps) are ops with their true dependencies; RM, RD and RNV
 * are loop-carried (iteration i+1 waits for iteration i, which is also
 * the previous key tile of the same query tile when P1 = 1 and never
 * weaker than the true dependency otherwise).  One more carry is the
 * binding of the paper's "+Binding" step: SLNV(i) -> QK(i+1), the 2D
 * array takes tiles in order (without it a greedy 2D array runs the
 * next QK ahead while SLN waits for RM, and delays SLN by a whole QK).
 * The 2D/1D interleaving is not written anywhere: the executor runs an op when its inputs are done
 * and its array is free, so the next tile's QK fills the 2D array while
 * the 1D array finishes RNV.  fusemax-arch adds one carry, RNV(i) ->
 * QK(i+1): the FuseMax PEs without overlap across tiles.
 * fusemax-cascade binds only QK and SLNV to the 2D array (FLAT's PEs
 * cannot reduce or exp): LM, SLN (a subtraction and an exp), SLD run on
 * the 1D array.
 *
 * Traffic per iteration: K and V tiles once per P1 query tiles, a Q tile
 * read and an output tile written once per M1 key tiles, so DRAM bytes
 * = Q + O + P2 x (K + V) exactly (the division is exact for powers of
 * two; otherwise rounded up, never down).  The global buffer (level
 * gbuf) feeds every tile's K, V, Q and the 1D state.  Buffer need:
 * P1 x P0 queries x (E + F + 2) words of Q, RNV, RM, RD plus one K and
 * one V tile: independent of M (the 1-pass property).
 *
 * flat.  FLAT's row-granularity fusion: a group over (b, h, row tile of
 * R = pe1d queries); per iteration QK of the rows against all M keys on
 * the 2D array, the softmax as max, sub+exp, sum and divide on the 1D
 * array (each R x M / pe1d cycles), AV on the 2D array.  The executor
 * overlaps the next rows' QK with this softmax.  Buffer need: R x M score
 * words (the rows' Q and O stream through the PEs; the next rows' QK
 * may start once this softmax began, so a second score buffer is
 * needed and not counted: an optimistic need): grows with M; BERT's
 * 64K rows need exactly 32 MiB and fit FLAT's buffer.  R =
 * pe1d rows.  When the scores do not fit they spill: QK writes them,
 * the softmax streams them back and writes A, AV reads A (the softmax's
 * traffic spread over its four row-streamed ops).
 *
 * unfused.  3-pass attention with every intermediate through DRAM: QK
 * (2D) writes QK; the softmax (1D, one row on chip: max, sub+exp, sum,
 * divide) reads QK and writes A, its traffic spread evenly over its four
 * ops (a row-streamed stage); AV (2D) reads A and V.  Stages in order.
 *
 * Block scope: the six GEMMs of the block (Q, K, V, output, FFN up and
 * down) run on the 2D array at their MAC count / (rows x cols) cycles
 * with their operands through DRAM; attention is mapped as above.  Bias,
 * norm, residual and activation einsums are not mapped, as in the
 * paper's "end to end" (one block = attention plus those GEMMs); the
 * schedule payload says how many were left out.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/spatial/spatial.h"
#include "map.h"

typedef enum { D_UNFUSED = 0, D_FLAT, D_CASCADE, D_ARCH, D_FUSEMAX } design;

typedef struct attn_shape {
  uint64_t b, h, p, m, e, f;
  uint64_t w;           /* bytes per word */
  int q, k, v, o;       /* cascade tensor ids */
  size_t first, last;   /* attention ops [first, last] in the cascade */
  int has_attn;
} attn_shape;

static uint64_t rank_size(const wl_cascade *w, const char *name,
                          uint64_t dflt) {
  int r = wl_cascade_find_rank(w, name);
  return r < 0 ? dflt : wl_cascade_rank(w, (size_t)r)->size;
}

static int find_shape(const wl_cascade *w, attn_shape *s, sim_err *err) {
  memset(s, 0, sizeof *s);
  size_t n = wl_cascade_n_ops(w);
  int first_mac = -1, last_mac = -1;
  for (size_t i = 0; i < n; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    if (op->part != WL_PART_ATTN) continue;
    if (!s->has_attn) s->first = i;
    s->has_attn = 1;
    s->last = i;
    if (op->compute == WL_C_MAC) {
      if (first_mac < 0) first_mac = (int)i;
      last_mac = (int)i;
    }
  }
  if (!s->has_attn) return 0;
  for (size_t i = s->first; i <= s->last; i++)
    if (wl_cascade_op(w, i)->part != WL_PART_ATTN)
      return sim_err_set(err, SIM_EUNSUP, "spatial mappers: attention ops "
                         "are not contiguous in the cascade (op '%s')",
                         wl_cascade_op(w, i)->name);
  if (first_mac < 0 || first_mac == last_mac)
    return sim_err_set(err, SIM_EUNSUP, "spatial mappers: attention has no "
                       "QK and AV contractions");
  const wl_op *qk = wl_cascade_op(w, (size_t)first_mac);
  const wl_op *av = wl_cascade_op(w, (size_t)last_mac);
  s->q = (int)qk->in[0].tensor;
  s->k = (int)qk->in[1].tensor;
  s->v = (int)av->in[1].tensor;
  s->o = (int)wl_cascade_op(w, s->last)->out.tensor;
  s->b = rank_size(w, "b", 1);
  s->h = rank_size(w, "g", 1) * rank_size(w, "j", 1);
  s->p = rank_size(w, "p", 1);
  s->m = rank_size(w, "m", 1);
  s->e = rank_size(w, "e", 1);
  s->f = rank_size(w, "f", s->e);
  double wb = wl_precision_bytes(wl_cascade_tensor(w, (size_t)s->q)->prec);
  s->w = wb < 1 ? 1 : (uint64_t)wb;
  return 0;
}

/* ceil(a / b) */
static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

typedef struct emit {
  sim_sched *s;
  int u2, u1, dram, gbuf;
  uint64_t need, p1; /* global-buffer need and P1, for the payload */
  sim_err *err;
} emit;

/* Appends an op; ranks given as name/size pairs (n_r of them). */
static int push(emit *x, const char *name, sim_fn fn, int unit, int n_r,
                const char *const *rn, const uint64_t *rs, const int *deps,
                int n_deps, int *out_idx) {
  sim_sched_op op;
  sim_sched_op_init(&op, name, fn, SIM_P_FP16, unit);
  uint64_t pts = 1;
  for (int r = 0; r < n_r; r++) {
    snprintf(op.ranks[r].name, sizeof op.ranks[r].name, "%s", rn[r]);
    op.ranks[r].size = rs[r];
    pts *= rs[r];
  }
  op.n_ranks = (uint8_t)n_r;
  if (fn == SIM_FN_MAC) op.macs = pts;
  else op.elem_ops = pts * (fn == SIM_FN_SUB_EXP ? 2 : 1);
  for (int d = 0; d < n_deps; d++)
    if (deps[d] >= 0) op.deps[op.n_deps++] = (uint32_t)deps[d];
  int i = sim_sched_push(x->s, &op);
  if (i < 0) return sim_err_set(x->err, SIM_ENOMEM, "out of memory");
  *out_idx = i;
  return 0;
}

#define R2(a, b) (const char *const[]){a, b}
#define R1(a) (const char *const[]){a}
#define R3(a, b, c) (const char *const[]){a, b, c}
#define S1(a) (const uint64_t[]){a}
#define S2(a, b) (const uint64_t[]){a, b}
#define S3(a, b, c) (const uint64_t[]){a, b, c}
#define DEPS(...) (const int[]){__VA_ARGS__}, \
                  (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int))

static void traffic(emit *x, int i, int lvl, uint64_t rd, uint64_t wr) {
  if (lvl < 0) return;
  x->s->ops[i].rd_bytes[lvl] += rd;
  x->s->ops[i].wr_bytes[lvl] += wr;
}

/* Records the buffer need (the payload is written by map_design). */
static int set_need(emit *x, uint64_t need, uint64_t p1) {
  x->need = need;
  x->p1 = p1;
  return 0;
}

/* The 1-pass cascade per tile pair (fusemax, -arch, -cascade). */
static int emit_fusemax(emit *x, const attn_shape *a,
                        const spatial_params *hw, design d, int64_t p1_opt,
                        const int *pre, int n_pre, int *last) {
  uint64_t M0 = hw->rows, P0 = hw->cols, w = a->w;
  uint64_t M1 = a->m / M0, PT = a->p / P0;
  /* P1: the largest divisor of P/P0 whose per-query state (Q, RM, RD,
   * RNV) plus one K and one V tile fits the global buffer. */
  uint64_t kv_tile = M0 * (a->e + a->f) * w;
  uint64_t per_q = (a->e + a->f + 2) * w;
  uint64_t p1 = 0;
  if (p1_opt > 0) {
    p1 = (uint64_t)p1_opt;
    if (PT % p1)
      return sim_err_set(x->err, SIM_EINVAL, "--map-opt p1=%llu: must "
                         "divide P / cols = %llu query tiles",
                         (unsigned long long)p1, (unsigned long long)PT);
  } else {
    for (uint64_t c = PT; c >= 1; c--)
      if (PT % c == 0 && c * P0 * per_q + kv_tile <= hw->gbuf_bytes) {
        p1 = c;
        break;
      }
  }
  uint64_t need = p1 * P0 * per_q + kv_tile;
  if (!p1 || need > hw->gbuf_bytes)
    return sim_err_set(x->err, SIM_EINVAL, "spatial.gbuf_bytes: %llu B "
                       "cannot hold one query tile's state and a K/V tile "
                       "(%llu B needed)",
                       (unsigned long long)hw->gbuf_bytes,
                       (unsigned long long)(P0 * per_q + kv_tile));
  int rc = set_need(x, need, p1);
  if (rc) return rc;
  uint64_t iters = a->b * a->h * PT * M1;
  int cas = d == D_CASCADE;
  int u2 = x->u2, u1 = x->u1;
  int first = (int)x->s->n_ops;
  int QK = -1, LM = -1, RM = -1, SLN = -1, SLNs = -1, PRM = -1, SLD = -1,
      SPD = -1, RD = -1, SLNV = -1, SPNV = -1, RNV = -1, AVD = -1;
  /* QK waits for whatever produced Q and K (block scope), once. */
  if ((rc = push(x, "attn.QK", SIM_FN_MAC, u2, 3, R3("m0", "p0", "e"),
                 S3(M0, P0, a->e), pre, n_pre, &QK)) ||
      (rc = push(x, "attn.LM", SIM_FN_MAX, cas ? u1 : u2, 2, R2("m0", "p0"),
                 S2(M0, P0), DEPS(QK), &LM)) ||
      (rc = push(x, "attn.RM", SIM_FN_MAX, u1, 1, R1("p0"), S1(P0),
                 DEPS(LM), &RM)))
    return rc;
  if (cas) {
    /* FLAT's 1D PE: the subtraction and the exp are two operations. */
    if ((rc = push(x, "attn.SLN.sub", SIM_FN_SUB, u1, 2, R2("m0", "p0"),
                   S2(M0, P0), DEPS(RM, QK), &SLNs)) ||
        (rc = push(x, "attn.SLN", SIM_FN_EXP, u1, 2, R2("m0", "p0"),
                   S2(M0, P0), DEPS(SLNs), &SLN)))
      return rc;
  } else if ((rc = push(x, "attn.SLN", SIM_FN_SUB_EXP, u2, 2,
                        R2("m0", "p0"), S2(M0, P0), DEPS(RM, QK), &SLN)))
    return rc;
  uint64_t avd_pts = cdiv(a->f * P0, M1);
  if ((rc = push(x, "attn.PRM", SIM_FN_SUB_EXP, u1, 1, R1("p0"), S1(P0),
                 DEPS(RM), &PRM)) ||
      (rc = push(x, "attn.SLD", SIM_FN_SUM, cas ? u1 : u2, 2,
                 R2("m0", "p0"), S2(M0, P0), DEPS(SLN), &SLD)) ||
      (rc = push(x, "attn.SPD", SIM_FN_MUL, u1, 1, R1("p0"), S1(P0),
                 DEPS(PRM), &SPD)) ||
      (rc = push(x, "attn.RD", SIM_FN_ADD, u1, 1, R1("p0"), S1(P0),
                 DEPS(SPD, SLD), &RD)) ||
      (rc = push(x, "attn.SLNV", SIM_FN_MAC, u2, 3, R3("m0", "p0", "f"),
                 S3(M0, P0, a->f), DEPS(SLN), &SLNV)) ||
      (rc = push(x, "attn.SPNV", SIM_FN_MUL, u1, 2, R2("f", "p0"),
                 S2(a->f, P0), DEPS(PRM), &SPNV)) ||
      (rc = push(x, "attn.RNV", SIM_FN_ADD, u1, 2, R2("f", "p0"),
                 S2(a->f, P0), DEPS(SPNV, SLNV), &RNV)) ||
      (rc = push(x, "attn.AV", SIM_FN_DIV, u1, 1, R1("fp0/M1"),
                 S1(avd_pts), NULL, 0, &AVD)))
    return rc;
  /* DRAM: K, V tiles shared by p1 query tiles; Q read and O written
   * once per M1 key tiles. */
  uint64_t kt = M0 * a->e * w, vt = M0 * a->f * w;
  uint64_t qt = P0 * a->e * w, ot = P0 * a->f * w;
  traffic(x, QK, x->dram, cdiv(kt, p1) + cdiv(qt, M1), 0);
  traffic(x, SLNV, x->dram, cdiv(vt, p1), 0);
  /* The output leaves while the 1D array accumulates (a long op), not
   * during the short divide: a burst there would stall it. */
  traffic(x, RNV, x->dram, 0, cdiv(ot, M1));
  /* Global buffer: every tile's K, Q, V and the 1D state in and out. */
  uint64_t st = P0 * (a->f + 2) * w;
  traffic(x, QK, x->gbuf, kt + qt, 0);
  traffic(x, SLNV, x->gbuf, vt, 0);
  traffic(x, RM, x->gbuf, st, 0);
  traffic(x, RNV, x->gbuf, 0, st);
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "tile pairs (b h p2 m1 p1)");
  g.first = (uint32_t)first;
  g.n = (uint32_t)(x->s->n_ops - (size_t)first);
  g.iters = iters;
  const uint32_t f0 = 0; /* carries name ops by schedule index */
  sim_carry cs[] = {{(uint32_t)RM - f0, (uint32_t)RM - f0},
                    {(uint32_t)RD - f0, (uint32_t)SPD - f0},
                    {(uint32_t)RNV - f0, (uint32_t)SPNV - f0},
                    {(uint32_t)RNV - f0, (uint32_t)AVD - f0},
                    {(uint32_t)SLNV - f0, (uint32_t)QK - f0},
                    {(uint32_t)RNV - f0, (uint32_t)QK - f0}};
  g.n_carry = d == D_ARCH ? 6 : 5;
  memcpy(g.carry, cs, sizeof cs[0] * g.n_carry);
  if (sim_sched_push_group(x->s, &g) < 0)
    return sim_err_set(x->err, SIM_EINTERNAL, "cannot group tile ops");
  *last = AVD;
  return 0;
}

/* FLAT: rows of R queries against all M keys. */
static int emit_flat(emit *x, const attn_shape *a, const spatial_params *hw,
                     const int *pre, int n_pre, int *last) {
  uint64_t R = hw->pe1d, w = a->w, M = a->m;
  if (a->p % R)
    return sim_err_set(x->err, SIM_EINVAL, "spatial.pe1d: %llu rows per "
                       "tile do not divide the %llu queries",
                       (unsigned long long)R, (unsigned long long)a->p);
  /* R rows of scores must fit the buffer (the rows' Q and O stream
   * through the PEs); otherwise they spill. */
  uint64_t need = R * M * w;
  int spill = need > hw->gbuf_bytes;
  uint64_t iters = a->b * a->h * (a->p / R);
  int rc = set_need(x, need, 0);
  if (rc) return rc;
  int first = (int)x->s->n_ops, QK = -1, GM = -1, SN = -1, SD = -1, A = -1,
      AV = -1;
  if ((rc = push(x, "attn.QK", SIM_FN_MAC, x->u2, 3, R3("p", "m", "e"),
                 S3(R, M, a->e), pre, n_pre, &QK)) ||
      (rc = push(x, "attn.GM", SIM_FN_MAX, x->u1, 2, R2("p", "m"), S2(R, M),
                 DEPS(QK), &GM)) ||
      (rc = push(x, "attn.SN", SIM_FN_SUB_EXP, x->u1, 2, R2("p", "m"),
                 S2(R, M), DEPS(GM), &SN)) ||
      (rc = push(x, "attn.SD", SIM_FN_SUM, x->u1, 2, R2("p", "m"), S2(R, M),
                 DEPS(SN), &SD)) ||
      (rc = push(x, "attn.A", SIM_FN_DIV, x->u1, 2, R2("p", "m"), S2(R, M),
                 DEPS(SD), &A)) ||
      (rc = push(x, "attn.AV", SIM_FN_MAC, x->u2, 3, R3("p", "m", "f"),
                 S3(R, M, a->f), DEPS(A), &AV)))
    return rc;
  traffic(x, QK, x->dram, R * a->e * w + M * a->e * w, 0);
  traffic(x, AV, x->dram, M * a->f * w, R * a->f * w);
  if (spill) {
    /* The scores leave after QK and stream back through the softmax,
     * whose result A leaves and returns for AV: like unfused, but the
     * softmax's share is spread over its four row-streamed ops. */
    uint64_t sb = R * M * w;
    traffic(x, QK, x->dram, 0, sb);
    int sm[4] = {GM, SN, SD, A};
    for (int k = 0; k < 4; k++) traffic(x, sm[k], x->dram, sb / 4, sb / 4);
    traffic(x, AV, x->dram, sb, 0);
  }
  traffic(x, QK, x->gbuf, M * a->e * w, R * M * w);
  traffic(x, GM, x->gbuf, R * M * w, 0);
  traffic(x, A, x->gbuf, 0, R * M * w);
  traffic(x, AV, x->gbuf, R * M * w + M * a->f * w, 0);
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "row tiles (b h p/R)");
  g.first = (uint32_t)first;
  g.n = (uint32_t)(x->s->n_ops - (size_t)first);
  g.iters = iters;
  /* Two score buffers: the next rows' QK may start once this softmax
   * has begun, not earlier (the 2D array runs at most one tile ahead). */
  g.carry[0].from = (uint32_t)GM;
  g.carry[0].to = (uint32_t)QK;
  g.n_carry = 1;
  if (sim_sched_push_group(x->s, &g) < 0)
    return sim_err_set(x->err, SIM_EINTERNAL, "cannot group row ops");
  *last = AV;
  return 0;
}

/* 3-pass attention with intermediates through DRAM. */
static int emit_unfused(emit *x, const attn_shape *a,
                        const spatial_params *hw, const int *pre, int n_pre,
                        int *last) {
  uint64_t BH = a->b * a->h, w = a->w, P = a->p, M = a->m;
  uint64_t s_bytes = BH * P * M * w; /* one score-sized intermediate */
  int QK = -1, GM = -1, SN = -1, SD = -1, A = -1, AV = -1, rc;
  if ((rc = push(x, "attn.QK", SIM_FN_MAC, x->u2, 4,
                 (const char *const[]){"bh", "p", "m", "e"},
                 (const uint64_t[]){BH, P, M, a->e}, pre, n_pre, &QK)) ||
      (rc = push(x, "attn.GM", SIM_FN_MAX, x->u1, 3, R3("bh", "p", "m"),
                 S3(BH, P, M), DEPS(QK), &GM)) ||
      (rc = push(x, "attn.SN", SIM_FN_SUB_EXP, x->u1, 3, R3("bh", "p", "m"),
                 S3(BH, P, M), DEPS(GM), &SN)) ||
      (rc = push(x, "attn.SD", SIM_FN_SUM, x->u1, 3, R3("bh", "p", "m"),
                 S3(BH, P, M), DEPS(SN), &SD)) ||
      (rc = push(x, "attn.A", SIM_FN_DIV, x->u1, 3, R3("bh", "p", "m"),
                 S3(BH, P, M), DEPS(SD), &A)) ||
      (rc = push(x, "attn.AV", SIM_FN_MAC, x->u2, 4,
                 (const char *const[]){"bh", "p", "m", "f"},
                 (const uint64_t[]){BH, P, M, a->f}, DEPS(A), &AV)))
    return rc;
  traffic(x, QK, x->dram, BH * (P + M) * a->e * w, s_bytes);
  /* The softmax stage streams QK in and A out while it computes: its
   * traffic is spread evenly over its four ops. */
  int sm[4] = {GM, SN, SD, A};
  for (int k = 0; k < 4; k++)
    traffic(x, sm[k], x->dram, s_bytes / 4 + (k < (int)(s_bytes % 4)),
            s_bytes / 4 + (k < (int)(s_bytes % 4)));
  traffic(x, AV, x->dram, s_bytes + BH * M * a->f * w, BH * P * a->f * w);
  traffic(x, QK, x->gbuf, BH * (P + M) * a->e * w, s_bytes);
  traffic(x, GM, x->gbuf, s_bytes, 0);
  traffic(x, A, x->gbuf, 0, s_bytes);
  traffic(x, AV, x->gbuf, s_bytes + BH * M * a->f * w, BH * P * a->f * w);
  *last = AV;
  /* On chip: one row of scores per 1D PE (the softmax's row). */
  return set_need(x, (uint64_t)hw->pe1d * M * w, 0);
}

static int map_design(design d, const wl_cascade *w, const arch_model *am,
                      const map_opts *o, sim_sched *out, sim_err *err) {
  spatial_params hw;
  int rc = spatial_params_of(am, &hw, err);
  if (rc) return rc;
  /* One attention core or one block: a layer stack would need the tile
   * group nested in a layer group, which the schedule has not. */
  size_t n_all = wl_cascade_n_ops(w);
  int32_t attn_layer = INT32_MIN;
  for (size_t i = 0; i < n_all; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    int multi = op->repeat > 1;
    if (op->part == WL_PART_ATTN) {
      if (attn_layer != INT32_MIN && op->layer != attn_layer) multi = 1;
      attn_layer = op->layer;
    }
    if (multi)
      return sim_err_set(err, SIM_EINVAL, "--scope: the attention mappers "
                         "of class spatial map one attention core or one "
                         "block (--scope attention|block); '%s' lowered "
                         "to several layers is not supported yet",
                         w->model.name);
  }
  attn_shape a;
  if ((rc = find_shape(w, &a, err))) return rc;
  if (a.has_attn && d != D_UNFUSED) {
    if (a.m % hw.rows)
      return sim_err_set(err, SIM_EINVAL, "spatial.rows: a key tile of %u "
                         "keys does not divide the %llu keys (--seq: use a "
                         "multiple of %u, or rows dividing %llu)",
                         hw.rows, (unsigned long long)a.m, hw.rows,
                         (unsigned long long)a.m);
    if (a.p % hw.cols)
      return sim_err_set(err, SIM_EINVAL, "spatial.cols: a query tile of "
                         "%u queries does not divide the %llu queries "
                         "(--seq: use a multiple of %u, or cols dividing "
                         "%llu)", hw.cols, (unsigned long long)a.p, hw.cols,
                         (unsigned long long)a.p);
  }
  emit x = {.s = out, .err = err};
  x.u2 = sim_sched_unit(out, "pe2d");
  x.u1 = sim_sched_unit(out, "pe1d");
  x.dram = sim_sched_level(out, "dram");
  x.gbuf = sim_sched_level(out, "gbuf");
  if ((rc = map_cascade_tensors(w, out, x.dram, err))) return rc;
  size_t n = wl_cascade_n_ops(w);
  int *idx = sim_calloc(n ? n : 1, sizeof *idx);
  if (!idx) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  int attn_last = -1;
  uint64_t skipped = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    idx[i] = -1;
    /* Remapped dependencies (dropped ops pass theirs on). */
    int deps[SIM_OP_MAX_DEPS], nd = 0;
    for (uint32_t k = 0; k < op->n_deps; k++) {
      int dd = idx[op->deps[k]];
      if (dd < 0) continue;
      int dup = 0;
      for (int q = 0; q < nd; q++) dup |= deps[q] == dd;
      if (!dup && nd < SIM_OP_MAX_DEPS) deps[nd++] = dd;
    }
    if (a.has_attn && i >= a.first && i <= a.last) {
      if (i == a.first) {
        /* The attention core waits for the producers of Q, K and V:
         * gather every dependency of the attention ops from outside. */
        int pre[SIM_OP_MAX_DEPS], np = 0;
        for (size_t j = a.first; j <= a.last; j++) {
          const wl_op *oj = wl_cascade_op(w, j);
          for (uint32_t k = 0; k < oj->n_deps; k++) {
            if (oj->deps[k] >= a.first) continue;
            int dd = idx[oj->deps[k]], dup = 0;
            if (dd < 0) continue;
            for (int q = 0; q < np; q++) dup |= pre[q] == dd;
            if (!dup && np < SIM_OP_MAX_DEPS) pre[np++] = dd;
          }
        }
        if (d == D_UNFUSED)
          rc = emit_unfused(&x, &a, &hw, pre, np, &attn_last);
        else if (d == D_FLAT) rc = emit_flat(&x, &a, &hw, pre, np, &attn_last);
        else
          rc = emit_fusemax(&x, &a, &hw, d, map_opt_int(o, "p1"), pre, np,
                            &attn_last);
      }
      idx[i] = attn_last;
      continue;
    }
    if (op->compute != WL_C_MAC) {
      /* Not in the paper's block: pass the dependencies through. */
      idx[i] = nd ? deps[0] : -1;
      skipped++;
      continue;
    }
    sim_sched_op so;
    map_cascade_op(w, i, x.u2, x.dram, &so);
    so.n_deps = 0;
    for (int q = 0; q < nd; q++) so.deps[so.n_deps++] = (uint32_t)deps[q];
    /* Operands pass through the global buffer once. */
    so.rd_bytes[x.gbuf] = so.rd_bytes[x.dram];
    so.wr_bytes[x.gbuf] = so.wr_bytes[x.dram];
    int k = sim_sched_push(out, &so);
    if (k < 0) rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    idx[i] = k;
  }
  sim_free(idx);
  if (!rc) {
    /* What the model reports (gbuf_need_bytes, fits_gbuf) and what a
     * reader of the schedule should know: einsums left out. */
    char buf[200];
    snprintf(buf, sizeof buf, "{\"gbuf_need_bytes\": %llu, \"p1\": %llu, "
             "\"unmapped_einsums\": %llu}", (unsigned long long)x.need,
             (unsigned long long)x.p1, (unsigned long long)skipped);
    if (a.has_attn && sim_sched_set_payload(out, buf))
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  return rc;
}

#define WRAP(fn, d)                                                       \
  static int fn(const wl_cascade *w, const arch_model *a,               \
                const map_opts *o, sim_sched *out, sim_err *err) {      \
    return map_design(d, w, a, o, out, err);                            \
  }
WRAP(map_unfused, D_UNFUSED)
WRAP(map_flat, D_FLAT)
WRAP(map_cascade, D_CASCADE)
WRAP(map_arch, D_ARCH)
WRAP(map_fusemax, D_FUSEMAX)

static const map_opt_def g_no_opts[] = {{.key = "p1", .type = MAP_OPT_INT,
                                         .dflt = "0", .imin = 0,
                                         .imax = 1 << 30,
                                         .help = "unused by this mapper"},
                                        {0}};
static const map_opt_def g_fm_opts[] = {
    {.key = "p1", .type = MAP_OPT_INT, .dflt = "0", .imin = 0,
     .imax = 1 << 30,
     .help = "query tiles sharing one K/V tile (0: the most the global "
             "buffer holds)"},
    {0}};

const map_ops unfused_map_ops = {
    .iVersion = 2, .name = "unfused", .arch_cls = "spatial",
    .summary = "3-pass attention, QK and A through DRAM, softmax on the 1D "
               "array",
    .is_default = 0, .map = map_unfused, .opts = g_no_opts};
const map_ops flat_map_ops = {
    .iVersion = 2, .name = "flat", .arch_cls = "spatial",
    .summary = "FLAT: row-granularity fusion, softmax on the 1D array",
    .is_default = 0, .map = map_flat, .opts = g_no_opts};
const map_ops fusemax_cascade_map_ops = {
    .iVersion = 2, .name = "fusemax-cascade", .arch_cls = "spatial",
    .summary = "FuseMax's 1-pass cascade on FLAT's PEs (only QK and SLNV "
               "on the 2D array)",
    .is_default = 0, .map = map_cascade, .opts = g_fm_opts};
const map_ops fusemax_arch_map_ops = {
    .iVersion = 2, .name = "fusemax-arch", .arch_cls = "spatial",
    .summary = "FuseMax PEs and binding, no overlap across key tiles",
    .is_default = 0, .map = map_arch, .opts = g_fm_opts};
const map_ops fusemax_map_ops = {
    .iVersion = 2, .name = "fusemax", .arch_cls = "spatial",
    .summary = "FuseMax: 1-pass cascade, 2D and 1D arrays interleaved "
               "across key tiles by the executor",
    .is_default = 1, .map = map_fusemax, .opts = g_fm_opts};
