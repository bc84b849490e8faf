/*
 * lower.c — a transformer (wl_model + wl_opts) lowered to an einsum
 * cascade.  The einsums are written as text (see wlInt.h) so each one
 * reads like the paper it comes from.  Ranks:
 *
 *   b batch   p new tokens (decoder, encoder-only, ViT)   s encoder tokens
 *   m keys of self-attention (C + P)   ms keys of cross/encoder attention
 *   m1/m0, ms1/ms0 key tiles of the 1-pass cascade (m1 iterative)
 *   g KV heads   j query heads per KV head   e Q/K head dim   f V head dim
 *   d d_model   dd pooler output   de embedding width   n FFN hidden
 *   ra/ra2, rm/rm2 low-rank ranks   v vocabulary / classes
 *   c, py, px, ky, kx patch embedding (channels, grid, kernel)
 *
 * Per layer (pre-norm; post-norm moves the norms after the residuals):
 *   H1 = norm(X)                     LayerNorm: mu, xc, sq, var, rs, xn,
 *                                    gamma, beta; RMSNorm: sq, ms, rs,
 *                                    xn, gamma (8 and 5 einsums)
 *   Q = H1 Wq (+bq), K = H1 Wk, V = H1 Wv   (low rank: H1 U M shared, then
 *                                    one r -> out factor each)
 *   [decode/cache] Kc[b,C+p,g,e] = K, Vc likewise (KV append)
 *   attention core (3-pass or 1-pass, below)
 *   O = AV Wo (+bo);  X1 = X + O
 *   H2 = norm(X1);  FFN: GELU/ReLU: A = act(H2 W1 + b1), Y = A W2 + b2;
 *                   SwiGLU: A = silu(H2 Wg) * (H2 Wu), Y = A Wd
 *   X2 = X1 + Y
 *
 * Attention core, 3-pass (FuseMax's "as written" form):
 *   QK[b,g,j,p,m] = 1/sqrt(E) sum_e Q[b,p,g,j,e] K[b,m,g,e]   (masked)
 *   GM = max_m QK;  SN = exp(QK - GM);  SD = sum_m SN;  A = SN / SD
 *   AV[b,p,g,j,f] = sum_m A V[b,m,g,f]
 * 1-pass (FuseMax Sec. 4, fusemax.md), keys tiled m = m1*M0 + m0 with M0
 * the largest divisor of M not above opts.tile_m:
 *   RM[.,0] = -inf, RD[.,0] = 0, RNV[.,0] = 0
 *   QK[m1,m0] = sum_e Q K;  LM[m1] = max_m0 QK;  RM[m1+1] = max(RM, LM)
 *   SLN = exp(QK - RM[m1+1]);  PRM = exp(RM[m1] - RM[m1+1])
 *   SPD = PRM RD[m1];  SLD = sum_m0 SLN;  RD[m1+1] = SPD + SLD
 *   SPNV = PRM RNV[m1];  SLNV = sum_m0 SLN V;  RNV[m1+1] = SPNV + SLNV
 *   AV = RNV[M1] / RD[M1]
 *
 * Not in the cascade (documented simplifications): RoPE rotations and
 * T5's relative bias add (no GEMM work; RoPE has no weights), the
 * Transformer-XL relative-position term (r_net and the BD scores) and its
 * adaptive tail clusters (lowered as the head cluster of the first cutoff
 * tokens), dropout.  GPT-3's sparse layers are dense.
 */
#include "wlInt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct lw {
  wl__build B;
  const wl_model *m;
  const wl_opts *o;
  uint64_t P, C, S; /* new tokens, cached tokens, encoder tokens */
  uint64_t Cw;      /* cached tokens attended: C, or min(C, W - 1) under a
                       sliding window of W keys */
  uint32_t H, G, J, E, D, F;
  int lowrank;
  char ring[64][320];
  unsigned ri;
} lw;

/* printf into a ring of buffers (each result lives for 64 calls: use it
 * at once; strings kept longer are copied into locals with cp()). */
