/*
 * spec.c — reading a sweep file and expanding it into design points.
 *
 * Format (docs/sweeps.md):
 *
 *   name: demo                      # optional; default: the file's stem
 *   fixed:   {model: gpt2-s, seq: 128, set.ideal.mem_bw_gbps: 2039}
 *   product: {arch: [ideal, gpu-a100-40gb], batch: [1, 8]}
 *   zip:                            # each entry: lists advanced together
 *     - {model: [gpt2-s, bert-base], seq: [128, 512]}
 *   groups:                         # a union of sub-sweeps, each with its
 *     - fixed: {arch: pim-gpt}      # own fixed/product/zip, combined with
 *       product: {gen: [1, 8]}      # the top level's
 *
 * A parameter is one of sweep_param_name's names, `set.KEY` (an arch
 * override, as --set KEY=VALUE) or `map_opt.KEY` (as --map-opt).  Points
 * of one group = fixed x product (every combination, in file order, the
 * last key fastest) x each zip entry.  Without groups the top level is the
 * only group.
 *
 * Why libyaml's document API and not a libcyaml schema: the keys are open
 * (set.KEY is any key of any class's schema), which a cyaml schema cannot
 * list; the node tree keeps every key's line, so errors name it.  The
 * strictness is the same: an unknown key is an error naming it and its
 * line, never ignored.
 *
 * Cost: O(points x parameters); the expansion is capped at SWEEP_MAX_POINTS
 * so a typo cannot ask for 10^12 points.
 */
#include "sweep.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <jansson.h>

/* Points per file, all groups together.  Each point is a whole simulation
 * (milliseconds to seconds): 10^5 points is hours to days of a core; a
 * larger space is several files (merged with tfsim merge) or tfsim search.
 * The cap also bounds the expansion itself: 10^5 points load in about
 * 0.15 s (0.5 s in the fuzz build, under its 1 s limit). */
#define SWEEP_MAX_POINTS 100000
#define SWEEP_MAX_AXES 64

static const char *const sweep_names[SWEEP_P_COUNT] = {
    [SWEEP_P_ARCH] = "arch",       [SWEEP_P_MODEL] = "model",
    [SWEEP_P_MAPPER] = "mapper",   [SWEEP_P_PHASE] = "phase",
    [SWEEP_P_BATCH] = "batch",     [SWEEP_P_SEQ] = "seq",
    [SWEEP_P_KV] = "kv",           [SWEEP_P_GEN] = "gen",
    [SWEEP_P_PRECISION] = "precision", [SWEEP_P_SCOPE] = "scope",
    [SWEEP_P_ATTN] = "attn"};

const char *sweep_param_name(sweep_param p) {
  return p < SWEEP_P_COUNT ? sweep_names[p] : "?";
}

/* One axis: a parameter key ("seq", "set.x.y") and its values (nodes). */
typedef struct sw_axis {
  const char *key;  /* points into the YAML document */
  int line;
  yaml_node_t **vals;
  size_t n;
  /* set by sw_intern before expansion, in the spec's arena: */
  int param;        /* sweep_param, or -1 for set.KEY / map_opt.KEY */
  const char **sv;  /* per value: the value, or "KEY=value"          */
  char **js;        /* per value: its JSON string ("\"...\""), escaped */
} sw_axis;

typedef struct sw_group {
  sw_axis ax[SWEEP_MAX_AXES]; /* fixed and product axes, then zip axes */
  size_t n_ax;
  size_t zip_start[SWEEP_MAX_AXES]; /* zip entry k: axes [zs[k], zs[k+1]) */
  size_t n_zip;
  int line;
} sw_group;

/* The spec's strings: bump-allocated chunks, freed together by
 * sweep_spec_fini (a point allocates nothing of its own, so expanding 10^5
 * points is not 10^7 mallocs). */
typedef struct sw_chunk {
  struct sw_chunk *next;
  size_t used, cap;
  max_align_t mem[];
} sw_chunk;

