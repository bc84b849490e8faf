/*
 * zoo.c — the built-in models with their exact published shapes, name
 * lookup with aliases and "did you mean" suggestions, and the MCUFormer
 * T-space constructor.
 *
 * Every entry cites its source beside it (and in wl_model.source).
 * Parameter counts that follow from these shapes are checked against the
 * published ones in tests/workloads (GPT-2, LLaMA-2, BERT, OPT, T5, ViT,
 * DeiT).  Names are lower case with dashes: <family>-<size>; aliases
 * cover the Hugging Face hub spellings ("gpt2", "gpt2-medium",
 * "llama-2-7b", "bert-base-uncased").  Lookup folds case and '_' to '-'.
 *
 * Choices worth knowing:
 *  - GPT-3 13B: Brown et al. Table 2.1 lists d_model 5140 with 40 heads
 *    of 128 (= 5120).  We keep the published 5140 and the published
 *    heads x d_head; attention is 5120 wide (head_dim is explicit, so the
 *    divisibility check does not apply).  GPT-3's alternating sparse
 *    attention layers are modelled dense.
 *  - Transformer-XL: the WikiText-103 *large* model (Dai et al. 2019
 *    Table 1 row "Ours - Large": 18 layers, d 1024, 16 heads of 64, d_inner
 *    4096, adaptive input/softmax cutoffs 20k/40k/200k, div 4), because
 *    it is the released checkpoint (transfo-xl-wt103) and FuseMax uses
 *    TrXL with head dim 64.  Its parameter count (285,205,322 by the HF
 *    module structure) differs from the paper's "257M"; we do not assert
 *    the paper's figure.
 *  - XLM: xlm-mlm-en-2048 (Lample & Conneau 2019): head dim 128 as
 *    FuseMax uses.  Counted as XLMWithLMHeadModel (tied prediction
 *    layer with its bias).
 *  - T5 v1.0 (ReLU FFN, shared tied embedding, relative bias of 32
 *    buckets in the first layer of each stack).
 *  - MCUFormer entries: see wl_mcuformer() and mcu_entry() below.
 */
#include "wlInt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ZOO_MAX_ALIASES 6

typedef struct zoo_entry {
  wl_model m;
  const char *aliases[ZOO_MAX_ALIASES + 1];
} zoo_entry;

/* GPT-2 (Radford et al. 2019, Table 2; HF gpt2* config.json): learned
 * positions 1024, vocab 50257, d_ff 4d, pre-LN, final LN, tied. */
