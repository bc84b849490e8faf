/*
 * test_eval.c — the reference evaluator, and through it the semantics of
 * the IR: the 1-pass (FuseMax) and 3-pass attention cascades give the
 * same output as a softmax attention written by hand here, on random
 * inputs and on inputs whose scores (1e3 .. 1e4) overflow exp() without
 * the running max; MHA, MQA and GQA; causal prefill and decode with a
 * cache; a sliding window (Mistral) in prefill and decode; tiles that
 * divide the keys and tiles that do not.  A whole
 * GPT-2-style block is checked against a hand-written forward pass, and
 * small models of every kind evaluate to the same outputs in both forms.
 */
#include "tfsim_test.h"
#include "workloads/wl.h"

#include <math.h>
#include <string.h>

static wl_cascade *lower(const wl_model *m, const wl_opts *o) {
  wl_cascade *c = NULL;
  sim_err e;
  sim_err_clear(&e);
  int rc = wl_lower(m, o, &c, &e);
  if (rc) fprintf(stderr, "lower %s: %s\n", m->name, e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return c;
}

static wl_eval *evaluator(const wl_cascade *c) {
  wl_eval *ev = NULL;
  sim_err e;
  int rc = wl_eval_new(c, 0, &ev, &e);
  if (rc) fprintf(stderr, "eval: %s\n", e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return ev;
}

static double *data(wl_eval *ev, const wl_cascade *c, const char *name) {
  int t = wl_cascade_find_tensor(c, name);
  if (t < 0) fprintf(stderr, "no tensor %s\n", name);
  CU_ASSERT_FATAL(t >= 0);
  return wl_eval_data(ev, (size_t)t);
}

static uint64_t elems(const wl_cascade *c, const char *name) {
  int t = wl_cascade_find_tensor(c, name);
  CU_ASSERT_FATAL(t >= 0);
  const wl_tensor *T = wl_cascade_tensor(c, (size_t)t);
  uint64_t n = 1;
  for (uint32_t d = 0; d < T->ndim; d++) n *= T->extent[d];
  return n;
}

static int close_to(double a, double b, double rel) {
  return isfinite(a) && isfinite(b) &&
         fabs(a - b) <= rel * (fabs(b) > 1.0 ? fabs(b) : 1.0);
}

/* A small decoder model with the given heads (for attention tests). */
static wl_model tiny_llama(uint32_t H, uint32_t G, uint32_t E) {
  wl_model m;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("llama2-7b", &m, &e), 0);
  strcpy(m.name, "tiny-llama");
  m.d_model = 32;
  m.n_layers = 2;
  m.n_heads = H;
  m.n_kv_heads = G;
  m.head_dim = E;
  m.d_ff = 48;
  m.vocab = 40;
  m.max_pos = 64;
  return m;
}

/* Softmax attention written directly: AV[b,p,g,j,f] from Q[b,p,g,j,e],
 * K[b,m,g,e], V[b,m,g,f], causal when mask (key m visible to query p iff
 * m <= p + C), and with a sliding window W > 0 also only if
 * m > p + C - W. */
static void direct_attention(const double *Q, const double *K,
                             const double *V, double *out, uint64_t B,
                             uint64_t P, uint64_t M, uint64_t G, uint64_t J,
                             uint64_t E, int mask, uint64_t C, uint64_t W) {
  double s[4096];
  for (uint64_t b = 0; b < B; b++)
    for (uint64_t p = 0; p < P; p++)
      for (uint64_t g = 0; g < G; g++)
        for (uint64_t j = 0; j < J; j++) {
          double mx = -INFINITY;
          for (uint64_t m = 0; m < M; m++) {
            if (mask && (m > p + C || (W && m + W <= p + C))) {
              s[m] = -INFINITY;
              continue;
            }
            double acc = 0;
            for (uint64_t e = 0; e < E; e++)
              acc += Q[(((b * P + p) * G + g) * J + j) * E + e] *
                     K[((b * M + m) * G + g) * E + e];
            s[m] = acc / sqrt((double)E);
            if (s[m] > mx) mx = s[m];
          }
          double den = 0;
          for (uint64_t m = 0; m < M; m++) {
            s[m] = exp(s[m] - mx);
            den += s[m];
          }
          for (uint64_t f = 0; f < E; f++) {
            double num = 0;
            for (uint64_t m = 0; m < M; m++)
              num += s[m] * V[((b * M + m) * G + g) * E + f];
            out[(((b * P + p) * G + g) * J + j) * E + f] = num / den;
          }
        }
}

/* Runs the attention scope in both forms and checks both against the
 * direct computation.  big: scale of Q and K (1 for ordinary inputs). */
static void check_attention(const wl_model *m, wl_phase phase, uint64_t B,
                            uint64_t seq, uint64_t kv, uint64_t tile,
                            double big, uint64_t seed) {
  double *ref = NULL, *outs[2] = {NULL, NULL};
  uint64_t n_out = 0;
  double max_score = 0;
  for (int form = 0; form < 2; form++) {
    wl_opts o;
    wl_opts_default(&o);
    o.phase = phase;
    o.batch = B;
    o.seq = seq;
    o.kv = kv;
    o.tile_m = tile;
    o.scope = WL_SCOPE_ATTENTION;
    o.form = form ? WL_ATTN_1PASS : WL_ATTN_3PASS;
    wl_cascade *c = lower(m, &o);
    wl_eval *ev = evaluator(c);
    wl_eval_fill_random(ev, seed);
    int cached = wl_cascade_find_tensor(c, "L0.attn.Kc") >= 0;
    if (big != 1.0) {
      wl_eval_fill_tensor(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.Q"),
                          seed, -big, big);
      wl_eval_fill_tensor(ev, (size_t)wl_cascade_find_tensor(c, "L0.attn.K"),
                          seed + 1, -big, big);
      if (cached)
        wl_eval_fill_tensor(ev,
                            (size_t)wl_cascade_find_tensor(c, "L0.attn.Kc"),
                            seed + 2, -big, big);
    }
    sim_err e;
    CU_ASSERT_EQUAL_FATAL(wl_eval_run(ev, &e), 0);
    uint64_t G = wl_model_kv_heads(m), J = m->n_heads / G;
    uint64_t E = wl_model_head_dim(m);
    uint64_t P = phase == WL_DECODE ? 1 : seq, C = kv;
    uint64_t W = m->sliding_window;
    if (W && C > W - 1) C = W - 1; /* the window's part of the cache */
    uint64_t M = C + P;
    const double *K = data(ev, c, cached ? "L0.attn.Kc" : "L0.attn.K");
    const double *V = data(ev, c, cached ? "L0.attn.Vc" : "L0.attn.V");
    const double *Q = data(ev, c, "L0.attn.Q");
    if (cached) { /* the append wrote the new token at position C */
      const double *Kn = data(ev, c, "L0.attn.K");
      for (uint64_t g = 0; g < G; g++)
        CU_ASSERT_EQUAL(K[(C * G + g) * E], Kn[g * E]);
    }
    n_out = elems(c, "L0.attn.AV");
    outs[form] = malloc(n_out * sizeof(double));
    memcpy(outs[form], data(ev, c, "L0.attn.AV"), n_out * sizeof(double));
    if (form == 0) {
      ref = malloc(n_out * sizeof(double));
      const wl_op *qk =
          wl_cascade_op(c, (size_t)wl_cascade_find_op(c, "L0.attn.QK"));
      direct_attention(Q, K, V, ref, B, P, M, G, J, E, qk->masked, C,
                       qk->masked ? qk->mask_win : 0);
      if (W && C + P > W) CU_ASSERT_EQUAL(qk->mask_win, W);
      /* the largest score, to show the big inputs would overflow exp */
      const double *S = data(ev, c, "L0.attn.QK");
      for (uint64_t i = 0; i < elems(c, "L0.attn.QK"); i++)
        if (isfinite(S[i]) && fabs(S[i]) > max_score) max_score = fabs(S[i]);
    }
    wl_eval_free(ev);
    wl_cascade_free(c);
  }
  if (big > 1.0) {
    CU_ASSERT(max_score > 1000.0);
    CU_ASSERT(isinf(exp(max_score))); /* a max-free softmax overflows */
  }
  int bad = 0;
  for (uint64_t i = 0; i < n_out; i++) {
    if (!close_to(outs[0][i], ref[i], 1e-9) ||
        !close_to(outs[1][i], ref[i], 1e-9))
      bad++;
  }
  if (bad)
    fprintf(stderr, "%s: %d of %llu outputs differ (e.g. %g %g %g)\n",
            m->name, bad, (unsigned long long)n_out, outs[0][0], outs[1][0],
            ref[0]);
  CU_ASSERT_EQUAL(bad, 0);
  free(ref);
  free(outs[0]);
  free(outs[1]);
}

static void test_attention_random(void) {
  wl_model mha = tiny_llama(4, 4, 8), gqa = tiny_llama(4, 2, 8),
           mqa = tiny_llama(4, 1, 8);
  /* prefill, causal; tiles 4 (divides 12), 5 (-> 4), 12, 1 */
  static const uint64_t tiles[] = {4, 5, 12, 1, 256};
  for (int t = 0; t < 5; t++) {
    check_attention(&mha, WL_PREFILL, 2, 12, 0, tiles[t], 1.0, 7 + t);
    check_attention(&gqa, WL_PREFILL, 1, 12, 0, tiles[t], 1.0, 17 + t);
    check_attention(&mqa, WL_PREFILL, 2, 12, 0, tiles[t], 1.0, 27 + t);
  }
  /* decode with a cache of 9 tokens (10 keys), and of 0 */
  check_attention(&gqa, WL_DECODE, 2, 1, 9, 4, 1.0, 41);
  check_attention(&mqa, WL_DECODE, 1, 1, 9, 5, 1.0, 42);
  check_attention(&mha, WL_DECODE, 1, 1, 0, 4, 1.0, 43);
  /* encoder (no mask) */
  wl_model bert;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("bert-base", &bert, &e), 0);
  bert.d_model = 32;
  bert.n_heads = 2;
  check_attention(&bert, WL_PREFILL, 2, 16, 0, 4, 1.0, 44);
  /* Mistral's sliding window of 4 keys: prefill of 12 (> window; whole
   * key tiles masked for the later queries in the 1-pass form), after a
   * cache of 9 (3 of them attended), and decode past the window. */
  wl_model win = tiny_llama(4, 2, 8);
  win.sliding_window = 4;
  for (int t = 0; t < 5; t++)
    check_attention(&win, WL_PREFILL, 2, 12, 0, tiles[t], 1.0, 61 + t);
  check_attention(&win, WL_PREFILL, 1, 5, 9, 2, 1.0, 66);
  check_attention(&win, WL_DECODE, 2, 1, 9, 2, 1.0, 67);
  check_attention(&win, WL_DECODE, 1, 1, 2, 4, 1.0, 68);
}

