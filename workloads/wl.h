/*
 * wl.h — the public API of tfsim's workloads (the workloads/ folder):
 * the model description and zoo, Hugging Face config.json import, the
 * einsum-cascade IR, the lowering of a transformer to that IR, and a
 * reference evaluator that executes the IR on real numbers.
 *
 * Depends on sim/ (errors, allocation) and jansson (config.json) only.
 *
 * ======================================================================
 * The einsum cascade (the IR)
 * ======================================================================
 *
 * A workload is a list of einsums over named ranks, the form FuseMax
 * (Nayak et al., MICRO 2024) and Timeloop use.  Three kinds of object:
 *
 *   rank    a named iteration index with a size: "b" (batch), "p"
 *           (query tokens), "m" (key tokens), "e" (head dim), "d"
 *           (d_model), "g" (KV heads), "j" (query heads per KV head) ...
 *           Ranks are global to a cascade: every op that iterates "m"
 *           iterates 0..size(m)-1.  A rank may be *iterative*: see below.
 *
 *   tensor  a dense, row-major array with ndim dimensions of given
 *           extents, a precision and a kind (input, weight,
 *           intermediate, output, KV cache).  A tensor says nothing about
 *           how it is indexed; it is storage.  Tensors are single
 *           assignment per element, but several ops may write disjoint
 *           parts of one tensor (the cls token and the patches of a ViT
 *           both write X0; an iterative op writes RM[m1+1] at step m1).
 *
 *   op      one einsum: an iteration space (a list of ranks), one output
 *           access, up to WL_MAX_IN input accesses and a compute kind.
 *           An access names a tensor and gives, for each of its
 *           dimensions, an affine index over the op's ranks
 *
 *               idx = off + coef[0]*rank[0] + coef[1]*rank[1]
 *
 *           with 0, 1 or 2 terms.  This is the "projection" of the op's
 *           iteration space onto the tensor.  Examples:
 *             Q[b,g,j,p,e]        five 1-term indexes (coef 1)
 *             K[b,g,m1*M0+m0,e]   a 2-term index: key tiles of a K that
 *                                 was written with a single rank
 *             RM[m1+1,...]        a 1-term index with off = 1
 *             RNV[M1,...]         a 0-term index (constant M1)
 *             IMG[b,c,py*P+ky,px*P+kx]  a ViT patch conv, stride = kernel
 *           A rank of the op that no input or output index uses is a
 *           broadcast (for inputs) or a reduction (for the output).
 *
 * Compute kinds (each op has exactly one; "point" = one element of the
 * op's iteration space, the product of its ranks' sizes):
 *   MAC         out[o] = alpha * sum over reduced ranks of in0 * in1.
 *               One MAC per point.  (QK, AV, every linear layer, the
 *               patch conv, the variance of a norm as XC*XC.)
 *   MAX_REDUCE  out[o] = max over reduced ranks of in0 (init -inf).
 *   SUM_REDUCE  out[o] = alpha * sum over reduced ranks of in0 (init 0).
 *   ELEM        out[o] = fn(in0[, in1]) for every point: ADD, SUB, MUL,
 *               DIV, MAX (binary), EXP, SUB_EXP (exp(a - b), FuseMax's
 *               SLN and PRM as one einsum), GELU (tanh form), SILU, RELU,
 *               RSQRT (1/sqrt(a + beta)), TANH, COPY, FILL (out = alpha,
 *               no input), SCALE (alpha * a).
 *   GATHER      out[o] = in0[..., in1[point], ...]: an embedding lookup.
 *               Dimension gather_dim of in0 is indexed by the value of the
 *               id tensor in1 (its index in in0's access is ignored).
 *
 * Counting.  wl_op_points() is the product of the op's rank sizes.
 * MACs = points for MAC ops, else 0.  Element-wise operations = points x
 * wl_fn_ops(fn) for ELEM (SUB_EXP counts 2, FILL and COPY 0), points for
 * the two reductions (one max or one add per point), 0 for GATHER.  All
 * counts are dense: the causal mask (below) does not remove points, so a
 * mapper that skips masked work halves QK/AV itself (FlashAttention-2
 * counts causal FLOPs that way).  Counts of one op are per repetition;
 * wl_cascade_totals() multiplies by op->repeat.
 *
 * Bytes.  An access's footprint is the number of distinct elements it
 * touches over the op's iteration space: per tensor dimension, 1 for a
 * 0-term index, the rank size for a 1-term index, the product of the two
 * sizes for a 2-term index that tiles densely (coef of the outer term ==
 * size of the inner rank), otherwise the span, capped at the extent; for
 * a GATHER's table dimension, min(extent, number of ids).  Bytes = that
 * product x the tensor's precision in bytes, rounded up to whole bytes
 * (int4 is half a byte per element).  wl_op_in_bytes() sums the distinct
 * input tensors (a tensor read twice, XC*XC, counts once);
 * wl_op_out_bytes() is the output footprint.  For an op that reads whole
 * tensors this is the sum of the tensor sizes at their precisions.
 *
 * Iterative ranks.  A rank flagged iterative (FuseMax's m1: key tiles)
 * is a sequential outer loop shared by a run of consecutive ops: for
 * m1 = 0..M1-1, every op of the run executes its slice at m1 before any
 * op sees m1+1.  That is what lets a loop-carried state be written as an
 * einsum: RM[m1+1,p] = max(RM[m1,p], LM[m1,p]) reads what the previous
 * step wrote; RD and RNV are read at m1 by SPD/SPNV and written at m1+1
 * by the ops after them.  Carried tensors have extent M1+1 along m1 and
 * are initialised by FILL ops before the run (RM = -inf, RD = RNV = 0).
 * A run is a maximal sequence of consecutive ops whose rank lists
 * contain the same iterative rank; the reference evaluator implements
 * exactly this order, so 1-pass and 3-pass cascades can be compared on
 * real numbers.  A mapper reads the same flag to know which ops it may
 * fuse per tile and which state is O(1) per query.
 *
 * Causal mask.  An op with masked = 1 (QK in causal self-attention)
 * writes -inf at every output point where key index > query index +
 * mask_off, with both indexes given as affine indexes over the op's
 * ranks (mask_k, mask_q).  Decode steps need no mask (one query sees the
 * whole cache).  A sliding window (mask_win = W > 0, Mistral) also
 * masks key index <= query index + mask_off - W: each query sees its W
 * most recent keys, itself included.  Like the causal mask it removes no
 * points from the counts; what the window saves in a long context is the
 * cache: the lowering keeps only the last W - 1 cached tokens in rank m,
 * so decode reads at most W keys and prefill after a cache attends at
 * most W - 1 + P.
 *
 * Dependencies.  op->deps lists the earlier ops that write any tensor the
 * op reads (and, for a tensor written in parts, the earlier writers of
 * its output), without duplicates and never the op itself.  They are
 * derived by the builder, so the cascade order is a topological order.
 *
 * Layers.  op->layer is the transformer layer (-1 outside layers: the
 * embedding, final norm, LM head; decoder layers of an encoder-decoder
 * model are numbered after the encoder's).  With wl_opts.repeat_layers = 1
 * the lowering emits one representative layer per stack with repeat =
 * the stack's depth (layer = first layer of the stack); counts and bytes
 * of those ops are per layer.  The default unrolls every layer (repeat 1).
 *
 * ======================================================================
 * The lowering (wl_lower)
 * ======================================================================
 *
 * One step of a transformer: P new tokens per sequence on top of C cached
 * ones.  Prefill: P = seq, C = kv (normally 0).  Decode: P = 1, C = kv
 * (the cache holds kv tokens; the new token's K and V are appended at
 * position kv, so attention spans kv + 1 keys; the cache tensors
 * "L<i>.attn.Kc"/"Vc" exist in every decode step, even at kv = 0).
 * Ranks b (batch), p (new tokens), m (keys, C + P for self-attention),
 * g (KV heads), j (query heads per KV head: MHA g = heads, j = 1; MQA
 * g = 1, j = heads; GQA in between), e (Q/K head dim), f (V head dim),
 * d (d_model), n (FFN hidden), ra/rm (low rank), v (vocabulary or
 * classes); s/ms for encoder tokens and keys of an encoder-decoder.  Tensor and op names
 * are "L<layer>.<part>.<name>" ("L3.attn.QK") or "<part>.<name>" outside
 * layers.  The softmax scale 1/sqrt(head_dim) is the alpha of QK.  See
 * docs/workloads.md for the full list of einsums per layer.
 *
 * Ownership: wl_cascade_free() frees what wl_lower() returns; a
 * wl_cascade is plain data that may be read directly (its arrays are
 * read-only to users) or through the accessors.  The zoo is static and
 * read-only.
 *
 * Errors: every function returns 0 or a negative SIM_E* code with a
 * one-line message in err (which may be NULL).  Out-parameters are set to
 * NULL / zeroed first.
 */
