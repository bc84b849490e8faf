/*
 * test_zoo.c — the model zoo: exact published parameter counts, published
 * shapes, KV-cache bytes, name lookup and its suggestions, validation
 * messages, option parsers, the MCUFormer constructor.
 *
 * Published counts (and where they come from):
 *   GPT-2 S/M/L/XL 124,439,808 / 354,823,168 / 774,030,080 /
 *     1,557,611,200 (HF GPT2LMHeadModel, tied embeddings)
 *   LLaMA-2 7B/13B/70B 6,738,415,616 / 13,015,864,320 / 68,976,648,192
 *     (HF LlamaForCausalLM)
 *   BERT base/large 109,482,240 / 335,141,888 (HF BertModel with pooler)
 *   OPT-1.3B 1,315,758,080 (HF OPTForCausalLM)
 *   T5 base/large 222,903,552 / 737,668,096 (HF T5ForConditionalGeneration)
 *   ViT-B/16 86,567,656, DeiT-T 5,717,416, DeiT-S 22,050,664 (timm)
 * Each is also re-derived here by hand from the shapes, independently of
 * workloads/model.c, so a wrong shape and a wrong formula both fail.
 */
#include "tfsim_test.h"
#include "workloads/wl.h"

#include <string.h>

static wl_model find(const char *name) {
  wl_model m;
  sim_err e;
  sim_err_clear(&e);
  int rc = wl_model_find(name, &m, &e);
  if (rc) fprintf(stderr, "find %s: %s\n", name, e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return m;
}

static uint64_t params_of(const char *name) {
  wl_model m = find(name);
  return wl_model_params(&m);
}

/* GPT-2 by hand: wte + wpe + L (12 d^2 + 13 d) + final LN. */
static uint64_t gpt2_hand(uint64_t d, uint64_t L) {
  return 50257 * d + 1024 * d + L * (12 * d * d + 13 * d) + 2 * d;
}

static void test_gpt2_params(void) {
  CU_ASSERT_EQUAL(params_of("gpt2-s"), 124439808ull);
  CU_ASSERT_EQUAL(params_of("gpt2-m"), 354823168ull);
  CU_ASSERT_EQUAL(params_of("gpt2-l"), 774030080ull);
  CU_ASSERT_EQUAL(params_of("gpt2-xl"), 1557611200ull);
  CU_ASSERT_EQUAL(gpt2_hand(768, 12), 124439808ull);
  CU_ASSERT_EQUAL(gpt2_hand(1600, 48), 1557611200ull);
  /* aliases */
  CU_ASSERT_EQUAL(params_of("gpt2"), 124439808ull);
  CU_ASSERT_EQUAL(params_of("GPT2-Medium"), 354823168ull);
  CU_ASSERT_EQUAL(params_of("gpt2_large"), 774030080ull);
}

/* LLaMA by hand: 2 V d + L (2 d^2 + 2 d G E + 3 d F + 2 d) + d. */
static uint64_t llama_hand(uint64_t d, uint64_t L, uint64_t kv_dim,
                           uint64_t F, uint64_t V) {
  return 2 * V * d + L * (2 * d * d + 2 * d * kv_dim + 3 * d * F + 2 * d) + d;
}

static void test_llama_params(void) {
  CU_ASSERT_EQUAL(params_of("llama2-7b"), 6738415616ull);
  CU_ASSERT_EQUAL(params_of("llama-2-7b"), 6738415616ull);
  CU_ASSERT_EQUAL(params_of("llama2-13b"), 13015864320ull);
  CU_ASSERT_EQUAL(params_of("llama2-70b"), 68976648192ull);
  CU_ASSERT_EQUAL(llama_hand(4096, 32, 4096, 11008, 32000), 6738415616ull);
  CU_ASSERT_EQUAL(llama_hand(5120, 40, 5120, 13824, 32000), 13015864320ull);
  CU_ASSERT_EQUAL(llama_hand(8192, 80, 1024, 28672, 32000), 68976648192ull);
  /* Yi-34B (no published exact count: by hand from its config) */
  CU_ASSERT_EQUAL(params_of("yi-34b"),
                  llama_hand(7168, 60, 1024, 20480, 64000));
  CU_ASSERT_EQUAL(params_of("yi-34b"), 34388917248ull);
}

static void test_encoder_params(void) {
  CU_ASSERT_EQUAL(params_of("bert-base"), 109482240ull);
  CU_ASSERT_EQUAL(params_of("bert-base-uncased"), 109482240ull);
  CU_ASSERT_EQUAL(params_of("bert-large"), 335141888ull);
  /* BERT-base by hand: word + pos + type + emb LN + 12 layers + pooler */
  uint64_t d = 768;
  CU_ASSERT_EQUAL(30522 * d + 512 * d + 2 * d + 2 * d +
                      12 * (12 * d * d + 13 * d) + d * d + d,
                  109482240ull);
  CU_ASSERT_EQUAL(params_of("t5-base"), 222903552ull);
  CU_ASSERT_EQUAL(params_of("t5-large"), 737668096ull);
  /* T5-base by hand: shared emb + enc (4 d^2 + 2 d F + 2 d) x 12 + dec
   * (8 d^2 + 2 d F + 3 d) x 12 + 2 rel-bias tables + 2 final norms. */
  uint64_t F = 3072;
  CU_ASSERT_EQUAL(32128 * d + 12 * (4 * d * d + 2 * d * F + 2 * d) +
                      12 * (8 * d * d + 2 * d * F + 3 * d) + 2 * 32 * 12 +
                      2 * d,
                  222903552ull);
  CU_ASSERT_EQUAL(params_of("opt-1.3b"), 1315758080ull);
  d = 2048;
  CU_ASSERT_EQUAL(50272 * d + 2050 * d + 24 * (12 * d * d + 13 * d) + 2 * d,
                  1315758080ull);
}

static void test_vit_params(void) {
  CU_ASSERT_EQUAL(params_of("vit-b16"), 86567656ull);
  CU_ASSERT_EQUAL(params_of("deit-b"), 86567656ull);
  CU_ASSERT_EQUAL(params_of("deit-t"), 5717416ull);
  CU_ASSERT_EQUAL(params_of("deit-s"), 22050664ull);
  /* DeiT-T by hand: patch conv + cls + pos + layers + LN + head */
  uint64_t d = 192;
  CU_ASSERT_EQUAL(3 * 16 * 16 * d + d + d + 197 * d +
                      12 * (12 * d * d + 13 * d) + 2 * d + d * 1000 + 1000,
                  5717416ull);
  wl_model m = find("vit-b16");
  CU_ASSERT_EQUAL(wl_model_vit_tokens(&m), 197);
}

static void test_gpt3_shapes(void) {
  /* Brown et al. 2020 Table 2.1: n_layers, d_model, n_heads, d_head */
  static const struct {
    const char *name;
    uint32_t L, d, H, dh;
  } t[] = {{"gpt3-125m", 12, 768, 12, 64},    {"gpt3-350m", 24, 1024, 16, 64},
           {"gpt3-760m", 24, 1536, 16, 96},   {"gpt3-1.3b", 24, 2048, 24, 128},
           {"gpt3-2.7b", 32, 2560, 32, 80},   {"gpt3-6.7b", 32, 4096, 32, 128},
           {"gpt3-13b", 40, 5140, 40, 128},   {"gpt3-175b", 96, 12288, 96, 128}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    wl_model m = find(t[i].name);
    CU_ASSERT_EQUAL(m.n_layers, t[i].L);
    CU_ASSERT_EQUAL(m.d_model, t[i].d);
    CU_ASSERT_EQUAL(m.n_heads, t[i].H);
    CU_ASSERT_EQUAL(wl_model_head_dim(&m), t[i].dh);
    CU_ASSERT_EQUAL(m.d_ff, 4 * t[i].d);
    CU_ASSERT_EQUAL(m.max_pos, 2048);
  }
  /* 175B: within 0.3 % of the published 175.0e9 */
  double p = (double)params_of("gpt3-175b");
  CU_ASSERT(p > 174.5e9 && p < 175.5e9);
  /* OPT Table 1 */
  wl_model o = find("opt-66b");
  CU_ASSERT_EQUAL(o.n_layers, 64);
  CU_ASSERT_EQUAL(o.n_heads, 72);
  CU_ASSERT_EQUAL(o.d_model, 9216);
}

static void test_zoo_consistency(void) {
  size_t n = wl_zoo_count();
  CU_ASSERT(n >= 35);
  CU_ASSERT_PTR_NULL(wl_zoo_get(n));
  for (size_t i = 0; i < n; i++) {
    const wl_model *m = wl_zoo_get(i);
    sim_err e;
    sim_err_clear(&e);
    CU_ASSERT_EQUAL(wl_check(m, &e), 0);
    if (e.code) fprintf(stderr, "%s: %s\n", m->name, e.msg);
    CU_ASSERT(strlen(m->source) > 5);
    CU_ASSERT(wl_model_params(m) > 0);
    for (const char *p = m->name; *p; p++)
      CU_ASSERT(!(*p >= 'A' && *p <= 'Z') && *p != '_' && *p != ' ');
    for (size_t k = i + 1; k < n; k++)
      CU_ASSERT(strcmp(m->name, wl_zoo_get(k)->name) != 0);
    /* every alias finds its own entry */
    const char *const *al = wl_zoo_aliases(i);
    for (size_t a = 0; al && al[a]; a++) {
      wl_model f = find(al[a]);
      CU_ASSERT_STRING_EQUAL(f.name, m->name);
    }
    wl_param_split s;
    wl_model_param_split(m, &s);
    CU_ASSERT_EQUAL(s.embed + s.layers + s.head, wl_model_params(m));
  }
}

static void test_kv_bytes(void) {
  wl_model m = find("yi-34b");
  /* 60 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes (Fu 2024) */
  CU_ASSERT_EQUAL(wl_model_kv_bytes_per_token(&m, WL_BF16), 245760ull);
  CU_ASSERT_EQUAL(wl_model_attn_kind(&m), WL_GQA);
  m = find("llama2-7b");
  CU_ASSERT_EQUAL(wl_model_kv_bytes_per_token(&m, WL_FP16),
                  2ull * 32 * 32 * 128 * 2);
  CU_ASSERT_EQUAL(wl_model_kv_bytes_per_token(&m, WL_INT4),
                  2ull * 32 * 32 * 128 / 2);
  CU_ASSERT_EQUAL(wl_model_attn_kind(&m), WL_MHA);
  m = find("bert-base");
  CU_ASSERT_EQUAL(wl_model_kv_bytes_per_token(&m, WL_FP16), 0);
}

static void test_unknown_name(void) {
  wl_model m;
  sim_err e;
  sim_err_clear(&e);
  CU_ASSERT_EQUAL(wl_model_find("gpt2-xxl", &m, &e), SIM_ENOENT);
  CU_ASSERT_EQUAL(e.code, SIM_ENOENT);
  CU_ASSERT_STRING_EQUAL(e.msg,
                         "unknown model 'gpt2-xxl' (did you mean gpt2-xl, "
                         "gpt2-l?)");
  CU_ASSERT_EQUAL(wl_model_find("lama-2-7b", &m, &e), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "llama2-7b"));
  CU_ASSERT_EQUAL(wl_model_find("zzzzzzzz", &m, &e), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown model 'zzzzzzzz'"));
  CU_ASSERT_PTR_NULL(strstr(e.msg, "did you mean"));
  CU_ASSERT_EQUAL(wl_model_find("", &m, &e), SIM_EINVAL);
}

static void test_check_messages(void) {
  wl_model m = find("gpt2-s");
  sim_err e;
  wl_model b = m;
  b.d_model = 0;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(e.msg, "model 'gpt2-s': d_model: must be > 0");
  b = m;
  b.n_layers = 0;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "n_layers"));
  b = m;
  b.d_ff = 0;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "d_ff"));
  b = m;
  b.n_heads = 7;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(e.msg,
                         "model 'gpt2-s': n_heads 7 does not divide d_model "
                         "768");
  b = find("llama2-7b");
  b.n_kv_heads = 3;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(e.msg, "n_kv_heads 3 does not divide n_heads 32"));
  b = find("vit-b16");
  b.patch_size = 15;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "patch_size 15 does not divide"));
  /* explicit head_dim lifts the divisibility rule (GPT-3 13B: 5140) */
  b = find("gpt3-13b");
  CU_ASSERT_EQUAL(wl_check(&b, &e), 0);
  b.head_dim = 0;
  CU_ASSERT_EQUAL(wl_check(&b, &e), SIM_EINVAL);
}