static void test_attention_huge_scores(void) {
  wl_model gqa = tiny_llama(4, 2, 16), mha = tiny_llama(2, 2, 16);
  check_attention(&gqa, WL_PREFILL, 1, 16, 0, 4, 100.0, 51);
  check_attention(&mha, WL_PREFILL, 2, 16, 0, 3, 60.0, 52);
  check_attention(&gqa, WL_DECODE, 1, 1, 15, 4, 100.0, 53);
}

static double gelu(double x) {
  return 0.5 * x *
         (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

static void layernorm(const double *x, const double *g, const double *b,
                      double *y, uint64_t D, double eps) {
  double mu = 0, var = 0;
  for (uint64_t i = 0; i < D; i++) mu += x[i];
  mu /= (double)D;
  for (uint64_t i = 0; i < D; i++) var += (x[i] - mu) * (x[i] - mu);
  var /= (double)D;
  for (uint64_t i = 0; i < D; i++)
    y[i] = (x[i] - mu) / sqrt(var + eps) * g[i] + b[i];
}

/* y[t][o] = sum_i x[t][i] W[i][o] + bias[o] */
static void matmul(const double *x, const double *W, const double *bias,
                   double *y, uint64_t T, uint64_t I, uint64_t O) {
  for (uint64_t t = 0; t < T; t++)
    for (uint64_t o = 0; o < O; o++) {
      double acc = 0;
      for (uint64_t i = 0; i < I; i++) acc += x[t * I + i] * W[i * O + o];
      y[t * O + o] = acc + (bias ? bias[o] : 0);
    }
}

/* A GPT-2 block (pre-LN, causal MHA, GELU) by hand vs the evaluator. */
static void test_gpt2_block_by_hand(void) {
  wl_model m;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &e), 0);
  m.d_model = 16;
  m.n_heads = 4;
  m.d_ff = 24;
  const uint64_t B = 2, P = 6, D = 16, H = 4, E = 4, F = 24, T = B * P;
  for (int form = 0; form < 2; form++) {
    wl_opts o;
    wl_opts_default(&o);
    o.scope = WL_SCOPE_BLOCK;
    o.batch = B;
    o.seq = P;
    o.form = form ? WL_ATTN_1PASS : WL_ATTN_3PASS;
    o.tile_m = 2;
    wl_cascade *c = lower(&m, &o);
    wl_eval *ev = evaluator(c);
    wl_eval_fill_random(ev, 99);
    CU_ASSERT_EQUAL_FATAL(wl_eval_run(ev, &e), 0);
    const double *X = data(ev, c, "L0.in");
    double h1[T * D], q[T * D], k[T * D], v[T * D], av[T * D], o1[T * D],
        x1[T * D], h2[T * D], up[T * F], out[T * D], x2[T * D];
    for (uint64_t t = 0; t < T; t++)
      layernorm(X + t * D, data(ev, c, "L0.ln1.g"), data(ev, c, "L0.ln1.b"),
                h1 + t * D, D, m.norm_eps);
    /* Q.W is [d, g, j, e] = [d, H*E] row-major */
    matmul(h1, data(ev, c, "L0.attn.Q.W"), data(ev, c, "L0.attn.Q.b"), q, T,
           D, D);
    matmul(h1, data(ev, c, "L0.attn.K.W"), data(ev, c, "L0.attn.K.b"), k, T,
           D, D);
    matmul(h1, data(ev, c, "L0.attn.V.W"), data(ev, c, "L0.attn.V.b"), v, T,
           D, D);
    direct_attention(q, k, v, av, B, P, P, H, 1, E, 1, 0, 0);
    matmul(av, data(ev, c, "L0.attn.O.W"), data(ev, c, "L0.attn.O.b"), o1, T,
           D, D);
    for (uint64_t i = 0; i < T * D; i++) x1[i] = X[i] + o1[i];
    for (uint64_t t = 0; t < T; t++)
      layernorm(x1 + t * D, data(ev, c, "L0.ln2.g"), data(ev, c, "L0.ln2.b"),
                h2 + t * D, D, m.norm_eps);
    matmul(h2, data(ev, c, "L0.ffn.up.W"), data(ev, c, "L0.ffn.up.b"), up, T,
           D, F);
    for (uint64_t i = 0; i < T * F; i++) up[i] = gelu(up[i]);
    matmul(up, data(ev, c, "L0.ffn.out.W"), data(ev, c, "L0.ffn.out.b"), out,
           T, F, D);
    for (uint64_t i = 0; i < T * D; i++) x2[i] = x1[i] + out[i];
    const double *Y = data(ev, c, "L0.out");
    int bad = 0;
    for (uint64_t i = 0; i < T * D; i++)
      if (!close_to(Y[i], x2[i], 1e-9)) bad++;
    CU_ASSERT_EQUAL(bad, 0);
    /* the output tensor is marked as such */
    CU_ASSERT_EQUAL(
        wl_cascade_tensor(c, (size_t)wl_cascade_find_tensor(c, "L0.out"))
            ->kind,
        WL_T_OUTPUT);
    wl_eval_free(ev);
    wl_cascade_free(c);
  }
}