#ifndef TFSIM_WL_H
#define TFSIM_WL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WL_NAME_MAX 48    /* == SIM_NAME_MAX: op names go into schedules */
#define WL_MAX_DIMS 8     /* tensor dimensions */
#define WL_MAX_IN 2       /* inputs per op */
#define WL_MAX_OP_RANKS 10
#define WL_MAX_DEPS 8
#define WL_MAX_CUTOFFS 4  /* adaptive embedding clusters - 1 */

/* ---------------------------------------------------------------------- */
/* Enumerations and their names                                           */
/* ---------------------------------------------------------------------- */

typedef enum wl_arch_kind {
  WL_ARCH_DECODER = 0, /* decoder-only, causal (GPT, OPT, LLaMA)       */
  WL_ARCH_ENCODER,     /* encoder-only, bidirectional (BERT, XLM)      */
  WL_ARCH_ENCDEC,      /* encoder-decoder with cross attention (T5)    */
  WL_ARCH_VIT,         /* vision encoder: patch embedding + cls token  */
  WL_ARCH_GEMM,        /* one GEMM C[m,n] = A[m,k] W[k,n] (gemm:MxNxK) */
  WL_ARCH_KIND_COUNT
} wl_arch_kind;

typedef enum wl_ffn_kind {
  WL_FFN_GELU = 0, /* d -> d_ff -> d, GELU                              */
  WL_FFN_RELU,     /* d -> d_ff -> d, ReLU (OPT, T5 v1.0, TrXL)         */
  WL_FFN_SWIGLU,   /* silu(x W_gate) * (x W_up) -> W_down (LLaMA)       */
  WL_FFN_KIND_COUNT
} wl_ffn_kind;