#define SW_CHUNK_BYTES ((size_t)1 << 20)

static void *sw_alloc(sweep_spec *s, size_t n) {
  size_t a = _Alignof(max_align_t);
  n = (n + a - 1) / a * a;
  sw_chunk *c = s->arena;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > SW_CHUNK_BYTES ? n : SW_CHUNK_BYTES;
    sw_chunk *nc = malloc(sizeof *nc + cap);
    if (!nc) return NULL;
    nc->next = c;
    nc->used = 0;
    nc->cap = cap;
    s->arena = c = nc;
  }
  void *p = (char *)c->mem + c->used;
  c->used += n;
  return p;
}

typedef struct sw_ctx {
  const char *path;
  yaml_document_t *doc;
  sim_err *err;
  sweep_spec *out;
  char *buf;        /* scratch for a point's canonical JSON */
  size_t cap;
} sw_ctx;

static int sw_line(const yaml_node_t *n) {
  return n ? (int)n->start_mark.line + 1 : 0;
}

static int sw_fail(sw_ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int sw_fail(sw_ctx *c, const yaml_node_t *n, const char *fmt, ...) {
  char msg[SIM_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return sim_err_set(c->err, SIM_EINVAL, "%s:%d: %s", c->path, sw_line(n),
                     msg);
}

static const char *sw_scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
                                          : NULL;
}

/* Checks a parameter key: a known name, set.KEY or map_opt.KEY. */
static int sw_check_key(sw_ctx *c, const yaml_node_t *kn, const char *where) {
  const char *k = sw_scalar(kn);
  if (!k) return sw_fail(c, kn, "%s: a key must be a plain name", where);
  for (int p = 0; p < SWEEP_P_COUNT; p++)
    if (strcmp(k, sweep_names[p]) == 0) return 0;
  if (strncmp(k, "set.", 4) == 0 && k[4]) return 0;
  if (strncmp(k, "map_opt.", 8) == 0 && k[8]) return 0;
  return sw_fail(c, kn,
                 "%s.%s: unknown parameter (expected arch, model, mapper, "
                 "phase, batch, seq, kv, gen, precision, scope, attn, "
                 "set.KEY or map_opt.KEY)",
                 where, k);
}

static yaml_node_t *sw_node(sw_ctx *c, int id) {
  return yaml_document_get_node(c->doc, id);
}

/* Adds axis key -> values (a scalar: one value; a sequence of scalars). */
static int sw_add_axis(sw_ctx *c, sw_group *g, const yaml_node_t *kn,
                       yaml_node_t *vn, const char *where, int list) {
  if (g->n_ax == SWEEP_MAX_AXES)
    return sw_fail(c, kn, "%s: more than %d parameters", where,
                   SWEEP_MAX_AXES);
  int rc = sw_check_key(c, kn, where);
  if (rc) return rc;
  sw_axis *a = &g->ax[g->n_ax];
  memset(a, 0, sizeof *a);
  a->key = sw_scalar(kn);
  a->line = sw_line(kn);
  if (vn->type == YAML_SCALAR_NODE) {
    if (list && strcmp(where, "zip") == 0)
      return sw_fail(c, vn, "zip.%s: must be a list", a->key);
    a->vals = sim_malloc(sizeof *a->vals);
    if (!a->vals) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    a->vals[0] = vn;
    a->n = 1;
  } else if (vn->type == YAML_SEQUENCE_NODE && list) {
    size_t n = (size_t)(vn->data.sequence.items.top -
                        vn->data.sequence.items.start);
    if (n == 0)
      return sw_fail(c, vn, "%s.%s: empty list (the product would be empty)",
                     where, a->key);
    a->vals = sim_malloc(n * sizeof *a->vals);
    if (!a->vals) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      yaml_node_t *it = sw_node(c, vn->data.sequence.items.start[i]);
      if (!sw_scalar(it)) {
        sim_free(a->vals);
        return sw_fail(c, it, "%s.%s: values must be scalars", where,
                       a->key);
      }
      a->vals[i] = it;
    }
    a->n = n;
  } else {
    return sw_fail(c, vn, "%s.%s: must be %s", where, a->key,
                   list ? "a value or a list of values" : "a value");
  }
  /* One parameter once per group (fixed, product and zip together). */
  for (size_t i = 0; i < g->n_ax; i++)
    if (strcmp(g->ax[i].key, a->key) == 0) {
      sim_free(a->vals);
      return sw_fail(c, kn, "%s.%s: given twice for the same points (also "
                     "line %d)", where, a->key, g->ax[i].line);
    }
  g->n_ax++;
  return 0;
}