/* Whole small models: both forms give the same outputs, all finite. */
static void check_model_forms(const wl_model *m, wl_phase phase,
                              uint64_t seq, uint64_t kv, const char *out) {
  double *res[2] = {NULL, NULL};
  uint64_t n = 0;
  for (int form = 0; form < 2; form++) {
    wl_opts o;
    wl_opts_default(&o);
    o.phase = phase;
    o.batch = 2;
    o.seq = seq;
    o.kv = kv;
    o.tile_m = 3;
    o.form = form ? WL_ATTN_1PASS : WL_ATTN_3PASS;
    wl_cascade *c = lower(m, &o);
    wl_eval *ev = evaluator(c);
    wl_eval_fill_random(ev, 5);
    sim_err e;
    CU_ASSERT_EQUAL_FATAL(wl_eval_run(ev, &e), 0);
    n = elems(c, out);
    res[form] = malloc(n * sizeof(double));
    memcpy(res[form], data(ev, c, out), n * sizeof(double));
    wl_eval_free(ev);
    wl_cascade_free(c);
  }
  int bad = 0;
  for (uint64_t i = 0; i < n; i++)
    if (!close_to(res[1][i], res[0][i], 1e-8)) bad++;
  if (bad) fprintf(stderr, "%s: %d of %llu differ\n", m->name, bad,
                   (unsigned long long)n);
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT(n > 0);
  free(res[0]);
  free(res[1]);
}

