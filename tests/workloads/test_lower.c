/*
 * test_lower.c — the lowering of transformers to einsum cascades: MAC
 * counts against closed forms written here (independently of lower.c),
 * KV-cache bytes, bytes conservation per op, int4 half bytes, weights in
 * the cascade == the parameter count, MHA/MQA/GQA shapes, scopes, phases,
 * encoder-decoder and ViT, repeat_layers, determinism, option errors and
 * out-of-memory injection.
 */
#include "tfsim_test.h"
#include "workloads/wl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wl_model find(const char *name) {
  wl_model m;
  sim_err e;
  int rc = wl_model_find(name, &m, &e);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return m;
}

static wl_cascade *lower(const wl_model *m, const wl_opts *o) {
  wl_cascade *c = NULL;
  sim_err e;
  sim_err_clear(&e);
  int rc = wl_lower(m, o, &c, &e);
  if (rc) fprintf(stderr, "lower %s: %s\n", m->name, e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return c;
}

static wl_totals totals_of(const wl_model *m, const wl_opts *o) {
  wl_cascade *c = lower(m, o);
  wl_totals t;
  wl_cascade_totals(c, &t);
  wl_cascade_free(c);
  return t;
}

static wl_opts decode_opts(uint64_t batch, uint64_t kv) {
  wl_opts o;
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.batch = batch;
  o.kv = kv;
  return o;
}

/* Closed forms, per generated token (one sequence).  A decode step at
 * cache length kv attends kv + 1 keys (the new token included). */
static uint64_t gpt_decode_macs(uint64_t d, uint64_t L, uint64_t V,
                                uint64_t kv) {
  uint64_t weights = L * 12 * d * d;      /* QKV 3d^2, O d^2, FFN 8d^2 */
  uint64_t attn = L * 2 * d * (kv + 1);   /* QK and AV: H*E = d      */
  return weights + attn + d * V;          /* + LM head                */
}

static uint64_t llama_decode_macs(uint64_t d, uint64_t L, uint64_t H,
                                  uint64_t G, uint64_t E, uint64_t F,
                                  uint64_t V, uint64_t kv) {
  uint64_t weights = L * (d * (H + 2 * G) * E + H * E * d + 3 * d * F);
  uint64_t attn = L * 2 * H * E * (kv + 1);
  return weights + attn + d * V;
}

static void test_decode_macs(void) {
  static const uint64_t kvs[] = {0, 127, 1023};
  for (int i = 0; i < 3; i++) {
    uint64_t kv = kvs[i];
    for (int form = 0; form < 2; form++) {
      wl_opts o = decode_opts(1, kv);
      o.form = form ? WL_ATTN_1PASS : WL_ATTN_3PASS;
      wl_model m = find("gpt2-s");
      CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                      gpt_decode_macs(768, 12, 50257, kv));
      m = find("gpt2-xl");
      CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                      gpt_decode_macs(1600, 48, 50257, kv));
      m = find("opt-1.3b");
      CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                      gpt_decode_macs(2048, 24, 50272, kv));
      m = find("llama2-7b");
      CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                      llama_decode_macs(4096, 32, 32, 32, 128, 11008, 32000,
                                        kv));
      m = find("llama2-70b");
      CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                      llama_decode_macs(8192, 80, 64, 8, 128, 28672, 32000,
                                        kv));
    }
  }
  /* batch multiplies */
  wl_model m = find("llama2-13b");
  wl_opts o = decode_opts(4, 511);
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                  4 * llama_decode_macs(5120, 40, 40, 40, 128, 13824, 32000,
                                        511));
  /* 2x-params style: weight MACs = non-embedding weights (no biases,
   * norms) + the LM head: for GPT-2 that is params - biases - norms -
   * wpe, the tied wte counted once as the head. */
  m = find("gpt2-s");
  o = decode_opts(1, 0);
  uint64_t d = 768, L = 12;
  uint64_t nonmac = 1024 * d + L * (13 * d) + 2 * d; /* wpe, biases+LN, lnf */
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                  wl_model_params(&m) - nonmac + 2 * L * d * 1);
}

