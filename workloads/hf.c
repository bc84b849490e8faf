/*
 * hf.c — Hugging Face config.json import (jansson).
 *
 * One mapping per model_type from the transformers configuration classes
 * (configuration_<type>.py) to wl_model.  A key a file omits takes the
 * default of that class's __init__ (transformers 4.x), as
 * AutoConfig.from_pretrained would: config.json files on the Hub often
 * leave out what equals the default (vocab_size, max_position_embeddings,
 * ...).  Each loader sets those defaults first, with the class named.
 * Supported: gpt2, llama, mistral (and qwen2, yi as LLaMA), opt, bert
 * (and roberta), vit (and deit), t5.  Mistral's sliding_window is carried
 * into wl_model (the lowering caps the attended keys with it).
 *
 * path may be a folder holding config.json (a Hub snapshot, as
 * from_pretrained takes).
 *
 * Errors are one line that names the file and the field:
 *   "model.json: model_type: missing"
 *   "model.json: n_head: must be a positive integer (got -4)"
 *   "model.json: model_type: 'mamba' not supported (gpt2, ...)"
 *   "model.json:3:14: '}' expected near ','"   (jansson's json_error_t)
 */
#include "wlInt.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct hf {
  const char *path;
  json_t *root;
  sim_err *err;
} hf;

/* Required (req = 1) or optional positive integer.  Absent optional: *out
 * keeps its default.  JSON null counts as absent. */
static int get_u32(hf *h, const char *key, int req, uint32_t *out) {
  json_t *v = json_object_get(h->root, key);
  if (!v || json_is_null(v)) {
    if (req)
      return sim_err_set(h->err, SIM_EINVAL, "%s: %s: missing", h->path, key);
    return 0;
  }
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x <= 0 || x > (json_int_t)UINT32_MAX)
      return sim_err_set(h->err, SIM_EINVAL,
                         "%s: %s: must be a positive integer (got %lld)",
                         h->path, key, (long long)x);
    *out = (uint32_t)x;
    return 0;
  }
  return sim_err_set(h->err, SIM_EINVAL, "%s: %s: must be a positive integer",
                     h->path, key);
}

/* First of several spellings that is present. */
static int get_u32_any(hf *h, const char *k1, const char *k2, int req,
                       uint32_t *out) {
  json_t *v = json_object_get(h->root, k1);
  if (v && !json_is_null(v)) return get_u32(h, k1, 1, out);
  if (k2) {
    v = json_object_get(h->root, k2);
    if (v && !json_is_null(v)) return get_u32(h, k2, 1, out);
  }
  if (req)
    return sim_err_set(h->err, SIM_EINVAL, "%s: %s: missing", h->path, k1);
  return 0;
}

static int get_bool(hf *h, const char *key, uint8_t *out) {
  json_t *v = json_object_get(h->root, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_boolean(v))
    return sim_err_set(h->err, SIM_EINVAL, "%s: %s: must be true or false",
                       h->path, key);
  *out = json_is_true(v) ? 1 : 0;
  return 0;
}

static int get_real(hf *h, const char *key, double *out) {
  json_t *v = json_object_get(h->root, key);
  if (!v || json_is_null(v)) return 0;
  if (!json_is_number(v))
    return sim_err_set(h->err, SIM_EINVAL, "%s: %s: must be a number",
                       h->path, key);
  *out = json_number_value(v);
  return 0;
}