/* Reads a mapping of axes (fixed: values; product: lists). */
static int sw_axes(sw_ctx *c, sw_group *g, yaml_node_t *m, const char *where,
                   int list) {
  if (m->type != YAML_MAPPING_NODE)
    return sw_fail(c, m, "%s: must be a mapping of parameters", where);
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    int rc = sw_add_axis(c, g, sw_node(c, p->key), sw_node(c, p->value),
                         where, list);
    if (rc) return rc;
  }
  return 0;
}

static int sw_zip(sw_ctx *c, sw_group *g, yaml_node_t *z) {
  if (z->type != YAML_SEQUENCE_NODE)
    return sw_fail(c, z, "zip: must be a list of mappings of equal-length "
                   "lists");
  for (yaml_node_item_t *it = z->data.sequence.items.start;
       it < z->data.sequence.items.top; it++) {
    yaml_node_t *e = sw_node(c, *it);
    if (e->type != YAML_MAPPING_NODE)
      return sw_fail(c, e, "zip: each entry must be a mapping of lists");
    if (e->data.mapping.pairs.top == e->data.mapping.pairs.start)
      return sw_fail(c, e, "zip: an entry must give at least one list");
    if (g->n_zip == SWEEP_MAX_AXES)
      return sw_fail(c, e, "zip: too many entries");
    size_t first = g->n_ax;
    g->zip_start[g->n_zip++] = first;
    int rc = sw_axes(c, g, e, "zip", 1);
    if (rc) return rc;
    for (size_t i = first + 1; i < g->n_ax; i++)
      if (g->ax[i].n != g->ax[first].n)
        return sw_fail(c, e, "zip: %s has %zu values and %s %zu (zipped "
                       "lists advance together: give equal lengths)",
                       g->ax[first].key, g->ax[first].n, g->ax[i].key,
                       g->ax[i].n);
  }
  return 0;
}

/* Reads fixed/product/zip of mapping m into g; top: also name, groups. */
static int sw_group_read(sw_ctx *c, sw_group *g, yaml_node_t *m, int top,
                         yaml_node_t **groups, const char **name) {
  if (m->type != YAML_MAPPING_NODE)
    return sw_fail(c, m, top ? "a sweep file is a mapping (name, fixed, "
                             "product, zip, groups)"
                           : "groups: each entry must be a mapping");
  g->line = sw_line(m);
  yaml_node_t *fixed = NULL, *prod = NULL, *zip = NULL;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
       p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = sw_node(c, p->key), *vn = sw_node(c, p->value);
    const char *k = sw_scalar(kn);
    if (k && strcmp(k, "fixed") == 0) fixed = vn;
    else if (k && strcmp(k, "product") == 0) prod = vn;
    else if (k && strcmp(k, "zip") == 0) zip = vn;
    else if (top && k && strcmp(k, "groups") == 0) *groups = vn;
    else if (top && k && strcmp(k, "name") == 0 && sw_scalar(vn))
      *name = sw_scalar(vn);
    else
      return sw_fail(c, kn, "%s%s: unknown key (expected %s)",
                     top ? "" : "groups.", k ? k : "?",
                     top ? "name, fixed, product, zip, groups"
                         : "fixed, product, zip");
  }
  int rc = 0;
  if (fixed) rc = sw_axes(c, g, fixed, "fixed", 0);
  if (!rc && prod) rc = sw_axes(c, g, prod, "product", 1);
  if (!rc && zip) rc = sw_zip(c, g, zip);
  return rc;
}