static void test_prefill_macs(void) {
  wl_model m = find("gpt2-m");
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 256;
  o.batch = 2;
  uint64_t d = 1024, L = 24, N = 256, V = 50257;
  uint64_t want = 2 * (N * (L * 12 * d * d + d * V) + L * 2 * d * N * N);
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs, want);
  o.form = WL_ATTN_1PASS;
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs, want);
  /* BERT: encoder, pooler on the cls token */
  m = find("bert-base");
  wl_opts_default(&o);
  o.seq = 128;
  d = 768;
  L = 12;
  N = 128;
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                  N * L * 12 * d * d + L * 2 * d * N * N + d * d);
  /* ViT-B/16: patch conv, 197 tokens, classifier on cls */
  m = find("vit-b16");
  wl_opts_default(&o);
  N = 197;
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                  196 * d * (3 * 16 * 16) + N * L * 12 * d * d +
                      L * 2 * d * N * N + d * 1000);
  /* T5-base, encoder S tokens, decoder T tokens */
  m = find("t5-base");
  wl_opts_default(&o);
  o.seq = 64;
  o.tgt = 16;
  uint64_t S = 64, T = 16, F = 3072;
  V = 32128;
  uint64_t enc = S * L * (4 * d * d + 2 * d * F) + L * 2 * d * S * S;
  uint64_t dec = T * L * (4 * d * d + 2 * d * d + 2 * d * F) +
                 S * L * 2 * d * d + L * (2 * d * T * T + 2 * d * T * S) +
                 T * d * V;
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs, enc + dec);
  /* T5 decode: cross K/V cached, S keys */
  o = decode_opts(1, 9);
  o.seq = 64;
  CU_ASSERT_EQUAL(totals_of(&m, &o).macs,
                  L * (4 * d * d + 2 * d * d + 2 * d * F) +
                      L * (2 * d * 10 + 2 * d * S) + d * V);
}

static void test_kv_cache_bytes(void) {
  wl_model m = find("llama2-7b");
  wl_opts o = decode_opts(2, 100);
  wl_totals t = totals_of(&m, &o);
  CU_ASSERT_EQUAL(t.kv_bytes, 2 * 101 * wl_model_kv_bytes_per_token(&m,
                                                                    WL_FP16));
  CU_ASSERT_EQUAL(t.kv_bytes, 2ull * 32 * 2 * 101 * 32 * 128 * 2);
  o.kv_prec = WL_INT8;
  t = totals_of(&m, &o);
  CU_ASSERT_EQUAL(t.kv_bytes, 2 * 101 * wl_model_kv_bytes_per_token(&m,
                                                                    WL_INT8));
  m = find("yi-34b");
  o = decode_opts(1, 0);
  o.prec = WL_BF16;
  t = totals_of(&m, &o);
  CU_ASSERT_EQUAL(t.kv_bytes, 245760ull); /* one token in the cache */
  /* the append op writes exactly one token's K (not the whole cache) */
  o.kv = 4095;
  wl_cascade *c = lower(&m, &o);
  int k = wl_cascade_find_op(c, "L0.attn.Kc");
  CU_ASSERT_FATAL(k >= 0);
  const wl_op *op = wl_cascade_op(c, (size_t)k);
  CU_ASSERT_EQUAL(wl_op_out_bytes(c, op), 8 * 128 * 2);
  int qk = wl_cascade_find_op(c, "L0.attn.QK");
  CU_ASSERT_FATAL(qk >= 0);
  wl_gemm g;
  CU_ASSERT_EQUAL(wl_op_gemm(c, wl_cascade_op(c, (size_t)qk), &g), 0);
  CU_ASSERT_EQUAL(g.batch, 8); /* b * g */
  CU_ASSERT_EQUAL(g.m, 7);     /* j * p: 56 / 8 query heads per group */
  CU_ASSERT_EQUAL(g.n, 4096);  /* keys */
  CU_ASSERT_EQUAL(g.k, 128);
  wl_cascade_free(c);
}

static uint64_t tensor_bytes(const wl_tensor *t) {
  uint64_t n = 1;
  for (uint32_t d = 0; d < t->ndim; d++) n *= t->extent[d];
  return wl_bytes_of(n, t->prec);
}

static uint64_t tensor_elems(const wl_tensor *t) {
  uint64_t n = 1;
  for (uint32_t d = 0; d < t->ndim; d++) n *= t->extent[d];
  return n;
}

