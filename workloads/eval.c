/*
 * eval.c — the reference evaluator: executes a cascade on doubles.
 *
 * It is generic over the einsum description: for each op it walks the
 * op's iteration space (an odometer over its ranks), finds every tensor
 * element through the accesses' affine indexes (precomputed as a base
 * offset plus one stride delta per rank), and applies the compute kind.
 * Iterative ranks follow wl.h: a run of consecutive ops sharing an
 * iterative rank executes slice by slice.  This is what makes the IR
 * testable: the 1-pass and 3-pass cascades must agree on real numbers.
 *
 * Semantics per compute kind, over the points an op visits (restricted
 * to one value of the iterative rank inside a run):
 *   MAC, SUM_REDUCE  output elements visited are set to 0, then
 *                    out += alpha * in0 (* in1) per point
 *   MAX_REDUCE       set to -inf, then out = max(out, in0)
 *   ELEM             out = fn(in0, in1) per point
 *   GATHER           out = in0 with dimension gather_dim taken from the
 *                    id in1 (rounded, modulo the extent)
 *   masked MAC       out = -inf where k > q + mask_off, or with a sliding
 *                    window where k <= q + mask_off - mask_win
 *
 * Memory: every tensor is allocated (doubles) when the evaluator is
 * created; the size is capped (max_elems) because this is for small
 * shapes only.  O(points) time per op.
 */
#include "wlInt.h"

#include <math.h>
#include <string.h>

struct wl_eval {
  const wl_cascade *c;
  double **data;
  uint64_t *elems;
  uint64_t (*stride)[WL_MAX_DIMS];
};

static uint64_t tensor_elems(const wl_tensor *t) {
  uint64_t n = 1;
  for (uint32_t d = 0; d < t->ndim; d++) n *= t->extent[d];
  return n;
}

void wl_eval_free(wl_eval *ev) {
  if (!ev) return;
  if (ev->data)
    for (size_t i = 0; i < ev->c->n_tensors; i++) sim_free(ev->data[i]);
  sim_free(ev->data);
  sim_free(ev->elems);
  sim_free(ev->stride);
  sim_free(ev);
}

int wl_eval_new(const wl_cascade *c, size_t max_elems, wl_eval **out,
                sim_err *err) {
  *out = NULL;
  if (!c) return sim_err_set(err, SIM_EINVAL, "eval: NULL cascade");
  if (!max_elems) max_elems = (size_t)1 << 26;
  uint64_t total = 0;
  for (size_t i = 0; i < c->n_ops; i++)
    if (c->ops[i].repeat != 1)
      return sim_err_set(err, SIM_EUNSUP,
                         "eval: cascade lowered with repeat_layers (op %s "
                         "x%llu); lower it unrolled", c->ops[i].name,
                         (unsigned long long)c->ops[i].repeat);
  for (size_t i = 0; i < c->n_tensors; i++) total += tensor_elems(&c->tensors[i]);
  if (total > max_elems)
    return sim_err_set(err, SIM_ERANGE,
                       "eval: cascade holds %llu elements (limit %zu): "
                       "the reference evaluator is for small shapes",
                       (unsigned long long)total, max_elems);
  wl_eval *ev = sim_calloc(1, sizeof *ev);
  if (!ev) return sim_err_set(err, SIM_ENOMEM, "eval: out of memory");
  ev->c = c;
  size_t n = c->n_tensors ? c->n_tensors : 1;
  ev->data = sim_calloc(n, sizeof *ev->data);
  ev->elems = sim_calloc(n, sizeof *ev->elems);
  ev->stride = sim_calloc(n, sizeof *ev->stride);
  if (!ev->data || !ev->elems || !ev->stride) goto oom;
  for (size_t i = 0; i < c->n_tensors; i++) {
    const wl_tensor *t = &c->tensors[i];
    ev->elems[i] = tensor_elems(t);
    uint64_t s = 1;
    for (uint32_t d = t->ndim; d-- > 0;) {
      ev->stride[i][d] = s;
      s *= t->extent[d];
    }
    ev->data[i] = sim_calloc((size_t)ev->elems[i], sizeof(double));
    if (!ev->data[i]) goto oom;
  }
  *out = ev;
  return 0;
oom:
  wl_eval_free(ev);
  return sim_err_set(err, SIM_ENOMEM, "eval: out of memory");
}

double *wl_eval_data(wl_eval *ev, size_t tensor) {
  return ev && tensor < ev->c->n_tensors ? ev->data[tensor] : NULL;
}

int wl_eval_set(wl_eval *ev, size_t tensor, const double *data, size_t n,
                sim_err *err) {
  if (!ev || tensor >= ev->c->n_tensors)
    return sim_err_set(err, SIM_EINVAL, "eval: no tensor %zu", tensor);
  if (n != ev->elems[tensor])
    return sim_err_set(err, SIM_EINVAL,
                       "eval: tensor %s has %llu elements, got %zu",
                       ev->c->tensors[tensor].name,
                       (unsigned long long)ev->elems[tensor], n);
  memcpy(ev->data[tensor], data, n * sizeof(double));
  return 0;
}

