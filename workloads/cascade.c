/*
 * cascade.c — the einsum cascade: the builder the lowering uses (text
 * einsums parsed into ranks, tensors and affine accesses; dependencies
 * derived from tensor writers), the read accessors, and the per-op
 * counts (points, MACs, element-wise operations, footprints in bytes).
 * The semantics are written once, in wl.h's header comment; this file
 * implements them.
 *
 * Complexity: tensor lookup by name is a hash (O(1) expected); rank
 * lookup is linear in the number of ranks (a few dozen).  Building a
 * cascade is O(ops + tensors).
 */
#include "wlInt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Strings                                                                */
/* ---------------------------------------------------------------------- */

static int fold(int ch) {
  ch = tolower((unsigned char)ch);
  return ch == '_' ? '-' : ch;
}

int wl__strcaseeq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

size_t wl__edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64) la = 64;
  if (lb > 64) lb = 64;
  size_t row[65];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

void wl__strlcpy(char *dst, const char *src, size_t n) {
  if (!n) return;
  size_t l = strlen(src);
  if (l >= n) l = n - 1;
  memcpy(dst, src, l);
  dst[l] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Builder                                                                */
/* ---------------------------------------------------------------------- */

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

static int fail(wl__build *B, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(wl__build *B, int code, const char *fmt, ...) {
  if (B->rc) return B->rc;
  va_list ap;
  va_start(ap, fmt);
  sim_err_vset(B->err, code, fmt, ap);
  va_end(ap);
  B->rc = code;
  return code;
}

int wl__build_init(wl__build *B, wl_cascade *c, sim_err *err) {
  memset(B, 0, sizeof *B);
  B->c = c;
  B->err = err;
  B->layer = -1;
  B->part = WL_PART_EMBED;
  B->repeat = 1;
  B->prec = WL_FP16;
  B->kv_prec = WL_FP16;
  B->hash_cap = 1024;
  B->hash = sim_malloc(B->hash_cap * sizeof *B->hash);
  if (!B->hash) return fail(B, SIM_ENOMEM, "workload: out of memory");
  for (size_t i = 0; i < B->hash_cap; i++) B->hash[i] = -1;
  return 0;
}

void wl__build_fini(wl__build *B) {
  sim_free(B->hash);
  sim_free(B->n_writers);
  sim_free(B->writers);
  B->hash = NULL;
  B->n_writers = NULL;
  B->writers = NULL;
}

int wl__name(wl__build *B, char *dst, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(dst, WL_NAME_MAX, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= WL_NAME_MAX)
    return fail(B, SIM_EINTERNAL, "workload: name too long: '%s'", dst);
  return 0;
}

static int grow(wl__build *B, void **arr, size_t *cap, size_t need,
                size_t elem) {
  if (need <= *cap) return 0;
  size_t nc = *cap ? *cap * 2 : 64;
  while (nc < need) nc *= 2;
  void *p = sim_realloc(*arr, nc * elem);
  if (!p) return fail(B, SIM_ENOMEM, "workload: out of memory");
  *arr = p;
  *cap = nc;
  return 0;
}

static int find_rank(const wl_cascade *c, const char *name, size_t len) {
  for (size_t i = 0; i < c->n_ranks; i++)
    if (strlen(c->ranks[i].name) == len &&
        memcmp(c->ranks[i].name, name, len) == 0)
      return (int)i;
  return -1;
}

int wl__rank(wl__build *B, const char *name, uint64_t size, int iterative) {
  if (B->rc) return B->rc;
  wl_cascade *c = B->c;
  int r = find_rank(c, name, strlen(name));
  if (r >= 0) {
    if (c->ranks[r].size != size || c->ranks[r].iterative != iterative)
      return fail(B, SIM_EINTERNAL,
                  "workload: rank '%s' redefined (%llu vs %llu)", name,
                  (unsigned long long)c->ranks[r].size,
                  (unsigned long long)size);
    return r;
  }
  if (size == 0)
    return fail(B, SIM_EINVAL, "workload: rank '%s' has size 0", name);
  if (strlen(name) >= WL_NAME_MAX)
    return fail(B, SIM_EINTERNAL, "workload: rank name too long");
  if (grow(B, (void **)&c->ranks, &c->cap_ranks, c->n_ranks + 1,
           sizeof *c->ranks))
    return B->rc;
  wl_rank *rk = &c->ranks[c->n_ranks];
  memset(rk, 0, sizeof *rk);
  wl__strlcpy(rk->name, name, sizeof rk->name);
  rk->size = size;
  rk->iterative = iterative;
  return (int)c->n_ranks++;
}

static int hash_find(const wl__build *B, const char *name) {
  size_t mask = B->hash_cap - 1;
  for (size_t i = fnv1a(name) & mask;; i = (i + 1) & mask) {
    int32_t t = B->hash[i];
    if (t < 0) return -1;
    if (strcmp(B->c->tensors[t].name, name) == 0) return t;
  }
}

static int hash_insert(wl__build *B, int32_t t) {
  if ((B->c->n_tensors + 1) * 2 > B->hash_cap) {
    size_t nc = B->hash_cap * 2;
    int32_t *h = sim_malloc(nc * sizeof *h);
    if (!h) return fail(B, SIM_ENOMEM, "workload: out of memory");
    for (size_t i = 0; i < nc; i++) h[i] = -1;
    for (size_t k = 0; k < B->c->n_tensors; k++) {
      size_t i = fnv1a(B->c->tensors[k].name) & (nc - 1);
      while (h[i] >= 0) i = (i + 1) & (nc - 1);
      h[i] = (int32_t)k;
    }
    sim_free(B->hash);
    B->hash = h;
    B->hash_cap = nc;
  }
  size_t mask = B->hash_cap - 1;
  size_t i = fnv1a(B->c->tensors[t].name) & mask;
  while (B->hash[i] >= 0) i = (i + 1) & mask;
  B->hash[i] = t;
  return 0;
}

int wl__find(const wl__build *B, const char *name) {
  return B->hash ? hash_find(B, name) : -1;
}

static int skip_ws(const char **p) {
  while (**p == ' ' || **p == '\t') (*p)++;
  return **p != '\0';
}

static int is_ident0(int ch) { return isalpha(ch) || ch == '_'; }
static int is_ident(int ch) { return isalnum(ch) || ch == '_'; }

static int tensor_add(wl__build *B, const char *name, wl_tensor_kind kind,
                      wl_precision prec, const char *dims) {
  if (B->rc) return B->rc;
  wl_cascade *c = B->c;
  if (strlen(name) >= WL_NAME_MAX)
    return fail(B, SIM_EINTERNAL, "workload: tensor name too long: %s", name);
  if (hash_find(B, name) >= 0)
    return fail(B, SIM_EINTERNAL, "workload: tensor '%s' declared twice",
                name);
  wl_tensor t;
  memset(&t, 0, sizeof t);
  wl__strlcpy(t.name, name, sizeof t.name);
  t.kind = kind;
  t.prec = prec;
  t.part = B->part;
  t.layer = B->layer;
  t.repeat = B->repeat;
  const char *p = dims;
  while (skip_ws(&p)) {
    if (t.ndim == WL_MAX_DIMS)
      return fail(B, SIM_EINTERNAL, "workload: '%s': too many dims", name);
    uint64_t ext = 0;
    if (isdigit((unsigned char)*p)) {
      ext = strtoull(p, (char **)&p, 10);
    } else if (is_ident0((unsigned char)*p)) {
      const char *s = p;
      while (is_ident((unsigned char)*p)) p++;
      int r = find_rank(c, s, (size_t)(p - s));
      if (r < 0)
        return fail(B, SIM_EINTERNAL, "workload: '%s': unknown rank '%.*s'",
                    name, (int)(p - s), s);
      ext = c->ranks[r].size;
      if (*p == '+') {
        p++;
        ext += strtoull(p, (char **)&p, 10);
      }
    } else {
      return fail(B, SIM_EINTERNAL, "workload: '%s': bad dims '%s'", name,
                  dims);
    }
    if (ext == 0)
      return fail(B, SIM_EINTERNAL, "workload: '%s': zero extent", name);
    t.extent[t.ndim++] = ext;
  }
  if (grow(B, (void **)&c->tensors, &c->cap_tensors, c->n_tensors + 1,
           sizeof *c->tensors))
    return B->rc;
  if (c->n_tensors + 1 > B->cap_w) {
    size_t nc = B->cap_w ? B->cap_w * 2 : 64;
    uint32_t *nw = sim_realloc(B->n_writers, nc * sizeof *nw);
    if (!nw) return fail(B, SIM_ENOMEM, "workload: out of memory");
    B->n_writers = nw;
    uint32_t(*w)[8] = sim_realloc(B->writers, nc * sizeof *w);
    if (!w) return fail(B, SIM_ENOMEM, "workload: out of memory");
    B->writers = w;
    B->cap_w = nc;
  }
  c->tensors[c->n_tensors] = t;
  B->n_writers[c->n_tensors] = 0;
  if (hash_insert(B, (int32_t)c->n_tensors)) return B->rc;
  return (int)c->n_tensors++;
}

int wl__tensor(wl__build *B, const char *name, wl_tensor_kind kind,
               const char *dims) {
  return tensor_add(B, name, kind,
                    kind == WL_T_KVCACHE ? B->kv_prec : B->prec, dims);
}

int wl__tensor_ids(wl__build *B, const char *name, const char *dims) {
  return tensor_add(B, name, WL_T_INPUT, WL_INT32, dims);
}

/* Parses one index expression up to ',' or ']' against the op's ranks. */
static int parse_index(wl__build *B, const wl_op *op, const char **pp,
                       wl_index *ix) {
  const char *p = *pp;
  memset(ix, 0, sizeof *ix);
  for (;;) {
    skip_ws(&p);
    uint64_t coef = 1;
    int have_num = 0;
    if (isdigit((unsigned char)*p)) {
      coef = strtoull(p, (char **)&p, 10);
      have_num = 1;
      skip_ws(&p);
      if (*p == '*') {
        p++;
        skip_ws(&p);
      } else {
        ix->off += coef;
        goto next;
      }
    }
    if (!is_ident0((unsigned char)*p))
      return fail(B, SIM_EINTERNAL, "workload: op '%s': bad index near '%s'",
                  op->name, p);
    {
      const char *s = p;
      while (is_ident((unsigned char)*p)) p++;
      int r = find_rank(B->c, s, (size_t)(p - s));
      int in_op = 0;
      for (uint32_t i = 0; r >= 0 && i < op->n_ranks; i++)
        if (op->ranks[i] == (uint32_t)r) in_op = 1;
      if (!in_op)
        return fail(B, SIM_EINTERNAL,
                    "workload: op '%s': rank '%.*s' not in its ranks",
                    op->name, (int)(p - s), s);
      skip_ws(&p);
      if (!have_num && *p == '*') {
        p++;
        skip_ws(&p);
        coef = strtoull(p, (char **)&p, 10);
      }
      if (ix->n_terms == 2)
        return fail(B, SIM_EINTERNAL, "workload: op '%s': > 2 index terms",
                    op->name);
      ix->rank[ix->n_terms] = (uint32_t)r;
      ix->coef[ix->n_terms] = coef;
      ix->n_terms++;
    }
  next:
    skip_ws(&p);
    if (*p == '+') {
      p++;
      continue;
    }
    break;
  }
  *pp = p;
  return 0;
}

static uint64_t index_max(const wl_cascade *c, const wl_index *ix) {
  uint64_t v = ix->off;
  for (uint32_t t = 0; t < ix->n_terms; t++)
    v += ix->coef[t] * (c->ranks[ix->rank[t]].size - 1);
  return v;
}

static int parse_access(wl__build *B, const wl_op *op, const char *text,
                        wl_access *a) {
  memset(a, 0, sizeof *a);
  const char *br = strchr(text, '[');
  if (!br || br == text || br - text >= WL_NAME_MAX)
    return fail(B, SIM_EINTERNAL, "workload: op '%s': bad access '%s'",
                op->name, text);
  char name[WL_NAME_MAX];
  memcpy(name, text, (size_t)(br - text));
  name[br - text] = '\0';
  int t = hash_find(B, name);
  if (t < 0)
    return fail(B, SIM_EINTERNAL, "workload: op '%s': unknown tensor '%s'",
                op->name, name);
  a->tensor = (uint32_t)t;
  const wl_tensor *T = &B->c->tensors[t];
  const char *p = br + 1;
  uint32_t d = 0;
  skip_ws(&p);
  if (*p != ']') {
    for (;;) {
      if (d == T->ndim)
        return fail(B, SIM_EINTERNAL,
                    "workload: op '%s': too many indexes for '%s'", op->name,
                    name);
      if (parse_index(B, op, &p, &a->idx[d])) return B->rc;
      if (index_max(B->c, &a->idx[d]) >= T->extent[d])
        return fail(B, SIM_EINTERNAL,
                    "workload: op '%s': index %u of '%s' exceeds %llu",
                    op->name, d, name, (unsigned long long)T->extent[d]);
      d++;
      if (*p == ',') {
        p++;
        continue;
      }
      break;
    }
  }
  if (*p != ']' || d != T->ndim)
    return fail(B, SIM_EINTERNAL,
                "workload: op '%s': access '%s' has %u of %u indexes",
                op->name, text, d, T->ndim);
  return 0;
}

static void add_dep(wl_op *op, uint32_t dep, int *overflow) {
  for (uint32_t i = 0; i < op->n_deps; i++)
    if (op->deps[i] == dep) return;
  if (op->n_deps == WL_MAX_DEPS) {
    *overflow = 1;
    return;
  }
  op->deps[op->n_deps++] = dep;
}

int wl__op(wl__build *B, const char *name, wl_compute comp, wl_fn fn,
           const char *ranks, const char *out, const char *in0,
           const char *in1) {
  if (B->rc) return B->rc;
  wl_cascade *c = B->c;
  wl_op op;
  memset(&op, 0, sizeof op);
  if (strlen(name) >= WL_NAME_MAX)
    return fail(B, SIM_EINTERNAL, "workload: op name too long: %s", name);
  wl__strlcpy(op.name, name, sizeof op.name);
  op.compute = comp;
  op.fn = fn;
  op.part = B->part;
  op.layer = B->layer;
  op.repeat = B->repeat;
  op.alpha = 1.0;
  const char *p = ranks;
  while (skip_ws(&p)) {
    const char *s = p;
    while (*p && *p != ' ') p++;
    int r = find_rank(c, s, (size_t)(p - s));
    if (r < 0)
      return fail(B, SIM_EINTERNAL, "workload: op '%s': unknown rank '%.*s'",
                  name, (int)(p - s), s);
    if (op.n_ranks == WL_MAX_OP_RANKS)
      return fail(B, SIM_EINTERNAL, "workload: op '%s': too many ranks", name);
    op.ranks[op.n_ranks++] = (uint32_t)r;
  }
  if (parse_access(B, &op, out, &op.out)) return B->rc;
  if (in0) {
    if (parse_access(B, &op, in0, &op.in[0])) return B->rc;
    op.n_in = 1;
  }
  if (in1) {
    if (parse_access(B, &op, in1, &op.in[1])) return B->rc;
    op.n_in = 2;
  }
  /* Arity of each compute kind. */
  unsigned want = 1;
  if (comp == WL_C_MAC || comp == WL_C_GATHER) want = 2;
  if (comp == WL_C_ELEM) {
    switch (fn) {
    case WL_FN_FILL: want = 0; break;
    case WL_FN_ADD: case WL_FN_SUB: case WL_FN_MUL: case WL_FN_DIV:
    case WL_FN_MAX: case WL_FN_SUB_EXP: want = 2; break;
    case WL_FN_NONE: want = 99; break;
    default: want = 1; break;
    }
  } else if (fn != WL_FN_NONE) {
    want = 99;
  }
  if (op.n_in != want)
    return fail(B, SIM_EINTERNAL, "workload: op '%s': %s/%s takes %u inputs",
                name, wl_compute_name(comp), wl_fn_name(fn), want);
  /* Dependencies: earlier writers of every input and of the output. */
  int overflow = 0;
  uint32_t self = (uint32_t)c->n_ops;
  for (uint32_t i = 0; i <= op.n_in; i++) {
    uint32_t t = i < op.n_in ? op.in[i].tensor : op.out.tensor;
    for (uint32_t w = 0; w < B->n_writers[t]; w++)
      add_dep(&op, B->writers[t][w], &overflow);
  }
  if (overflow)
    return fail(B, SIM_EINTERNAL, "workload: op '%s': more than %d deps",
                name, WL_MAX_DEPS);
  if (grow(B, (void **)&c->ops, &c->cap_ops, c->n_ops + 1, sizeof *c->ops))
    return B->rc;
  uint32_t t = op.out.tensor;
  if (B->n_writers[t] == WL__MAX_WRITERS)
    return fail(B, SIM_EINTERNAL, "workload: tensor '%s': too many writers",
                c->tensors[t].name);
  B->writers[t][B->n_writers[t]++] = self;
  c->ops[c->n_ops] = op;
  return (int)c->n_ops++;
}

wl_op *wl__last(wl__build *B) {
  if (B->rc || B->c->n_ops == 0) return NULL;
  return &B->c->ops[B->c->n_ops - 1];
}

int wl__mask(wl__build *B, const char *k, const char *q, uint64_t off,
             uint64_t win) {
  wl_op *op = wl__last(B);
  if (!op) return B->rc ? B->rc : fail(B, SIM_EINTERNAL, "workload: mask");
  const char *p = k;
  if (parse_index(B, op, &p, &op->mask_k)) return B->rc;
  p = q;
  if (parse_index(B, op, &p, &op->mask_q)) return B->rc;
  op->masked = 1;
  op->mask_off = off;
  op->mask_win = win;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                              */
/* ---------------------------------------------------------------------- */

void wl_cascade_free(wl_cascade *c) {
  if (!c) return;
  sim_free(c->ranks);
  sim_free(c->tensors);
  sim_free(c->ops);
  sim_free(c);
}

size_t wl_cascade_n_ops(const wl_cascade *c) { return c ? c->n_ops : 0; }
const wl_op *wl_cascade_op(const wl_cascade *c, size_t i) {
  return c && i < c->n_ops ? &c->ops[i] : NULL;
}
size_t wl_cascade_n_tensors(const wl_cascade *c) {
  return c ? c->n_tensors : 0;
}
const wl_tensor *wl_cascade_tensor(const wl_cascade *c, size_t i) {
  return c && i < c->n_tensors ? &c->tensors[i] : NULL;
}
size_t wl_cascade_n_ranks(const wl_cascade *c) { return c ? c->n_ranks : 0; }
const wl_rank *wl_cascade_rank(const wl_cascade *c, size_t i) {
  return c && i < c->n_ranks ? &c->ranks[i] : NULL;
}

int wl_cascade_find_tensor(const wl_cascade *c, const char *name) {
  for (size_t i = 0; c && i < c->n_tensors; i++)
    if (strcmp(c->tensors[i].name, name) == 0) return (int)i;
  return -1;
}

int wl_cascade_find_op(const wl_cascade *c, const char *name) {
  for (size_t i = 0; c && i < c->n_ops; i++)
    if (strcmp(c->ops[i].name, name) == 0) return (int)i;
  return -1;
}

int wl_cascade_find_rank(const wl_cascade *c, const char *name) {
  return c ? find_rank(c, name, strlen(name)) : -1;
}

/* ---------------------------------------------------------------------- */
/* Counts                                                                 */
/* ---------------------------------------------------------------------- */

unsigned wl_fn_ops(wl_fn f) {
  switch (f) {
  case WL_FN_NONE: case WL_FN_COPY: case WL_FN_FILL: return 0;
  case WL_FN_SUB_EXP: return 2;
  default: return 1;
  }
}

uint64_t wl_op_points(const wl_cascade *c, const wl_op *op) {
  uint64_t n = 1;
  for (uint32_t i = 0; i < op->n_ranks; i++) n *= c->ranks[op->ranks[i]].size;
  return n;
}

uint64_t wl_op_macs(const wl_cascade *c, const wl_op *op) {
  return op->compute == WL_C_MAC ? wl_op_points(c, op) : 0;
}

uint64_t wl_op_elem_ops(const wl_cascade *c, const wl_op *op) {
  switch (op->compute) {
  case WL_C_MAX_REDUCE:
  case WL_C_SUM_REDUCE: return wl_op_points(c, op);
  case WL_C_ELEM: return wl_op_points(c, op) * wl_fn_ops(op->fn);
  default: return 0;
  }
}

static uint64_t index_distinct(const wl_cascade *c, const wl_index *ix,
                               uint64_t extent) {
  uint64_t n;
  if (ix->n_terms == 0) return 1;
  if (ix->n_terms == 1) {
    n = ix->coef[0] ? c->ranks[ix->rank[0]].size : 1;
  } else {
    uint64_t s0 = c->ranks[ix->rank[0]].size, s1 = c->ranks[ix->rank[1]].size;
    uint64_t c0 = ix->coef[0], c1 = ix->coef[1];
    if ((c0 == 1 && c1 == s0) || (c1 == 1 && c0 == s1))
      n = s0 * s1; /* a dense tiling: outer*inner_size + inner */
    else
      n = index_max(c, ix) - ix->off + 1; /* span */
  }
  return n < extent ? n : extent;
}

uint64_t wl_access_elems(const wl_cascade *c, const wl_op *op,
                         const wl_access *a) {
  const wl_tensor *t = &c->tensors[a->tensor];
  uint64_t n = 1;
  for (uint32_t d = 0; d < t->ndim; d++) {
    uint64_t k;
    if (op->compute == WL_C_GATHER && a == &op->in[0] &&
        d == op->gather_dim) {
      uint64_t ids = wl_access_elems(c, op, &op->in[1]);
      k = ids < t->extent[d] ? ids : t->extent[d];
    } else {
      k = index_distinct(c, &a->idx[d], t->extent[d]);
    }
    n *= k;
  }
  return n;
}

uint64_t wl_access_bytes(const wl_cascade *c, const wl_op *op,
                         const wl_access *a) {
  return wl_bytes_of(wl_access_elems(c, op, a), c->tensors[a->tensor].prec);
}

uint64_t wl_op_in_bytes(const wl_cascade *c, const wl_op *op) {
  uint64_t b = 0;
  for (uint32_t i = 0; i < op->n_in; i++) {
    if (i == 1 && op->in[1].tensor == op->in[0].tensor) {
      uint64_t b1 = wl_access_bytes(c, op, &op->in[1]);
      uint64_t b0 = wl_access_bytes(c, op, &op->in[0]);
      if (b1 > b0) b += b1 - b0;
      continue;
    }
    b += wl_access_bytes(c, op, &op->in[i]);
  }
  return b;
}

uint64_t wl_op_out_bytes(const wl_cascade *c, const wl_op *op) {
  return wl_access_bytes(c, op, &op->out);
}

uint64_t wl_op_weight_bytes(const wl_cascade *c, const wl_op *op) {
  uint64_t b = 0;
  for (uint32_t i = 0; i < op->n_in; i++) {
    if (c->tensors[op->in[i].tensor].kind != WL_T_WEIGHT) continue;
    if (i == 1 && op->in[1].tensor == op->in[0].tensor) continue;
    b += wl_access_bytes(c, op, &op->in[i]);
  }
  return b;
}

static int access_uses(const wl_access *a, const wl_tensor *t, uint32_t r) {
  for (uint32_t d = 0; d < t->ndim; d++)
    for (uint32_t k = 0; k < a->idx[d].n_terms; k++)
      if (a->idx[d].rank[k] == r && a->idx[d].coef[k]) return 1;
  return 0;
}

int wl_op_gemm(const wl_cascade *c, const wl_op *op, wl_gemm *out) {
  memset(out, 0, sizeof *out);
  if (op->compute != WL_C_MAC || op->n_in != 2) return SIM_EINVAL;
  out->batch = out->m = out->n = out->k = 1;
  const wl_tensor *t0 = &c->tensors[op->in[0].tensor];
  const wl_tensor *t1 = &c->tensors[op->in[1].tensor];
  const wl_tensor *to = &c->tensors[op->out.tensor];
  for (uint32_t i = 0; i < op->n_ranks; i++) {
    uint32_t r = op->ranks[i];
    uint64_t s = c->ranks[r].size;
    int u0 = access_uses(&op->in[0], t0, r);
    int u1 = access_uses(&op->in[1], t1, r);
    int uo = access_uses(&op->out, to, r);
    if (!uo)
      out->k *= s;
    else if (u0 && !u1)
      out->m *= s;
    else if (u1 && !u0)
      out->n *= s;
    else
      out->batch *= s;
  }
  return 0;
}

/* Checked arithmetic for the totals: a count past 2^64 (a batch of 10^9
 * sequences) must be an error, never a wrapped number. */
static int ck_mul(uint64_t a, uint64_t b, uint64_t *acc) {
  return sim_mul_u64(a, b, acc);
}
static int ck_addmul(uint64_t *acc, uint64_t r, uint64_t v) {
  uint64_t p;
  if (sim_mul_u64(r, v, &p)) return SIM_ERANGE;
  return sim_add_u64(*acc, p, acc);
}

/* The totals with every product and sum checked; on overflow returns
 * SIM_ERANGE and names the op or tensor in err.  Tensors first: their
 * sizes bound every access footprint, so once they fit, the per-op byte
 * counts cannot overflow either. */
static int totals_checked(const wl_cascade *c, wl_totals *out,
                          sim_err *err) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < c->n_tensors; i++) {
    const wl_tensor *t = &c->tensors[i];
    uint64_t n = 1, b;
    for (uint32_t d = 0; d < t->ndim; d++)
      if (ck_mul(n, t->extent[d], &n)) goto tensor_range;
    if (ck_mul(n, 4, &b) || ck_mul(b, t->repeat ? t->repeat : 1, &b))
      goto tensor_range;
    if (t->kind == WL_T_WEIGHT &&
        ck_addmul(&out->weight_bytes, t->repeat, wl_bytes_of(n, t->prec)))
      goto tensor_range;
    if (t->kind == WL_T_KVCACHE &&
        ck_addmul(&out->kv_bytes, t->repeat, wl_bytes_of(n, t->prec)))
      goto tensor_range;
    continue;
  tensor_range:
    return sim_err_set(err, SIM_ERANGE, "workload: tensor '%s' has more "
                       "than 2^64 bytes (batch or sequence too large)",
                       t->name);
  }
  for (size_t i = 0; i < c->n_ops; i++) {
    const wl_op *op = &c->ops[i];
    uint64_t r = op->repeat, pts = 1, fo = 0;
    for (uint32_t k = 0; k < op->n_ranks; k++)
      if (ck_mul(pts, c->ranks[op->ranks[k]].size, &pts)) goto op_range;
    if (ck_mul(pts, 2, &fo)) goto op_range; /* wl_fn_ops <= 2 */
    if (ck_addmul(&out->macs, r, wl_op_macs(c, op)) ||
        ck_addmul(&out->elem_ops, r, wl_op_elem_ops(c, op)) ||
        ck_addmul(&out->in_bytes, r, wl_op_in_bytes(c, op)) ||
        ck_addmul(&out->out_bytes, r, wl_op_out_bytes(c, op)) ||
        sim_add_u64(out->n_ops, r, &out->n_ops))
      goto op_range;
    if (op->compute == WL_C_ELEM &&
        (op->fn == WL_FN_EXP || op->fn == WL_FN_SUB_EXP) &&
        ck_addmul(&out->exp_ops, r, pts))
      goto op_range;
    continue;
  op_range:
    return sim_err_set(err, SIM_ERANGE, "workload: op '%s' counts exceed "
                       "2^64 (batch or sequence too large)", op->name);
  }
  return 0;
}

int wl__check_counts(const wl_cascade *c, sim_err *err) {
  wl_totals t;
  return totals_checked(c, &t, err);
}

void wl_cascade_totals(const wl_cascade *c, wl_totals *out) {
  memset(out, 0, sizeof *out);
  if (!c) return;
  /* wl_lower rejected any cascade whose totals overflow. */
  totals_checked(c, out, NULL);
}

/* ---------------------------------------------------------------------- */
/* Listing                                                                */
/* ---------------------------------------------------------------------- */

static void print_index(FILE *f, const wl_cascade *c, const wl_index *ix) {
  int any = 0;
  for (uint32_t t = 0; t < ix->n_terms; t++) {
    if (any) fputc('+', f);
    if (ix->coef[t] != 1) fprintf(f, "%llu*", (unsigned long long)ix->coef[t]);
    fputs(c->ranks[ix->rank[t]].name, f);
    any = 1;
  }
  if (ix->off || !any) {
    if (any) fputc('+', f);
    fprintf(f, "%llu", (unsigned long long)ix->off);
  }
}

static void print_access(FILE *f, const wl_cascade *c, const wl_access *a) {
  const wl_tensor *t = &c->tensors[a->tensor];
  fprintf(f, "%s[", t->name);
  for (uint32_t d = 0; d < t->ndim; d++) {
    if (d) fputc(',', f);
    print_index(f, c, &a->idx[d]);
  }
  fputc(']', f);
}

int wl_cascade_dump(const wl_cascade *c, void *file) {
  FILE *f = file;
  if (!c || !f) return SIM_EINVAL;
  fprintf(f, "# cascade of %s: %zu ranks, %zu tensors, %zu ops\n",
          c->model.name, c->n_ranks, c->n_tensors, c->n_ops);
  for (size_t i = 0; i < c->n_ranks; i++)
    fprintf(f, "rank %s = %llu%s\n", c->ranks[i].name,
            (unsigned long long)c->ranks[i].size,
            c->ranks[i].iterative ? " (iterative)" : "");
  for (size_t i = 0; i < c->n_tensors; i++) {
    const wl_tensor *t = &c->tensors[i];
    fprintf(f, "tensor %s %s %s [", t->name, wl_tensor_kind_name(t->kind),
            wl_precision_name(t->prec));
    for (uint32_t d = 0; d < t->ndim; d++)
      fprintf(f, "%s%llu", d ? "," : "", (unsigned long long)t->extent[d]);
    fprintf(f, "]\n");
  }
  for (size_t i = 0; i < c->n_ops; i++) {
    const wl_op *op = &c->ops[i];
    fprintf(f, "op %zu %s: ", i, op->name);
    print_access(f, c, &op->out);
    fprintf(f, " = %s", wl_compute_name(op->compute));
    if (op->compute == WL_C_ELEM) fprintf(f, ".%s", wl_fn_name(op->fn));
    fputc('(', f);
    for (uint32_t k = 0; k < op->n_in; k++) {
      if (k) fputs(", ", f);
      print_access(f, c, &op->in[k]);
    }
    fprintf(f, ") over");
    for (uint32_t k = 0; k < op->n_ranks; k++)
      fprintf(f, " %s", c->ranks[op->ranks[k]].name);
    fprintf(f, "; macs %llu elem %llu in %llu B out %llu B",
            (unsigned long long)wl_op_macs(c, op),
            (unsigned long long)wl_op_elem_ops(c, op),
            (unsigned long long)wl_op_in_bytes(c, op),
            (unsigned long long)wl_op_out_bytes(c, op));
    if (op->masked) {
      fprintf(f, "; causal: ");
      print_index(f, c, &op->mask_k);
      fprintf(f, " <= ");
      print_index(f, c, &op->mask_q);
      fprintf(f, "+%llu", (unsigned long long)op->mask_off);
      if (op->mask_win)
        fprintf(f, ", window %llu", (unsigned long long)op->mask_win);
    }
    if (op->repeat > 1) fprintf(f, " x%llu", (unsigned long long)op->repeat);
    if (op->n_deps) {
      fprintf(f, "; deps");
      for (uint32_t k = 0; k < op->n_deps; k++) fprintf(f, " %u", op->deps[k]);
    }
    fputc('\n', f);
  }
  return 0;
}