static void check_conservation(const wl_cascade *c, int full) {
  for (size_t i = 0; i < wl_cascade_n_ops(c); i++) {
    const wl_op *op = wl_cascade_op(c, i);
    uint64_t sum = 0, full_sum = 0;
    for (uint32_t k = 0; k < op->n_in; k++) {
      if (k == 1 && op->in[1].tensor == op->in[0].tensor) continue;
      sum += wl_access_bytes(c, op, &op->in[k]);
      full_sum += tensor_bytes(wl_cascade_tensor(c, op->in[k].tensor));
    }
    CU_ASSERT_EQUAL(wl_op_in_bytes(c, op), sum);
    CU_ASSERT_EQUAL(wl_op_out_bytes(c, op),
                    wl_access_bytes(c, op, &op->out));
    if (full) {
      CU_ASSERT_EQUAL(wl_op_in_bytes(c, op), full_sum);
      CU_ASSERT_EQUAL(wl_op_out_bytes(c, op),
                      tensor_bytes(wl_cascade_tensor(c, op->out.tensor)));
      if (wl_op_in_bytes(c, op) != full_sum)
        fprintf(stderr, "op %s: in %llu vs %llu\n", op->name,
                (unsigned long long)wl_op_in_bytes(c, op),
                (unsigned long long)full_sum);
    }
    /* deps point backwards */
    for (uint32_t k = 0; k < op->n_deps; k++) CU_ASSERT(op->deps[k] < i);
  }
}

static void test_bytes_conservation(void) {
  wl_model m = find("gpt2-s");
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 16;
  o.scope = WL_SCOPE_BLOCK;
  static const wl_precision precs[] = {WL_FP32, WL_FP16, WL_BF16, WL_INT8,
                                       WL_INT4};
  for (int i = 0; i < 5; i++) {
    o.prec = precs[i];
    wl_cascade *c = lower(&m, &o);
    check_conservation(c, 1);
    /* QK: [b,g,j,p,m] = 1 x 12 x 1 x 16 x 16 elements */
    int qk = wl_cascade_find_op(c, "L0.attn.QK");
    CU_ASSERT_FATAL(qk >= 0);
    uint64_t elems = 12 * 16 * 16;
    CU_ASSERT_EQUAL(wl_op_out_bytes(c, wl_cascade_op(c, (size_t)qk)),
                    precs[i] == WL_INT4 ? elems / 2
                                        : elems * wl_precision_bits(precs[i]) /
                                              8);
    wl_cascade_free(c);
  }
  /* 1-pass, GQA, decode: footprints of partial accesses still add up */
  m = find("llama2-70b");
  o = decode_opts(2, 300);
  o.form = WL_ATTN_1PASS;
  o.scope = WL_SCOPE_BLOCK;
  o.layer = 3;
  wl_cascade *c = lower(&m, &o);
  check_conservation(c, 0);
  /* the embedding gather touches only the tokens' rows */
  wl_cascade_free(c);
  m = find("gpt2-s");
  wl_opts_default(&o);
  o.seq = 10;
  o.batch = 3;
  c = lower(&m, &o);
  int g = wl_cascade_find_op(c, "embed.tok.p");
  CU_ASSERT_FATAL(g >= 0);
  const wl_op *op = wl_cascade_op(c, (size_t)g);
  CU_ASSERT_EQUAL(op->compute, WL_C_GATHER);
  CU_ASSERT_EQUAL(wl_access_bytes(c, op, &op->in[0]), 30 * 768 * 2);
  CU_ASSERT_EQUAL(wl_access_bytes(c, op, &op->in[1]), 30 * 4);
  wl_cascade_free(c);
}

/* Weight tensors of a model-scope cascade hold exactly the parameters. */
static void test_weights_equal_params(void) {
  static const char *names[] = {"gpt2-s", "llama2-7b", "bert-base",
                                "vit-b16", "deit-t", "opt-1.3b",
                                "mcuformer-d192-p16", "mcuformer-t-min",
                                "xlm", "gpt3-13b"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    wl_model m = find(names[i]);
    wl_opts o;
    wl_opts_default(&o);
    o.seq = 4;
    o.prec = WL_FP32;
    wl_cascade *c = lower(&m, &o);
    uint64_t n = 0;
    for (size_t t = 0; t < wl_cascade_n_tensors(c); t++) {
      const wl_tensor *T = wl_cascade_tensor(c, t);
      if (T->kind == WL_T_WEIGHT) n += tensor_elems(T);
    }
    CU_ASSERT_EQUAL(n, wl_model_params(&m));
    if (n != wl_model_params(&m))
      fprintf(stderr, "%s: cascade weights %llu, params %llu\n", names[i],
              (unsigned long long)n,
              (unsigned long long)wl_model_params(&m));
    wl_totals t;
    wl_cascade_totals(c, &t);
    CU_ASSERT_EQUAL(t.weight_bytes, 4 * wl_model_params(&m));
    wl_cascade_free(c);
  }
  /* int4: half a byte per weight (every GPT-2 tensor has even size) */
  wl_model m = find("gpt2-s");
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 4;
  o.prec = WL_INT4;
  CU_ASSERT_EQUAL(totals_of(&m, &o).weight_bytes, 124439808ull / 2);
}