static const char *fs(lw *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *fs(lw *L, const char *fmt, ...) {
  char *b = L->ring[L->ri++ % 64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof L->ring[0], fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof L->ring[0])
    sim_err_set(L->B.err, SIM_EINTERNAL, "workload: text too long"),
        L->B.rc = L->B.rc ? L->B.rc : SIM_EINTERNAL;
  return b;
}

/* "b,p" -> "b p" (into the ring). */
static const char *sp(lw *L, const char *list) {
  char *b = L->ring[L->ri++ % 64];
  wl__strlcpy(b, list, sizeof L->ring[0]);
  for (char *p = b; *p; p++)
    if (*p == ',') *p = ' ';
  return b;
}

#define LBUF 200
static void cp(char *dst, const char *src) { wl__strlcpy(dst, src, LBUF); }

/* y[tok,out] = x[tok,in] * w[in,out]; declares w (unless it exists) and y. */
static void mm(lw *L, const char *y, const char *x, const char *tok,
               const char *in, const char *out, const char *w) {
  if (wl__find(&L->B, w) < 0)
    wl__tensor(&L->B, w, WL_T_WEIGHT, sp(L, fs(L, "%s,%s", in, out)));
  wl__tensor(&L->B, y, WL_T_INTER, sp(L, fs(L, "%s,%s", tok, out)));
  wl__op(&L->B, y, WL_C_MAC, WL_FN_NONE,
         sp(L, fs(L, "%s,%s,%s", tok, out, in)),
         fs(L, "%s[%s,%s]", y, tok, out), fs(L, "%s[%s,%s]", x, tok, in),
         fs(L, "%s[%s,%s]", w, in, out));
}

static void elem2(lw *L, wl_fn fn, const char *y, const char *ranks,
                  const char *out, const char *a, const char *b) {
  wl__op(&L->B, y, WL_C_ELEM, fn, sp(L, ranks), out, a, b);
}

/* y = x W (+ b): a linear layer, dense.  Returns nothing; y is the name
 * of the final tensor. */
static void linear(lw *L, const char *y, const char *x, const char *tok,
                   const char *in, const char *out, int bias) {
  if (!bias) {
    mm(L, y, x, tok, in, out, fs(L, "%s.W", y));
    return;
  }
  char pre[WL_NAME_MAX], bn[WL_NAME_MAX];
  wl__name(&L->B, pre, "%s.mm", y);
  wl__name(&L->B, bn, "%s.b", y);
  mm(L, pre, x, tok, in, out, fs(L, "%s.W", y));
  wl__tensor(&L->B, bn, WL_T_WEIGHT, sp(L, out));
  wl__tensor(&L->B, y, WL_T_INTER, sp(L, fs(L, "%s,%s", tok, out)));
  elem2(L, WL_FN_ADD, y, fs(L, "%s,%s", tok, out),
        fs(L, "%s[%s,%s]", y, tok, out), fs(L, "%s[%s,%s]", pre, tok, out),
        fs(L, "%s[%s]", bn, out));
}

/* The shared factors of a low-rank linear: x -> U (in x r) -> M (r x r);
 * the caller adds the r -> out factor(s) with linear(). */
static void lowrank_in(lw *L, const char *y, const char *x, const char *tok,
                       const char *in, const char *r, const char *r2) {
  char u[WL_NAME_MAX];
  wl__name(&L->B, u, "%s.u", y);
  mm(L, u, x, tok, in, r, fs(L, "%s.U", y));
  mm(L, y, u, tok, r, r2, fs(L, "%s.M", y));
}

/* A linear that is low rank when the model says so: in -> r -> r -> out. */
static void linear_lr(lw *L, const char *y, const char *x, const char *tok,
                      const char *in, const char *out, int bias,
                      const char *r) {
  if (!L->lowrank) {
    linear(L, y, x, tok, in, out, bias);
    return;
  }
  char z[WL_NAME_MAX];
  wl__name(&L->B, z, "%s.lr", y);
  lowrank_in(L, z, x, tok, in, r, fs(L, "%s2", r));
  linear(L, y, z, tok, fs(L, "%s2", r), out, bias);
}

/* y = norm(x) over rank d for tokens tok (comma list). */
static void norm(lw *L, const char *y, const char *x, const char *tok) {
  const wl_model *m = L->m;
  double invd = 1.0 / (double)m->d_model;
  char tokd[LBUF], tk[LBUF];
  cp(tk, tok);
  tok = tk;
  cp(tokd, fs(L, "%s,d", tok));
  char a[WL_NAME_MAX], b[WL_NAME_MAX], c[WL_NAME_MAX], d[WL_NAME_MAX],
      e[WL_NAME_MAX], g[WL_NAME_MAX];
  const char *src = x;
  wl_part save = L->B.part;
  L->B.part = WL_PART_NORM;
  if (m->norm == WL_NORM_LAYERNORM) {
    wl__name(&L->B, a, "%s.mu", y);
    wl__tensor(&L->B, a, WL_T_INTER, sp(L, tok));
    wl__op(&L->B, a, WL_C_SUM_REDUCE, WL_FN_NONE, sp(L, tokd),
           fs(L, "%s[%s]", a, tok), fs(L, "%s[%s]", x, tokd), NULL);
    if (wl__last(&L->B)) wl__last(&L->B)->alpha = invd;
    wl__name(&L->B, b, "%s.xc", y);
    wl__tensor(&L->B, b, WL_T_INTER, sp(L, tokd));
    elem2(L, WL_FN_SUB, b, tokd, fs(L, "%s[%s]", b, tokd),
          fs(L, "%s[%s]", x, tokd), fs(L, "%s[%s]", a, tok));
    src = b;
  }
  wl__name(&L->B, c, "%s.sq", y);
  wl__tensor(&L->B, c, WL_T_INTER, sp(L, tokd));
  elem2(L, WL_FN_MUL, c, tokd, fs(L, "%s[%s]", c, tokd),
        fs(L, "%s[%s]", src, tokd), fs(L, "%s[%s]", src, tokd));
  wl__name(&L->B, d, "%s.var", y);
  wl__tensor(&L->B, d, WL_T_INTER, sp(L, tok));
  wl__op(&L->B, d, WL_C_SUM_REDUCE, WL_FN_NONE, sp(L, tokd),
         fs(L, "%s[%s]", d, tok), fs(L, "%s[%s]", c, tokd), NULL);
  if (wl__last(&L->B)) wl__last(&L->B)->alpha = invd;
  wl__name(&L->B, e, "%s.rs", y);
  wl__tensor(&L->B, e, WL_T_INTER, sp(L, tok));
  wl__op(&L->B, e, WL_C_ELEM, WL_FN_RSQRT, sp(L, tok),
         fs(L, "%s[%s]", e, tok), fs(L, "%s[%s]", d, tok), NULL);
  if (wl__last(&L->B)) wl__last(&L->B)->beta = m->norm_eps;
  wl__name(&L->B, a, "%s.xn", y);
  wl__tensor(&L->B, a, WL_T_INTER, sp(L, tokd));
  elem2(L, WL_FN_MUL, a, tokd, fs(L, "%s[%s]", a, tokd),
        fs(L, "%s[%s]", src, tokd), fs(L, "%s[%s]", e, tok));
  wl__name(&L->B, g, "%s.g", y);
  wl__tensor(&L->B, g, WL_T_WEIGHT, "d");
  if (m->norm == WL_NORM_LAYERNORM) {
    wl__name(&L->B, b, "%s.xg", y);
    wl__tensor(&L->B, b, WL_T_INTER, sp(L, tokd));
    elem2(L, WL_FN_MUL, b, tokd, fs(L, "%s[%s]", b, tokd),
          fs(L, "%s[%s]", a, tokd), fs(L, "%s[d]", g));
    wl__name(&L->B, c, "%s.b", y);
    wl__tensor(&L->B, c, WL_T_WEIGHT, "d");
    wl__tensor(&L->B, y, WL_T_INTER, sp(L, tokd));
    elem2(L, WL_FN_ADD, y, tokd, fs(L, "%s[%s]", y, tokd),
          fs(L, "%s[%s]", b, tokd), fs(L, "%s[d]", c));
  } else {
    wl__tensor(&L->B, y, WL_T_INTER, sp(L, tokd));
    elem2(L, WL_FN_MUL, y, tokd, fs(L, "%s[%s]", y, tokd),
          fs(L, "%s[%s]", a, tokd), fs(L, "%s[d]", g));
  }
  L->B.part = save;
}

static void resid(lw *L, const char *y, const char *a, const char *b,
                  const char *tok) {
  wl_part save = L->B.part;
  L->B.part = WL_PART_RESID;
  char tokd[LBUF];
  cp(tokd, fs(L, "%s,d", tok));
  wl__tensor(&L->B, y, WL_T_INTER, sp(L, tokd));
  elem2(L, WL_FN_ADD, y, tokd, fs(L, "%s[%s]", y, tokd),
        fs(L, "%s[%s]", a, tokd), fs(L, "%s[%s]", b, tokd));
  L->B.part = save;
}

static uint64_t tile_of(uint64_t M, uint64_t tile) {
  if (tile >= M) return M;
  for (uint64_t t = tile; t > 1; t--)
    if (M % t == 0) return t;
  return 1;
}

/* The attention core.  ap: name prefix ("L3.attn"); q: query token rank;
 * k: key rank; Q [b,q,g,j,e], K [b,k,g,e], V [b,k,g,f] tensor names.
 * Writes ap.AV [b,q,g,j,f]. */
static void attn_core(lw *L, const char *ap, const char *q, const char *k,
                      const char *Q, const char *K, const char *V,
                      int masked, uint64_t mask_off, uint64_t win) {
  wl__build *B = &L->B;
  wl_part save = B->part;
  B->part = WL_PART_ATTN;
  double scale = 1.0 / sqrt((double)L->E);
  int kr = wl_cascade_find_rank(B->c, k);
  uint64_t M = kr >= 0 ? B->c->ranks[kr].size : 1;
  char t[WL_NAME_MAX], av[WL_NAME_MAX];
  wl__name(B, av, "%s.AV", ap);
  char bgjq[LBUF];
  cp(bgjq, fs(L, "b,g,j,%s", q));
  if (L->o->form == WL_ATTN_3PASS) {
    char qk[WL_NAME_MAX], gm[WL_NAME_MAX], sn[WL_NAME_MAX], sd[WL_NAME_MAX];
    wl__name(B, qk, "%s.QK", ap);
    wl__name(B, gm, "%s.GM", ap);
    wl__name(B, sn, "%s.SN", ap);
    wl__name(B, sd, "%s.SD", ap);
    wl__name(B, t, "%s.A", ap);
    char S[LBUF];
    cp(S, fs(L, "%s,%s", bgjq, k)); /* b,g,j,q,k */
    wl__tensor(B, qk, WL_T_INTER, sp(L, S));
    wl__op(B, qk, WL_C_MAC, WL_FN_NONE, sp(L, fs(L, "%s,e", S)),
           fs(L, "%s[%s]", qk, S), fs(L, "%s[b,%s,g,j,e]", Q, q),
           fs(L, "%s[b,%s,g,e]", K, k));
    if (wl__last(B)) wl__last(B)->alpha = scale;
    if (masked) wl__mask(B, k, q, mask_off, win);
    wl__tensor(B, gm, WL_T_INTER, sp(L, bgjq));
    wl__op(B, gm, WL_C_MAX_REDUCE, WL_FN_NONE, sp(L, S),
           fs(L, "%s[%s]", gm, bgjq), fs(L, "%s[%s]", qk, S), NULL);
    wl__tensor(B, sn, WL_T_INTER, sp(L, S));
    elem2(L, WL_FN_SUB_EXP, sn, S, fs(L, "%s[%s]", sn, S),
          fs(L, "%s[%s]", qk, S), fs(L, "%s[%s]", gm, bgjq));
    wl__tensor(B, sd, WL_T_INTER, sp(L, bgjq));
    wl__op(B, sd, WL_C_SUM_REDUCE, WL_FN_NONE, sp(L, S),
           fs(L, "%s[%s]", sd, bgjq), fs(L, "%s[%s]", sn, S), NULL);
    wl__tensor(B, t, WL_T_INTER, sp(L, S));
    elem2(L, WL_FN_DIV, t, S, fs(L, "%s[%s]", t, S), fs(L, "%s[%s]", sn, S),
          fs(L, "%s[%s]", sd, bgjq));
    wl__tensor(B, av, WL_T_INTER, sp(L, fs(L, "b,%s,g,j,f", q)));
    wl__op(B, av, WL_C_MAC, WL_FN_NONE, sp(L, fs(L, "%s,f,%s", bgjq, k)),
           fs(L, "%s[b,%s,g,j,f]", av, q), fs(L, "%s[%s]", t, S),
           fs(L, "%s[b,%s,g,f]", V, k));
    B->part = save;
    return;
  }
  /* 1-pass */
  uint64_t M0 = tile_of(M, L->o->tile_m), M1 = M / M0;
  char k1[16], k0[16];
  snprintf(k1, sizeof k1, "%s1", k);
  snprintf(k0, sizeof k0, "%s0", k);
  wl__rank(B, k1, M1, 1);
  wl__rank(B, k0, M0, 0);
  char kix[LBUF];
  cp(kix, fs(L, "%llu*%s+%s", (unsigned long long)M0, k1, k0));
  char n[13][WL_NAME_MAX];
  static const char *const nm[13] = {"RM", "RD", "RNV", "QK", "LM",
                                     "SLN", "PRM", "SPD", "SLD", "SPNV",
                                     "SLNV", "", ""};
  for (int i = 0; i < 11; i++) wl__name(B, n[i], "%s.%s", ap, nm[i]);
  const char *RM = n[0], *RD = n[1], *RNV = n[2], *QK = n[3], *LM = n[4],
             *SLN = n[5], *PRM = n[6], *SPD = n[7], *SLD = n[8],
             *SPNV = n[9], *SLNV = n[10];
  char bgjqf[LBUF];
  cp(bgjqf, fs(L, "%s,f", bgjq));
  /* carried state, extent M1 + 1 along k1 */
  wl__tensor(B, RM, WL_T_INTER, sp(L, fs(L, "%s,%s+1", bgjq, k1)));
  wl__tensor(B, RD, WL_T_INTER, sp(L, fs(L, "%s,%s+1", bgjq, k1)));
  wl__tensor(B, RNV, WL_T_INTER, sp(L, fs(L, "%s,%s+1", bgjqf, k1)));
  wl__op(B, fs(L, "%s.init", RM), WL_C_ELEM, WL_FN_FILL, sp(L, bgjq),
         fs(L, "%s[%s,0]", RM, bgjq), NULL, NULL);
  if (wl__last(B)) wl__last(B)->alpha = -INFINITY;
  wl__op(B, fs(L, "%s.init", RD), WL_C_ELEM, WL_FN_FILL, sp(L, bgjq),
         fs(L, "%s[%s,0]", RD, bgjq), NULL, NULL);
  if (wl__last(B)) wl__last(B)->alpha = 0;
  wl__op(B, fs(L, "%s.init", RNV), WL_C_ELEM, WL_FN_FILL, sp(L, bgjqf),
         fs(L, "%s[%s,0]", RNV, bgjqf), NULL, NULL);
  if (wl__last(B)) wl__last(B)->alpha = 0;
  /* the iterative run over k1 */
  char I[LBUF];
  cp(I, fs(L, "%s,%s", k1, bgjq));        /* k1,b,g,j,q      */
  char It[LBUF];
  cp(It, fs(L, "%s,%s,%s", k1, bgjq, k0)); /* k1,b,g,j,q,k0  */
  char Tq[LBUF];
  cp(Tq, fs(L, "%s,%s", bgjq, k1));        /* b,g,j,q,k1     */
  char Tt[LBUF];
  cp(Tt, fs(L, "%s,%s,%s", bgjq, k1, k0)); /* b,g,j,q,k1,k0  */
  wl__tensor(B, QK, WL_T_INTER, sp(L, Tt));
  wl__op(B, QK, WL_C_MAC, WL_FN_NONE, sp(L, fs(L, "%s,e", It)),
         fs(L, "%s[%s]", QK, Tt), fs(L, "%s[b,%s,g,j,e]", Q, q),
         fs(L, "%s[b,%s,g,e]", K, kix));
  if (wl__last(B)) wl__last(B)->alpha = scale;
  if (masked) wl__mask(B, kix, q, mask_off, win);
  wl__tensor(B, LM, WL_T_INTER, sp(L, Tq));
  wl__op(B, LM, WL_C_MAX_REDUCE, WL_FN_NONE, sp(L, It),
         fs(L, "%s[%s]", LM, Tq), fs(L, "%s[%s]", QK, Tt), NULL);
  elem2(L, WL_FN_MAX, RM, I, fs(L, "%s[%s,%s+1]", RM, bgjq, k1),
        fs(L, "%s[%s]", RM, Tq), fs(L, "%s[%s]", LM, Tq));
  wl__tensor(B, SLN, WL_T_INTER, sp(L, Tt));
  elem2(L, WL_FN_SUB_EXP, SLN, It, fs(L, "%s[%s]", SLN, Tt),
        fs(L, "%s[%s]", QK, Tt), fs(L, "%s[%s,%s+1]", RM, bgjq, k1));
  wl__tensor(B, PRM, WL_T_INTER, sp(L, Tq));
  elem2(L, WL_FN_SUB_EXP, PRM, I, fs(L, "%s[%s]", PRM, Tq),
        fs(L, "%s[%s]", RM, Tq), fs(L, "%s[%s,%s+1]", RM, bgjq, k1));
  wl__tensor(B, SPD, WL_T_INTER, sp(L, Tq));
  elem2(L, WL_FN_MUL, SPD, I, fs(L, "%s[%s]", SPD, Tq),
        fs(L, "%s[%s]", PRM, Tq), fs(L, "%s[%s]", RD, Tq));
  wl__tensor(B, SLD, WL_T_INTER, sp(L, Tq));
  wl__op(B, SLD, WL_C_SUM_REDUCE, WL_FN_NONE, sp(L, It),
         fs(L, "%s[%s]", SLD, Tq), fs(L, "%s[%s]", SLN, Tt), NULL);
  elem2(L, WL_FN_ADD, RD, I, fs(L, "%s[%s,%s+1]", RD, bgjq, k1),
        fs(L, "%s[%s]", SPD, Tq), fs(L, "%s[%s]", SLD, Tq));
  char Iq[LBUF];
  cp(Iq, fs(L, "%s,%s,f", k1, bgjq));     /* k1,b,g,j,q,f */
  char Tf[LBUF];
  cp(Tf, fs(L, "%s,f,%s", bgjq, k1));     /* b,g,j,q,f,k1 */
  wl__tensor(B, SPNV, WL_T_INTER, sp(L, Tf));
  elem2(L, WL_FN_MUL, SPNV, Iq, fs(L, "%s[%s]", SPNV, Tf),
        fs(L, "%s[%s]", PRM, Tq), fs(L, "%s[%s]", RNV, Tf));
  wl__tensor(B, SLNV, WL_T_INTER, sp(L, Tf));
  wl__op(B, SLNV, WL_C_MAC, WL_FN_NONE, sp(L, fs(L, "%s,%s", Iq, k0)),
         fs(L, "%s[%s]", SLNV, Tf), fs(L, "%s[%s]", SLN, Tt),
         fs(L, "%s[b,%s,g,f]", V, kix));
  elem2(L, WL_FN_ADD, RNV, Iq, fs(L, "%s[%s,f,%s+1]", RNV, bgjq, k1),
        fs(L, "%s[%s]", SPNV, Tf), fs(L, "%s[%s]", SLNV, Tf));
  /* one divide per output */
  wl__tensor(B, av, WL_T_INTER, sp(L, fs(L, "b,%s,g,j,f", q)));
  elem2(L, WL_FN_DIV, av, bgjqf, fs(L, "%s[b,%s,g,j,f]", av, q),
        fs(L, "%s[%s,%llu]", RNV, bgjqf, (unsigned long long)M1),
        fs(L, "%s[%s,%llu]", RD, bgjq, (unsigned long long)M1));
  B->part = save;
}

/* Self- or cross-attention sublayer.  x: normalised input [tok..,d] with
 * tok = "b,q".  kvx: source of K/V (NULL: x; cross attention: the encoder
 * output, or NULL with cross_cache).  Returns the output projection's
 * tensor name in out. */
static void attention(lw *L, char *out, const char *ap, const char *x,
                      const char *q, const char *kvx, const char *kvtok,
                      const char *k, int cache_kind, uint64_t C, int masked,
                      uint64_t mask_off, uint64_t win) {
  wl__build *B = &L->B;
  char Q[WL_NAME_MAX], K[WL_NAME_MAX], V[WL_NAME_MAX];
  wl__name(B, Q, "%s.Q", ap);
  wl__name(B, K, "%s.K", ap);
  wl__name(B, V, "%s.V", ap);
  char tok[LBUF];
  cp(tok, fs(L, "b,%s", q));
  B->part = WL_PART_QKV;
  const char *Kname = K, *Vname = V;
  char Kc[WL_NAME_MAX], Vc[WL_NAME_MAX];
  wl__name(B, Kc, "%s.Kc", ap);
  wl__name(B, Vc, "%s.Vc", ap);
  if (cache_kind == 2) {
    /* Cross attention in decode: K/V of the encoder are cached. */
    linear_lr(L, Q, x, tok, "d", "g,j,e", L->m->bias_qkv, "ra");
    wl__tensor(B, Kc, WL_T_KVCACHE, sp(L, fs(L, "b,%s,g,e", k)));
    wl__tensor(B, Vc, WL_T_KVCACHE, sp(L, fs(L, "b,%s,g,f", k)));
    Kname = Kc;
    Vname = Vc;
  } else {
    const char *src = kvx ? kvx : x;
    const char *stok = kvx ? kvtok : tok;
    if (L->lowrank && !kvx) {
      char z[WL_NAME_MAX];
      wl__name(B, z, "%s.qkv.lr", ap);
      lowrank_in(L, z, x, tok, "d", "ra", "ra2");
      linear(L, Q, z, tok, "ra2", "g,j,e", L->m->bias_qkv);
      linear(L, K, z, tok, "ra2", "g,e", L->m->bias_qkv);
      linear(L, V, z, tok, "ra2", "g,f", L->m->bias_qkv);
    } else {
      linear_lr(L, Q, x, tok, "d", "g,j,e", L->m->bias_qkv, "ra");
      linear_lr(L, K, src, stok, "d", "g,e", L->m->bias_qkv, "ra");
      linear_lr(L, V, src, stok, "d", "g,f", L->m->bias_qkv, "ra");
    }
    if (cache_kind == 1) {
      /* Append the new tokens' K, V at positions C.. of the cache. */
      B->part = WL_PART_KV;
      wl__tensor(B, Kc, WL_T_KVCACHE, sp(L, fs(L, "b,%s,g,e", k)));
      wl__tensor(B, Vc, WL_T_KVCACHE, sp(L, fs(L, "b,%s,g,f", k)));
      wl__op(B, Kc, WL_C_ELEM, WL_FN_COPY, "b p g e",
             fs(L, "%s[b,p+%llu,g,e]", Kc, (unsigned long long)C),
             fs(L, "%s[b,p,g,e]", K), NULL);
      wl__op(B, Vc, WL_C_ELEM, WL_FN_COPY, "b p g f",
             fs(L, "%s[b,p+%llu,g,f]", Vc, (unsigned long long)C),
             fs(L, "%s[b,p,g,f]", V), NULL);
      Kname = Kc;
      Vname = Vc;
    }
  }
  attn_core(L, ap, q, k, Q, Kname, Vname, masked, mask_off, win);
  B->part = WL_PART_PROJ;
  wl__name(B, out, "%s.O", ap);
  linear_lr(L, out, fs(L, "%s.AV", ap), tok, "g,j,f", "d", L->m->bias_out,
            "ra");
}

static void ffn(lw *L, char *out, const char *fp, const char *x,
                const char *tok) {
  wl__build *B = &L->B;
  const wl_model *m = L->m;
  B->part = WL_PART_FFN;
  char h[WL_NAME_MAX], a[WL_NAME_MAX];
  wl__name(B, out, "%s.out", fp);
  wl__name(B, a, "%s.act", fp);
  char tn[LBUF];
  cp(tn, fs(L, "%s,n", tok));
  if (m->ffn == WL_FFN_SWIGLU) {
    char u[WL_NAME_MAX], s[WL_NAME_MAX];
    wl__name(B, h, "%s.gate", fp);
    wl__name(B, u, "%s.up", fp);
    wl__name(B, s, "%s.silu", fp);
    linear_lr(L, h, x, tok, "d", "n", m->bias_ffn, "rm");
    linear_lr(L, u, x, tok, "d", "n", m->bias_ffn, "rm");
    wl__tensor(B, s, WL_T_INTER, sp(L, tn));
    wl__op(B, s, WL_C_ELEM, WL_FN_SILU, sp(L, tn), fs(L, "%s[%s]", s, tn),
           fs(L, "%s[%s]", h, tn), NULL);
    wl__tensor(B, a, WL_T_INTER, sp(L, tn));
    elem2(L, WL_FN_MUL, a, tn, fs(L, "%s[%s]", a, tn), fs(L, "%s[%s]", s, tn),
          fs(L, "%s[%s]", u, tn));
  } else {
    wl__name(B, h, "%s.up", fp);
    linear_lr(L, h, x, tok, "d", "n", m->bias_ffn, "rm");
    wl__tensor(B, a, WL_T_INTER, sp(L, tn));
    wl__op(B, a, WL_C_ELEM, m->ffn == WL_FFN_RELU ? WL_FN_RELU : WL_FN_GELU,
           sp(L, tn), fs(L, "%s[%s]", a, tn), fs(L, "%s[%s]", h, tn), NULL);
  }
  linear_lr(L, out, a, tok, "n", "d", m->bias_ffn, "rm");
}

/* Which stack a layer is in and how it attends. */
typedef struct layer_desc {
  int dec;        /* decoder layer of an encoder-decoder */
  const char *q;  /* token rank */
  const char *k;  /* self-attention key rank */
  int cache;      /* self K/V through a cache of C tokens */
  int masked;
  uint64_t C;     /* cached keys attended (L->Cw: capped by the window) */
  uint64_t win;   /* sliding window of the mask (0: causal only) */
} layer_desc;

static void describe(lw *L, uint32_t layer, layer_desc *ld) {
  const wl_model *m = L->m;
  const wl_opts *o = L->o;
  memset(ld, 0, sizeof *ld);
  int causal_auto = 0;
  if (m->arch == WL_ARCH_ENCDEC && layer < m->n_layers) {
    ld->q = "s";
    ld->k = "ms";
  } else {
    ld->dec = m->arch == WL_ARCH_ENCDEC;
    ld->q = "p";
    ld->k = "m";
    ld->C = L->Cw;
    /* Decode appends to the cache (even an empty one); prefill uses one
     * only when it continues cached tokens. */
    ld->cache = L->C > 0 || o->phase == WL_DECODE;
    /* Mistral's sliding window: a band on top of the causal mask, needed
     * only when some query would otherwise see more than W keys. */
    if (m->sliding_window && L->Cw + L->P > m->sliding_window)
      ld->win = m->sliding_window;
    causal_auto = m->arch == WL_ARCH_DECODER || m->arch == WL_ARCH_ENCDEC;
  }
  int causal = o->causal < 0 ? causal_auto : o->causal;
  /* A single query sees every key: no mask needed. */
  ld->masked = causal && !(ld->q[0] == 'p' && L->P == 1);
  if (ld->q[0] == 's' && causal) ld->masked = L->S > 1;
}

/* One transformer layer: x in, returns the output name in out. */
static void layer(lw *L, char *out, uint32_t li, const char *x,
                  const char *enc) {
  wl__build *B = &L->B;
  const wl_model *m = L->m;
  layer_desc ld;
  describe(L, li, &ld);
  B->layer = (int32_t)li;
  char ap[24], h1[WL_NAME_MAX], o1[WL_NAME_MAX], x1[WL_NAME_MAX],
      h2[WL_NAME_MAX], f[WL_NAME_MAX], x2[WL_NAME_MAX], fp[24];
  snprintf(ap, sizeof ap, "L%u.attn", li);
  snprintf(fp, sizeof fp, "L%u.ffn", li);
  char tok[LBUF];
  cp(tok, fs(L, "b,%s", ld.q));
  wl__name(B, h1, "L%u.ln1", li);
  wl__name(B, x1, "L%u.res1", li);
  if (m->pre_norm) {
    norm(L, h1, x, tok);
    attention(L, o1, ap, h1, ld.q, NULL, NULL, ld.k, ld.cache, ld.C,
              ld.masked, ld.C, ld.win);
    resid(L, x1, x, o1, tok);
  } else {
    char s1[WL_NAME_MAX];
    attention(L, o1, ap, x, ld.q, NULL, NULL, ld.k, ld.cache, ld.C,
              ld.masked, ld.C, ld.win);
    wl__name(B, s1, "L%u.sum1", li);
    resid(L, s1, x, o1, tok);
    norm(L, x1, s1, tok);
  }
  const char *cur = x1;
  char x1b[WL_NAME_MAX];
  if (ld.dec) {
    /* cross attention over the encoder output (or its cached K/V) */
    char hx[WL_NAME_MAX], ox[WL_NAME_MAX], xa[24];
    snprintf(xa, sizeof xa, "L%u.xattn", li);
    wl__name(B, hx, "L%u.lnx", li);
    wl__name(B, x1b, "L%u.resx", li);
    norm(L, hx, cur, tok);
    attention(L, ox, xa, hx, "p", enc, "b,s", "ms",
              L->o->phase == WL_DECODE ? 2 : 0, 0, 0, 0, 0);
    resid(L, x1b, cur, ox, tok);
    cur = x1b;
  }
  wl__name(B, h2, "L%u.ln2", li);
  wl__name(B, x2, "L%u.out", li);
  if (m->pre_norm) {
    norm(L, h2, cur, tok);
    ffn(L, f, fp, h2, tok);
    resid(L, x2, cur, f, tok);
  } else {
    char s2[WL_NAME_MAX];
    ffn(L, f, fp, cur, tok);
    wl__name(B, s2, "L%u.sum2", li);
    resid(L, s2, cur, f, tok);
    norm(L, x2, s2, tok);
  }
  wl__strlcpy(out, x2, WL_NAME_MAX);
}

/* Token (or patch) embedding: writes the first layer's input name. */
static void embed(lw *L, char *out, const char *q, uint64_t pos0) {
  wl__build *B = &L->B;
  const wl_model *m = L->m;
  B->layer = -1;
  B->part = WL_PART_EMBED;
  if (m->arch == WL_ARCH_VIT) {
    /* The image as the conv sees it: zero-padded by patch_pad per side. */
    uint32_t Y = m->image_size + 2 * m->patch_pad;
    uint32_t G = Y / m->patch_size, Pp = m->patch_size;
    wl__tensor(B, "embed.img", WL_T_INPUT,
               fs(L, "b %u %u %u", m->channels, Y, Y));
    wl__tensor(B, "embed.patch.W", WL_T_WEIGHT, "d c ky kx");
    wl__tensor(B, "embed.patch.mm", WL_T_INTER, "b py px d");
    wl__op(B, "embed.patch.mm", WL_C_MAC, WL_FN_NONE, "b py px d c ky kx",
           "embed.patch.mm[b,py,px,d]",
           fs(L, "embed.img[b,c,%u*py+ky,%u*px+kx]", Pp, Pp),
           "embed.patch.W[d,c,ky,kx]");
    (void)G;
    wl__tensor(B, "embed.patch.b", WL_T_WEIGHT, "d");
    wl__tensor(B, "embed.patch", WL_T_INTER, "b py px d");
    elem2(L, WL_FN_ADD, "embed.patch", "b,py,px,d",
          "embed.patch[b,py,px,d]", "embed.patch.mm[b,py,px,d]",
          "embed.patch.b[d]");
    wl__tensor(B, "embed.cls", WL_T_WEIGHT, fs(L, "%u d", m->n_cls));
    wl__tensor(B, "embed.x0", WL_T_INTER, "b p d");
    wl__op(B, "embed.x0.cls", WL_C_ELEM, WL_FN_COPY, "b d", "embed.x0[b,0,d]",
           "embed.cls[0,d]", NULL);
    wl__op(B, "embed.x0", WL_C_ELEM, WL_FN_COPY, "b py px d",
           fs(L, "embed.x0[b,%u*py+px+%u,d]", G, m->n_cls),
           "embed.patch[b,py,px,d]", NULL);
    wl__tensor(B, "embed.pos.W", WL_T_WEIGHT, "p d");
    wl__tensor(B, "embed.out", WL_T_INTER, "b p d");
    elem2(L, WL_FN_ADD, "embed.out", "b,p,d", "embed.out[b,p,d]",
          "embed.x0[b,p,d]", "embed.pos.W[p,d]");
    wl__strlcpy(out, "embed.out", WL_NAME_MAX);
    return;
  }
  char ids[WL_NAME_MAX], e[WL_NAME_MAX], cur[WL_NAME_MAX];
  wl__name(B, ids, "embed.ids.%s", q);
  wl__name(B, e, "embed.tok.%s", q);
  wl__tensor_ids(B, ids, fs(L, "b %s", q));
  const char *wd = m->d_embed && m->d_embed != m->d_model ? "de" : "d";
  if (wl__find(B, "embed.tok.W") < 0)
    wl__tensor(B, "embed.tok.W", WL_T_WEIGHT, fs(L, "v %s", wd));
  wl__tensor(B, e, WL_T_INTER, fs(L, "b %s %s", q, wd));
  wl__op(B, e, WL_C_GATHER, WL_FN_NONE, fs(L, "b %s %s", q, wd),
         fs(L, "%s[b,%s,%s]", e, q, wd), fs(L, "embed.tok.W[0,%s]", wd),
         fs(L, "%s[b,%s]", ids, q));
  wl__strlcpy(cur, e, sizeof cur);
  if (wd[1] == 'e') { /* OPT project_in (no bias) */
    char pi[WL_NAME_MAX];
    wl__name(B, pi, "embed.proj_in.%s", q);
    mm(L, pi, cur, fs(L, "b,%s", q), "de", "d", "embed.proj_in.W");
    wl__strlcpy(cur, pi, sizeof cur);
  }
  if (m->pos == WL_POS_LEARNED) {
    char ps[WL_NAME_MAX];
    wl__name(B, ps, "embed.pos.%s", q);
    if (wl__find(B, "embed.pos.W") < 0)
      wl__tensor(B, "embed.pos.W", WL_T_WEIGHT,
                 fs(L, "%llu d", (unsigned long long)m->max_pos +
                                     m->pos_offset));
    wl__tensor(B, ps, WL_T_INTER, fs(L, "b %s d", q));
    elem2(L, WL_FN_ADD, ps, fs(L, "b,%s,d", q), fs(L, "%s[b,%s,d]", ps, q),
          fs(L, "%s[b,%s,d]", cur, q),
          fs(L, "embed.pos.W[%s+%llu,d]", q,
             (unsigned long long)(pos0 + m->pos_offset)));
    wl__strlcpy(cur, ps, sizeof cur);
  }
  if (m->type_vocab) {
    char ty[WL_NAME_MAX];
    wl__name(B, ty, "embed.type.%s", q);
    wl__tensor(B, "embed.type.W", WL_T_WEIGHT,
               fs(L, "%u d", m->type_vocab));
    wl__tensor(B, ty, WL_T_INTER, fs(L, "b %s d", q));
    elem2(L, WL_FN_ADD, ty, fs(L, "b,%s,d", q), fs(L, "%s[b,%s,d]", ty, q),
          fs(L, "%s[b,%s,d]", cur, q), "embed.type.W[0,d]");
    wl__strlcpy(cur, ty, sizeof cur);
  }
  if (m->emb_norm) {
    char en[WL_NAME_MAX];
    wl__name(B, en, "embed.ln.%s", q);
    norm(L, en, cur, fs(L, "b,%s", q));
    wl__strlcpy(cur, en, sizeof cur);
  }
  wl__strlcpy(out, cur, WL_NAME_MAX);
}

/* Final norm (if any) of a stack; returns the name in out. */
static void final_norm(lw *L, char *out, const char *x, const char *q,
                       const char *stack) {
  wl__strlcpy(out, x, WL_NAME_MAX);
  if (!L->m->final_norm) return;
  L->B.layer = -1;
  wl__name(&L->B, out, "%s.lnf", stack);
  norm(L, out, x, fs(L, "b,%s", q));
}

static void head(lw *L, const char *x) {
  wl__build *B = &L->B;
  const wl_model *m = L->m;
  B->layer = -1;
  B->part = WL_PART_HEAD;
  if (m->arch == WL_ARCH_VIT) {
    if (!m->n_classes) return;
    wl__rank(B, "v", m->n_classes, 0);
    wl__tensor(B, "head.cls.mm", WL_T_INTER, "b v");
    wl__tensor(B, "head.W", WL_T_WEIGHT, "d v");
    wl__op(B, "head.cls.mm", WL_C_MAC, WL_FN_NONE, "b v d",
           "head.cls.mm[b,v]", fs(L, "%s[b,0,d]", x), "head.W[d,v]");
    if (m->bias_head) {
      wl__tensor(B, "head.b", WL_T_WEIGHT, "v");
      wl__tensor(B, "head.logits", WL_T_INTER, "b v");
      elem2(L, WL_FN_ADD, "head.logits", "b,v", "head.logits[b,v]",
            "head.cls.mm[b,v]", "head.b[v]");
    }
    return;
  }
  if (m->pooler) {
    wl__rank(B, "dd", m->d_model, 0);
    wl__tensor(B, "head.pool.W", WL_T_WEIGHT, "d dd");
    wl__tensor(B, "head.pool.b", WL_T_WEIGHT, "dd");
    wl__tensor(B, "head.pool.mm", WL_T_INTER, "b dd");
    wl__tensor(B, "head.pool.add", WL_T_INTER, "b dd");
    wl__tensor(B, "head.pool", WL_T_INTER, "b dd");
    wl__op(B, "head.pool.mm", WL_C_MAC, WL_FN_NONE, "b dd d",
           "head.pool.mm[b,dd]", fs(L, "%s[b,0,d]", x), "head.pool.W[d,dd]");
    elem2(L, WL_FN_ADD, "head.pool.add", "b,dd", "head.pool.add[b,dd]",
          "head.pool.mm[b,dd]", "head.pool.b[dd]");
    wl__op(B, "head.pool", WL_C_ELEM, WL_FN_TANH, "b dd", "head.pool[b,dd]",
           "head.pool.add[b,dd]", NULL);
  }
  if (!m->lm_head) return;
  /* LM head over every new token (as Hugging Face computes it). */
  const char *cur = x;
  const char *wd = "d";
  if (m->d_embed && m->d_embed != m->d_model && !m->n_cutoffs) {
    mm(L, "head.proj_out", x, "b,p", "d", "de", "head.proj_out.W");
    cur = "head.proj_out";
    wd = "de";
  }
  uint64_t V = m->n_cutoffs ? m->cutoffs[0] : m->vocab;
  const char *W = "head.W";
  if (m->tied_embed) {
    W = "embed.tok.W"; /* [v, d]: the same tensor, read transposed */
  } else {
    wl__tensor(B, W, WL_T_WEIGHT, fs(L, "v %s", wd));
  }
  const char *lg = m->bias_head ? "head.mm" : "head.logits";
  wl__tensor(B, lg, WL_T_INTER, "b p v");
  wl__op(B, lg, WL_C_MAC, WL_FN_NONE, fs(L, "b p v %s", wd),
         fs(L, "%s[b,p,v]", lg), fs(L, "%s[b,p,%s]", cur, wd),
         fs(L, "%s[v,%s]", W, wd));
  (void)V;
  if (m->bias_head) {
    wl__tensor(B, "head.b", WL_T_WEIGHT, "v");
    wl__tensor(B, "head.logits", WL_T_INTER, "b p v");
    elem2(L, WL_FN_ADD, "head.logits", "b,p,v", "head.logits[b,p,v]",
          "head.mm[b,p,v]", "head.b[v]");
  }
  if (m->n_cutoffs) { /* adaptive softmax: cluster logits */
    wl__rank(B, "cl", m->n_cutoffs, 0);
    wl__tensor(B, "head.cluster.W", WL_T_WEIGHT, fs(L, "cl %s", wd));
    wl__tensor(B, "head.cluster", WL_T_INTER, "b p cl");
    wl__op(B, "head.cluster", WL_C_MAC, WL_FN_NONE, fs(L, "b p cl %s", wd),
           "head.cluster[b,p,cl]", fs(L, "%s[b,p,%s]", cur, wd),
           fs(L, "head.cluster.W[cl,%s]", wd));
  }
}

/* Tensors produced and never read become outputs.  O(ops + tensors). */
static int mark_outputs(wl_cascade *c, sim_err *err) {
  unsigned char *read = sim_calloc(c->n_tensors ? c->n_tensors : 1, 1);
  if (!read) return sim_err_set(err, SIM_ENOMEM, "workload: out of memory");
  for (size_t i = 0; i < c->n_ops; i++)
    for (uint32_t k = 0; k < c->ops[i].n_in; k++) read[c->ops[i].in[k].tensor] = 1;
  for (size_t t = 0; t < c->n_tensors; t++)
    if (c->tensors[t].kind == WL_T_INTER && !read[t])
      c->tensors[t].kind = WL_T_OUTPUT;
  sim_free(read);
  return 0;
}

static void define_ranks(lw *L) {
  wl__build *B = &L->B;
  const wl_model *m = L->m;
  wl__rank(B, "b", L->o->batch, 0);
  wl__rank(B, "d", m->d_model, 0);
  wl__rank(B, "g", L->G, 0);
  wl__rank(B, "j", L->J, 0);
  wl__rank(B, "e", L->E, 0);
  wl__rank(B, "f", L->E, 0);
  wl__rank(B, "n", m->d_ff, 0);
  if (L->P) wl__rank(B, "p", L->P, 0);
  if (L->P) wl__rank(B, "m", L->Cw + L->P, 0);
  if (L->S) {
    wl__rank(B, "s", L->S, 0);
    wl__rank(B, "ms", L->S, 0);
  }
  if (L->lowrank) {
    wl__rank(B, "ra", m->lr_attn_rank, 0);
    wl__rank(B, "ra2", m->lr_attn_rank, 0);
    wl__rank(B, "rm", m->lr_mlp_rank, 0);
    wl__rank(B, "rm2", m->lr_mlp_rank, 0);
  }
  if (m->arch == WL_ARCH_VIT) {
    uint32_t G = (m->image_size + 2 * m->patch_pad) / m->patch_size;
    wl__rank(B, "c", m->channels, 0);
    wl__rank(B, "py", G, 0);
    wl__rank(B, "px", G, 0);
    wl__rank(B, "ky", m->patch_size, 0);
    wl__rank(B, "kx", m->patch_size, 0);
  } else if (m->vocab) {
    uint64_t V = m->n_cutoffs ? m->cutoffs[0] : m->vocab;
    wl__rank(B, "v", V, 0);
    if (m->d_embed && m->d_embed != m->d_model)
      wl__rank(B, "de", m->d_embed, 0);
  }
}

int wl_lower(const wl_model *m, const wl_opts *o, wl_cascade **out,
             sim_err *err) {
  *out = NULL;
  int rc = wl_check(m, err);
  if (rc) return rc;
  if ((rc = wl_opts_check(m, o, err))) return rc;
  wl_cascade *c = sim_calloc(1, sizeof *c);
  if (!c) return sim_err_set(err, SIM_ENOMEM, "workload: out of memory");
  c->model = *m;
  c->opts = *o;
  lw *L = sim_calloc(1, sizeof *L);
  if (!L) {
    sim_free(c);
    return sim_err_set(err, SIM_ENOMEM, "workload: out of memory");
  }
  L->m = m;
  L->o = o;
  wl__build *B = &L->B;
  if (wl__build_init(B, c, err)) goto done;
  L->B.prec = o->prec;
  L->B.kv_prec = o->kv_prec == WL_PRECISION_COUNT ? o->prec : o->kv_prec;
  L->H = m->n_heads;
  L->G = wl_model_kv_heads(m);
  L->J = L->H / L->G;
  L->E = wl_model_head_dim(m);
  L->D = m->d_model;
  L->F = m->d_ff;
  L->lowrank = m->lr_ratio > 0;
  if (m->arch == WL_ARCH_GEMM) {
    /* One einsum: C[m,n] = sum_k A[m,k] W[k,n]. */
    wl__rank(B, "m", m->gemm_m, 0);
    wl__rank(B, "n", m->gemm_n, 0);
    wl__rank(B, "k", m->gemm_k, 0);
    B->part = WL_PART_FFN;
    wl__tensor(B, "gemm.A", WL_T_INPUT, "m k");
    wl__tensor(B, "gemm.W", WL_T_WEIGHT, "k n");
    wl__tensor(B, "gemm.C", WL_T_INTER, "m n");
    wl__op(B, "gemm.C", WL_C_MAC, WL_FN_NONE, "m n k", "gemm.C[m,n]",
           "gemm.A[m,k]", "gemm.W[k,n]");
    if (!B->rc && mark_outputs(c, err)) B->rc = SIM_ENOMEM;
    if (!B->rc) B->rc = wl__check_counts(c, err);
    goto done;
  }
  uint32_t n_layers = m->n_layers + (m->arch == WL_ARCH_ENCDEC ?
                                     m->n_dec_layers : 0);
  if (m->arch == WL_ARCH_VIT) {
    L->P = wl_model_vit_tokens(m);
  } else if (m->arch == WL_ARCH_ENCDEC) {
    L->S = o->seq;
    L->P = o->phase == WL_DECODE ? 1 : (o->tgt ? o->tgt : o->seq);
    L->C = o->phase == WL_DECODE ? o->kv : 0;
  } else {
    L->P = o->phase == WL_DECODE ? 1 : o->seq;
    L->C = o->kv;
  }
  /* Sliding window (Mistral): a query attends its W most recent keys,
   * itself included, so a step reads at most the last W - 1 cached tokens
   * (the cache is a rolling buffer of the window: the new tokens' K/V go
   * in after the Cw kept ones) and prefill masks keys older than W. */
  L->Cw = L->C;
  if (m->sliding_window && L->Cw > m->sliding_window - 1)
    L->Cw = m->sliding_window - 1;
  /* A block/attention scope in an encoder stack needs no decoder ranks. */
  int enc_scope = m->arch == WL_ARCH_ENCDEC && o->scope != WL_SCOPE_MODEL &&
                  o->layer < m->n_layers;
  if (enc_scope) L->P = 0;
  /* Encoder-decoder decode: the encoder is not run; cross K/V are cached
   * (S keys per layer). */
  define_ranks(L);
  char x[WL_NAME_MAX], y[WL_NAME_MAX];
  if (o->scope == WL_SCOPE_ATTENTION) {
    layer_desc ld;
    describe(L, o->layer, &ld);
    B->layer = (int32_t)o->layer;
    B->part = WL_PART_ATTN;
    char ap[24], Q[WL_NAME_MAX], K[WL_NAME_MAX], V[WL_NAME_MAX];
    snprintf(ap, sizeof ap, "L%u.attn", o->layer);
    wl__name(B, Q, "%s.Q", ap);
    wl__name(B, K, "%s.K", ap);
    wl__name(B, V, "%s.V", ap);
    wl__tensor(B, Q, WL_T_INPUT, fs(L, "b %s g j e", ld.q));
    const char *Kn = K, *Vn = V;
    char Kc[WL_NAME_MAX], Vc[WL_NAME_MAX];
    if (ld.cache) {
      wl__name(B, Kc, "%s.Kc", ap);
      wl__name(B, Vc, "%s.Vc", ap);
      wl__tensor(B, K, WL_T_INPUT, "b p g e");
      wl__tensor(B, V, WL_T_INPUT, "b p g f");
      B->part = WL_PART_KV;
      wl__tensor(B, Kc, WL_T_KVCACHE, "b m g e");
      wl__tensor(B, Vc, WL_T_KVCACHE, "b m g f");
      wl__op(B, Kc, WL_C_ELEM, WL_FN_COPY, "b p g e",
             fs(L, "%s[b,p+%llu,g,e]", Kc, (unsigned long long)ld.C),
             fs(L, "%s[b,p,g,e]", K), NULL);
      wl__op(B, Vc, WL_C_ELEM, WL_FN_COPY, "b p g f",
             fs(L, "%s[b,p+%llu,g,f]", Vc, (unsigned long long)ld.C),
             fs(L, "%s[b,p,g,f]", V), NULL);
      Kn = Kc;
      Vn = Vc;
    } else {
      wl__tensor(B, K, WL_T_INPUT, fs(L, "b %s g e", ld.k));
      wl__tensor(B, V, WL_T_INPUT, fs(L, "b %s g f", ld.k));
    }
    attn_core(L, ap, ld.q, ld.k, Q, Kn, Vn, ld.masked, ld.C, ld.win);
  } else if (o->scope == WL_SCOPE_BLOCK) {
    layer_desc ld;
    describe(L, o->layer, &ld);
    B->layer = -1;
    B->part = WL_PART_EMBED;
    wl__name(B, x, "L%u.in", o->layer);
    wl__tensor(B, x, WL_T_INPUT, fs(L, "b %s d", ld.q));
    const char *enc = NULL;
    if (ld.dec && o->phase == WL_PREFILL) {
      wl__tensor(B, "enc.out", WL_T_INPUT, "b s d");
      enc = "enc.out";
    }
    layer(L, y, o->layer, x, enc);
  } else {
    char enc[WL_NAME_MAX];
    enc[0] = '\0';
    if (m->arch == WL_ARCH_ENCDEC && o->phase == WL_PREFILL) {
      embed(L, x, "s", 0);
      uint32_t n = o->repeat_layers ? 1 : m->n_layers;
      B->repeat = o->repeat_layers ? m->n_layers : 1;
      for (uint32_t i = 0; i < n && !B->rc; i++) {
        layer(L, y, i, x, NULL);
        wl__strlcpy(x, y, sizeof x);
      }
      B->repeat = 1;
      final_norm(L, enc, x, "s", "enc");
    }
    embed(L, x, "p", L->C);
    uint32_t lo = m->arch == WL_ARCH_ENCDEC ? m->n_layers : 0;
    uint32_t cnt = n_layers - lo;
    uint32_t n = o->repeat_layers ? 1 : cnt;
    B->repeat = o->repeat_layers ? cnt : 1;
    for (uint32_t i = 0; i < n && !B->rc; i++) {
      layer(L, y, lo + i, x, enc[0] ? enc : NULL);
      wl__strlcpy(x, y, sizeof x);
    }
    B->repeat = 1;
    final_norm(L, y, x, "p", m->arch == WL_ARCH_ENCDEC ? "dec" : "final");
    if (o->head) head(L, y);
  }
  if (!B->rc && mark_outputs(c, err)) B->rc = SIM_ENOMEM;
  if (!B->rc) B->rc = wl__check_counts(c, err);
done:
  rc = B->rc;
  wl__build_fini(B);
  sim_free(L);
  if (rc) {
    wl_cascade_free(c);
    return rc;
  }
  *out = c;
  return 0;
}
