/*
 * wlInt.h — internals of workloads/ shared between its files (prefix
 * wl__).  Not installed, not included outside workloads/.
 *
 * The cascade builder.  Lowering code writes einsums as text, close to
 * how FuseMax's paper writes them:
 *
 *   wl__tensor(B, "L0.attn.QK", WL_T_INTER, "b g j p m");
 *   wl__op(B, "L0.attn.QK", WL_C_MAC, WL_FN_NONE, "b g j p m e",
 *          "L0.attn.QK[b,g,j,p,m]", "L0.attn.Q[b,g,j,p,e]",
 *          "L0.attn.K[b,g,m,e]");
 *
 * A tensor's dimension list names ranks (extent = the rank's size), a
 * rank plus a constant ("m1+1": extent size(m1) + 1) or a number.  An
 * access is NAME[idx,...] where each idx is a sum of terms: a number, a
 * rank, or number*rank (at most two rank terms).  Every rank used by an
 * index must be in the op's rank list, and every index must stay inside
 * the tensor's extent over the whole iteration space: a violation is a
 * bug in the lowering and fails with SIM_EINTERNAL naming the op.
 *
 * The builder's error is sticky: after the first failure every call is a
 * no-op returning that error, so lowering code checks once at the end.
 * The builder keeps a hash of tensor names (open addressing, FNV-1a) and
 * the writers of each tensor, from which op dependencies are derived.
 */
#ifndef TFSIM_WL_INT_H
#define TFSIM_WL_INT_H

#include "wl.h"

typedef struct wl__build {
  wl_cascade *c;
  sim_err *err;
  int rc;
  /* Defaults stamped on new tensors and ops. */
  int32_t layer;
  wl_part part;
  uint64_t repeat;
  wl_precision prec;    /* activations and weights */
  wl_precision kv_prec; /* KV cache */
  /* name -> tensor index hash (size a power of two, -1 empty) */
  int32_t *hash;
  size_t hash_cap;
  /* writers[t] = ops that wrote tensor t (up to WL__MAX_WRITERS) */
  uint32_t *n_writers;
  uint32_t (*writers)[8];
  size_t cap_w;
} wl__build;

#define WL__MAX_WRITERS 8

int wl__build_init(wl__build *B, wl_cascade *c, sim_err *err);
void wl__build_fini(wl__build *B);
/* SIM_ERANGE (naming the op or tensor) if any count of the cascade
 * overflows 64 bits; wl_lower calls it last. */
int wl__check_counts(const wl_cascade *c, sim_err *err);
/* printf into a name buffer of WL_NAME_MAX; sets an error if truncated */
int wl__name(wl__build *B, char *dst, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds a rank, or returns the existing one of that name (same size and
 * flag required).  Returns its index or a negative code. */
int wl__rank(wl__build *B, const char *name, uint64_t size, int iterative);
/* Declares a tensor (dims: see above) of the given kind; precision is
 * B->kv_prec for KV caches, WL_INT32 for token ids (kind INPUT with
 * ids = 1), B->prec otherwise.  Returns the index or a negative code. */
int wl__tensor(wl__build *B, const char *name, wl_tensor_kind kind,
               const char *dims);
int wl__tensor_ids(wl__build *B, const char *name, const char *dims);
/* Index of a declared tensor, or -1 (hash lookup). */
int wl__find(const wl__build *B, const char *name);
/* Adds an op; in0/in1 may be NULL.  Returns the op index or a code. */
int wl__op(wl__build *B, const char *name, wl_compute comp, wl_fn fn,
           const char *ranks, const char *out, const char *in0,
           const char *in1);
/* The op just added (NULL after an error). */
wl_op *wl__last(wl__build *B);
/* Marks the last op causal: -inf where k > q + off (k, q: index text),
 * and with win > 0 also where k <= q + off - win (a sliding window of win
 * keys). */
int wl__mask(wl__build *B, const char *k, const char *q, uint64_t off,
             uint64_t win);

/* Strings */
int wl__strcaseeq(const char *a, const char *b);
/* Levenshtein distance, case-insensitive, '_' == '-'. */
size_t wl__edit_distance(const char *a, const char *b);
/* What padding (and cropping) would do when patch does not divide
 * image + 2 x pad: "zero-padding 15 px more (8 + 7 per side) gives a
 * 255-px image of 15 x 15 = 225 patches (226 tokens with 1 class token);
 * cropping 2 px gives 14 x 14 = 196 patches", into buf. */
void wl__patch_advice(char *buf, size_t n, uint32_t image, uint32_t pad,
                      uint32_t patch, uint32_t n_cls);
/* Copies at most n-1 chars and terminates. */
void wl__strlcpy(char *dst, const char *src, size_t n);

/* Parameter counting helpers shared by model.c and tests of lowering. */
uint64_t wl__linear_params(const wl_model *m, uint64_t in, uint64_t out,
                           int bias, uint32_t lr_rank);

#endif /* TFSIM_WL_INT_H */