static void sw_group_fini(sw_group *g) {
  for (size_t i = 0; i < g->n_ax; i++) sim_free(g->ax[i].vals);
  g->n_ax = 0;
}

static void sw_point_fini(sweep_point *p) {
  /* every string and array of a point is in the spec's arena */
  memset(p, 0, sizeof *p);
}

/* Appends s as a JSON string to b the way jansson's json_dumps writes it
 * with JSON_ENSURE_ASCII ("\"", "\\", \b \f \n \r \t, other
 * controls and every non-ASCII code point as \uXXXX in upper-case hex,
 * surrogate pairs above U+FFFF), so that the canonical JSON, and with it
 * every point's hash, stays what the points stored before were hashed
 * with.  Returns the bytes written, or 0 when s is not valid UTF-8.  b
 * has room for 12 bytes per input byte plus 3. */
static size_t sw_json_str(char *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *u = (const unsigned char *)s;
  char *o = b;
  *o++ = '"';
  while (*u) {
    uint32_t cp;
    int len;
    if (u[0] < 0x80) cp = u[0], len = 1;
    else if ((u[0] & 0xE0) == 0xC0) cp = u[0] & 0x1F, len = 2;
    else if ((u[0] & 0xF0) == 0xE0) cp = u[0] & 0x0F, len = 3;
    else if ((u[0] & 0xF8) == 0xF0) cp = u[0] & 0x07, len = 4;
    else return 0;
    for (int k = 1; k < len; k++) {
      if ((u[k] & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (u[k] & 0x3F);
    }
    /* overlong forms, surrogates and code points beyond U+10FFFF */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    u += len;
    const char *e = NULL;
    switch (cp) {
    case '"': e = "\\\""; break;
    case '\\': e = "\\\\"; break;
    case '\b': e = "\\b"; break;
    case '\f': e = "\\f"; break;
    case '\n': e = "\\n"; break;
    case '\r': e = "\\r"; break;
    case '\t': e = "\\t"; break;
    default: break;
    }
    if (e) {
      while (*e) *o++ = *e++;
    } else if (cp >= 0x20 && cp <= 0x7F) {
      *o++ = (char)cp;
    } else {
      uint32_t units[2], n = 0;
      if (cp < 0x10000) {
        units[n++] = cp;
      } else {
        cp -= 0x10000;
        units[n++] = 0xD800 | (cp >> 10);
        units[n++] = 0xDC00 | (cp & 0x3FF);
      }
      for (uint32_t k = 0; k < n; k++) {
        *o++ = '\\';
        *o++ = 'u';
        for (int sh = 12; sh >= 0; sh -= 4) *o++ = hex[(units[k] >> sh) & 15];
      }
    }
  }
  *o++ = '"';
  return (size_t)(o - b);
}

/* Copies each axis value into the arena once, with its "KEY=value" form
 * for set./map_opt. axes and its JSON string: the points share them. */
static int sw_intern(sw_ctx *c, sw_axis *a) {
  if (a->sv) return 0; /* the top level's axes serve every group */
  const char *k = a->key;
  int is_set = strncmp(k, "set.", 4) == 0, is_mo = strncmp(k, "map_opt.", 8) == 0;
  const char *kk = is_set ? k + 4 : is_mo ? k + 8 : NULL;
  a->param = -1;
  for (int q = 0; q < SWEEP_P_COUNT && !kk; q++)
    if (strcmp(k, sweep_names[q]) == 0) a->param = q;
  a->sv = sw_alloc(c->out, a->n * sizeof *a->sv);
  a->js = sw_alloc(c->out, a->n * sizeof *a->js);
  if (!a->sv || !a->js) goto oom;
  for (size_t i = 0; i < a->n; i++) {
    const char *v = sw_scalar(a->vals[i]);
    size_t n = (kk ? strlen(kk) + 1 : 0) + strlen(v) + 1;
    char *d = sw_alloc(c->out, n);
    char *j = sw_alloc(c->out, 12 * n + 3);
    if (!d || !j) goto oom;
    if (kk) snprintf(d, n, "%s=%s", kk, v);
    else memcpy(d, v, n);
    size_t w = sw_json_str(j, d);
    if (!w)
      return sw_fail(c, a->vals[i], "%s: value is not valid UTF-8", k);
    j[w] = 0;
    a->sv[i] = d;
    a->js[i] = j;
  }
  return 0;
oom:
  return sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->path);
}

/* The canonical JSON's keys in jansson's JSON_SORT_KEYS order (strcmp):
 * a parameter's index, or -2 for "map_opt", -3 for "set". */
static const int sw_canon_order[] = {
    SWEEP_P_ARCH,  SWEEP_P_ATTN,      SWEEP_P_BATCH, SWEEP_P_GEN,
    SWEEP_P_KV,    -2,                SWEEP_P_MAPPER, SWEEP_P_MODEL,
    SWEEP_P_PHASE, SWEEP_P_PRECISION, SWEEP_P_SCOPE, SWEEP_P_SEQ,
    -3};

/* A set./map_opt. value ("KEY=value") with its JSON string: sorted
 * together, so the canonical JSON follows the sorted order. */
typedef struct sw_kv {
  const char *s, *j;
} sw_kv;

static int cmp_kv(const void *a, const void *b) {
  return strcmp(((const sw_kv *)a)->s, ((const sw_kv *)b)->s);
}

/* Builds one point from the axes' current values (idx[a] per axis). */
static int sw_make_point(sw_ctx *c, sw_axis *const *ax, const size_t *idx,
                         size_t n_ax, int line, sweep_point *p) {
  memset(p, 0, sizeof *p);
  p->line = line;
  const char *js[SWEEP_P_COUNT] = {0};
  sw_kv sets[2 * SWEEP_MAX_AXES], mos[2 * SWEEP_MAX_AXES];
  size_t ns = 0, nm = 0, len = 16;
  for (size_t a = 0; a < n_ax; a++) {
    const sw_axis *x = ax[a];
    if (x->param >= 0) {
      p->val[x->param] = (char *)x->sv[idx[a]];
      js[x->param] = x->js[idx[a]];
    } else if (x->key[0] == 's') {
      sets[ns++] = (sw_kv){x->sv[idx[a]], x->js[idx[a]]};
    } else {
      mos[nm++] = (sw_kv){x->sv[idx[a]], x->js[idx[a]]};
    }
    len += strlen(x->key) + strlen(x->js[idx[a]]) + 4;
  }
  if (!p->val[SWEEP_P_ARCH] || !p->val[SWEEP_P_MODEL])
    return sim_err_set(c->err, SIM_EINVAL,
                       "%s:%d: a point has no %s (give it in fixed, product "
                       "or zip)",
                       c->path, line, p->val[SWEEP_P_ARCH] ? "model" : "arch");
  /* sets and map_opts sorted (as --set order never matters) */
  if (ns > 1) qsort(sets, ns, sizeof *sets, cmp_kv);
  if (nm > 1) qsort(mos, nm, sizeof *mos, cmp_kv);
  if (len > c->cap) {
    char *nb = realloc(c->buf, len * 2);
    if (!nb) goto oom;
    c->buf = nb;
    c->cap = len * 2;
  }
  char *o = c->buf;
  *o++ = '{';
  for (size_t i = 0; i < sizeof sw_canon_order / sizeof *sw_canon_order; i++) {
    int q = sw_canon_order[i];
    const char *name = q >= 0 ? sweep_names[q] : q == -2 ? "map_opt" : "set";
    const sw_kv *arr = q == -2 ? mos : sets;
    size_t na = q == -2 ? nm : ns;
    if (q >= 0 ? !js[q] : na == 0) continue;
    if (o[-1] != '{') *o++ = ',';
    *o++ = '"';
    size_t nl = strlen(name);
    memcpy(o, name, nl);
    o += nl;
    *o++ = '"';
    *o++ = ':';
    if (q >= 0) {
      size_t vl = strlen(js[q]);
      memcpy(o, js[q], vl);
      o += vl;
      continue;
    }
    *o++ = '[';
    for (size_t k = 0; k < na; k++) {
      if (k) *o++ = ',';
      size_t vl = strlen(arr[k].j);
      memcpy(o, arr[k].j, vl);
      o += vl;
    }
    *o++ = ']';
  }
  *o++ = '}';
  size_t cl = (size_t)(o - c->buf);
  p->canon = sw_alloc(c->out, cl + 1);
  p->sets = sw_alloc(c->out, (ns ? ns : 1) * sizeof *p->sets);
  p->map_opts = sw_alloc(c->out, (nm ? nm : 1) * sizeof *p->map_opts);
  if (!p->canon || !p->sets || !p->map_opts) goto oom;
  memcpy(p->canon, c->buf, cl);
  p->canon[cl] = 0;
  for (size_t i = 0; i < ns; i++) p->sets[i] = (char *)sets[i].s;
  for (size_t i = 0; i < nm; i++) p->map_opts[i] = (char *)mos[i].s;
  p->n_sets = ns;
  p->n_map_opts = nm;
  res_hash_hex(p->canon, cl, p->hash);
  return 0;
oom:
  memset(p, 0, sizeof *p);
  return sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->path);
}

