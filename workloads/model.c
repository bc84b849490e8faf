/*
 * model.c — validation of a model description, its derived shapes, the
 * exact parameter count, KV-cache bytes, and the lowering options'
 * defaults and checks.
 *
 * Parameter counting follows the reference implementations (Hugging Face
 * transformers modeling files and timm for ViT/DeiT), term by term:
 *
 *   embedding  vocab x d_embed (adaptive: per cluster), learned positions
 *              (max_pos + pos_offset) x d, token types, embedding norm,
 *              OPT's project_in/out when d_embed != d_model, ViT patch
 *              conv (C*P*P*d + d), cls tokens, positions (tokens x d),
 *              T5 relative bias (buckets x heads per stack)
 *   layer      norms (LayerNorm 2d, RMSNorm d) + attention (Q: d x H*dh,
 *              K, V: d x KV*dh, O: H*dh x d, biases as flagged) + FFN
 *              (2 linears, or 3 for SwiGLU) [+ cross attention and a
 *              third norm in an encoder-decoder's decoder] [+ TrXL's
 *              r_net d x H*dh and r_w/r_r biases 2 x H*dh]
 *   head       final norm per stack, LM head unless tied (bias if
 *              flagged), pooler d x d + d, classifier d x classes + bias,
 *              TrXL adaptive softmax extras (cluster weight/bias, the
 *              first cluster's output projection, per-token biases)
 *   low rank   a linear in -> out is in x r + r x r + r x out (+ bias)
 */
#include "wlInt.h"

#include <stdio.h>
#include <string.h>

static uint64_t norm_params(const wl_model *m) {
  return m->norm == WL_NORM_RMSNORM ? m->d_model : 2ull * m->d_model;
}

uint32_t wl_model_head_dim(const wl_model *m) {
  if (m->head_dim) return m->head_dim;
  return m->n_heads ? m->d_model / m->n_heads : 0;
}

uint32_t wl_model_kv_heads(const wl_model *m) {
  return m->n_kv_heads ? m->n_kv_heads : m->n_heads;
}

wl_attn_kind wl_model_attn_kind(const wl_model *m) {
  uint32_t kv = wl_model_kv_heads(m);
  if (kv == m->n_heads) return WL_MHA;
  if (kv == 1) return WL_MQA;
  return WL_GQA;
}

uint32_t wl_model_vit_tokens(const wl_model *m) {
  if (m->arch != WL_ARCH_VIT || !m->patch_size) return 0;
  uint32_t g = (m->image_size + 2 * m->patch_pad) / m->patch_size;
  return g * g + m->n_cls;
}

uint64_t wl__linear_params(const wl_model *m, uint64_t in, uint64_t out,
                           int bias, uint32_t lr_rank) {
  (void)m;
  uint64_t b = bias ? out : 0;
  if (lr_rank) return in * lr_rank + (uint64_t)lr_rank * lr_rank +
                      lr_rank * out + b;
  return in * out + b;
}

static uint64_t attn_params(const wl_model *m) {
  uint64_t d = m->d_model, dh = wl_model_head_dim(m);
  uint64_t q = m->n_heads * dh, kv = wl_model_kv_heads(m) * dh;
  uint64_t n = 0;
  if (m->lr_ratio > 0) {
    n += wl__linear_params(m, d, q + 2 * kv, m->bias_qkv, m->lr_attn_rank);
    n += wl__linear_params(m, q, d, m->bias_out, m->lr_attn_rank);
  } else {
    n += wl__linear_params(m, d, q, m->bias_qkv, 0);
    n += 2 * wl__linear_params(m, d, kv, m->bias_qkv, 0);
    n += wl__linear_params(m, q, d, m->bias_out, 0);
  }
  if (m->pos == WL_POS_RELXL) n += d * q + 2 * q; /* r_net, r_w, r_r */
  return n;
}

static uint64_t ffn_params(const wl_model *m) {
  uint64_t d = m->d_model, f = m->d_ff;
  uint32_t r = m->lr_ratio > 0 ? m->lr_mlp_rank : 0;
  if (m->ffn == WL_FFN_SWIGLU)
    return 2 * wl__linear_params(m, d, f, m->bias_ffn, r) +
           wl__linear_params(m, f, d, m->bias_ffn, r);
  return wl__linear_params(m, d, f, m->bias_ffn, r) +
         wl__linear_params(m, f, d, m->bias_ffn, r);
}

static uint32_t stacks(const wl_model *m) {
  return m->arch == WL_ARCH_ENCDEC ? 2 : 1;
}

/* Adaptive embedding (Transformer-XL, HF AdaptiveEmbedding): cluster i
 * spans [cut_{i-1}, cut_i) with width d_embed / div^i and, when div > 1,
 * a projection width_i x d_model. */