#define GPT2(nm, d, L, H, ...)                                               \
  {{.name = nm, .family = "gpt2",                                            \
    .source = "Radford et al. 2019 Table 2; HF openai-community/" __VA_ARGS__, \
    .arch = WL_ARCH_DECODER, .d_model = d, .n_layers = L, .n_heads = H,     \
    .d_ff = 4 * (d), .vocab = 50257, .max_pos = 1024, .ffn = WL_FFN_GELU,   \
    .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED, .norm_eps = 1e-5,     \
    .tied_embed = 1, .bias_qkv = 1, .bias_out = 1, .bias_ffn = 1,           \
    .pre_norm = 1, .final_norm = 1, .lm_head = 1}

/* GPT-3 (Brown et al. 2020, Table 2.1): n_ctx 2048, d_ff 4d, GPT-2
 * architecture, vocab 50257. */
#define GPT3(nm, d, L, H, dh)                                                \
  {{.name = nm, .family = "gpt3",                                            \
    .source = "Brown et al. 2020 Table 2.1",                                 \
    .arch = WL_ARCH_DECODER, .d_model = d, .n_layers = L, .n_heads = H,     \
    .head_dim = dh, .d_ff = 4 * (d), .vocab = 50257, .max_pos = 2048,       \
    .ffn = WL_FFN_GELU, .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED,   \
    .norm_eps = 1e-5, .tied_embed = 1, .bias_qkv = 1, .bias_out = 1,        \
    .bias_ffn = 1, .pre_norm = 1, .final_norm = 1, .lm_head = 1}

/* OPT (Zhang et al. 2022, Table 1; HF facebook/opt-* config.json): ReLU,
 * vocab 50272, 2048 positions + offset 2, pre-LN, final LN, tied. */
#define OPT(nm, d, L, H)                                                     \
  {{.name = nm, .family = "opt",                                             \
    .source = "Zhang et al. 2022 Table 1; HF facebook/" nm,                 \
    .arch = WL_ARCH_DECODER, .d_model = d, .n_layers = L, .n_heads = H,     \
    .d_ff = 4 * (d), .vocab = 50272, .max_pos = 2048, .pos_offset = 2,      \
    .ffn = WL_FFN_RELU, .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED,   \
    .norm_eps = 1e-5, .tied_embed = 1, .bias_qkv = 1, .bias_out = 1,        \
    .bias_ffn = 1, .pre_norm = 1, .final_norm = 1, .lm_head = 1}

/* LLaMA-2 (Touvron et al. 2023, Table 1; HF meta-llama/Llama-2-*-hf
 * config.json): SwiGLU, RMSNorm 1e-5, RoPE, vocab 32000, 4096 context,
 * untied, no biases. */
#define LLAMA(nm, src, d, L, H, KV, ff, V)                                  \
  {{.name = nm, .family = "llama", .source = src,                            \
    .arch = WL_ARCH_DECODER, .d_model = d, .n_layers = L, .n_heads = H,     \
    .n_kv_heads = KV, .d_ff = ff, .vocab = V, .max_pos = 4096,              \
    .ffn = WL_FFN_SWIGLU, .norm = WL_NORM_RMSNORM, .pos = WL_POS_ROPE,      \
    .norm_eps = 1e-5, .pre_norm = 1, .final_norm = 1, .lm_head = 1}

/* BERT (Devlin et al. 2019; HF bert-*-uncased config.json): post-LN,
 * embedding LN, 512 positions, 2 token types, pooler, eps 1e-12.
 * Counted as BertModel (no MLM head). */
#define BERT(nm, d, L, H)                                                    \
  {{.name = nm, .family = "bert",                                            \
    .source = "Devlin et al. 2019 Sec. 3; HF google-bert/" nm "-uncased",   \
    .arch = WL_ARCH_ENCODER, .d_model = d, .n_layers = L, .n_heads = H,     \
    .d_ff = 4 * (d), .vocab = 30522, .max_pos = 512, .type_vocab = 2,       \
    .ffn = WL_FFN_GELU, .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED,   \
    .norm_eps = 1e-12, .bias_qkv = 1, .bias_out = 1, .bias_ffn = 1,         \
    .emb_norm = 1, .pooler = 1}

/* T5 v1.0 (Raffel et al. 2020, Sec. 3.7; HF google-t5/t5-* config.json):
 * d_kv 64, ReLU, T5LayerNorm (RMS, 1e-6), relative bias 32 buckets,
 * shared embedding tied to the LM head, no biases. */
#define T5(nm, d, L, H, ff)                                                  \
  {{.name = nm, .family = "t5",                                              \
    .source = "Raffel et al. 2020 Sec. 3.7; HF google-t5/" nm,              \
    .arch = WL_ARCH_ENCDEC, .d_model = d, .n_layers = L, .n_dec_layers = L, \
    .n_heads = H, .head_dim = 64, .d_ff = ff, .vocab = 32128,               \
    .max_pos = 512, .ffn = WL_FFN_RELU, .norm = WL_NORM_RMSNORM,            \
    .pos = WL_POS_RELBIAS, .rel_buckets = 32, .norm_eps = 1e-6,             \
    .tied_embed = 1, .pre_norm = 1, .final_norm = 1, .lm_head = 1}

/* ViT / DeiT (Dosovitskiy et al. 2021 Table 1; Touvron et al. 2021
 * Table 1; timm vit_*_patch16_224 / deit_*_patch16_224): 224 px, 16 px
 * patches, one cls token, learned positions, pre-LN eps 1e-6, 1000
 * classes. */
#define VIT(nm, fam, src, d, L, H)                                           \
  {{.name = nm, .family = fam, .source = src,                                \
    .arch = WL_ARCH_VIT, .d_model = d, .n_layers = L, .n_heads = H,         \
    .d_ff = 4 * (d), .max_pos = 197, .ffn = WL_FFN_GELU,                    \
    .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED, .norm_eps = 1e-6,     \
    .bias_qkv = 1, .bias_out = 1, .bias_ffn = 1, .bias_head = 1,            \
    .pre_norm = 1, .final_norm = 1, .image_size = 224, .patch_size = 16,    \
    .channels = 3, .n_cls = 1, .n_classes = 1000}

/* MCUFormer T space (Liang et al. 2023; liangyn22/MCUFormer
 * model/supernet_transformer.py): heads of 64, qkv bias, low-rank
 * linears; attention rank int(256 * ratio), MLP rank int(min(D, mD) *
 * ratio); input 240 px (P 32 / 28 pad 8 / 6 per side, as the released
 * PatchembedSuper); ImageNet-1k head.  The ranks are written out
 * here; a test checks each entry equals wl_mcuformer() of its config. */
#define MCU(nm, D, L, H, FF, P, pad, ratio, ra, rm)                              \
  {{.name = nm, .family = "mcuformer",                                       \
    .source = "Liang et al. 2023 (MCUFormer), T space, public code",        \
    .arch = WL_ARCH_VIT, .d_model = D, .n_layers = L, .n_heads = H,         \
    .head_dim = 64, .d_ff = FF, .max_pos = 0, .ffn = WL_FFN_GELU,          \
    .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED, .norm_eps = 1e-6,     \
    .bias_qkv = 1, .bias_out = 1, .bias_ffn = 1, .bias_head = 1,            \
    .pre_norm = 1, .final_norm = 1, .image_size = 240, .patch_size = P,     \
    .patch_pad = pad,                                                         \
    .channels = 3, .n_cls = 1, .n_classes = 1000, .lr_ratio = ratio,        \
    .lr_attn_rank = ra, .lr_mlp_rank = rm}

static const zoo_entry zoo[] = {
    GPT2("gpt2-s", 768, 12, 12, "gpt2"), {"gpt2", "gpt2-small", "gpt2-124m"}},
    GPT2("gpt2-m", 1024, 24, 16, "gpt2-medium"),
     {"gpt2-medium", "gpt2-355m", "gpt2-350m"}},
    GPT2("gpt2-l", 1280, 36, 20, "gpt2-large"), {"gpt2-large", "gpt2-774m"}},
    GPT2("gpt2-xl", 1600, 48, 25, "gpt2-xl"), {"gpt2-1.5b", "gpt2-1558m"}},

    GPT3("gpt3-125m", 768, 12, 12, 64), {"gpt3-small", "gpt-3-125m"}},
    GPT3("gpt3-350m", 1024, 24, 16, 64), {"gpt3-medium", "gpt-3-350m"}},
    GPT3("gpt3-760m", 1536, 24, 16, 96), {"gpt3-large", "gpt-3-760m"}},
    GPT3("gpt3-1.3b", 2048, 24, 24, 128), {"gpt3-xl", "gpt-3-1.3b"}},
    GPT3("gpt3-2.7b", 2560, 32, 32, 80), {"gpt-3-2.7b"}},
    GPT3("gpt3-6.7b", 4096, 32, 32, 128), {"gpt-3-6.7b"}},
    GPT3("gpt3-13b", 5140, 40, 40, 128), {"gpt-3-13b"}},
    GPT3("gpt3-175b", 12288, 96, 96, 128), {"gpt3", "gpt-3", "gpt-3-175b"}},

    OPT("opt-1.3b", 2048, 24, 32), {"facebook/opt-1.3b"}},
    OPT("opt-2.7b", 2560, 32, 32), {"facebook/opt-2.7b"}},
    OPT("opt-6.7b", 4096, 32, 32), {"facebook/opt-6.7b"}},
    OPT("opt-13b", 5120, 40, 40), {"facebook/opt-13b"}},
    OPT("opt-30b", 7168, 48, 56), {"facebook/opt-30b"}},
    OPT("opt-66b", 9216, 64, 72), {"facebook/opt-66b"}},

    LLAMA("llama2-7b",
          "Touvron et al. 2023 Table 1; HF meta-llama/Llama-2-7b-hf",
          4096, 32, 32, 32, 11008, 32000),
     {"llama-2-7b", "llama2", "meta-llama/llama-2-7b-hf", "llama-2-7b-hf"}},
    LLAMA("llama2-13b",
          "Touvron et al. 2023 Table 1; HF meta-llama/Llama-2-13b-hf",
          5120, 40, 40, 40, 13824, 32000),
     {"llama-2-13b", "meta-llama/llama-2-13b-hf", "llama-2-13b-hf"}},
    LLAMA("llama2-70b",
          "Touvron et al. 2023 Table 1 (GQA 8); HF meta-llama/Llama-2-70b-hf",
          8192, 80, 64, 8, 28672, 32000),
     {"llama-2-70b", "meta-llama/llama-2-70b-hf", "llama-2-70b-hf"}},
    /* Yi-34B: HF 01-ai/Yi-34B config.json (LLaMA architecture, GQA 56/8,
     * vocab 64000, 4096 context); Fu 2024 (arXiv 2405.08944) uses it. */
    LLAMA("yi-34b", "HF 01-ai/Yi-34B config.json; Fu 2024 arXiv 2405.08944",
          7168, 60, 56, 8, 20480, 64000),
     {"01-ai/yi-34b", "yi"}},

    BERT("bert-base", 768, 12, 12), {"bert-base-uncased", "bert"}},
    BERT("bert-large", 1024, 24, 16), {"bert-large-uncased"}},

    T5("t5-base", 768, 12, 12, 3072), {"google-t5/t5-base"}},
    T5("t5-large", 1024, 24, 16, 4096), {"google-t5/t5-large"}},

    /* XLM (Lample & Conneau 2019; HF FacebookAI/xlm-mlm-en-2048):
     * 12 layers, d 2048, 16 heads of 128, post-LN, learned positions
     * 512, vocab 30145, prediction layer tied with a bias. */
    {{.name = "xlm", .family = "xlm",
      .source = "Lample & Conneau 2019; HF FacebookAI/xlm-mlm-en-2048",
      .arch = WL_ARCH_ENCODER, .d_model = 2048, .n_layers = 12,
      .n_heads = 16, .d_ff = 8192, .vocab = 30145, .max_pos = 512,
      .ffn = WL_FFN_GELU, .norm = WL_NORM_LAYERNORM, .pos = WL_POS_LEARNED,
      .norm_eps = 1e-12, .tied_embed = 1, .bias_qkv = 1, .bias_out = 1,
      .bias_ffn = 1, .bias_head = 1, .emb_norm = 1, .lm_head = 1},
     {"xlm-mlm-en-2048", "xlm-en-2048"}},

    /* Transformer-XL WikiText-103 large (Dai et al. 2019 Table 1; HF
     * transfo-xl/transfo-xl-wt103 config.json): see the file header. */
    {{.name = "trxl-wt103", .family = "transfo-xl",
      .source = "Dai et al. 2019 Table 1 (WT103 large); HF transfo-xl-wt103",
      .arch = WL_ARCH_DECODER, .d_model = 1024, .n_layers = 18,
      .n_heads = 16, .head_dim = 64, .d_ff = 4096, .vocab = 267735,
      .max_pos = 0, .d_embed = 1024, .ffn = WL_FFN_RELU,
      .norm = WL_NORM_LAYERNORM, .pos = WL_POS_RELXL, .norm_eps = 1e-5,
      .tied_embed = 1, .bias_ffn = 1, .bias_head = 1, .lm_head = 1,
      .n_cutoffs = 3, .cutoffs = {20000, 40000, 200000}, .adapt_div = 4,
      .mem_len = 1600},
     {"transformer-xl", "transfo-xl-wt103", "trxl", "trxl-large"}},

    VIT("vit-b16", "vit",
        "Dosovitskiy et al. 2021 Table 1 (ViT-B/16); timm vit_base_patch16_224",
        768, 12, 12),
     {"vit-b/16", "vit-base-patch16-224", "vit-base", "vit"}},
    VIT("deit-t", "deit",
        "Touvron et al. 2021 Table 1; timm deit_tiny_patch16_224", 192, 12, 3),
     {"deit-tiny", "deit-tiny-patch16-224", "deit-ti"}},
    VIT("deit-s", "deit",
        "Touvron et al. 2021 Table 1; timm deit_small_patch16_224", 384, 12, 6),
     {"deit-small", "deit-small-patch16-224"}},
    VIT("deit-b", "deit",
        "Touvron et al. 2021 Table 1; timm deit_base_patch16_224", 768, 12, 12),
     {"deit-base", "deit-base-patch16-224"}},

    /* The T space's extremes and the worked example of mcu.md's memory
     * proxy (D 192, m 4, P 16, r 0.9: 341.5 KiB, does not fit 320 KiB). */
    MCU("mcuformer-t-min", 168, 12, 3, 588, 32, 8, 0.40, 102, 67),
     {"mcuformer-d168-l12-h3-m3.5-p32-r0.4"}},
    MCU("mcuformer-t-max", 256, 14, 4, 1024, 16, 0, 0.95, 243, 243),
     {"mcuformer-d256-l14-h4-m4-p16-r0.95"}},
    MCU("mcuformer-d192-p16", 192, 12, 3, 768, 16, 0, 0.90, 230, 172),
     {"mcuformer-d192-l12-h3-m4-p16-r0.9", "mcuformer"}},
    MCU("mcuformer-d192-p20", 192, 12, 3, 768, 20, 0, 0.60, 153, 115),
     {"mcuformer-d192-l12-h3-m4-p20-r0.6"}},
};