/* Appends every point of group g merged with the top level t. */
static int sw_expand(sw_ctx *c, const sw_group *t, const sw_group *g,
                     sweep_spec *s, size_t *cap) {
  /* Axes: t's fixed/product, g's fixed/product ("free" axes, every
   * combination), then zip entries of t and g (one index per entry). */
  sw_axis *ax[2 * SWEEP_MAX_AXES];
  size_t n_ax = 0, zi[2 * SWEEP_MAX_AXES + 1], n_zip = 0;
  const sw_group *gs[2] = {t, g};
  int ng = t == g ? 1 : 2;
  for (int k = 0; k < ng; k++) {
    size_t end = gs[k]->n_zip ? gs[k]->zip_start[0] : gs[k]->n_ax;
    for (size_t a = 0; a < end; a++) ax[n_ax++] = (sw_axis *)&gs[k]->ax[a];
  }
  size_t n_free = n_ax;
  for (int k = 0; k < ng; k++)
    for (size_t z = 0; z < gs[k]->n_zip; z++) {
      zi[n_zip++] = n_ax;
      size_t end = z + 1 < gs[k]->n_zip ? gs[k]->zip_start[z + 1]
                                        : gs[k]->n_ax;
      for (size_t a = gs[k]->zip_start[z]; a < end; a++)
        ax[n_ax++] = (sw_axis *)&gs[k]->ax[a];
    }
  zi[n_zip] = n_ax;
  for (size_t a = 0; a < n_ax; a++) {
    int rc = sw_intern(c, ax[a]);
    if (rc) return rc;
  }
  /* A key in both t and g would be given twice. */
  for (size_t a = 0; a < n_ax; a++)
    for (size_t b = a + 1; b < n_ax; b++)
      if (strcmp(ax[a]->key, ax[b]->key) == 0)
        return sim_err_set(c->err, SIM_EINVAL,
                           "%s:%d: %s: given twice for the same points (also "
                           "line %d)",
                           c->path, ax[b]->line, ax[b]->key, ax[a]->line);
  /* Digits: each free axis, then each zip entry (its length). */
  size_t radix[2 * SWEEP_MAX_AXES], digit[2 * SWEEP_MAX_AXES] = {0};
  size_t n_dig = 0, total = 1;
  for (size_t a = 0; a < n_free; a++) radix[n_dig++] = ax[a]->n;
  for (size_t z = 0; z < n_zip; z++) radix[n_dig++] = ax[zi[z]]->n;
  for (size_t d = 0; d < n_dig; d++) {
    if (total > SWEEP_MAX_POINTS / radix[d])
      return sim_err_set(c->err, SIM_EINVAL,
                         "%s:%d: more than %d points", c->path, g->line,
                         SWEEP_MAX_POINTS);
    total *= radix[d];
  }
  if (s->n + total > SWEEP_MAX_POINTS)
    return sim_err_set(c->err, SIM_EINVAL, "%s:%d: more than %d points",
                       c->path, g->line, SWEEP_MAX_POINTS);
  if (s->n + total > *cap) { /* the group's points at once: no regrowth */
    size_t nc = s->n + total;
    if (nc < 2 * *cap) nc = 2 * *cap;
    sweep_point *nv = realloc(s->pts, nc * sizeof *nv);
    if (!nv) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
    s->pts = nv;
    *cap = nc;
  }
  size_t idx[2 * SWEEP_MAX_AXES];
  for (size_t it = 0; it < total; it++) {
    for (size_t a = 0; a < n_free; a++) idx[a] = digit[a];
    for (size_t z = 0; z < n_zip; z++)
      for (size_t a = zi[z]; a < zi[z + 1]; a++) idx[a] = digit[n_free + z];
    int rc = sw_make_point(c, ax, idx, n_ax, g->line, &s->pts[s->n]);
    if (rc) return rc;
    s->n++;
    /* Next combination: the last digit fastest. */
    for (size_t d = n_dig; d-- > 0;) {
      if (++digit[d] < radix[d]) break;
      digit[d] = 0;
    }
  }
  return 0;
}