static uint64_t adaptive_embed(const wl_model *m) {
  uint64_t de = m->d_embed ? m->d_embed : m->d_model, n = 0, lo = 0;
  uint64_t div = m->adapt_div ? m->adapt_div : 1, w = de;
  if (div == 1) /* one table, one projection if widths differ */
    return (uint64_t)m->vocab * de + (de != m->d_model ? de * m->d_model : 0);
  for (uint32_t i = 0; i <= m->n_cutoffs; i++) {
    uint64_t hi = i < m->n_cutoffs ? m->cutoffs[i] : m->vocab;
    n += (hi - lo) * w;
    n += w * m->d_model;
    lo = hi;
    w /= div;
  }
  return n;
}

void wl_model_param_split(const wl_model *m, wl_param_split *out) {
  memset(out, 0, sizeof *out);
  if (m->arch == WL_ARCH_GEMM) { /* the weight W[k,n] */
    out->layers = m->gemm_k * m->gemm_n;
    return;
  }
  uint64_t d = m->d_model;
  uint64_t de = m->d_embed ? m->d_embed : d;
  /* Embedding */
  if (m->arch == WL_ARCH_VIT) {
    uint64_t p = m->patch_size;
    out->embed += (uint64_t)m->channels * p * p * d + d;
    out->embed += (uint64_t)m->n_cls * d;
    if (m->pos == WL_POS_LEARNED) out->embed += wl_model_vit_tokens(m) * d;
  } else {
    if (m->n_cutoffs)
      out->embed += adaptive_embed(m);
    else {
      out->embed += (uint64_t)m->vocab * de;
      if (de != d) out->embed += 2 * de * d; /* OPT project_in/out */
    }
    if (m->pos == WL_POS_LEARNED)
      out->embed += ((uint64_t)m->max_pos + m->pos_offset) * d;
    out->embed += (uint64_t)m->type_vocab * d;
  }
  if (m->emb_norm) out->embed += norm_params(m);
  if (m->pos == WL_POS_RELBIAS)
    out->embed += (uint64_t)stacks(m) * m->rel_buckets * m->n_heads;
  /* Layers */
  uint64_t layer = 2 * norm_params(m) + attn_params(m) + ffn_params(m);
  out->layers = (uint64_t)m->n_layers * layer;
  if (m->arch == WL_ARCH_ENCDEC)
    out->layers += (uint64_t)m->n_dec_layers *
                   (layer + norm_params(m) + attn_params(m));
  /* Head */
  if (m->final_norm) out->head += stacks(m) * norm_params(m);
  if (m->lm_head && m->vocab) {
    if (m->n_cutoffs) {
      /* ProjectedAdaptiveLogSoftmax, weights tied to the embedding:
       * cluster weight + bias, the untied first output projection, and
       * one bias per token. */
      out->head += (uint64_t)m->n_cutoffs * de + m->n_cutoffs;
      if (m->adapt_div > 1) out->head += de * d;
      if (m->bias_head) out->head += m->vocab;
    } else {
      if (!m->tied_embed) out->head += (uint64_t)m->vocab * de;
      if (m->bias_head) out->head += m->vocab;
    }
  }
  if (m->pooler) out->head += d * d + d;
  if (m->n_classes)
    out->head += d * m->n_classes + (m->bias_head ? m->n_classes : 0);
}

uint64_t wl_model_params(const wl_model *m) {
  wl_param_split s;
  wl_model_param_split(m, &s);
  return s.embed + s.layers + s.head;
}

uint64_t wl_model_kv_bytes_per_token(const wl_model *m, wl_precision p) {
  uint64_t layers = 0;
  if (m->arch == WL_ARCH_DECODER) layers = m->n_layers;
  if (m->arch == WL_ARCH_ENCDEC) layers = m->n_dec_layers;
  uint64_t elems = 2 * layers * wl_model_kv_heads(m) * wl_model_head_dim(m);
  return wl_bytes_of(elems, p);
}

#define NEED(field)                                                        \
  do {                                                                     \
    if (m->field == 0)                                                     \
      return sim_err_set(err, SIM_EINVAL, "model '%s': " #field            \
                         ": must be > 0", m->name);                        \
  } while (0)

/* Upper bounds that keep every shape product inside 64 bits and the
 * unrolled lowering inside memory: far beyond any published model
 * (GPT-3 175B: d_ff 49,152, 96 layers; vocabularies up to ~256k). */
#define WL_DIM_MAX (1u << 24)    /* widths, heads, vocabulary, positions */
#define WL_LAYERS_MAX 4096u      /* per stack */
#define WL_IMAGE_MAX 16384u      /* pixels per side: tokens < 2^28 */