/* splitmix64: the project's one copy (sim/rng.c). */
static uint64_t mix(uint64_t *s) { return sim_splitmix64(s); }

static double unit(uint64_t *s) { /* [0, 1) */
  return (double)(mix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t name_seed(uint64_t seed, const char *name) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (; *name; name++) {
    h ^= (unsigned char)*name;
    h *= 1099511628211ull;
  }
  return h;
}

int wl_eval_fill_tensor(wl_eval *ev, size_t tensor, uint64_t seed, double lo,
                        double hi) {
  if (!ev || tensor >= ev->c->n_tensors) return SIM_EINVAL;
  uint64_t s = name_seed(seed, ev->c->tensors[tensor].name);
  double *p = ev->data[tensor];
  for (uint64_t i = 0; i < ev->elems[tensor]; i++)
    p[i] = lo + (hi - lo) * unit(&s);
  return 0;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

void wl_eval_fill_random(wl_eval *ev, uint64_t seed) {
  if (!ev) return;
  for (size_t i = 0; i < ev->c->n_tensors; i++) {
    const wl_tensor *t = &ev->c->tensors[i];
    if (t->kind != WL_T_INPUT && t->kind != WL_T_WEIGHT &&
        t->kind != WL_T_KVCACHE)
      continue;
    if (t->prec == WL_INT32) {
      uint64_t s = name_seed(seed, t->name);
      for (uint64_t k = 0; k < ev->elems[i]; k++)
        ev->data[i][k] = (double)(mix(&s) % 1000003u);
    } else if (t->kind == WL_T_WEIGHT && ends_with(t->name, ".g")) {
      wl_eval_fill_tensor(ev, i, seed, 0.9, 1.1); /* norm gains */
    } else {
      wl_eval_fill_tensor(ev, i, seed, -1.0, 1.0);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Execution                                                              */
/* ---------------------------------------------------------------------- */

/* Offset of an access as base + sum_i delta[i] * value(op rank i). */
typedef struct lin {
  int64_t base;
  int64_t delta[WL_MAX_OP_RANKS];
} lin;

static int op_rank_pos(const wl_op *op, uint32_t r) {
  for (uint32_t i = 0; i < op->n_ranks; i++)
    if (op->ranks[i] == r) return (int)i;
  return -1;
}

static void lin_index(const wl_op *op, const wl_index *ix, int64_t scale,
                      lin *l) {
  l->base += (int64_t)ix->off * scale;
  for (uint32_t t = 0; t < ix->n_terms; t++) {
    int pos = op_rank_pos(op, ix->rank[t]);
    if (pos >= 0) l->delta[pos] += (int64_t)ix->coef[t] * scale;
  }
}

static void lin_access(const wl_eval *ev, const wl_op *op, const wl_access *a,
                       int skip_dim, lin *l) {
  memset(l, 0, sizeof *l);
  const wl_tensor *t = &ev->c->tensors[a->tensor];
  for (uint32_t d = 0; d < t->ndim; d++) {
    if ((int)d == skip_dim) continue;
    lin_index(op, &a->idx[d], (int64_t)ev->stride[a->tensor][d], l);
  }
}

static double gelu(double x) {
  /* tanh form (Hendrycks & Gimpel; GPT-2's gelu_new) */
  return 0.5 * x *
         (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

static double apply(const wl_op *op, double a, double b) {
  switch (op->fn) {
  case WL_FN_COPY: return a;
  case WL_FN_FILL: return op->alpha;
  case WL_FN_SCALE: return op->alpha * a;
  case WL_FN_ADD: return a + b;
  case WL_FN_SUB: return a - b;
  case WL_FN_MUL: return a * b;
  case WL_FN_DIV: return a / b;
  case WL_FN_MAX: return a > b ? a : b;
  case WL_FN_EXP: return exp(a);
  /* exp(-inf - b) is 0 even for b = -inf: a key tile that a sliding
   * window masks whole leaves the running max at -inf (as FlashAttention
   * guards the same case). */
  case WL_FN_SUB_EXP: return a == -INFINITY ? 0.0 : exp(a - b);
  case WL_FN_GELU: return gelu(a);
  case WL_FN_SILU: return a / (1.0 + exp(-a));
  case WL_FN_RELU: return a > 0 ? a : 0;
  case WL_FN_RSQRT: return 1.0 / sqrt(a + op->beta);
  case WL_FN_TANH: return tanh(a);
  default: return NAN;
  }
}

/* Runs op over its iteration space with rank `fix` (or -1) pinned to
 * `fix_val`.  pass 0 initialises reduction outputs, pass 1 computes. */
static void exec_pass(wl_eval *ev, const wl_op *op, int fix,
                      uint64_t fix_val, int pass) {
  const wl_cascade *c = ev->c;
  lin lo, li[WL_MAX_IN], lk, lq;
  int gd = op->compute == WL_C_GATHER ? (int)op->gather_dim : -1;
  lin_access(ev, op, &op->out, -1, &lo);
  for (uint32_t k = 0; k < op->n_in; k++)
    lin_access(ev, op, &op->in[k], k == 0 ? gd : -1, &li[k]);
  memset(&lk, 0, sizeof lk);
  memset(&lq, 0, sizeof lq);
  if (op->masked) {
    lin_index(op, &op->mask_k, 1, &lk);
    lin_index(op, &op->mask_q, 1, &lq);
  }
  uint64_t lo_v[WL_MAX_OP_RANKS], hi_v[WL_MAX_OP_RANKS], v[WL_MAX_OP_RANKS];
  uint32_t n = op->n_ranks;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = op->ranks[i];
    lo_v[i] = 0;
    hi_v[i] = c->ranks[r].size;
    if ((int)r == fix) {
      lo_v[i] = fix_val;
      hi_v[i] = fix_val + 1;
    }
    v[i] = lo_v[i];
  }
  double *out = ev->data[op->out.tensor];
  const double *in0 = op->n_in > 0 ? ev->data[op->in[0].tensor] : NULL;
  const double *in1 = op->n_in > 1 ? ev->data[op->in[1].tensor] : NULL;
  uint64_t gext = gd >= 0 ? c->tensors[op->in[0].tensor].extent[gd] : 1;
  int64_t gstride = gd >= 0 ? (int64_t)ev->stride[op->in[0].tensor][gd] : 0;
  for (;;) {
    int64_t oo = lo.base, o0 = li[0].base, o1 = li[1].base;
    int64_t kk = lk.base, qq = lq.base;
    for (uint32_t i = 0; i < n; i++) {
      int64_t x = (int64_t)v[i];
      oo += lo.delta[i] * x;
      if (op->n_in > 0) o0 += li[0].delta[i] * x;
      if (op->n_in > 1) o1 += li[1].delta[i] * x;
      kk += lk.delta[i] * x;
      qq += lq.delta[i] * x;
    }
    if (pass == 0) {
      if (op->compute == WL_C_MAX_REDUCE)
        out[oo] = -INFINITY;
      else
        out[oo] = 0.0;
    } else {
      switch (op->compute) {
      case WL_C_MAC:
        if (op->masked &&
            (kk > qq + (int64_t)op->mask_off ||
             (op->mask_win &&
              kk + (int64_t)op->mask_win <= qq + (int64_t)op->mask_off)))
          out[oo] = -INFINITY;
        else
          out[oo] += op->alpha * in0[o0] * in1[o1];
        break;
      case WL_C_SUM_REDUCE: out[oo] += op->alpha * in0[o0]; break;
      case WL_C_MAX_REDUCE:
        if (in0[o0] > out[oo]) out[oo] = in0[o0];
        break;
      case WL_C_ELEM:
        out[oo] = apply(op, in0 ? in0[o0] : 0.0, in1 ? in1[o1] : 0.0);
        break;
      case WL_C_GATHER: {
        double id = in1[o1];
        int64_t row = (int64_t)llround(fabs(id)) % (int64_t)gext;
        out[oo] = in0[o0 + row * gstride];
        break;
      }
      default: break;
      }
    }
    /* odometer, last rank fastest */
    uint32_t i = n;
    while (i > 0) {
      i--;
      if (++v[i] < hi_v[i]) break;
      v[i] = lo_v[i];
      if (i == 0) return;
    }
    if (n == 0) return;
  }
}

static void exec_op(wl_eval *ev, const wl_op *op, int fix, uint64_t fix_val) {
  int reduce = op->compute == WL_C_MAC || op->compute == WL_C_SUM_REDUCE ||
               op->compute == WL_C_MAX_REDUCE;
  if (reduce) exec_pass(ev, op, fix, fix_val, 0);
  exec_pass(ev, op, fix, fix_val, 1);
}

static int iterative_rank(const wl_cascade *c, const wl_op *op) {
  for (uint32_t i = 0; i < op->n_ranks; i++)
    if (c->ranks[op->ranks[i]].iterative) return (int)op->ranks[i];
  return -1;
}

static int has_rank(const wl_op *op, int r) {
  for (uint32_t i = 0; i < op->n_ranks; i++)
    if ((int)op->ranks[i] == r) return 1;
  return 0;
}

int wl_eval_run(wl_eval *ev, sim_err *err) {
  if (!ev) return sim_err_set(err, SIM_EINVAL, "eval: NULL");
  const wl_cascade *c = ev->c;
  size_t i = 0;
  while (i < c->n_ops) {
    int r = iterative_rank(c, &c->ops[i]);
    if (r < 0) {
      exec_op(ev, &c->ops[i], -1, 0);
      i++;
      continue;
    }
    size_t j = i;
    while (j < c->n_ops && has_rank(&c->ops[j], r)) j++;
    for (uint64_t x = 0; x < c->ranks[r].size; x++)
      for (size_t k = i; k < j; k++) exec_op(ev, &c->ops[k], r, x);
    i = j;
  }
  return 0;
}
