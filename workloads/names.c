/*
 * names.c — names of the workloads enumerations, precisions and their
 * sizes, and the option parsers (--precision, --phase, --scope, attention
 * form).  Tables are indexed by the enum value; a value out of range
 * names itself "?".  Parsers are case-insensitive and list the choices in
 * their error message.
 */
#include "wlInt.h"

#include <string.h>

#define NAME_OF(tab, v) \
  (((unsigned)(v) < sizeof(tab) / sizeof(tab[0])) ? tab[(unsigned)(v)] : "?")

static const char *const arch_names[] = {"decoder", "encoder", "enc-dec",
                                         "vit", "gemm"};
static const char *const ffn_names[] = {"gelu", "relu", "swiglu"};
static const char *const norm_names[] = {"layernorm", "rmsnorm"};
static const char *const prec_names[] = {"fp32", "fp16", "bf16",
                                         "int8", "int4", "int32"};
static const char *const phase_names[] = {"prefill", "decode"};
static const char *const scope_names[] = {"attention", "block", "model"};
static const char *const form_names[] = {"3pass", "1pass"};
static const char *const akind_names[] = {"mha", "mqa", "gqa"};
static const char *const tkind_names[] = {"input", "weight", "inter",
                                          "output", "kv-cache"};
static const char *const compute_names[] = {"mac", "max", "sum", "elem",
                                            "gather"};
static const char *const fn_names[] = {
    "none", "copy", "fill", "scale", "add",  "sub",  "mul",  "div",
    "max",  "exp",  "sub-exp", "gelu", "silu", "relu", "rsqrt", "tanh"};
static const char *const part_names[] = {"embed", "norm", "qkv",
                                         "kv",    "attn", "proj",
                                         "ffn",   "resid", "head"};

const char *wl_arch_kind_name(wl_arch_kind k) { return NAME_OF(arch_names, k); }
const char *wl_ffn_kind_name(wl_ffn_kind k) { return NAME_OF(ffn_names, k); }
const char *wl_norm_kind_name(wl_norm_kind k) { return NAME_OF(norm_names, k); }
const char *wl_precision_name(wl_precision p) { return NAME_OF(prec_names, p); }
const char *wl_phase_name(wl_phase p) { return NAME_OF(phase_names, p); }
const char *wl_scope_name(wl_scope s) { return NAME_OF(scope_names, s); }
const char *wl_attn_form_name(wl_attn_form f) { return NAME_OF(form_names, f); }
const char *wl_attn_kind_name(wl_attn_kind k) { return NAME_OF(akind_names, k); }
const char *wl_tensor_kind_name(wl_tensor_kind k) {
  return NAME_OF(tkind_names, k);
}
const char *wl_compute_name(wl_compute c) { return NAME_OF(compute_names, c); }
const char *wl_fn_name(wl_fn f) { return NAME_OF(fn_names, f); }
const char *wl_part_name(wl_part p) { return NAME_OF(part_names, p); }

/* Bits per element: IEEE binary32/binary16, bfloat16, and the integer
 * formats. */
unsigned wl_precision_bits(wl_precision p) {
  switch (p) {
  case WL_FP32: return 32;
  case WL_FP16: return 16;
  case WL_BF16: return 16;
  case WL_INT8: return 8;
  case WL_INT4: return 4;
  case WL_INT32: return 32;
  default: return 0;
  }
}

double wl_precision_bytes(wl_precision p) { return wl_precision_bits(p) / 8.0; }

uint64_t wl_bytes_of(uint64_t n_elems, wl_precision p) {
  uint64_t bits = wl_precision_bits(p);
  /* n * bits / 8 rounded up, without overflowing for any sane n. */
  return (n_elems / 8) * bits + ((n_elems % 8) * bits + 7) / 8;
}

typedef struct alias {
  const char *s;
  int v;
} alias;

static int parse_table(const char *what, const alias *tab, size_t n,
                       const char *choices, const char *s, int *out,
                       sim_err *err) {
  if (s) {
    for (size_t i = 0; i < n; i++)
      if (wl__strcaseeq(s, tab[i].s)) {
        *out = tab[i].v;
        return 0;
      }
  }
  return sim_err_set(err, SIM_EINVAL, "%s: unknown value '%s' (choose %s)",
                     what, s ? s : "(null)", choices);
}

int wl_precision_parse(const char *s, wl_precision *out, sim_err *err) {
  static const alias tab[] = {
      {"fp32", WL_FP32},  {"float32", WL_FP32}, {"f32", WL_FP32},
      {"fp16", WL_FP16},  {"float16", WL_FP16}, {"half", WL_FP16},
      {"f16", WL_FP16},   {"bf16", WL_BF16},    {"bfloat16", WL_BF16},
      {"int8", WL_INT8},  {"i8", WL_INT8},      {"int4", WL_INT4},
      {"i4", WL_INT4}};
  int v = 0;
  int rc = parse_table("precision", tab, sizeof tab / sizeof tab[0],
                       "fp32, fp16, bf16, int8, int4", s, &v, err);
  if (rc == 0) *out = (wl_precision)v;
  return rc;
}

int wl_phase_parse(const char *s, wl_phase *out, sim_err *err) {
  static const alias tab[] = {{"prefill", WL_PREFILL},
                              {"decode", WL_DECODE}};
  int v = 0;
  int rc = parse_table("phase", tab, 2, "prefill, decode", s, &v, err);
  if (rc == 0) *out = (wl_phase)v;
  return rc;
}

int wl_scope_parse(const char *s, wl_scope *out, sim_err *err) {
  /* No "layer": it read as "block" while wl_opts.layer picks which
   * layer, so a user could think it meant something else; refused with
   * the three names instead. */
  static const alias tab[] = {{"attention", WL_SCOPE_ATTENTION},
                              {"attn", WL_SCOPE_ATTENTION},
                              {"block", WL_SCOPE_BLOCK},
                              {"model", WL_SCOPE_MODEL}};
  int v = 0;
  int rc = parse_table("scope", tab, sizeof tab / sizeof tab[0],
                       "attention, block (one layer), model", s, &v, err);
  if (rc == 0) *out = (wl_scope)v;
  return rc;
}

int wl_attn_form_parse(const char *s, wl_attn_form *out, sim_err *err) {
  static const alias tab[] = {
      {"3pass", WL_ATTN_3PASS}, {"3-pass", WL_ATTN_3PASS},
      {"unfused", WL_ATTN_3PASS}, {"1pass", WL_ATTN_1PASS},
      {"1-pass", WL_ATTN_1PASS}, {"fusemax", WL_ATTN_1PASS},
      {"online", WL_ATTN_1PASS}};
  int v = 0;
  int rc = parse_table("attention form", tab, sizeof tab / sizeof tab[0],
                       "3pass, 1pass", s, &v, err);
  if (rc == 0) *out = (wl_attn_form)v;
  return rc;
}