/* (hash, index) pairs sorted by hash, then index: the hash's 16 hex
 * digits as one 64-bit number, so the sort compares integers. */
typedef struct sw_hi {
  uint64_t h;
  size_t i;
} sw_hi;

static int cmp_hi(const void *a, const void *b) {
  const sw_hi *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static uint64_t sw_hash_u64(const char *h) {
  uint64_t v = 0;
  for (int k = 0; k < RES_HASH_LEN && h[k]; k++) {
    char ch = h[k];
    v = v << 4 | (uint64_t)(ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10);
  }
  return v;
}

/* Drops points whose hash was seen before (keeps the first).  O(n log n). */
static int sw_dedup(sweep_spec *s, sim_err *err) {
  if (s->n < 2) return 0;
  sw_hi *v = malloc(s->n * sizeof *v);
  char *drop = calloc(s->n, 1);
  if (!v || !drop) {
    free(v);
    free(drop);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < s->n; i++)
    v[i] = (sw_hi){sw_hash_u64(s->pts[i].hash), i};
  qsort(v, s->n, sizeof *v, cmp_hi);
  for (size_t i = 1; i < s->n; i++)
    if (v[i].h == v[i - 1].h &&
        strcmp(s->pts[v[i].i].hash, s->pts[v[i - 1].i].hash) == 0)
      drop[v[i].i] = 1;
  size_t w = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (drop[i]) {
      sw_point_fini(&s->pts[i]);
      s->n_dup++;
      continue;
    }
    s->pts[w++] = s->pts[i];
  }
  s->n = w;
  free(v);
  free(drop);
  return 0;
}

