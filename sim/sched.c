/*
 * sched.c — schedule v2 (sim_sched, DESIGN.md section 1): the container,
 * its name tables and the check that every reference and count is sound.
 *
 * Plain data.  The arrays and the payload strings are owned by the
 * sim_sched; sim_sched_fini frees them.  docs/schedule.md describes the
 * format and its JSON form (results/json.c reads and writes it).
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Enumerations                                                           */
/* ---------------------------------------------------------------------- */

static const char *const g_prec[SIM_PREC_COUNT] = {
    "fp32", "fp16", "bf16", "int8", "int4", "int32", "fp8", "tf32"};
static const unsigned g_prec_bits[SIM_PREC_COUNT] = {32, 16, 16, 8, 4, 32, 8,
                                                     32};
static const char *const g_fn[SIM_FN_COUNT] = {
    "mac",  "max",  "sum",  "exp",  "sub_exp", "sub",  "add",
    "mul",  "div",  "scale", "gelu", "silu",   "relu", "rsqrt",
    "tanh", "copy", "fill", "gather", "move"};
static const char *const g_tkind[SIM_TKIND_COUNT] = {"weight", "act", "kv",
                                                     "scratch"};

const char *sim_prec_name(sim_prec p) {
  return (unsigned)p < SIM_PREC_COUNT ? g_prec[p] : "?";
}
unsigned sim_prec_bits(sim_prec p) {
  return (unsigned)p < SIM_PREC_COUNT ? g_prec_bits[p] : 0;
}
const char *sim_fn_name(sim_fn f) {
  return (unsigned)f < SIM_FN_COUNT ? g_fn[f] : "?";
}
const char *sim_tensor_kind_name(sim_tensor_kind k) {
  return (unsigned)k < SIM_TKIND_COUNT ? g_tkind[k] : "?";
}

static int parse_name(const char *const *tab, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (strcmp(tab[i], s) == 0) return i;
  return SIM_ENOENT;
}
int sim_prec_parse(const char *s, sim_prec *out) {
  int i = parse_name(g_prec, SIM_PREC_COUNT, s);
  if (i >= 0) *out = (sim_prec)i;
  return i < 0 ? i : 0;
}
int sim_fn_parse(const char *s, sim_fn *out) {
  int i = parse_name(g_fn, SIM_FN_COUNT, s);
  if (i >= 0) *out = (sim_fn)i;
  return i < 0 ? i : 0;
}
int sim_tensor_kind_parse(const char *s, sim_tensor_kind *out) {
  int i = parse_name(g_tkind, SIM_TKIND_COUNT, s);
  if (i >= 0) *out = (sim_tensor_kind)i;
  return i < 0 ? i : 0;
}

/* ---------------------------------------------------------------------- */
/* Container                                                              */
/* ---------------------------------------------------------------------- */

void sim_sched_init(sim_sched *s, const char *mapper) {
  memset(s, 0, sizeof *s);
  s->version = SIM_SCHED_VERSION;
  if (mapper) snprintf(s->mapper, sizeof s->mapper, "%s", mapper);
}

void sim_sched_fini(sim_sched *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_ops; i++) sim_free(s->ops[i].payload);
  sim_free(s->ops);
  sim_free(s->tensors);
  sim_free(s->groups);
  sim_free(s->payload);
  memset(s, 0, sizeof *s);
}

static int name_index(char (*tab)[SIM_KIND_MAX], int *n, int max,
                      const char *name, int add) {
  for (int i = 0; i < *n; i++)
    if (strcmp(tab[i], name) == 0) return i;
  if (!add) return -1;
  if (*n >= max || strlen(name) >= SIM_KIND_MAX || !*name) return SIM_ERANGE;
  snprintf(tab[*n], SIM_KIND_MAX, "%s", name);
  return (*n)++;
}