static void test_small_models(void) {
  sim_err e;
  wl_model m;
  /* GPT-2 style */
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &e), 0);
  m.d_model = 16;
  m.n_heads = 2;
  m.n_layers = 2;
  m.d_ff = 32;
  m.vocab = 30;
  m.max_pos = 32;
  check_model_forms(&m, WL_PREFILL, 7, 0, "head.logits");
  check_model_forms(&m, WL_DECODE, 1, 6, "head.logits");
  /* LLaMA style, GQA, SwiGLU, RMSNorm */
  m = tiny_llama(4, 2, 8);
  check_model_forms(&m, WL_PREFILL, 9, 0, "head.logits");
  check_model_forms(&m, WL_DECODE, 1, 8, "head.logits");
  /* BERT (post-norm, pooler) */
  CU_ASSERT_EQUAL_FATAL(wl_model_find("bert-base", &m, &e), 0);
  m.d_model = 16;
  m.n_heads = 2;
  m.n_layers = 2;
  m.d_ff = 32;
  m.vocab = 30;
  check_model_forms(&m, WL_PREFILL, 10, 0, "head.pool");
  /* T5 (encoder-decoder, cross attention), prefill and decode */
  CU_ASSERT_EQUAL_FATAL(wl_model_find("t5-base", &m, &e), 0);
  m.d_model = 16;
  m.n_heads = 2;
  m.head_dim = 8;
  m.n_layers = 2;
  m.n_dec_layers = 2;
  m.d_ff = 24;
  m.vocab = 30;
  check_model_forms(&m, WL_PREFILL, 8, 0, "head.logits");
  check_model_forms(&m, WL_DECODE, 8, 4, "head.logits");
  /* ViT */
  CU_ASSERT_EQUAL_FATAL(wl_model_find("deit-t", &m, &e), 0);
  m.d_model = 16;
  m.n_heads = 2;
  m.n_layers = 2;
  m.d_ff = 32;
  m.image_size = 16;
  m.patch_size = 4;
  m.n_classes = 10;
  check_model_forms(&m, WL_PREFILL, 0, 0, "head.logits");
  /* MCUFormer: low rank, heads of 64 (wider than d_model), padded patch */
  wl_mcu_cfg cfg = {16, 2, 1, 2.0, 32, 0.5, 48, 10, 32};
  CU_ASSERT_EQUAL_FATAL(wl_mcuformer(&cfg, &m, &e), 0);
  CU_ASSERT_EQUAL(m.patch_pad, 8);
  check_model_forms(&m, WL_PREFILL, 0, 0, "head.logits");
}