int sweep_load_text(const char *path, const char *text, size_t len,
                    sweep_spec *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser))
    return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    int rc = sim_err_set(err, SIM_EINVAL, "%s:%d: %s%s%s", path,
                         (int)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "bad YAML",
                         parser.context ? " " : "",
                         parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    return rc;
  }
  yaml_parser_delete(&parser);
  sw_ctx c = {path, &doc, err, out, NULL, 0};
  sw_group *top = calloc(1, sizeof *top), *g = calloc(1, sizeof *g);
  yaml_node_t *root = yaml_document_get_root_node(&doc), *groups = NULL;
  const char *name = NULL;
  size_t cap = 0;
  int rc = 0;
  if (!top || !g) {
    rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  if (!root) {
    rc = sim_err_set(err, SIM_EINVAL, "%s:1: empty sweep file", path);
    goto done;
  }
  if ((rc = sw_group_read(&c, top, root, 1, &groups, &name))) goto done;
  if (groups) {
    if (groups->type != YAML_SEQUENCE_NODE ||
        groups->data.sequence.items.top == groups->data.sequence.items.start) {
      rc = sw_fail(&c, groups, "groups: must be a non-empty list");
      goto done;
    }
    for (yaml_node_item_t *it = groups->data.sequence.items.start;
         it < groups->data.sequence.items.top; it++) {
      memset(g, 0, sizeof *g);
      rc = sw_group_read(&c, g, sw_node(&c, *it), 0, NULL, NULL);
      if (!rc) rc = sw_expand(&c, top, g, out, &cap);
      sw_group_fini(g);
      if (rc) goto done;
    }
  } else if ((rc = sw_expand(&c, top, top, out, &cap))) {
    goto done;
  }
  if ((rc = sw_dedup(out, err))) goto done;
  if (out->n == 0) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: the sweep has no points", path);
    goto done;
  }
  out->path = strdup(path);
  if (name) {
    out->name = strdup(name);
  } else {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    out->name = strndup(b, n ? n : strlen(b));
  }
  if (!out->path || !out->name)
    rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