typedef enum wl_norm_kind {
  WL_NORM_LAYERNORM = 0, /* mean, variance, gamma and beta             */
  WL_NORM_RMSNORM,       /* root mean square, gamma only (LLaMA, T5)   */
  WL_NORM_KIND_COUNT
} wl_norm_kind;

typedef enum wl_pos_kind {
  WL_POS_LEARNED = 0, /* learned absolute table added to the input       */
  WL_POS_NONE,        /* nothing in the weights (sinusoidal)             */
  WL_POS_ROPE,        /* rotary (LLaMA): no weights; not in the cascade  */
  WL_POS_RELBIAS,     /* T5 relative attention bias, buckets x heads     */
  WL_POS_RELXL,       /* Transformer-XL relative (r_net, r_w/r_r biases) */
  WL_POS_KIND_COUNT
} wl_pos_kind;

typedef enum wl_precision {
  WL_FP32 = 0,
  WL_FP16,
  WL_BF16,
  WL_INT8,
  WL_INT4,
  WL_INT32, /* token ids */
  WL_PRECISION_COUNT
} wl_precision;

typedef enum wl_phase { WL_PREFILL = 0, WL_DECODE, WL_PHASE_COUNT } wl_phase;

typedef enum wl_scope {
  WL_SCOPE_ATTENTION = 0, /* one attention core: Q, K, V in -> AV out */
  WL_SCOPE_BLOCK,         /* one transformer block (layer opts.layer) */
  WL_SCOPE_MODEL,         /* embedding, every layer, final norm, head */
  WL_SCOPE_COUNT
} wl_scope;

typedef enum wl_attn_form {
  WL_ATTN_3PASS = 0, /* QK; max; exp; sum; divide; AV (as written)   */
  WL_ATTN_1PASS,     /* FuseMax's online-softmax cascade over tiles  */
  WL_ATTN_FORM_COUNT
} wl_attn_form;

typedef enum wl_attn_kind { WL_MHA = 0, WL_MQA, WL_GQA } wl_attn_kind;