static void test_attention_kinds(void) {
  wl_model m = find("llama2-7b");
  m.n_kv_heads = 1; /* MQA */
  CU_ASSERT_EQUAL(wl_model_attn_kind(&m), WL_MQA);
  wl_opts o = decode_opts(1, 63);
  o.scope = WL_SCOPE_ATTENTION;
  wl_cascade *c = lower(&m, &o);
  CU_ASSERT_EQUAL(wl_cascade_rank(c, (size_t)wl_cascade_find_rank(c, "g"))
                      ->size, 1);
  CU_ASSERT_EQUAL(wl_cascade_rank(c, (size_t)wl_cascade_find_rank(c, "j"))
                      ->size, 32);
  wl_totals t;
  wl_cascade_totals(c, &t);
  CU_ASSERT_EQUAL(t.macs, 2ull * 32 * 128 * 64);
  CU_ASSERT_EQUAL(t.kv_bytes, 2ull * 64 * 128 * 2);
  for (size_t i = 0; i < wl_cascade_n_ops(c); i++) {
    const wl_op *op = wl_cascade_op(c, i);
    CU_ASSERT(op->part == WL_PART_ATTN || op->part == WL_PART_KV);
  }
  wl_cascade_free(c);
  /* attention scope sizes: 3-pass 6 einsums, 1-pass 15 */
  m = find("bert-base");
  wl_opts_default(&o);
  o.scope = WL_SCOPE_ATTENTION;
  o.seq = 1024;
  c = lower(&m, &o);
  CU_ASSERT_EQUAL(wl_cascade_n_ops(c), 6);
  wl_cascade_free(c);
  o.form = WL_ATTN_1PASS;
  c = lower(&m, &o);
  CU_ASSERT_EQUAL(wl_cascade_n_ops(c), 15);
  int r = wl_cascade_find_rank(c, "m1");
  CU_ASSERT_FATAL(r >= 0);
  CU_ASSERT(wl_cascade_rank(c, (size_t)r)->iterative);
  CU_ASSERT_EQUAL(wl_cascade_rank(c, (size_t)r)->size, 4); /* 1024/256 */
  /* FuseMax: one divide per output, exp per score element */
  wl_cascade_totals(c, &t);
  CU_ASSERT_EQUAL(t.exp_ops, 12ull * 1024 * 1024 + 12ull * 1024 * 4);
  int av = wl_cascade_find_op(c, "L0.attn.AV");
  CU_ASSERT_EQUAL(wl_op_elem_ops(c, wl_cascade_op(c, (size_t)av)),
                  12ull * 1024 * 64);
  wl_cascade_free(c);
  /* a key count with no divisor near the tile: largest divisor <= 256 */
  o.seq = 1000;
  c = lower(&m, &o);
  CU_ASSERT_EQUAL(wl_cascade_rank(c, (size_t)wl_cascade_find_rank(c, "m0"))
                      ->size, 250);
  wl_cascade_free(c);
}

static void test_repeat_layers(void) {
  wl_model m = find("gpt2-s");
  wl_opts o = decode_opts(1, 200);
  wl_totals a = totals_of(&m, &o);
  o.repeat_layers = 1;
  wl_cascade *c = lower(&m, &o);
  wl_totals b;
  wl_cascade_totals(c, &b);
  CU_ASSERT_EQUAL(a.macs, b.macs);
  CU_ASSERT_EQUAL(a.elem_ops, b.elem_ops);
  CU_ASSERT_EQUAL(a.weight_bytes, b.weight_bytes);
  CU_ASSERT_EQUAL(a.kv_bytes, b.kv_bytes);
  CU_ASSERT_EQUAL(a.n_ops, b.n_ops);
  CU_ASSERT(wl_cascade_n_ops(c) < a.n_ops / 5);
  int q = wl_cascade_find_op(c, "L0.attn.QK");
  CU_ASSERT_EQUAL(wl_cascade_op(c, (size_t)q)->repeat, 12);
  wl_eval *ev = NULL;
  sim_err e;
  CU_ASSERT_EQUAL(wl_eval_new(c, 0, &ev, &e), SIM_EUNSUP);
  CU_ASSERT_PTR_NULL(ev);
  wl_cascade_free(c);
}

static char *dump_of(const wl_cascade *c) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wl_cascade_dump(c, f);
  fclose(f);
  return buf;
}