done:
  free(c.buf);
  if (top) sw_group_fini(top);
  free(top);
  free(g);
  yaml_document_delete(&doc);
  if (rc) sweep_spec_fini(out);
  return rc;
}

int sweep_load(const char *path, sweep_spec *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_err_set(err, errno == ENOENT ? SIM_ENOENT : SIM_EIO,
                       "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[8192];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n > cap) {
      size_t nc = (len + n) * 2;
      char *nb = realloc(buf, nc);
      if (!nb) {
        free(buf);
        fclose(f);
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
      }
      buf = nb;
      cap = nc;
    }
    memcpy(buf + len, chunk, n);
    len += n;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return sim_err_set(err, SIM_EIO, "%s: cannot read", path);
  }
  int rc = sweep_load_text(path, buf ? buf : "", len, out, err);
  free(buf);
  return rc;
}

void sweep_spec_fini(sweep_spec *s) {
  if (!s) return;
  free(s->pts);
  for (sw_chunk *c = s->arena, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  free(s->path);
  free(s->name);
  memset(s, 0, sizeof *s);
}

int sweep_shard_parse(const char *s, unsigned *i, unsigned *n, sim_err *err) {
  char *end;
  errno = 0;
  unsigned long a = 0, b = 0;
  int ok = s && *s >= '0' && *s <= '9';
  if (ok) a = strtoul(s, &end, 10), ok = *end == '/' && errno == 0;
  if (ok) {
    const char *q = end + 1;
    ok = *q >= '0' && *q <= '9';
    if (ok) b = strtoul(q, &end, 10), ok = !*end && errno == 0;
  }
  if (!ok || b == 0 || b > 1000000)
    return sim_err_set(err, SIM_EINVAL,
                       "--shard: '%s' is not I/N (shard I of N, 1 <= I <= N)",
                       s ? s : "");
  if (a < 1 || a > b)
    return sim_err_set(err, SIM_EINVAL,
                       "--shard: '%s': I must be between 1 and N (%lu)", s,
                       b);
  *i = (unsigned)a;
  *n = (unsigned)b;
  return 0;
}

int sweep_in_shard(const sweep_point *p, unsigned i, unsigned n) {
  if (n <= 1) return 1;
  unsigned long long h = strtoull(p->hash, NULL, 16);
  return h % n == (unsigned long long)(i - 1);
}
