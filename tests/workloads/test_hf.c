/*
 * test_hf.c — Hugging Face config.json import: the shipped samples
 * (workloads/hf/gpt2.json, llama-2-7b.json) give the zoo's counts; more
 * model types written here from their hub configs (only the keys the
 * loader reads, plus noise) give their published counts; keys a file
 * omits take the transformers defaults; a model folder loads its
 * config.json; Mistral's sliding window caps the keys attended; bad
 * files give one-line messages naming the file and the field, or
 * file:line:col.
 */
#include "tfsim_test.h"
#include "workloads/wl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[64];

static int setup(void) {
  strcpy(g_dir, "/tmp/tfsim_wl_hf_XXXXXX");
  return mkdtemp(g_dir) ? 0 : 1;
}

static char g_paths[32][128];
static int g_n_paths;

static int teardown(void) {
  for (int i = 0; i < g_n_paths; i++) unlink(g_paths[i]);
  rmdir(g_dir);
  return 0;
}

/* Writes text to <dir>/<name> and returns the path. */
static const char *write_file(const char *name, const char *text) {
  CU_ASSERT_FATAL(g_n_paths < 32);
  char *p = g_paths[g_n_paths++];
  snprintf(p, 128, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
  return p;
}

static wl_model load(const char *path) {
  wl_model m;
  sim_err e;
  sim_err_clear(&e);
  int rc = wl_model_load_hf(path, &m, &e);
  if (rc) fprintf(stderr, "%s\n", e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  return m;
}

static wl_model zoo(const char *name) {
  wl_model m;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_model_find(name, &m, &e), 0);
  return m;
}

static uint64_t decode_macs(const wl_model *m, uint64_t kv) {
  wl_opts o;
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = kv;
  wl_cascade *c = NULL;
  sim_err e;
  CU_ASSERT_EQUAL_FATAL(wl_lower(m, &o, &c, &e), 0);
  wl_totals t;
  wl_cascade_totals(c, &t);
  wl_cascade_free(c);
  return t.macs;
}

static void same_shape(const wl_model *a, const wl_model *b) {
  CU_ASSERT_EQUAL(a->arch, b->arch);
  CU_ASSERT_EQUAL(a->d_model, b->d_model);
  CU_ASSERT_EQUAL(a->n_layers, b->n_layers);
  CU_ASSERT_EQUAL(a->n_heads, b->n_heads);
  CU_ASSERT_EQUAL(wl_model_kv_heads(a), wl_model_kv_heads(b));
  CU_ASSERT_EQUAL(wl_model_head_dim(a), wl_model_head_dim(b));
  CU_ASSERT_EQUAL(a->d_ff, b->d_ff);
  CU_ASSERT_EQUAL(a->vocab, b->vocab);
  CU_ASSERT_EQUAL(a->max_pos, b->max_pos);
  CU_ASSERT_EQUAL(a->ffn, b->ffn);
  CU_ASSERT_EQUAL(a->norm, b->norm);
  CU_ASSERT_EQUAL(a->tied_embed, b->tied_embed);
  CU_ASSERT_EQUAL(wl_model_params(a), wl_model_params(b));
}

static void test_samples(void) {
  wl_model g = load(TFSIM_SOURCE_DIR "/workloads/hf/gpt2.json");
  wl_model z = zoo("gpt2-s");
  same_shape(&g, &z);
  CU_ASSERT_EQUAL(wl_model_params(&g), 124439808ull);
  CU_ASSERT_STRING_EQUAL(g.name, "gpt2");
  CU_ASSERT_STRING_EQUAL(g.family, "gpt2");
  CU_ASSERT_EQUAL(decode_macs(&g, 100), decode_macs(&z, 100));
  wl_model l = load(TFSIM_SOURCE_DIR "/workloads/hf/llama-2-7b.json");
  z = zoo("llama2-7b");
  same_shape(&l, &z);
  CU_ASSERT_EQUAL(wl_model_params(&l), 6738415616ull);
  CU_ASSERT_STRING_EQUAL(l.name, "llama-2-7b-hf");
  CU_ASSERT_EQUAL(decode_macs(&l, 3), decode_macs(&z, 3));
  /* through wl_model_find: a path ending in .json */
  wl_model f;
  sim_err e;
  CU_ASSERT_EQUAL(wl_model_find(TFSIM_SOURCE_DIR "/workloads/hf/gpt2.json",
                                &f, &e), 0);
  CU_ASSERT_EQUAL(wl_model_params(&f), 124439808ull);
}

static void test_more_types(void) {
  /* mistralai/Mistral-7B-v0.1 (GQA 32/8): 7,241,732,096 */
  wl_model m = load(write_file(
      "mistral.json",
      "{\"architectures\": [\"MistralForCausalLM\"], \"hidden_act\": "
      "\"silu\", \"hidden_size\": 4096, \"intermediate_size\": 14336,\n"
      "\"max_position_embeddings\": 32768, \"model_type\": \"mistral\",\n"
      "\"num_attention_heads\": 32, \"num_hidden_layers\": 32,\n"
      "\"num_key_value_heads\": 8, \"rms_norm_eps\": 1e-05, "
      "\"rope_theta\": 10000.0, \"sliding_window\": 4096,\n"
      "\"tie_word_embeddings\": false, \"vocab_size\": 32000}\n"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 7241732096ull);
  CU_ASSERT_EQUAL(wl_model_attn_kind(&m), WL_GQA);
  CU_ASSERT_STRING_EQUAL(m.name, "mistral");
  /* facebook/opt-1.3b */
  m = load(write_file(
      "opt.json",
      "{\"_name_or_path\": \"facebook/opt-1.3b\", \"activation_function\": "
      "\"relu\", \"do_layer_norm_before\": true, \"ffn_dim\": 8192,\n"
      "\"hidden_size\": 2048, \"max_position_embeddings\": 2048, "
      "\"model_type\": \"opt\", \"num_attention_heads\": 32,\n"
      "\"num_hidden_layers\": 24, \"vocab_size\": 50272, "
      "\"word_embed_proj_dim\": 2048}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 1315758080ull);
  wl_model z = zoo("opt-1.3b");
  same_shape(&m, &z);
  /* bert-base-uncased */
  m = load(write_file(
      "bert.json",
      "{\"architectures\": [\"BertForMaskedLM\"], \"hidden_act\": \"gelu\", "
      "\"hidden_size\": 768, \"intermediate_size\": 3072,\n"
      "\"layer_norm_eps\": 1e-12, \"max_position_embeddings\": 512, "
      "\"model_type\": \"bert\", \"num_attention_heads\": 12,\n"
      "\"num_hidden_layers\": 12, \"type_vocab_size\": 2, "
      "\"vocab_size\": 30522}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 109482240ull);
  /* google/vit-base-patch16-224 (ViTForImageClassification, 1000
   * labels; the label map shortened to 1000 generated entries) */
  char *vit = malloc(40000);
  int o = sprintf(vit,
                  "{\"architectures\": [\"ViTForImageClassification\"], "
                  "\"hidden_size\": 768, \"image_size\": 224, "
                  "\"intermediate_size\": 3072, \"model_type\": \"vit\", "
                  "\"num_attention_heads\": 12, \"num_channels\": 3, "
                  "\"num_hidden_layers\": 12, \"patch_size\": 16, "
                  "\"qkv_bias\": true, \"id2label\": {");
  for (int i = 0; i < 1000; i++)
    o += sprintf(vit + o, "%s\"%d\": \"c%d\"", i ? ", " : "", i, i);
  sprintf(vit + o, "}}");
  m = load(write_file("vit.json", vit));
  free(vit);
  CU_ASSERT_EQUAL(wl_model_params(&m), 86567656ull);
  CU_ASSERT_EQUAL(m.n_classes, 1000);
  /* google-t5/t5-base */
  m = load(write_file(
      "t5.json",
      "{\"d_ff\": 3072, \"d_kv\": 64, \"d_model\": 768, "
      "\"feed_forward_proj\": \"relu\", \"model_type\": \"t5\",\n"
      "\"num_decoder_layers\": 12, \"num_heads\": 12, \"num_layers\": 12, "
      "\"relative_attention_num_buckets\": 32, \"vocab_size\": 32128}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 222903552ull);
}

static void expect_error(const char *name, const char *text, int code,
                         const char *suffix) {
  const char *p = write_file(name, text);
  wl_model m;
  sim_err e;
  sim_err_clear(&e);
  CU_ASSERT_EQUAL(wl_model_load_hf(p, &m, &e), code);
  char want[600];
  snprintf(want, sizeof want, "%s%s", p, suffix);
  if (strcmp(e.msg, want) != 0)
    fprintf(stderr, "\n got: %s\nwant: %s\n", e.msg, want);
  CU_ASSERT_STRING_EQUAL(e.msg, want);
  CU_ASSERT_PTR_NULL(strchr(e.msg, '\n'));
}

static void test_errors(void) {
  expect_error("notype.json", "{\"n_embd\": 768}", SIM_EINVAL,
               ": model_type: missing");
  expect_error("mamba.json", "{\"model_type\": \"mamba\"}", SIM_EUNSUP,
               ": model_type: 'mamba' not supported (gpt2, llama, mistral, "
               "qwen2, opt, bert, roberta, vit, deit, t5)");
  expect_error("neg.json",
               "{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 12,"
               " \"n_head\": -4, \"vocab_size\": 50257, \"n_positions\": 1024}",
               SIM_EINVAL, ": n_head: must be a positive integer (got -4)");
  expect_error("zero.json",
               "{\"model_type\": \"gpt2\", \"n_embd\": 0, \"n_layer\": 12,"
               " \"n_head\": 12, \"vocab_size\": 50257, \"n_positions\": 1024}",
               SIM_EINVAL, ": n_embd: must be a positive integer (got 0)");
  expect_error("str.json",
               "{\"model_type\": \"gpt2\", \"n_embd\": \"768\", \"n_layer\": 1,"
               " \"n_head\": 12, \"vocab_size\": 50257, \"n_positions\": 1024}",
               SIM_EINVAL, ": n_embd: must be a positive integer");
  expect_error("heads.json",
               "{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 12,"
               " \"n_head\": 7, \"vocab_size\": 50257, \"n_positions\": 1024}",
               SIM_EINVAL,
               ": model 'heads': n_heads 7 does not divide d_model 768");
  expect_error("groups.json",
               "{\"model_type\": \"llama\", \"hidden_size\": 4096, "
               "\"num_hidden_layers\": 2, \"num_attention_heads\": 32, "
               "\"num_key_value_heads\": 5, \"intermediate_size\": 100, "
               "\"vocab_size\": 10}",
               SIM_EINVAL,
               ": model 'groups': n_kv_heads 5 does not divide n_heads 32 "
               "(KV groups must be equal)");
  expect_error("act.json",
               "{\"model_type\": \"t5\", \"d_model\": 768, \"num_layers\": 2,"
               " \"num_heads\": 12, \"d_kv\": 64, \"d_ff\": 10, "
               "\"vocab_size\": 10, \"feed_forward_proj\": \"gated-gelu\"}",
               SIM_EINVAL,
               ": feed_forward_proj: 'gated-gelu' not supported (relu)");
  /* malformed JSON: file:line:col from jansson */
  const char *p = write_file("bad.json", "{\"model_type\": \"gpt2\",\n"
                                         "  \"n_embd\": 768,\n"
                                         "}\n");
  wl_model m;
  sim_err e;
  CU_ASSERT_EQUAL(wl_model_load_hf(p, &m, &e), SIM_EINVAL);
  char want[200];
  snprintf(want, sizeof want, "%s:3:1: ", p);
  CU_ASSERT_EQUAL(strncmp(e.msg, want, strlen(want)), 0);
  if (strncmp(e.msg, want, strlen(want)) != 0)
    fprintf(stderr, "\n got: %s\n", e.msg);
  p = write_file("array.json", "[1, 2]");
  CU_ASSERT_EQUAL(wl_model_load_hf(p, &m, &e), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "top level must be an object"));
  /* missing file */
  CU_ASSERT_EQUAL(wl_model_find("/nonexistent/dir/config.json", &m, &e),
                  SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/dir/config.json: "
                                       "cannot open"));
}

static void test_name_from_path(void) {
  /* no _name_or_path: a file called config.json takes its directory */
  char dir[160];
  snprintf(dir, sizeof dir, "%s/My-Model", g_dir);
  CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
  char path[200];
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_layer\": 2, "
        "\"n_head\": 4, \"vocab_size\": 100, \"n_positions\": 128}",
        f);
  fclose(f);
  wl_model m = load(path);
  CU_ASSERT_STRING_EQUAL(m.name, "my-model");
  CU_ASSERT_EQUAL(m.d_ff, 256); /* n_inner absent: 4 n_embd */
  /* The folder itself (a Hub snapshot), with or without a trailing '/',
   * directly and through wl_model_find (--model DIR). */
  m = load(dir);
  CU_ASSERT_STRING_EQUAL(m.name, "my-model");
  CU_ASSERT_EQUAL(m.d_model, 64);
  char slash[200];
  snprintf(slash, sizeof slash, "%s/", dir);
  m = load(slash);
  CU_ASSERT_EQUAL(m.d_model, 64);
  sim_err e;
  CU_ASSERT_EQUAL(wl_model_find(dir, &m, &e), 0);
  CU_ASSERT_EQUAL(m.n_layers, 2);
  unlink(path);
  /* A folder without config.json names the folder. */
  CU_ASSERT_EQUAL(wl_model_find(dir, &m, &e), SIM_ENOENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, dir));
  CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "without config.json"));
  rmdir(dir);
}

/* Keys a file omits take the transformers config class's defaults, as
 * AutoConfig does: a bare model_type is the class's default model. */
static void test_defaults(void) {
  /* GPT2Config() is GPT-2 small. */
  wl_model m = load(write_file("d-gpt2.json", "{\"model_type\": \"gpt2\"}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 124439808ull);
  CU_ASSERT_EQUAL(m.vocab, 50257);
  CU_ASSERT_EQUAL(m.max_pos, 1024);
  /* bert-base-uncased without vocab_size and max_position_embeddings */
  m = load(write_file(
      "d-bert.json",
      "{\"model_type\": \"bert\", \"hidden_size\": 768, "
      "\"num_hidden_layers\": 12, \"num_attention_heads\": 12, "
      "\"intermediate_size\": 3072}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 109482240ull);
  CU_ASSERT_EQUAL(m.max_pos, 512);
  /* LLaMA-2-7B without vocab_size, max_position_embeddings, heads */
  m = load(write_file(
      "d-llama.json",
      "{\"model_type\": \"llama\", \"hidden_size\": 4096, "
      "\"num_hidden_layers\": 32, \"intermediate_size\": 11008}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 6738415616ull);
  CU_ASSERT_EQUAL(m.max_pos, 2048);
  CU_ASSERT_EQUAL(m.n_heads, 32);
  CU_ASSERT_EQUAL(wl_model_kv_heads(&m), 32);
  /* MistralConfig() is Mistral-7B (GQA 32/8, window 4096). */
  m = load(write_file("d-mistral.json", "{\"model_type\": \"mistral\"}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 7241732096ull);
  CU_ASSERT_EQUAL(wl_model_kv_heads(&m), 8);
  CU_ASSERT_EQUAL(m.sliding_window, 4096);
  CU_ASSERT_EQUAL(m.max_pos, 131072);
  /* OPTConfig() is OPT-125m (125,239,296); T5Config() is T5-small
   * (60,506,624). */
  m = load(write_file("d-opt.json", "{\"model_type\": \"opt\"}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 125239296ull);
  m = load(write_file("d-t5.json", "{\"model_type\": \"t5\"}"));
  CU_ASSERT_EQUAL(wl_model_params(&m), 60506624ull);
  /* A value given is still checked. */
  expect_error("d-bad.json", "{\"model_type\": \"llama\", \"vocab_size\": 0}",
               SIM_EINVAL, ": vocab_size: must be a positive integer (got 0)");
}

/* Keys of the QK op of layer 0 and its mask window. */
static uint64_t qk_keys(const wl_model *m, wl_phase ph, uint64_t seq,
                        uint64_t kv, uint64_t *win) {
  wl_opts o;
  wl_opts_default(&o);
  o.phase = ph;
  o.seq = seq;
  o.kv = kv;
  o.scope = WL_SCOPE_ATTENTION;
  wl_cascade *c = NULL;
  sim_err e;
  int rc = wl_lower(m, &o, &c, &e);
  if (rc) fprintf(stderr, "\n  lower: %s\n", e.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  const wl_op *qk =
      wl_cascade_op(c, (size_t)wl_cascade_find_op(c, "L0.attn.QK"));
  *win = qk->masked ? qk->mask_win : 0;
  int r = wl_cascade_find_rank(c, "m");
  uint64_t keys = wl_cascade_rank(c, (size_t)r)->size;
  wl_cascade_free(c);
  return keys;
}

/* Mistral's sliding_window is carried into the model and caps the keys
 * attended: decode reads at most W cached keys whatever the cache holds,
 * prefill masks keys older than W (seq > window), and a prefill after a
 * cache reads the last W - 1 cached tokens only. */
static void test_mistral_window(void) {
  wl_model m = load(write_file(
      "mistral-w.json",
      "{\"model_type\": \"mistral\", \"hidden_size\": 4096, "
      "\"intermediate_size\": 14336, \"num_attention_heads\": 32, "
      "\"num_hidden_layers\": 32, \"num_key_value_heads\": 8, "
      "\"max_position_embeddings\": 32768, \"sliding_window\": 4096, "
      "\"vocab_size\": 32000}"));
  CU_ASSERT_EQUAL_FATAL(m.sliding_window, 4096);
  uint64_t win = 0;
  /* decode: kv + 1 keys up to the window, then W */
  CU_ASSERT_EQUAL(qk_keys(&m, WL_DECODE, 1, 100, &win), 101);
  CU_ASSERT_EQUAL(qk_keys(&m, WL_DECODE, 1, 4095, &win), 4096);
  CU_ASSERT_EQUAL(qk_keys(&m, WL_DECODE, 1, 8000, &win), 4096);
  CU_ASSERT_EQUAL(qk_keys(&m, WL_DECODE, 1, 30000, &win), 4096);
  /* decode cost stops growing at the window; the model without a window
   * keeps growing */
  CU_ASSERT_EQUAL(decode_macs(&m, 8000), decode_macs(&m, 4095));
  wl_model nw = m;
  nw.sliding_window = 0;
  CU_ASSERT(decode_macs(&nw, 8000) > decode_macs(&nw, 4095));
  CU_ASSERT_EQUAL(decode_macs(&nw, 100), decode_macs(&m, 100));
  /* prefill, seq > window: all keys, but the mask keeps W per query */
  CU_ASSERT_EQUAL(qk_keys(&m, WL_PREFILL, 8192, 0, &win), 8192);
  CU_ASSERT_EQUAL(win, 4096);
  CU_ASSERT_EQUAL(qk_keys(&m, WL_PREFILL, 4096, 0, &win), 4096);
  CU_ASSERT_EQUAL(win, 0); /* fits: causal only */
  /* prefill after 6000 cached tokens: W - 1 of them, then the new 100 */
  CU_ASSERT_EQUAL(qk_keys(&m, WL_PREFILL, 100, 6000, &win), 4095 + 100);
  CU_ASSERT_EQUAL(win, 4096);
  /* "sliding_window": null is no window */
  m = load(write_file("mistral-null.json",
                      "{\"model_type\": \"mistral\", \"sliding_window\": "
                      "null}"));
  CU_ASSERT_EQUAL(m.sliding_window, 0);
  CU_ASSERT_EQUAL(qk_keys(&m, WL_DECODE, 1, 8000, &win), 8001);
}

static CU_TestInfo tests[] = {
    {"samples_match_zoo", test_samples},
    {"more_model_types", test_more_types},
    {"errors_name_file_and_field", test_errors},
    {"name_from_path", test_name_from_path},
    {"transformers defaults", test_defaults},
    {"mistral sliding window", test_mistral_window},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"wl_hf", setup, teardown, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