static void test_determinism(void) {
  wl_model m = find("t5-base");
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 32;
  o.form = WL_ATTN_1PASS;
  o.tile_m = 8;
  wl_cascade *a = lower(&m, &o), *b = lower(&m, &o);
  char *da = dump_of(a), *db = dump_of(b);
  CU_ASSERT_STRING_EQUAL(da, db);
  CU_ASSERT(strlen(da) > 10000);
  CU_ASSERT_PTR_NOT_NULL(strstr(da, "L12.xattn.QK")); /* cross attention */
  free(da);
  free(db);
  check_conservation(a, 0);
  wl_cascade_free(a);
  wl_cascade_free(b);
}

static void test_causal(void) {
  wl_model m = find("gpt2-s");
  wl_opts o;
  wl_opts_default(&o);
  o.seq = 8;
  o.scope = WL_SCOPE_ATTENTION;
  wl_cascade *c = lower(&m, &o);
  const wl_op *qk = wl_cascade_op(c, (size_t)wl_cascade_find_op(c,
                                                              "L0.attn.QK"));
  CU_ASSERT(qk->masked);
  wl_cascade_free(c);
  m = find("bert-base");
  c = lower(&m, &o);
  qk = wl_cascade_op(c, (size_t)wl_cascade_find_op(c, "L0.attn.QK"));
  CU_ASSERT(!qk->masked);
  wl_cascade_free(c);
  m = find("gpt2-s");
  o = decode_opts(1, 7);
  o.scope = WL_SCOPE_ATTENTION;
  c = lower(&m, &o);
  qk = wl_cascade_op(c, (size_t)wl_cascade_find_op(c, "L0.attn.QK"));
  CU_ASSERT(!qk->masked); /* one query sees the whole cache */
  wl_cascade_free(c);
}

static void test_opts_errors(void) {
  wl_model m = find("bert-base");
  wl_opts o = decode_opts(1, 10);
  wl_cascade *c = (wl_cascade *)&o; /* must be reset to NULL */
  sim_err e;
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_STRING_EQUAL(e.msg, "phase decode: model 'bert-base' is of "
                                "kind encoder; decode needs a decoder");
  m = find("gpt2-s");
  wl_opts_default(&o);
  o.seq = 2048;
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "exceed max_pos 1024"));
  o.scope = WL_SCOPE_ATTENTION; /* attention alone has no positions */
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), 0);
  wl_cascade_free(c);
  wl_opts_default(&o);
  o.batch = 0;
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(e.msg, "batch: must be > 0");
  wl_opts_default(&o);
  o.scope = WL_SCOPE_BLOCK;
  o.layer = 12;
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "layer: 12 out of range"));
  m.n_heads = 5;
  wl_opts_default(&o);
  CU_ASSERT_EQUAL(wl_lower(&m, &o, &c, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "n_heads 5 does not divide"));
}

/* Fail the N-th allocation for N = 1, 2, ... until lowering succeeds:
 * every failure is SIM_ENOMEM, leaves *out NULL and leaks nothing
 * (checked by the sanitizer build). */
typedef struct fail_ud {
  long left;
} fail_ud;

static void *failing_alloc(void *ud, void *ptr, size_t n) {
  fail_ud *f = ud;
  if (n == 0) {
    free(ptr);
    return NULL;
  }
  if (f->left-- == 0) return NULL;
  return realloc(ptr, n);
}

static void test_oom(void) {
  wl_model m = find("llama2-7b");
  m.n_layers = 2;
  wl_opts o = decode_opts(1, 5);
  o.form = WL_ATTN_1PASS;
  int ok = 0;
  for (long n = 0; n < 400 && !ok; n++) {
    fail_ud f = {n};
    sim_alloc_set_hook(failing_alloc, &f);
    wl_cascade *c = NULL;
    sim_err e;
    int rc = wl_lower(&m, &o, &c, &e);
    sim_alloc_set_hook(NULL, NULL);
    if (rc == 0) {
      ok = 1;
      CU_ASSERT(n > 3);
      wl_cascade_free(c);
    } else {
      CU_ASSERT_EQUAL(rc, SIM_ENOMEM);
      CU_ASSERT_PTR_NULL(c);
    }
  }
  CU_ASSERT(ok);
}

static CU_TestInfo tests[] = {
    {"decode_macs_closed_form", test_decode_macs},
    {"prefill_macs_closed_form", test_prefill_macs},
    {"kv_cache_bytes", test_kv_cache_bytes},
    {"bytes_conservation", test_bytes_conservation},
    {"weights_equal_params", test_weights_equal_params},
    {"attention_kinds", test_attention_kinds},
    {"repeat_layers", test_repeat_layers},
    {"determinism", test_determinism},
    {"causal_mask", test_causal},
    {"opts_errors", test_opts_errors},
    {"oom_injection", test_oom},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"wl_lower", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