#define BOUND(field, max)                                                  \
  do {                                                                     \
    if (m->field > (max))                                                  \
      return sim_err_set(err, SIM_EINVAL, "model '%s': " #field            \
                         ": %u exceeds the limit %u", m->name,             \
                         (unsigned)m->field, (unsigned)(max));             \
  } while (0)

void wl__patch_advice(char *buf, size_t n, uint32_t image, uint32_t pad,
                      uint32_t patch, uint32_t n_cls) {
  uint32_t y = image + 2 * pad, g = y / patch, r = y % patch;
  uint32_t more = patch - r, g_up = g + 1;
  int w = snprintf(buf, n, "zero-padding %u px more (%u + %u per side) "
                   "gives a %u-px image of %u x %u = %u patches (%u tokens "
                   "with %u class token%s)", more, (more + 1) / 2, more / 2,
                   y + more, g_up, g_up, g_up * g_up, g_up * g_up + n_cls,
                   n_cls, n_cls == 1 ? "" : "s");
  if (w > 0 && (size_t)w < n && g > 0)
    snprintf(buf + w, n - (size_t)w, "; cropping %u px gives %u x %u = %u "
             "patches", r, g, g, g * g);
}

int wl_check(const wl_model *m, sim_err *err) {
  if (!m) return sim_err_set(err, SIM_EINVAL, "model: NULL");
  if ((unsigned)m->arch >= WL_ARCH_KIND_COUNT)
    return sim_err_set(err, SIM_EINVAL, "model '%s': arch: unknown kind",
                       m->name);
  NEED(d_model);
  NEED(n_layers);
  NEED(n_heads);
  NEED(d_ff);
  if (m->arch == WL_ARCH_ENCDEC) NEED(n_dec_layers);
  BOUND(d_model, WL_DIM_MAX);
  BOUND(d_ff, WL_DIM_MAX);
  BOUND(n_heads, WL_DIM_MAX);
  BOUND(n_kv_heads, WL_DIM_MAX);
  BOUND(head_dim, WL_DIM_MAX);
  BOUND(vocab, WL_DIM_MAX);
  BOUND(max_pos, WL_DIM_MAX);
  BOUND(d_embed, WL_DIM_MAX);
  BOUND(n_layers, WL_LAYERS_MAX);
  BOUND(n_dec_layers, WL_LAYERS_MAX);
  BOUND(image_size, WL_IMAGE_MAX);
  BOUND(patch_size, WL_IMAGE_MAX);
  BOUND(patch_pad, WL_IMAGE_MAX);
  BOUND(channels, WL_DIM_MAX);
  BOUND(n_classes, WL_DIM_MAX);
  if (m->arch == WL_ARCH_VIT) {
    NEED(image_size);
    NEED(patch_size);
    NEED(channels);
    if ((m->image_size + 2 * m->patch_pad) % m->patch_size) {
      char adv[256];
      wl__patch_advice(adv, sizeof adv, m->image_size, m->patch_pad,
                       m->patch_size, m->n_cls);
      return sim_err_set(err, SIM_EINVAL,
                         "model '%s': patch_size %u does not divide "
                         "image_size %u (+ 2 x pad %u): %s", m->name,
                         m->patch_size, m->image_size, m->patch_pad, adv);
    }
  } else if (m->arch == WL_ARCH_GEMM) {
    NEED(gemm_m);
    NEED(gemm_n);
    NEED(gemm_k);
  } else {
    NEED(vocab);
    if (m->pos == WL_POS_LEARNED) NEED(max_pos);
  }
  if (!m->head_dim && m->d_model % m->n_heads)
    return sim_err_set(err, SIM_EINVAL,
                       "model '%s': n_heads %u does not divide d_model %u",
                       m->name, m->n_heads, m->d_model);
  if (m->n_kv_heads && m->n_heads % m->n_kv_heads)
    return sim_err_set(err, SIM_EINVAL,
                       "model '%s': n_kv_heads %u does not divide n_heads "
                       "%u (KV groups must be equal)", m->name,
                       m->n_kv_heads, m->n_heads);
  if (m->n_kv_heads > m->n_heads)
    return sim_err_set(err, SIM_EINVAL,
                       "model '%s': n_kv_heads %u exceeds n_heads %u",
                       m->name, m->n_kv_heads, m->n_heads);
  if ((unsigned)m->ffn >= WL_FFN_KIND_COUNT ||
      (unsigned)m->norm >= WL_NORM_KIND_COUNT ||
      (unsigned)m->pos >= WL_POS_KIND_COUNT)
    return sim_err_set(err, SIM_EINVAL, "model '%s': unknown ffn/norm/pos "
                       "kind", m->name);
  if (m->lr_ratio < 0 || m->lr_ratio > 1)
    return sim_err_set(err, SIM_EINVAL,
                       "model '%s': lr_ratio %g: must be in (0, 1]", m->name,
                       m->lr_ratio);
  if (m->lr_ratio > 0) {
    NEED(lr_attn_rank);
    NEED(lr_mlp_rank);
  }
  if (m->n_cutoffs > WL_MAX_CUTOFFS)
    return sim_err_set(err, SIM_EINVAL, "model '%s': n_cutoffs > %d",
                       m->name, WL_MAX_CUTOFFS);
  for (uint32_t i = 0; i < m->n_cutoffs; i++)
    if (m->cutoffs[i] >= m->vocab || (i && m->cutoffs[i] <= m->cutoffs[i - 1]))
      return sim_err_set(err, SIM_EINVAL,
                         "model '%s': cutoffs: must increase below vocab",
                         m->name);
  if (m->pos == WL_POS_RELBIAS) NEED(rel_buckets);
  return 0;
}