static const char *get_str(hf *h, const char *key) {
  json_t *v = json_object_get(h->root, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Activation name -> FFN kind for the non-gated families. */
static int act_ffn(hf *h, const char *key, wl_ffn_kind *out) {
  const char *a = get_str(h, key);
  if (!a) return 0;
  if (strncmp(a, "gelu", 4) == 0 || strcmp(a, "quick_gelu") == 0) {
    *out = WL_FFN_GELU;
    return 0;
  }
  if (strcmp(a, "relu") == 0) {
    *out = WL_FFN_RELU;
    return 0;
  }
  return sim_err_set(h->err, SIM_EINVAL, "%s: %s: '%s' not supported "
                     "(gelu*, relu)", h->path, key, a);
}

static void base(wl_model *m) {
  m->norm_eps = 1e-5;
  m->pre_norm = 1;
  m->final_norm = 1;
  m->lm_head = 1;
}

static int load_gpt2(hf *h, wl_model *m) {
  base(m);
  /* GPT2Config defaults: vocab_size 50257, n_positions 1024, n_embd 768,
   * n_layer 12, n_head 12, n_inner None (4 n_embd), activation_function
   * "gelu_new", layer_norm_epsilon 1e-5, tie_word_embeddings True
   * (PretrainedConfig). */
  m->vocab = 50257;
  m->max_pos = 1024;
  m->d_model = 768;
  m->n_layers = 12;
  m->n_heads = 12;
  m->arch = WL_ARCH_DECODER;
  m->ffn = WL_FFN_GELU;
  m->norm = WL_NORM_LAYERNORM;
  m->pos = WL_POS_LEARNED;
  m->tied_embed = 1;
  m->bias_qkv = m->bias_out = m->bias_ffn = 1;
  uint32_t inner = 0;
  int rc;
  if ((rc = get_u32(h, "n_embd", 0, &m->d_model)) ||
      (rc = get_u32(h, "n_layer", 0, &m->n_layers)) ||
      (rc = get_u32(h, "n_head", 0, &m->n_heads)) ||
      (rc = get_u32(h, "vocab_size", 0, &m->vocab)) ||
      (rc = get_u32_any(h, "n_positions", "n_ctx", 0, &m->max_pos)) ||
      (rc = get_u32(h, "n_inner", 0, &inner)) ||
      (rc = get_real(h, "layer_norm_epsilon", &m->norm_eps)) ||
      (rc = get_bool(h, "tie_word_embeddings", &m->tied_embed)) ||
      (rc = act_ffn(h, "activation_function", &m->ffn)))
    return rc;
  m->d_ff = inner ? inner : 4 * m->d_model; /* GPT2MLP: n_inner or 4d */
  return 0;
}

/* LLaMA and the families that share its layout (type: model_type). */
static int load_llama(hf *h, wl_model *m, const char *type) {
  base(m);
  m->arch = WL_ARCH_DECODER;
  m->ffn = WL_FFN_SWIGLU;
  m->norm = WL_NORM_RMSNORM;
  m->pos = WL_POS_ROPE;
  m->norm_eps = 1e-6;
  m->tied_embed = 0;
  if (strcmp(type, "mistral") == 0) {
    /* MistralConfig defaults: vocab_size 32000, hidden_size 4096,
     * intermediate_size 14336, num_hidden_layers 32, num_attention_heads
     * 32, num_key_value_heads 8, max_position_embeddings 4096 * 32,
     * rms_norm_eps 1e-6, tie_word_embeddings False, sliding_window 4096
     * (null in a file: no window). */
    m->vocab = 32000;
    m->d_model = 4096;
    m->d_ff = 14336;
    m->n_layers = 32;
    m->n_heads = 32;
    m->n_kv_heads = 8;
    m->max_pos = 4096 * 32;
    m->sliding_window = 4096;
  } else if (strcmp(type, "qwen2") == 0) {
    /* Qwen2Config defaults: vocab_size 151936, hidden_size 4096,
     * intermediate_size 22016, num_hidden_layers 32, num_attention_heads
     * 32, num_key_value_heads 32, max_position_embeddings 32768,
     * rms_norm_eps 1e-6, tie_word_embeddings False.  (Its sliding window
     * applies only with use_sliding_window and to some layers: not
     * modelled.) */
    m->vocab = 151936;
    m->d_model = 4096;
    m->d_ff = 22016;
    m->n_layers = 32;
    m->n_heads = 32;
    m->n_kv_heads = 32;
    m->max_pos = 32768;
  } else {
    /* LlamaConfig defaults (also for "yi", which ships LLaMA configs):
     * vocab_size 32000, hidden_size 4096, intermediate_size 11008,
     * num_hidden_layers 32, num_attention_heads 32, num_key_value_heads
     * None (= num_attention_heads), max_position_embeddings 2048,
     * rms_norm_eps 1e-6, tie_word_embeddings False, attention_bias and
     * mlp_bias False, head_dim None (hidden_size / heads). */
    m->vocab = 32000;
    m->d_model = 4096;
    m->d_ff = 11008;
    m->n_layers = 32;
    m->n_heads = 32;
    m->max_pos = 2048;
  }
  uint8_t attn_bias = 0, mlp_bias = 0;
  int rc;
  if (strcmp(type, "mistral") == 0) {
    json_t *sw = json_object_get(h->root, "sliding_window");
    if (sw && json_is_null(sw)) m->sliding_window = 0; /* explicit: none */
    else if ((rc = get_u32(h, "sliding_window", 0, &m->sliding_window)))
      return rc;
  }
  if ((rc = get_u32(h, "hidden_size", 0, &m->d_model)) ||
      (rc = get_u32(h, "num_hidden_layers", 0, &m->n_layers)) ||
      (rc = get_u32(h, "num_attention_heads", 0, &m->n_heads)) ||
      (rc = get_u32(h, "intermediate_size", 0, &m->d_ff)) ||
      (rc = get_u32(h, "vocab_size", 0, &m->vocab)) ||
      (rc = get_u32(h, "max_position_embeddings", 0, &m->max_pos)) ||
      (rc = get_u32(h, "num_key_value_heads", 0, &m->n_kv_heads)) ||
      (rc = get_u32(h, "head_dim", 0, &m->head_dim)) ||
      (rc = get_real(h, "rms_norm_eps", &m->norm_eps)) ||
      (rc = get_bool(h, "tie_word_embeddings", &m->tied_embed)) ||
      (rc = get_bool(h, "attention_bias", &attn_bias)) ||
      (rc = get_bool(h, "mlp_bias", &mlp_bias)))
    return rc;
  const char *act = get_str(h, "hidden_act");
  if (act && strcmp(act, "silu") != 0)
    return sim_err_set(h->err, SIM_EINVAL,
                       "%s: hidden_act: '%s' not supported (silu)", h->path,
                       act);
  m->bias_qkv = m->bias_out = attn_bias;
  m->bias_ffn = mlp_bias;
  return 0;
}

static int load_opt(hf *h, wl_model *m) {
  base(m);
  m->arch = WL_ARCH_DECODER;
  m->ffn = WL_FFN_RELU;
  m->norm = WL_NORM_LAYERNORM;
  m->pos = WL_POS_LEARNED;
  m->pos_offset = 2; /* OPTLearnedPositionalEmbedding: offset 2 */
  m->tied_embed = 1;
  /* OPTConfig defaults: vocab_size 50272, hidden_size 768,
   * num_hidden_layers 12, ffn_dim 3072, max_position_embeddings 2048,
   * num_attention_heads 12, word_embed_proj_dim None (= hidden_size),
   * do_layer_norm_before True, enable_bias True, activation_function
   * "relu", tie_word_embeddings True. */
  m->vocab = 50272;
  m->d_model = 768;
  m->n_layers = 12;
  m->d_ff = 3072;
  m->max_pos = 2048;
  m->n_heads = 12;
  uint8_t bias = 1, before = 1;
  uint32_t proj = 0;
  int rc;
  if ((rc = get_u32(h, "hidden_size", 0, &m->d_model)) ||
      (rc = get_u32(h, "num_hidden_layers", 0, &m->n_layers)) ||
      (rc = get_u32(h, "num_attention_heads", 0, &m->n_heads)) ||
      (rc = get_u32(h, "ffn_dim", 0, &m->d_ff)) ||
      (rc = get_u32(h, "vocab_size", 0, &m->vocab)) ||
      (rc = get_u32(h, "max_position_embeddings", 0, &m->max_pos)) ||
      (rc = get_u32(h, "word_embed_proj_dim", 0, &proj)) ||
      (rc = get_bool(h, "do_layer_norm_before", &before)) ||
      (rc = get_bool(h, "enable_bias", &bias)) ||
      (rc = get_bool(h, "tie_word_embeddings", &m->tied_embed)) ||
      (rc = act_ffn(h, "activation_function", &m->ffn)))
    return rc;
  uint8_t remove_final = 0;
  if ((rc = get_bool(h, "_remove_final_layer_norm", &remove_final))) return rc;
  m->d_embed = proj && proj != m->d_model ? proj : 0;
  m->pre_norm = before;
  m->final_norm = before && !remove_final;
  m->bias_qkv = m->bias_out = m->bias_ffn = bias;
  return 0;
}

static int load_bert(hf *h, wl_model *m, int roberta) {
  base(m);
  m->arch = WL_ARCH_ENCODER;
  m->ffn = WL_FFN_GELU;
  m->norm = WL_NORM_LAYERNORM;
  m->pos = WL_POS_LEARNED;
  m->norm_eps = 1e-12;
  m->type_vocab = 2;
  m->pre_norm = 0;
  m->final_norm = 0;
  m->emb_norm = 1;
  m->pooler = 1; /* BertModel(add_pooling_layer=True) */
  m->lm_head = 0;
  m->bias_qkv = m->bias_out = m->bias_ffn = 1;
  /* BertConfig defaults: vocab_size 30522, hidden_size 768,
   * num_hidden_layers 12, num_attention_heads 12, intermediate_size 3072,
   * hidden_act "gelu", max_position_embeddings 512, type_vocab_size 2,
   * layer_norm_eps 1e-12.  RobertaConfig: the same but vocab_size
   * 50265. */
  m->vocab = roberta ? 50265 : 30522;
  m->d_model = 768;
  m->n_layers = 12;
  m->n_heads = 12;
  m->d_ff = 3072;
  m->max_pos = 512;
  int rc;
  if ((rc = get_u32(h, "hidden_size", 0, &m->d_model)) ||
      (rc = get_u32(h, "num_hidden_layers", 0, &m->n_layers)) ||
      (rc = get_u32(h, "num_attention_heads", 0, &m->n_heads)) ||
      (rc = get_u32(h, "intermediate_size", 0, &m->d_ff)) ||
      (rc = get_u32(h, "vocab_size", 0, &m->vocab)) ||
      (rc = get_u32(h, "max_position_embeddings", 0, &m->max_pos)) ||
      (rc = get_u32(h, "type_vocab_size", 0, &m->type_vocab)) ||
      (rc = get_real(h, "layer_norm_eps", &m->norm_eps)) ||
      (rc = act_ffn(h, "hidden_act", &m->ffn)))
    return rc;
  /* RoBERTa's 514 positions (in its files) already include its offset */
  return 0;
}

static int load_vit(hf *h, wl_model *m) {
  base(m);
  m->arch = WL_ARCH_VIT;
  m->ffn = WL_FFN_GELU;
  m->norm = WL_NORM_LAYERNORM;
  m->pos = WL_POS_LEARNED;
  m->norm_eps = 1e-12;
  m->lm_head = 0;
  m->image_size = 224;
  m->patch_size = 16;
  m->channels = 3;
  m->n_cls = 1;
  /* ViTConfig (and DeiTConfig) defaults: hidden_size 768,
   * num_hidden_layers 12, num_attention_heads 12, intermediate_size 3072,
   * hidden_act "gelu", layer_norm_eps 1e-12, image_size 224, patch_size
   * 16, num_channels 3, qkv_bias True. */
  m->d_model = 768;
  m->n_layers = 12;
  m->n_heads = 12;
  m->d_ff = 3072;
  uint8_t qkv_bias = 1;
  int rc;
  if ((rc = get_u32(h, "hidden_size", 0, &m->d_model)) ||
      (rc = get_u32(h, "num_hidden_layers", 0, &m->n_layers)) ||
      (rc = get_u32(h, "num_attention_heads", 0, &m->n_heads)) ||
      (rc = get_u32(h, "intermediate_size", 0, &m->d_ff)) ||
      (rc = get_u32(h, "image_size", 0, &m->image_size)) ||
      (rc = get_u32(h, "patch_size", 0, &m->patch_size)) ||
      (rc = get_u32(h, "num_channels", 0, &m->channels)) ||
      (rc = get_real(h, "layer_norm_eps", &m->norm_eps)) ||
      (rc = get_bool(h, "qkv_bias", &qkv_bias)) ||
      (rc = act_ffn(h, "hidden_act", &m->ffn)))
    return rc;
  m->bias_qkv = qkv_bias;
  m->bias_out = m->bias_ffn = 1;
  /* ViTForImageClassification: no pooler, a classifier over id2label;
   * otherwise ViTModel with its pooler. */
  json_t *labels = json_object_get(h->root, "id2label");
  json_t *archs = json_object_get(h->root, "architectures");
  int classify = 0;
  if (json_is_array(archs)) {
    size_t i;
    json_t *a;
    json_array_foreach(archs, i, a) if (json_is_string(a) &&
                                        strstr(json_string_value(a),
                                               "ImageClassification"))
        classify = 1;
  }
  if (classify && json_is_object(labels) && json_object_size(labels) > 0) {
    m->n_classes = (uint32_t)json_object_size(labels);
    m->bias_head = 1;
  } else {
    m->pooler = 1;
  }
  m->max_pos = wl_model_vit_tokens(m);
  return 0;
}

static int load_t5(hf *h, wl_model *m) {
  base(m);
  m->arch = WL_ARCH_ENCDEC;
  m->ffn = WL_FFN_RELU;
  m->norm = WL_NORM_RMSNORM;
  m->pos = WL_POS_RELBIAS;
  m->norm_eps = 1e-6;
  m->rel_buckets = 32;
  m->tied_embed = 1;
  m->max_pos = 512;
  /* T5Config defaults: vocab_size 32128, d_model 512, d_kv 64, d_ff
   * 2048, num_layers 6, num_decoder_layers None (= num_layers), num_heads
   * 8, relative_attention_num_buckets 32, layer_norm_epsilon 1e-6,
   * feed_forward_proj "relu", tie_word_embeddings True. */
  m->vocab = 32128;
  m->d_model = 512;
  m->head_dim = 64;
  m->d_ff = 2048;
  m->n_layers = 6;
  m->n_heads = 8;
  int rc;
  if ((rc = get_u32(h, "d_model", 0, &m->d_model)) ||
      (rc = get_u32(h, "num_layers", 0, &m->n_layers)) ||
      (rc = get_u32(h, "num_heads", 0, &m->n_heads)) ||
      (rc = get_u32(h, "d_kv", 0, &m->head_dim)) ||
      (rc = get_u32(h, "d_ff", 0, &m->d_ff)) ||
      (rc = get_u32(h, "vocab_size", 0, &m->vocab)) ||
      (rc = get_u32(h, "relative_attention_num_buckets", 0,
                    &m->rel_buckets)) ||
      (rc = get_real(h, "layer_norm_epsilon", &m->norm_eps)) ||
      (rc = get_bool(h, "tie_word_embeddings", &m->tied_embed)))
    return rc;
  m->n_dec_layers = m->n_layers;
  if ((rc = get_u32(h, "num_decoder_layers", 0, &m->n_dec_layers))) return rc;
  const char *ff = get_str(h, "feed_forward_proj");
  if (ff && strcmp(ff, "relu") != 0)
    return sim_err_set(h->err, SIM_EINVAL,
                       "%s: feed_forward_proj: '%s' not supported (relu)",
                       h->path, ff);
  return 0;
}

/* Model name: _name_or_path's last component, else the parent directory
 * of a file called config.json, else the file's stem. */
static void hf_name(hf *h, wl_model *m) {
  const char *n = get_str(h, "_name_or_path");
  char buf[256];
  if (n && *n) {
    const char *s = strrchr(n, '/');
    wl__strlcpy(buf, s ? s + 1 : n, sizeof buf);
  } else {
    wl__strlcpy(buf, h->path, sizeof buf);
    char *dot = strrchr(buf, '.');
    char *sl = strrchr(buf, '/');
    if (dot && (!sl || dot > sl)) *dot = '\0';
    sl = strrchr(buf, '/');
    const char *stem = sl ? sl + 1 : buf;
    if (strcmp(stem, "config") == 0 && sl) {
      *sl = '\0';
      char *p2 = strrchr(buf, '/');
      stem = p2 ? p2 + 1 : buf;
    }
    memmove(buf, stem, strlen(stem) + 1);
  }
  for (char *p = buf; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  wl__strlcpy(m->name, buf, sizeof m->name);
}

int wl_model_load_hf(const char *path, wl_model *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  if (!path) return sim_err_set(err, SIM_EINVAL, "config.json: NULL path");
  /* A folder (a Hub snapshot): its config.json. */
  char joined[4096];
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    size_t l = strlen(path);
    int w = snprintf(joined, sizeof joined, "%s%sconfig.json", path,
                     l && path[l - 1] == '/' ? "" : "/");
    if (w < 0 || (size_t)w >= sizeof joined)
      return sim_err_set(err, SIM_EINVAL, "%s: path too long", path);
    if (stat(joined, &st) != 0)
      return sim_err_set(err, SIM_ENOENT, "%s: a folder without config.json "
                         "(give a Hugging Face model folder or its "
                         "config.json)", path);
    path = joined;
  }
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_err_set(err, SIM_ENOENT, "%s: cannot open (%s)", path,
                       strerror(errno));
  json_error_t je;
  json_t *root = json_loadf(f, 0, &je);
  fclose(f);
  if (!root)
    return sim_err_set(err, SIM_EINVAL, "%s:%d:%d: %s", path, je.line,
                       je.column, je.text);
  hf h = {path, root, err};
  int rc = 0;
  if (!json_is_object(root)) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: top level must be an object",
                     path);
    goto done;
  }
  const char *type = get_str(&h, "model_type");
  if (!type) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: model_type: missing", path);
    goto done;
  }
  if (strcmp(type, "gpt2") == 0)
    rc = load_gpt2(&h, out);
  else if (strcmp(type, "llama") == 0 || strcmp(type, "mistral") == 0 ||
           strcmp(type, "qwen2") == 0 || strcmp(type, "yi") == 0)
    rc = load_llama(&h, out, type);
  else if (strcmp(type, "opt") == 0)
    rc = load_opt(&h, out);
  else if (strcmp(type, "bert") == 0)
    rc = load_bert(&h, out, 0);
  else if (strcmp(type, "roberta") == 0)
    rc = load_bert(&h, out, 1);
  else if (strcmp(type, "vit") == 0 || strcmp(type, "deit") == 0)
    rc = load_vit(&h, out);
  else if (strcmp(type, "t5") == 0)
    rc = load_t5(&h, out);
  else
    rc = sim_err_set(err, SIM_EUNSUP,
                     "%s: model_type: '%s' not supported (gpt2, llama, "
                     "mistral, qwen2, opt, bert, roberta, vit, deit, t5)",
                     path, type);
  if (rc) goto done;
  if (strcmp(type, "qwen2") == 0) out->bias_qkv = 1; /* Qwen2: q/k/v bias */
  hf_name(&h, out);
  wl__strlcpy(out->family, type, sizeof out->family);
  snprintf(out->source, sizeof out->source, "Hugging Face config.json");
  {
    sim_err e2;
    sim_err_clear(&e2);
    rc = wl_check(out, &e2);
    if (rc) rc = sim_err_set(err, rc, "%s: %s", path, e2.msg);
  }
done:
  json_decref(root);
  if (rc) memset(out, 0, sizeof *out);
  return rc;
}