#define ZOO_N (sizeof zoo / sizeof zoo[0])

size_t wl_zoo_count(void) { return ZOO_N; }

const wl_model *wl_zoo_get(size_t i) { return i < ZOO_N ? &zoo[i].m : NULL; }

const char *const *wl_zoo_aliases(size_t i) {
  return i < ZOO_N ? zoo[i].aliases : NULL;
}

static int name_eq(const char *a, const char *b) {
  return wl__edit_distance(a, b) == 0 && strlen(a) == strlen(b);
}

/* ---------------------------------------------------------------------- */
/* MCUFormer                                                               */
/* ---------------------------------------------------------------------- */

int wl_mcuformer(const wl_mcu_cfg *cfg, wl_model *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  if (!cfg) return sim_err_set(err, SIM_EINVAL, "mcuformer: NULL config");
  uint32_t image = cfg->image ? cfg->image : 240;
  uint32_t classes = cfg->classes ? cfg->classes : 1000;
  uint32_t base = cfg->attn_rank_base ? cfg->attn_rank_base : 256;
  if (!cfg->embed_dim || !cfg->depth || !cfg->heads || !cfg->patch)
    return sim_err_set(err, SIM_EINVAL,
                       "mcuformer: embed_dim, depth, heads and patch must "
                       "be > 0");
  if (!(cfg->mlp_ratio > 0) || !(cfg->rank_ratio > 0) ||
      cfg->rank_ratio > 1)
    return sim_err_set(err, SIM_EINVAL,
                       "mcuformer: mlp_ratio must be > 0 and rank_ratio in "
                       "(0, 1]");
  /* The released PatchembedSuper pads 8 (P 32) or 6 (P 28) per side. */
  uint32_t pad = cfg->patch == 32 ? 8 : cfg->patch == 28 ? 6 : 0;
  if ((image + 2 * pad) % cfg->patch) {
    char adv[256];
    wl__patch_advice(adv, sizeof adv, image, pad, cfg->patch, 1);
    return sim_err_set(err, SIM_EINVAL,
                       "mcuformer: patch %u does not divide image %u "
                       "(+ 2 x pad %u): %s", cfg->patch, image, pad, adv);
  }
  /* Python int(): truncation toward zero, as the released code. */
  uint32_t ff = (uint32_t)(cfg->embed_dim * cfg->mlp_ratio);
  uint32_t mn = cfg->embed_dim < ff ? cfg->embed_dim : ff;
  char nm[128];
  snprintf(nm, sizeof nm, "mcuformer-d%u-l%u-h%u-m%g-p%u-r%g",
           cfg->embed_dim, cfg->depth, cfg->heads, cfg->mlp_ratio,
           cfg->patch, cfg->rank_ratio);
  wl__strlcpy(out->name, nm, sizeof out->name);
  wl__strlcpy(out->family, "mcuformer", sizeof out->family);
  wl__strlcpy(out->source,
              "Liang et al. 2023 (MCUFormer), T space, public code",
              sizeof out->source);
  out->arch = WL_ARCH_VIT;
  out->d_model = cfg->embed_dim;
  out->n_layers = cfg->depth;
  out->n_heads = cfg->heads;
  out->head_dim = 64;
  out->d_ff = ff;
  out->ffn = WL_FFN_GELU;
  out->norm = WL_NORM_LAYERNORM;
  out->pos = WL_POS_LEARNED;
  out->norm_eps = 1e-6;
  out->bias_qkv = out->bias_out = out->bias_ffn = out->bias_head = 1;
  out->pre_norm = out->final_norm = 1;
  out->image_size = image;
  out->patch_size = cfg->patch;
  out->patch_pad = pad;
  out->channels = 3;
  out->n_cls = 1;
  out->n_classes = classes;
  out->lr_ratio = cfg->rank_ratio;
  out->lr_attn_rank = (uint32_t)(base * cfg->rank_ratio);
  out->lr_mlp_rank = (uint32_t)(mn * cfg->rank_ratio);
  return wl_check(out, err);
}