static void test_eval_errors(void) {
  wl_model m;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &e), 0);
  wl_opts o;
  wl_opts_default(&o);
  wl_cascade *c = lower(&m, &o);
  wl_eval *ev = NULL;
  CU_ASSERT_EQUAL(wl_eval_new(c, 1000000, &ev, &e), SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "small shapes"));
  CU_ASSERT_PTR_NULL(ev);
  wl_cascade_free(c);
  o.scope = WL_SCOPE_ATTENTION;
  o.seq = 4;
  c = lower(&m, &o);
  ev = evaluator(c);
  double x[3] = {1, 2, 3};
  CU_ASSERT_EQUAL(wl_eval_set(ev, 0, x, 3, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "L0.attn.Q"));
  /* a given array is used as is */
  uint64_t n = elems(c, "L0.attn.Q");
  double *ones = malloc(n * sizeof(double));
  for (uint64_t i = 0; i < n; i++) ones[i] = 0.5;
  CU_ASSERT_EQUAL(wl_eval_set(ev, 0, ones, n, &e), 0);
  CU_ASSERT_EQUAL(wl_eval_data(ev, 0)[n - 1], 0.5);
  free(ones);
  wl_eval_free(ev);
  wl_cascade_free(c);
  wl_eval_free(NULL);
  wl_cascade_free(NULL);
}

static CU_TestInfo tests[] = {
    {"attention_1pass_3pass_direct", test_attention_random},
    {"attention_huge_scores", test_attention_huge_scores},
    {"gpt2_block_by_hand", test_gpt2_block_by_hand},
    {"small_models_both_forms", test_small_models},
    {"eval_errors", test_eval_errors},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"wl_eval", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