static void test_parsers(void) {
  wl_precision p;
  sim_err e;
  CU_ASSERT_EQUAL(wl_precision_parse("BF16", &p, &e), 0);
  CU_ASSERT_EQUAL(p, WL_BF16);
  CU_ASSERT_EQUAL(wl_precision_parse("int4", &p, &e), 0);
  CU_ASSERT_EQUAL(p, WL_INT4);
  CU_ASSERT_EQUAL(wl_precision_parse("fp8", &p, &e), SIM_EINVAL);
  CU_ASSERT_STRING_EQUAL(e.msg, "precision: unknown value 'fp8' (choose fp32, "
                                "fp16, bf16, int8, int4)");
  CU_ASSERT_DOUBLE_EQUAL(wl_precision_bytes(WL_INT4), 0.5, 0);
  CU_ASSERT_DOUBLE_EQUAL(wl_precision_bytes(WL_FP32), 4.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(wl_precision_bytes(WL_INT8), 1.0, 0);
  CU_ASSERT_EQUAL(wl_bytes_of(7, WL_INT4), 4);
  CU_ASSERT_EQUAL(wl_bytes_of(8, WL_INT4), 4);
  CU_ASSERT_EQUAL(wl_bytes_of(3, WL_BF16), 6);
  wl_phase ph;
  CU_ASSERT_EQUAL(wl_phase_parse("decode", &ph, &e), 0);
  CU_ASSERT_EQUAL(ph, WL_DECODE);
  CU_ASSERT_EQUAL(wl_phase_parse("generate", &ph, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "prefill, decode"));
  wl_scope sc;
  CU_ASSERT_EQUAL(wl_scope_parse("attention", &sc, &e), 0);
  CU_ASSERT_EQUAL(sc, WL_SCOPE_ATTENTION);
  CU_ASSERT_EQUAL(wl_scope_parse("block", &sc, &e), 0);
  CU_ASSERT_EQUAL(sc, WL_SCOPE_BLOCK);
  CU_ASSERT_EQUAL(wl_scope_parse("everything", &sc, &e), SIM_EINVAL);
  /* "layer" is not a scope (it once read as block, silently). */
  CU_ASSERT_EQUAL(wl_scope_parse("layer", &sc, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "attention, block (one layer), model"));
  wl_attn_form f;
  CU_ASSERT_EQUAL(wl_attn_form_parse("fusemax", &f, &e), 0);
  CU_ASSERT_EQUAL(f, WL_ATTN_1PASS);
  CU_ASSERT_STRING_EQUAL(wl_precision_name(WL_BF16), "bf16");
  CU_ASSERT_STRING_EQUAL(wl_fn_name(WL_FN_RSQRT), "rsqrt");
}

static void test_mcuformer(void) {
  /* Each named entry equals the constructor's result for its config. */
  static const struct {
    const char *name;
    wl_mcu_cfg cfg;
  } t[] = {{"mcuformer-t-min", {168, 12, 3, 3.5, 32, 0.40, 0, 0, 0}},
           {"mcuformer-t-max", {256, 14, 4, 4.0, 16, 0.95, 0, 0, 0}},
           {"mcuformer-d192-p16", {192, 12, 3, 4.0, 16, 0.90, 0, 0, 0}},
           {"mcuformer-d192-p20", {192, 12, 3, 4.0, 20, 0.60, 0, 0, 0}}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    wl_model z = find(t[i].name), c;
    sim_err e;
    CU_ASSERT_EQUAL_FATAL(wl_mcuformer(&t[i].cfg, &c, &e), 0);
    CU_ASSERT_EQUAL(z.d_model, c.d_model);
    CU_ASSERT_EQUAL(z.n_layers, c.n_layers);
    CU_ASSERT_EQUAL(z.d_ff, c.d_ff);
    CU_ASSERT_EQUAL(z.lr_attn_rank, c.lr_attn_rank);
    CU_ASSERT_EQUAL(z.lr_mlp_rank, c.lr_mlp_rank);
    CU_ASSERT_EQUAL(z.patch_pad, c.patch_pad);
    CU_ASSERT_EQUAL(wl_model_params(&z), wl_model_params(&c));
  }
  /* mcu.md: P 16/20/24/28/32 give 225/144/100/81/64 patches + 1 cls */
  static const uint32_t P[] = {16, 20, 24, 28, 32}, N[] = {226, 145, 101, 82,
                                                           65};
  for (int i = 0; i < 5; i++) {
    wl_mcu_cfg cfg = {192, 12, 3, 4.0, P[i], 0.9, 0, 0, 0};
    wl_model m;
    sim_err e;
    CU_ASSERT_EQUAL_FATAL(wl_mcuformer(&cfg, &m, &e), 0);
    CU_ASSERT_EQUAL(wl_model_vit_tokens(&m), N[i]);
  }
  /* Ranks: attention int(256 r), MLP int(min(D, mD) r); D 192, r 0.9 */
  wl_model m = find("mcuformer-d192-l12-h3-m4-p16-r0.9");
  CU_ASSERT_EQUAL(m.lr_attn_rank, 230);
  CU_ASSERT_EQUAL(m.lr_mlp_rank, 172);
  /* parameter count by hand: in -> r -> r -> out, bias on the last */
  uint64_t D = 192, q = 192, ra = 230, rm = 172, F = 768;
  uint64_t lr_qkv = D * ra + ra * ra + ra * 3 * q + 3 * q;
  uint64_t lr_o = q * ra + ra * ra + ra * D + D;
  uint64_t lr_f1 = D * rm + rm * rm + rm * F + F;
  uint64_t lr_f2 = F * rm + rm * rm + rm * D + D;
  uint64_t layer = lr_qkv + lr_o + lr_f1 + lr_f2 + 4 * D;
  uint64_t total = 3 * 16 * 16 * D + D + D + 226 * D + 12 * layer + 2 * D +
                   D * 1000 + 1000;
  CU_ASSERT_EQUAL(wl_model_params(&m), total);
  /* spec errors */
  sim_err e;
  CU_ASSERT_EQUAL(wl_model_find("mcuformer-d192-l12", &m, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "needs d, l, h, m, p and r"));
  wl_mcu_cfg bad = {192, 12, 3, 4.0, 16, 1.5, 0, 0, 0};
  CU_ASSERT_EQUAL(wl_mcuformer(&bad, &m, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "rank_ratio"));
}

/* The default seq fits the model: min(1024, max_pos); every zoo model
 * lowers with its defaults (BERT's 512 positions once failed). */
static void test_default_seq(void) {
  const struct {
    const char *name;
    uint64_t seq;
  } t[] = {{"bert-base", 512}, {"bert-large", 512}, {"gpt2-s", 1024},
           {"llama2-7b", 1024}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    wl_model m = find(t[i].name);
    wl_opts o;
    CU_ASSERT_EQUAL(wl_opts_default_for(&m, &o), 0);
    CU_ASSERT_EQUAL(o.seq, t[i].seq);
    sim_err e;
    CU_ASSERT_EQUAL(wl_opts_check(&m, &o, &e), 0);
  }
  for (size_t i = 0; i < wl_zoo_count(); i++) {
    const wl_model *m = wl_zoo_get(i);
    wl_opts o;
    wl_opts_default_for(m, &o);
    CU_ASSERT(o.seq <= 1024);
    sim_err e;
    int rc = wl_opts_check(m, &o, &e);
    if (rc) fprintf(stderr, "\n  %s: %s\n", m->name, e.msg);
    CU_ASSERT_EQUAL(rc, 0);
  }
}

static CU_TestInfo tests[] = {
    {"default seq fits the model", test_default_seq},
    {"gpt2_params", test_gpt2_params},
    {"llama_params", test_llama_params},
    {"encoder_params", test_encoder_params},
    {"vit_params", test_vit_params},
    {"gpt3_opt_shapes", test_gpt3_shapes},
    {"zoo_consistency", test_zoo_consistency},
    {"kv_bytes", test_kv_bytes},
    {"unknown_name", test_unknown_name},
    {"check_messages", test_check_messages},
    {"parsers", test_parsers},
    {"mcuformer", test_mcuformer},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"wl_zoo", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