int sim_sched_level(sim_sched *s, const char *name) {
  return name_index(s->levels, &s->n_levels, SIM_LEVEL_MAX, name, 1);
}
int sim_sched_unit(sim_sched *s, const char *name) {
  return name_index(s->units, &s->n_units, SIM_UNIT_MAX, name, 1);
}
int sim_sched_find_level(const sim_sched *s, const char *name) {
  int n = s->n_levels;
  return name_index((char (*)[SIM_KIND_MAX])s->levels, &n, SIM_LEVEL_MAX,
                    name, 0);
}
int sim_sched_find_unit(const sim_sched *s, const char *name) {
  int n = s->n_units;
  return name_index((char (*)[SIM_KIND_MAX])s->units, &n, SIM_UNIT_MAX, name,
                    0);
}

/* Grows *arr (of *cap elements of size sz) to hold n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz) {
  if (n < *cap) return 0;
  size_t c = *cap ? *cap * 2 : 16;
  void *p = sim_realloc(*arr, c * sz);
  if (!p) return SIM_ENOMEM;
  *arr = p;
  *cap = c;
  return 0;
}

void sim_tensor_init(sim_tensor *t, const char *name, uint64_t bytes,
                     sim_prec prec, sim_tensor_kind kind) {
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  t->bytes = bytes;
  t->prec = (uint8_t)prec;
  t->kind = (uint8_t)kind;
  t->level = -1;
  t->addr = -1;
  t->channel = -1;
  t->bank = -1;
}

void sim_sched_op_init(sim_sched_op *op, const char *name, sim_fn fn,
                       sim_prec prec, int unit) {
  memset(op, 0, sizeof *op);
  snprintf(op->name, sizeof op->name, "%s", name);
  op->fn = (uint8_t)fn;
  op->prec = (uint8_t)prec;
  op->unit = (uint8_t)(unit < 0 ? 0 : unit);
  op->layer = -1;
  op->group = -1;
  op->count = 1;
}

int sim_sched_push_tensor(sim_sched *s, const sim_tensor *t) {
  if (grow((void **)&s->tensors, &s->cap_tensors, s->n_tensors,
           sizeof *t))
    return SIM_ENOMEM;
  s->tensors[s->n_tensors] = *t;
  return (int)s->n_tensors++;
}

int sim_sched_push(sim_sched *s, const sim_sched_op *op) {
  if (grow((void **)&s->ops, &s->cap_ops, s->n_ops, sizeof *op))
    return SIM_ENOMEM;
  char *pl = NULL;
  if (op->payload && !(pl = sim_strdup(op->payload))) return SIM_ENOMEM;
  sim_sched_op *d = &s->ops[s->n_ops];
  *d = *op;
  d->payload = pl;
  if (d->count == 0) d->count = 1;
  return (int)s->n_ops++;
}

int sim_sched_push_group(sim_sched *s, const sim_sched_group *g) {
  if (g->n == 0 || g->first >= s->n_ops || g->n > s->n_ops - g->first)
    return SIM_EINVAL;
  for (uint32_t i = g->first; i < g->first + g->n; i++)
    if (s->ops[i].group >= 0) return SIM_EINVAL;
  if (grow((void **)&s->groups, &s->cap_groups, s->n_groups, sizeof *g))
    return SIM_ENOMEM;
  s->groups[s->n_groups] = *g;
  if (s->groups[s->n_groups].iters == 0) s->groups[s->n_groups].iters = 1;
  for (uint32_t i = g->first; i < g->first + g->n; i++)
    s->ops[i].group = (int32_t)s->n_groups;
  return (int)s->n_groups++;
}

static int set_str(char **dst, const char *json) {
  char *p = NULL;
  if (json && !(p = sim_strdup(json))) return SIM_ENOMEM;
  sim_free(*dst);
  *dst = p;
  return 0;
}
int sim_sched_set_payload(sim_sched *s, const char *json) {
  return set_str(&s->payload, json);
}
int sim_sched_set_op_payload(sim_sched *s, size_t op, const char *json) {
  if (op >= s->n_ops) return SIM_EINVAL;
  return set_str(&s->ops[op].payload, json);
}

int sim_sched_copy(sim_sched *dst, const sim_sched *src) {
  sim_sched_init(dst, src->mapper);
  *dst = *src;
  dst->tensors = NULL;
  dst->ops = NULL;
  dst->groups = NULL;
  dst->payload = NULL;
  dst->n_tensors = dst->n_ops = dst->n_groups = 0;
  dst->cap_tensors = dst->cap_ops = dst->cap_groups = 0;
  int rc = sim_sched_set_payload(dst, src->payload);
  for (size_t i = 0; !rc && i < src->n_tensors; i++)
    rc = sim_sched_push_tensor(dst, &src->tensors[i]) < 0 ? SIM_ENOMEM : 0;
  for (size_t i = 0; !rc && i < src->n_ops; i++)
    rc = sim_sched_push(dst, &src->ops[i]) < 0 ? SIM_ENOMEM : 0;
  if (!rc && src->n_groups) {
    dst->groups = sim_calloc(src->n_groups, sizeof *dst->groups);
    if (!dst->groups) rc = SIM_ENOMEM;
    else {
      memcpy(dst->groups, src->groups, src->n_groups * sizeof *dst->groups);
      dst->n_groups = dst->cap_groups = src->n_groups;
    }
  }
  if (rc) sim_sched_fini(dst);
  return rc;
}

uint64_t sim_sched_op_iters(const sim_sched *s, const sim_sched_op *op) {
  if (op->group < 0 || (size_t)op->group >= s->n_groups) return 1;
  return s->groups[op->group].iters;
}
uint64_t sim_sched_op_rd(const sim_sched_op *op, int level) {
  return level >= 0 && level < SIM_LEVEL_MAX ? op->rd_bytes[level] : 0;
}
uint64_t sim_sched_op_wr(const sim_sched_op *op, int level) {
  return level >= 0 && level < SIM_LEVEL_MAX ? op->wr_bytes[level] : 0;
}

/* ---------------------------------------------------------------------- */
/* Check                                                                  */
/* ---------------------------------------------------------------------- */