int wl_opts_default(wl_opts *o) {
  memset(o, 0, sizeof *o);
  o->phase = WL_PREFILL;
  o->batch = 1;
  o->seq = 1024;
  o->kv = 0;
  o->gen = 1;
  o->tgt = 0;
  o->prec = WL_FP16;
  o->kv_prec = WL_PRECISION_COUNT;
  o->form = WL_ATTN_3PASS;
  o->scope = WL_SCOPE_MODEL;
  o->causal = -1;
  o->tile_m = 256;
  o->layer = 0;
  o->repeat_layers = 0;
  o->head = 1;
  return 0;
}

int wl_opts_default_for(const wl_model *m, wl_opts *o) {
  int rc = wl_opts_default(o);
  if (!rc && m && m->max_pos > 0 && m->max_pos < o->seq) o->seq = m->max_pos;
  return rc;
}

int wl_opts_check(const wl_model *m, const wl_opts *o, sim_err *err) {
  if ((unsigned)o->phase >= WL_PHASE_COUNT)
    return sim_err_set(err, SIM_EINVAL, "phase: unknown value");
  if ((unsigned)o->scope >= WL_SCOPE_COUNT)
    return sim_err_set(err, SIM_EINVAL, "scope: unknown value");
  if ((unsigned)o->form >= WL_ATTN_FORM_COUNT)
    return sim_err_set(err, SIM_EINVAL, "attention form: unknown value");
  if ((unsigned)o->prec >= WL_INT32)
    return sim_err_set(err, SIM_EINVAL, "precision: unknown value");
  if (o->kv_prec != WL_PRECISION_COUNT && (unsigned)o->kv_prec >= WL_INT32)
    return sim_err_set(err, SIM_EINVAL, "kv precision: unknown value");
  if (o->batch == 0)
    return sim_err_set(err, SIM_EINVAL, "batch: must be > 0");
  if (o->tile_m == 0)
    return sim_err_set(err, SIM_EINVAL, "tile_m: must be > 0");
  if (m->arch != WL_ARCH_VIT && o->phase == WL_PREFILL && o->seq == 0)
    return sim_err_set(err, SIM_EINVAL, "seq: must be > 0");
  if (o->phase == WL_DECODE &&
      (m->arch == WL_ARCH_ENCODER || m->arch == WL_ARCH_VIT))
    return sim_err_set(err, SIM_EINVAL,
                       "phase decode: model '%s' is of kind %s; decode "
                       "needs a decoder",
                       m->name, wl_arch_kind_name(m->arch));
  if (o->phase == WL_DECODE && m->arch == WL_ARCH_ENCDEC && o->seq == 0)
    return sim_err_set(err, SIM_EINVAL,
                       "seq: encoder length must be > 0 for decode");
  uint32_t layers = m->n_layers + (m->arch == WL_ARCH_ENCDEC ?
                                   m->n_dec_layers : 0);
  if (o->scope != WL_SCOPE_MODEL && o->layer >= layers)
    return sim_err_set(err, SIM_EINVAL,
                       "layer: %u out of range (model '%s' has %u)",
                       o->layer, m->name, layers);
  if (o->scope == WL_SCOPE_MODEL && m->pos == WL_POS_LEARNED &&
      m->arch != WL_ARCH_VIT) {
    uint64_t need = o->phase == WL_DECODE ? o->kv + 1 : o->kv + o->seq;
    if (m->arch == WL_ARCH_ENCDEC) need = o->seq;
    if (need > m->max_pos)
      return sim_err_set(err, SIM_EINVAL,
                         "seq: %llu positions exceed max_pos %u of '%s' "
                         "(learned positions)", (unsigned long long)need,
                         m->max_pos, m->name);
  }
  return 0;
}