/* "mcuformer-d192-l12-h3-m4-p16-r0.9" (any order after the prefix; i<px>
 * image and c<n> classes optional).  Returns 1 if s is such a spec and
 * parsed, 0 if not a spec, negative on a bad spec. */
static int parse_mcu_spec(const char *s, wl_model *out, sim_err *err) {
  static const char pre[] = "mcuformer-";
  size_t n = strlen(pre);
  if (strncmp(s, pre, n) != 0 && !(strlen(s) > n &&
                                    wl__edit_distance(pre, s) == 0))
    return 0;
  char lower[128];
  wl__strlcpy(lower, s, sizeof lower);
  for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
  if (strncmp(lower, pre, n) != 0) return 0;
  wl_mcu_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  const char *p = lower + n;
  int seen = 0;
  while (*p) {
    char key = *p++;
    char *end = NULL;
    double v = strtod(p, &end);
    if (end == p || (*end && *end != '-' && *end != '_')) return 0;
    switch (key) {
    case 'd': cfg.embed_dim = (uint32_t)v; seen |= 1; break;
    case 'l': cfg.depth = (uint32_t)v; seen |= 2; break;
    case 'h': cfg.heads = (uint32_t)v; seen |= 4; break;
    case 'm': cfg.mlp_ratio = v; seen |= 8; break;
    case 'p': cfg.patch = (uint32_t)v; seen |= 16; break;
    case 'r': cfg.rank_ratio = v; seen |= 32; break;
    case 'i': cfg.image = (uint32_t)v; break;
    case 'c': cfg.classes = (uint32_t)v; break;
    default: return 0;
    }
    p = *end ? end + 1 : end;
  }
  if (seen != 63)
    return sim_err_set(err, SIM_EINVAL,
                       "model '%s': an MCUFormer spec needs d, l, h, m, p "
                       "and r (mcuformer-d192-l12-h3-m4-p16-r0.9)", s);
  int rc = wl_mcuformer(&cfg, out, err);
  return rc ? rc : 1;
}