typedef enum wl_tensor_kind {
  WL_T_INPUT = 0, /* activations entering the cascade, token ids, image */
  WL_T_WEIGHT,    /* parameters                                        */
  WL_T_INTER,     /* produced and consumed inside the cascade          */
  WL_T_OUTPUT,    /* results leaving the cascade                       */
  WL_T_KVCACHE,   /* K/V cache (read, and appended to, by the step)    */
  WL_T_KIND_COUNT
} wl_tensor_kind;

typedef enum wl_compute {
  WL_C_MAC = 0,
  WL_C_MAX_REDUCE,
  WL_C_SUM_REDUCE,
  WL_C_ELEM,
  WL_C_GATHER,
  WL_C_COUNT
} wl_compute;

typedef enum wl_fn {
  WL_FN_NONE = 0, /* MAC, reductions, GATHER */
  WL_FN_COPY,
  WL_FN_FILL,
  WL_FN_SCALE,
  WL_FN_ADD,
  WL_FN_SUB,
  WL_FN_MUL,
  WL_FN_DIV,
  WL_FN_MAX,
  WL_FN_EXP,
  WL_FN_SUB_EXP,
  WL_FN_GELU,
  WL_FN_SILU,
  WL_FN_RELU,
  WL_FN_RSQRT,
  WL_FN_TANH, /* BERT pooler */
  WL_FN_COUNT
} wl_fn;

/* What part of the model an op belongs to (for mappers and reports). */
typedef enum wl_part {
  WL_PART_EMBED = 0, /* token/position/patch embedding                 */
  WL_PART_NORM,      /* LayerNorm / RMSNorm                             */
  WL_PART_QKV,       /* Q, K, V projections (and low-rank factors)      */
  WL_PART_KV,        /* K/V cache append                                */
  WL_PART_ATTN,      /* the attention core (QK .. AV)                   */
  WL_PART_PROJ,      /* attention output projection                     */
  WL_PART_FFN,       /* FFN GEMMs and activation                        */
  WL_PART_RESID,     /* residual additions                              */
  WL_PART_HEAD,      /* LM head, pooler, classifier                     */
  WL_PART_COUNT
} wl_part;

const char *wl_arch_kind_name(wl_arch_kind k);   /* "decoder", ...      */
const char *wl_ffn_kind_name(wl_ffn_kind k);     /* "gelu", ...         */
const char *wl_norm_kind_name(wl_norm_kind k);   /* "layernorm", ...    */
const char *wl_precision_name(wl_precision p);   /* "fp16", ...         */
const char *wl_phase_name(wl_phase p);           /* "prefill", "decode" */
const char *wl_scope_name(wl_scope s);           /* "attention", ...    */
const char *wl_attn_form_name(wl_attn_form f);   /* "3pass", "1pass"    */
const char *wl_attn_kind_name(wl_attn_kind k);   /* "mha", "mqa", "gqa" */
const char *wl_tensor_kind_name(wl_tensor_kind k);
const char *wl_compute_name(wl_compute c);       /* "mac", "max", ...   */
const char *wl_fn_name(wl_fn f);                 /* "exp", ...          */
const char *wl_part_name(wl_part p);             /* "attn", ...         */

/* Bytes per element (0.5 for int4) and bits per element. */
double wl_precision_bytes(wl_precision p);
unsigned wl_precision_bits(wl_precision p);
/* Bytes of n elements at p, rounded up to whole bytes. */
uint64_t wl_bytes_of(uint64_t n_elems, wl_precision p);

/* Parsers (case-insensitive).  Precision: fp32|float32|f32, fp16|
 * float16|half, bf16|bfloat16, int8, int4.  Phase: prefill|decode.  Scope:
 * attention|attn|block|layer|model.  Attention form: 3pass|3-pass|1pass|
 * 1-pass|fusemax.  On failure: SIM_EINVAL, message lists the choices. */