#define OPFAIL(fmt, ...)                                                   \
  sim_err_set(err, SIM_EINVAL, "op '%s' (#%zu): " fmt, op->name, i,      \
              __VA_ARGS__)

int sim_sched_check(const sim_sched *s, sim_err *err) {
  if (s->version != SIM_SCHED_VERSION)
    return sim_err_set(err, SIM_EINVAL, "version: %d is not supported "
                       "(this tfsim reads schedule version %d)", s->version,
                       SIM_SCHED_VERSION);
  for (size_t i = 0; i < s->n_tensors; i++) {
    const sim_tensor *t = &s->tensors[i];
    if (t->prec >= SIM_PREC_COUNT || t->kind >= SIM_TKIND_COUNT)
      return sim_err_set(err, SIM_EINVAL, "tensor '%s' (#%zu): bad "
                         "precision or kind", t->name, i);
    if (t->level < -1 || t->level >= s->n_levels)
      return sim_err_set(err, SIM_EINVAL, "tensor '%s' (#%zu): level %d "
                         "is not a declared level", t->name, i, t->level);
  }
  for (size_t g = 0; g < s->n_groups; g++) {
    const sim_sched_group *gr = &s->groups[g];
    if (gr->n == 0 || gr->first >= s->n_ops ||
        gr->n > s->n_ops - gr->first)
      return sim_err_set(err, SIM_EINVAL, "group '%s' (#%zu): ops [%u, "
                         "%u) out of range", gr->name, g, gr->first,
                         gr->first + gr->n);
    if (gr->iters < 1)
      return sim_err_set(err, SIM_EINVAL, "group '%s' (#%zu): iters must "
                         "be >= 1", gr->name, g);
    if (gr->n_carry > SIM_GROUP_MAX_CARRY)
      return sim_err_set(err, SIM_EINVAL, "group '%s': too many carries",
                         gr->name);
    for (uint32_t c = 0; c < gr->n_carry; c++) {
      const sim_carry *k = &gr->carry[c];
      if (k->from < gr->first || k->from >= gr->first + gr->n ||
          k->to < gr->first || k->to >= gr->first + gr->n)
        return sim_err_set(err, SIM_EINVAL, "group '%s': carry[%u] (%u -> "
                           "%u) leaves the group's ops [%u, %u)", gr->name,
                           c, k->from, k->to, gr->first, gr->first + gr->n);
    }
    for (uint32_t i = gr->first; i < gr->first + gr->n; i++)
      if (s->ops[i].group != (int32_t)g)
        return sim_err_set(err, SIM_EINVAL, "group '%s': op #%u is in its "
                           "range but says group %d", gr->name, i,
                           s->ops[i].group);
  }
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    if (op->fn >= SIM_FN_COUNT) return OPFAIL("fn: %u unknown", op->fn);
    if (op->prec >= SIM_PREC_COUNT)
      return OPFAIL("prec: %u unknown", op->prec);
    if (op->unit >= s->n_units)
      return OPFAIL("unit: %u is not a declared unit kind (%d declared)",
                    op->unit, s->n_units);
    if (op->count < 1) return OPFAIL("count: %s", "must be >= 1");
    if (op->n_ranks > SIM_OP_MAX_RANKS)
      return OPFAIL("ranks: more than %d", SIM_OP_MAX_RANKS);
    if (op->n_in > SIM_OP_MAX_IN || op->n_out > SIM_OP_MAX_OUT)
      return OPFAIL("in/out: more than %d/%d tensors", SIM_OP_MAX_IN,
                    SIM_OP_MAX_OUT);
    for (unsigned k = 0; k < op->n_in; k++)
      if (op->in[k] < 0 || (size_t)op->in[k] >= s->n_tensors)
        return OPFAIL("in[%u] = %d is not a tensor", k, op->in[k]);
    for (unsigned k = 0; k < op->n_out; k++)
      if (op->out[k] < 0 || (size_t)op->out[k] >= s->n_tensors)
        return OPFAIL("out[%u] = %d is not a tensor", k, op->out[k]);
    for (int l = s->n_levels; l < SIM_LEVEL_MAX; l++)
      if (op->rd_bytes[l] || op->wr_bytes[l])
        return OPFAIL("traffic on level %d, which is not declared", l);
    if (op->n_deps > SIM_OP_MAX_DEPS)
      return OPFAIL("deps: more than %d", SIM_OP_MAX_DEPS);
    for (unsigned d = 0; d < op->n_deps; d++)
      if (op->deps[d] >= i)
        return OPFAIL("deps[%u] = %u is not an earlier op (a schedule "
                      "lists ops in dependency order, so no cycle)", d,
                      op->deps[d]);
    if (op->group >= 0 && (size_t)op->group >= s->n_groups)
      return OPFAIL("group: %d does not exist", op->group);
    if (op->group >= 0) {
      const sim_sched_group *gr = &s->groups[op->group];
      if (i < gr->first || i >= gr->first + gr->n)
        return OPFAIL("group: %d does not hold this op", op->group);
    }
    /* Totals must fit 64 bits: per instance x count x iterations. */
    uint64_t mult, x;
    if (sim_mul_u64(op->count, sim_sched_op_iters(s, op), &mult))
      return OPFAIL("count x iterations overflow %s", "64 bits");
    if (sim_mul_u64(op->macs, mult, &x) || sim_mul_u64(op->elem_ops, mult, &x))
      return OPFAIL("macs/elem_ops x count x iterations overflow %s",
                    "64 bits");
    for (int l = 0; l < s->n_levels; l++)
      if (sim_add_u64(op->rd_bytes[l], op->wr_bytes[l], &x) ||
          sim_mul_u64(x, mult, &x))
        return OPFAIL("bytes on level '%s' x count x iterations overflow "
                      "64 bits", s->levels[l]);
  }
  return 0;
}