/* ---------------------------------------------------------------------- */
/* Lookup                                                                  */
/* ---------------------------------------------------------------------- */

static int ends_with_json(const char *s) {
  size_t n = strlen(s);
  return n >= 5 && wl__strcaseeq(s + n - 5, ".json");
}

int wl_model_find(const char *name, wl_model *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  if (!name || !*name)
    return sim_err_set(err, SIM_EINVAL, "model: empty name");
  if (ends_with_json(name)) return wl_model_load_hf(name, out, err);
  for (size_t i = 0; i < ZOO_N; i++) {
    int hit = name_eq(name, zoo[i].m.name);
    for (size_t k = 0; !hit && zoo[i].aliases[k]; k++)
      hit = name_eq(name, zoo[i].aliases[k]);
    if (hit) {
      *out = zoo[i].m;
      return wl_check(out, err);
    }
  }
  if (!strncmp(name, "gemm:", 5) || !strncmp(name, "GEMM:", 5)) {
    unsigned long long gm, gn, gk;
    char tail;
    if (sscanf(name + 5, "%llux%llux%llu%c", &gm, &gn, &gk, &tail) != 3 ||
        !gm || !gn || !gk || gm > (1ull << 32) || gn > (1ull << 32) ||
        gk > (1ull << 32))
      return sim_err_set(err, SIM_EINVAL, "model '%s': a GEMM is "
                         "gemm:MxNxK with M, N, K in 1..2^32 (e.g. "
                         "gemm:128x64x256)", name);
    snprintf(out->name, sizeof out->name, "gemm:%llux%llux%llu", gm, gn, gk);
    snprintf(out->family, sizeof out->family, "gemm");
    snprintf(out->source, sizeof out->source,
             "single GEMM C[m,n] = A[m,k] W[k,n]");
    out->arch = WL_ARCH_GEMM;
    out->pos = WL_POS_NONE;
    out->d_model = out->n_layers = out->n_heads = out->d_ff = 1;
    out->gemm_m = gm;
    out->gemm_n = gn;
    out->gemm_k = gk;
    return wl_check(out, err);
  }
  /* A Hugging Face model folder (holding config.json). */
  struct stat st;
  if (stat(name, &st) == 0 && S_ISDIR(st.st_mode))
    return wl_model_load_hf(name, out, err);
  int rc = parse_mcu_spec(name, out, err);
  if (rc == 1) return 0;
  if (rc < 0) return rc;
  /* Suggestions: the closest canonical names (a match on an alias
   * suggests its entry), up to three, within max(2, len/4) edits. */
  size_t len = strlen(name);
  size_t limit = len / 4 > 2 ? len / 4 : 2;
  size_t best_d[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
  size_t best_i[3] = {0, 0, 0};
  for (size_t i = 0; i < ZOO_N; i++) {
    size_t d = wl__edit_distance(name, zoo[i].m.name);
    for (size_t k = 0; zoo[i].aliases[k]; k++) {
      /* an alias match ranks one edit behind a canonical name */
      size_t da = wl__edit_distance(name, zoo[i].aliases[k]) + 1;
      if (da < d) d = da;
    }
    if (d > limit) continue;
    for (int s = 0; s < 3; s++) {
      if (d < best_d[s]) {
        for (int t = 2; t > s; t--) {
          best_d[t] = best_d[t - 1];
          best_i[t] = best_i[t - 1];
        }
        best_d[s] = d;
        best_i[s] = i;
        break;
      }
    }
  }
  if (best_d[0] == SIZE_MAX)
    return sim_err_set(err, SIM_ENOENT,
                       "unknown model '%s' (see 'tfsim list models', or "
                       "give a config.json path)", name);
  char sug[256];
  size_t o = 0;
  sug[0] = '\0';
  for (int s = 0; s < 3 && best_d[s] != SIZE_MAX; s++) {
    int w = snprintf(sug + o, sizeof sug - o, "%s%s", s ? ", " : "",
                     zoo[best_i[s]].m.name);
    if (w < 0 || (size_t)w >= sizeof sug - o) break;
    o += (size_t)w;
  }
  return sim_err_set(err, SIM_ENOENT, "unknown model '%s' (did you mean %s?)",
                     name, sug);
}