int wl_precision_parse(const char *s, wl_precision *out, sim_err *err);
int wl_phase_parse(const char *s, wl_phase *out, sim_err *err);
int wl_scope_parse(const char *s, wl_scope *out, sim_err *err);
int wl_attn_form_parse(const char *s, wl_attn_form *out, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Model description                                                      */
/* ---------------------------------------------------------------------- */

typedef struct wl_model {
  char name[WL_NAME_MAX]; /* canonical zoo name, or the config file stem */
  char family[24];        /* "gpt2", "gpt3", "opt", "llama", "bert", ... */
  char source[160];       /* where the shapes come from                 */
  wl_arch_kind arch;
  uint32_t d_model;
  uint32_t n_layers;     /* encoder-only/decoder-only/ViT: the stack;
                            encoder-decoder: encoder layers              */
  uint32_t n_dec_layers; /* encoder-decoder: decoder layers, else 0    */
  uint32_t n_heads;      /* query heads                                  */
  uint32_t n_kv_heads;   /* K/V heads (== n_heads for MHA; 0: = heads)   */
  uint32_t head_dim;     /* 0: d_model / n_heads (must divide)           */
  uint32_t d_ff;         /* FFN hidden width                             */
  uint32_t vocab;        /* token vocabulary (0 for ViT)                 */
  uint32_t max_pos;      /* context length / learned positions           */
  uint32_t pos_offset;   /* extra learned position rows (OPT: 2)         */
  uint32_t type_vocab;   /* token-type embeddings (BERT: 2)              */
  uint32_t d_embed;      /* embedding width if != d_model (OPT-350m word_
                            embed_proj_dim, TrXL d_embed); 0 = d_model   */
  wl_ffn_kind ffn;
  wl_norm_kind norm;
  wl_pos_kind pos;
  double norm_eps;
  uint8_t tied_embed; /* LM head shares the token embedding             */
  uint8_t bias_qkv;   /* biases on Q, K, V                              */
  uint8_t bias_out;   /* bias on the attention output projection       */
  uint8_t bias_ffn;   /* biases on the FFN linears                      */
  uint8_t bias_head;  /* bias on the LM head / classifier               */
  uint8_t pre_norm;   /* 1: norm before attention/FFN (GPT), 0: after  */
  uint8_t emb_norm;   /* norm after the embedding (BERT, XLM)          */
  uint8_t final_norm; /* norm after the last layer (per stack)          */
  uint8_t pooler;     /* BERT pooler (d x d + d, tanh)                  */
  uint8_t lm_head;    /* model has an LM head (vocab logits)            */
  /* ViT */
  uint32_t image_size, patch_size, channels;
  uint32_t patch_pad;  /* zero padding per side of the patch conv
                          (MCUFormer: 8 for P 32, 6 for P 28)          */
  uint32_t n_cls;      /* class (+distillation) tokens: ViT 1          */
  uint32_t n_classes;  /* classifier outputs (ImageNet-1k: 1000)       */
  /* Low-rank factorised linears (MCUFormer): every linear in -> out
   * becomes in -> r -> r -> out (U: in x r, M: r x r, V: r x out; bias
   * only on the last, as the layer had it).  Q, K, V are one fused
   * factorised linear d -> r -> r -> 3*heads*head_dim. */
  double lr_ratio;      /* 0: dense                                     */
  uint32_t lr_attn_rank; /* r of QKV and the output projection         */
  uint32_t lr_mlp_rank;  /* r of both FFN linears                      */
  /* Relative position (T5 buckets; per stack, in the first layer) */
  uint32_t rel_buckets;
  /* Adaptive input/softmax (Transformer-XL): clusters split the vocab at
   * the cutoffs; cluster i has width d_embed / div^i. */
  uint32_t n_cutoffs;
  uint32_t cutoffs[WL_MAX_CUTOFFS];
  uint32_t adapt_div;
  uint32_t mem_len; /* TrXL memory length (informative) */
  /* Sliding-window attention (Mistral): each query attends its W most
   * recent keys, itself included; 0: the whole context.  The lowering
   * caps the cached keys read at W - 1 and masks older keys. */
  uint32_t sliding_window;
  /* Single-einsum GEMM (arch WL_ARCH_GEMM, spelled "gemm:MxNxK"):
   * C[m,n] = sum_k A[m,k] W[k,n], A an input, W a weight; batch, seq
   * and scope do not apply. */
  uint64_t gemm_m, gemm_n, gemm_k;
} wl_model;

/* Validates a description: zero dims, head_dim 0 with heads not dividing
 * d_model, kv heads not dividing heads, ViT patch not dividing the image,
 * low-rank ratio outside (0, 1], ... SIM_EINVAL with a message naming
 * the model and the field. */
int wl_check(const wl_model *m, sim_err *err);

/* Derived shapes (m must pass wl_check). */
uint32_t wl_model_head_dim(const wl_model *m);
uint32_t wl_model_kv_heads(const wl_model *m);
wl_attn_kind wl_model_attn_kind(const wl_model *m);
/* Tokens a ViT sees: ((image + 2 pad) / patch)^2 + n_cls; 0 for text
 * models. */
uint32_t wl_model_vit_tokens(const wl_model *m);

/* Exact parameter count: every weight and bias, counting a tied
 * embedding once.  Component counts for reports: */
uint64_t wl_model_params(const wl_model *m);
typedef struct wl_param_split {
  uint64_t embed;  /* token, position, type, patch, cls, emb norm     */
  uint64_t layers; /* all transformer layers                          */
  uint64_t head;   /* final norms, LM head (untied), pooler, classifier */
} wl_param_split;
void wl_model_param_split(const wl_model *m, wl_param_split *out);

/* Bytes of K and V cached per token, all layers, at precision p
 * (2 x layers x kv_heads x head_dim x bytes; decoder self-attention
 * layers only). */
uint64_t wl_model_kv_bytes_per_token(const wl_model *m, wl_precision p);

/* ---------------------------------------------------------------------- */
/* Zoo                                                                    */
/* ---------------------------------------------------------------------- */

size_t wl_zoo_count(void);
const wl_model *wl_zoo_get(size_t i); /* NULL if out of range */
/* Aliases of zoo entry i ("gpt2" for gpt2-s ...), NULL-terminated. */
const char *const *wl_zoo_aliases(size_t i);

/* name_or_path: a zoo name or alias (case-insensitive, '_' == '-'), a
 * single GEMM "gemm:MxNxK" (Timeloop / SCALE-Sim style), an
 * MCUFormer spec "mcuformer-d<D>-l<L>-h<H>-m<ratio>-p<P>-r<ratio>", or a
 * path ending in ".json" loaded as a Hugging Face config.json, or a
 * folder holding config.json (a Hub snapshot; zoo names win).  Unknown
 * name: SIM_ENOENT, "unknown model 'gpt2-xxl' (did you mean gpt2-xl,
 * gpt2-l?)".  *out is validated (wl_check). */
int wl_model_find(const char *name_or_path, wl_model *out, sim_err *err);

/* Loads a Hugging Face config.json (model_type gpt2, llama, mistral, opt,
 * bert, vit, t5, ...), or the config.json in the folder path.  Keys a
 * file omits take the transformers config class's defaults.  Errors name
 * the file and the field: "model.json: n_head: must be a positive
 * integer (got -4)"; malformed JSON gives "model.json:3:14: <jansson's
 * text>". */
int wl_model_load_hf(const char *path, wl_model *out, sim_err *err);

/* MCUFormer T-space subnet (Liang et al., NeurIPS 2023; public code):
 * ViT with heads of width 64, low-rank linears (attention r =
 * int(attn_rank_base * rank_ratio), MLP r = int(min(D, mlp*D) *
 * rank_ratio)), input image 240, ImageNet-1k head. */
typedef struct wl_mcu_cfg {
  uint32_t embed_dim; /* 168 / 192 / 216 (max 256)         */
  uint32_t depth;     /* 12 - 14                            */
  uint32_t heads;     /* 3 - 4, each of width 64            */
  double mlp_ratio;   /* 3.5 / 4                             */
  uint32_t patch;     /* 16, 20, 24, 28, 32                  */
  double rank_ratio;  /* 0.40 .. 0.95                        */
  uint32_t image;     /* 0: 240                              */
  uint32_t classes;   /* 0: 1000                             */
  uint32_t attn_rank_base; /* 0: 256 (the supernet's embed dim) */
} wl_mcu_cfg;
int wl_mcuformer(const wl_mcu_cfg *cfg, wl_model *out, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Options of a lowering                                                  */
/* ---------------------------------------------------------------------- */

typedef struct wl_opts {
  wl_phase phase;
  uint64_t batch;     /* sequences (images)                              */
  uint64_t seq;       /* prompt length; ViT: ignored (tokens from image);
                         encoder-decoder: encoder (source) length        */
  uint64_t kv;        /* decode: tokens already in the cache             */
  uint64_t gen;       /* tokens to generate (informative: one wl_lower
                         is one decode step; callers step kv)            */
  uint64_t tgt;       /* encoder-decoder prefill: decoder tokens (0=seq)  */
  wl_precision prec;  /* weights and activations                         */
  wl_precision kv_prec; /* K/V cache; WL_PRECISION_COUNT: = prec          */
  wl_attn_form form;
  wl_scope scope;
  int causal;         /* -1: auto (decoder self-attention), 0, 1         */
  uint64_t tile_m;    /* 1-pass key tile M0 (default 256); the largest
                         divisor of the key count <= tile_m is used       */
  uint32_t layer;     /* block/attention scope: which layer (default 0)  */
  int repeat_layers;  /* 1: one layer per stack with repeat = depth      */
  int head;           /* model scope: include LM head/classifier (1)     */
} wl_opts;

/* Defaults: prefill, batch 1, seq 1024 (ViT: from the image), kv 0,
 * gen 1, fp16, 3-pass, model scope, causal auto, tile 256, unrolled. */
int wl_opts_default(wl_opts *o);
/* wl_opts_default for model m: the default seq is min(1024, m->max_pos)
 * when the model states its positions (BERT: 512), so the defaults always
 * fit the model.  A seq the user gives is not capped (wl_opts_check
 * reports one that does not fit). */
int wl_opts_default_for(const wl_model *m, wl_opts *o);
/* Checks opts against a model: decode on an encoder or ViT, batch or seq
 * 0, a layer out of range, more positions than a learned position table
 * has (model scope only; the attention and block scopes have no position
 * table, so FuseMax's 1M-token BERT attention lowers).  SIM_EINVAL with
 * a one-line message naming the option. */
int wl_opts_check(const wl_model *m, const wl_opts *o, sim_err *err);

/* ---------------------------------------------------------------------- */
/* The cascade                                                            */
/* ---------------------------------------------------------------------- */

typedef struct wl_rank {
  char name[WL_NAME_MAX];
  uint64_t size;
  int iterative; /* sequential outer loop shared by a run of ops */
} wl_rank;

typedef struct wl_tensor {
  char name[WL_NAME_MAX];
  wl_tensor_kind kind;
  wl_precision prec;
  wl_part part;
  int32_t layer;
  uint32_t ndim;
  uint64_t extent[WL_MAX_DIMS];
  uint64_t repeat; /* copies it stands for (repeat_layers), >= 1 */
} wl_tensor;

/* idx = off + sum_{t < n_terms} coef[t] * value(rank[t]) */
typedef struct wl_index {
  uint32_t n_terms; /* 0, 1 or 2 */
  uint32_t rank[2];
  uint64_t coef[2];
  uint64_t off;
} wl_index;

typedef struct wl_access {
  uint32_t tensor;
  wl_index idx[WL_MAX_DIMS]; /* one per tensor dimension */
} wl_access;

typedef struct wl_op {
  char name[WL_NAME_MAX];
  wl_compute compute;
  wl_fn fn;
  wl_part part;
  int32_t layer;
  uint64_t repeat;                  /* >= 1 */
  uint32_t n_ranks;
  uint32_t ranks[WL_MAX_OP_RANKS];  /* iteration space, outer first */
  uint32_t n_in;
  wl_access in[WL_MAX_IN];
  wl_access out;
  double alpha, beta;               /* see the compute kinds above */
  uint32_t gather_dim;              /* GATHER: dimension of in0 */
  int masked;                       /* causal mask, see above */
  wl_index mask_k, mask_q;
  uint64_t mask_off;
  uint64_t mask_win;                /* sliding window, 0: none */
  uint32_t n_deps;
  uint32_t deps[WL_MAX_DEPS];
} wl_op;

typedef struct wl_cascade {
  wl_model model;   /* copy of the model lowered */
  wl_opts opts;     /* copy of the options */
  wl_rank *ranks;
  size_t n_ranks, cap_ranks;
  wl_tensor *tensors;
  size_t n_tensors, cap_tensors;
  wl_op *ops;
  size_t n_ops, cap_ops;
} wl_cascade;

int wl_lower(const wl_model *m, const wl_opts *o, wl_cascade **out,
             sim_err *err);
void wl_cascade_free(wl_cascade *c);

/* Accessors (NULL / -1 when out of range or not found). */
size_t wl_cascade_n_ops(const wl_cascade *c);
const wl_op *wl_cascade_op(const wl_cascade *c, size_t i);
size_t wl_cascade_n_tensors(const wl_cascade *c);
const wl_tensor *wl_cascade_tensor(const wl_cascade *c, size_t i);
size_t wl_cascade_n_ranks(const wl_cascade *c);
const wl_rank *wl_cascade_rank(const wl_cascade *c, size_t i);
int wl_cascade_find_tensor(const wl_cascade *c, const char *name);
int wl_cascade_find_op(const wl_cascade *c, const char *name);
int wl_cascade_find_rank(const wl_cascade *c, const char *name);

/* Per op (one repetition). */
unsigned wl_fn_ops(wl_fn f); /* element-wise operations per point */
uint64_t wl_op_points(const wl_cascade *c, const wl_op *op);
uint64_t wl_op_macs(const wl_cascade *c, const wl_op *op);
uint64_t wl_op_elem_ops(const wl_cascade *c, const wl_op *op);
/* Footprint of one access in elements and in bytes (see "Bytes"). */
uint64_t wl_access_elems(const wl_cascade *c, const wl_op *op,
                         const wl_access *a);
uint64_t wl_access_bytes(const wl_cascade *c, const wl_op *op,
                         const wl_access *a);
uint64_t wl_op_in_bytes(const wl_cascade *c, const wl_op *op);
uint64_t wl_op_out_bytes(const wl_cascade *c, const wl_op *op);
/* Bytes of weights among the op's inputs (what a GEMV streams). */
uint64_t wl_op_weight_bytes(const wl_cascade *c, const wl_op *op);

/* A MAC op as a batched GEMM: batch ranks appear in both inputs and the
 * output, m in in0 and out only, n in in1 and out only, k in the inputs
 * only (reduced).  Products of rank sizes; SIM_EINVAL if not a MAC op. */
typedef struct wl_gemm {
  uint64_t batch, m, n, k;
} wl_gemm;
int wl_op_gemm(const wl_cascade *c, const wl_op *op, wl_gemm *out);

/* Whole cascade, repeats multiplied. */
typedef struct wl_totals {
  uint64_t macs;
  uint64_t elem_ops;
  uint64_t exp_ops;      /* EXP and the exp of SUB_EXP */
  uint64_t in_bytes;     /* sum of wl_op_in_bytes */
  uint64_t out_bytes;    /* sum of wl_op_out_bytes */
  uint64_t weight_bytes; /* distinct weight tensors, x repeat */
  uint64_t kv_bytes;     /* distinct KV-cache tensors, x repeat */
  uint64_t n_ops;        /* ops x repeat */
} wl_totals;
void wl_cascade_totals(const wl_cascade *c, wl_totals *out);

/* Writes a readable listing (ranks, tensors, ops with counts) to f
 * (a FILE *, typed void * to keep stdio out of this header). */
int wl_cascade_dump(const wl_cascade *c, void *file);

/* ---------------------------------------------------------------------- */
/* Reference evaluator: executes a cascade on doubles (small sizes only)  */
/* ---------------------------------------------------------------------- */

typedef struct wl_eval wl_eval;

/* Allocates every tensor (zeroed).  SIM_ERANGE if the cascade holds more
 * than max_elems elements in all (0: 1<<26), SIM_EUNSUP if it was lowered
 * with repeat_layers. */
int wl_eval_new(const wl_cascade *c, size_t max_elems, wl_eval **out,
                sim_err *err);
void wl_eval_free(wl_eval *ev);
/* Fills every input, weight and KV-cache tensor from a seeded RNG:
 * uniform in [-1, 1), token ids uniform in the table, norm gains 1 +
 * noise.  The values of a tensor depend only on the seed and the
 * tensor's name, so two cascades share inputs of the same name. */
void wl_eval_fill_random(wl_eval *ev, uint64_t seed);
/* Fills one tensor uniformly in [lo, hi). */
int wl_eval_fill_tensor(wl_eval *ev, size_t tensor, uint64_t seed, double lo,
                        double hi);
/* Copies n values (row-major, n == tensor elements) into a tensor. */
int wl_eval_set(wl_eval *ev, size_t tensor, const double *data, size_t n,
                sim_err *err);
/* Row-major data of a tensor (valid until wl_eval_free). */
double *wl_eval_data(wl_eval *ev, size_t tensor);
/* Runs every op in cascade order (iterative runs interleaved). */
int wl_eval_run(wl_eval *ev, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_WL_H */
