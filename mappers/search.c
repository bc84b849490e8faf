/*
 * search.c — the mapping-space search every model mapper shares
 * (DESIGN.md section 5: "a mapper states its legal mapping space and a
 * search over it (exhaustive, random, greedy with pruning); the cost of a
 * candidate comes from a fast estimate").
 *
 * A space is a product of discrete dimensions (map.h: map_dim); a point
 * is one candidate index per dimension, and points have a linear index,
 * an odometer with the last dimension fastest.  That linear order is the
 * order of exhaustive search and the tie-break of every strategy: a
 * point replaces the best only if its cost is lower, or equal with an
 * earlier linear index.  So the winner is a function of the space and the
 * costs alone, whatever order a strategy visits points in, and a search
 * is deterministic (random draws come from sim_rng_for(seed,
 * "map.search")).
 *
 * Visiting a point: valid() (the mapper's constraint, cheap) may reject
 * it; then, if a bound hook is given and a best exists, a point whose
 * lower bound is above the best cost (or equal, with a later linear
 * index) is pruned: it can never win, so it is not estimated; otherwise
 * it is estimated.  Every strategy prunes this way, so pruning never
 * changes a result, only the number of estimates.
 *
 *   exhaustive  every point in linear order.  Refuses (SIM_EINVAL, naming
 *               the space's size) a space larger than `budget`: a mapper
 *               whose space grows with the workload must not stall a run
 *               silently; the user raises the budget or samples.
 *   random      `budget` distinct points drawn uniformly (rejection of
 *               repeats through a visited set); with budget >= the space
 *               it visits every point, in linear order.
 *   greedy      coordinate descent: from the start point (cfg->start, or
 *               index 0 everywhere; if that is invalid, the first valid
 *               point in linear order), try every candidate of dimension
 *               0 with the others fixed, move to the best, then dimension
 *               1, ...; repeat passes until one improves nothing or the
 *               budget is spent.  The best only moves to a strictly better
 *               (cost, linear index) pair, so it terminates.  It finds the
 *               optimum of a cost that is separable or convex along each
 *               dimension over a box-shaped valid region, and a local
 *               optimum otherwise; it visits at most passes * sum(n_d)
 *               points instead of prod(n_d).
 *
 * Random and greedy remember visited points in an open-addressing set of
 * linear indices (8 bytes a slot, at most half full): a point is visited
 * once, and the budget counts distinct points.  The set only answers
 * membership; nothing iterates it, so its layout cannot leak into results.
 */
#include "map.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const map_search_names[] = {"exhaustive", "random", "greedy",
                                        NULL};

/* ---------------------------------------------------------------------- */
/* Space                                                                  */
/* ---------------------------------------------------------------------- */

static int space_check(const map_space *s, sim_err *err) {
  if (!s || !s->dims || s->n_dims < 1 || s->n_dims > MAP_DIM_MAX)
    return sim_err_set(err, SIM_EINTERNAL, "map search: a space needs 1..%d "
                       "dimensions, this one has %zu", MAP_DIM_MAX,
                       s && s->dims ? s->n_dims : 0);
  for (size_t d = 0; d < s->n_dims; d++) {
    const map_dim *m = &s->dims[d];
    if (!m->name || !m->name[0])
      return sim_err_set(err, SIM_EINTERNAL, "map search: dimension %zu has "
                         "no name", d);
    if (m->n < 1)
      return sim_err_set(err, SIM_EINTERNAL, "map search: dimension '%s' has "
                         "no candidates", m->name);
    if (!m->ivals == !m->svals)
      return sim_err_set(err, SIM_EINTERNAL, "map search: dimension '%s' "
                         "needs numeric or named candidates (exactly one)",
                         m->name);
    for (uint32_t i = 0; m->svals && i < m->n; i++)
      if (!m->svals[i])
        return sim_err_set(err, SIM_EINTERNAL, "map search: dimension '%s' "
                           "candidate %u is NULL", m->name, i);
  }
  return 0;
}

static void space_shape(const map_space *s, char *buf, size_t n) {
  size_t l = 0;
  buf[0] = '\0';
  for (size_t d = 0; d < s->n_dims; d++) {
    int k = snprintf(buf + l, n - l, "%s%s %u", d ? " x " : "",
                     s->dims[d].name, s->dims[d].n);
    if (k < 0 || (size_t)k >= n - l) break;
    l += (size_t)k;
  }
}

int map_space_size(const map_space *s, uint64_t *n, sim_err *err) {
  int rc = space_check(s, err);
  if (rc) return rc;
  uint64_t p = 1;
  for (size_t d = 0; d < s->n_dims; d++)
    if (sim_mul_u64(p, s->dims[d].n, &p) || p == UINT64_MAX) {
      char shape[256];
      space_shape(s, shape, sizeof shape);
      return sim_err_set(err, SIM_ERANGE, "map search: the space (%s) has "
                         "2^64 points or more", shape);
    }
  *n = p;
  return 0;
}

int map_space_dim(const map_space *s, const char *name) {
  for (size_t d = 0; d < s->n_dims; d++)
    if (!strcmp(s->dims[d].name, name)) return (int)d;
  return -1;
}

int64_t map_point_int(const map_space *s, const map_point *p, size_t d) {
  if (d >= s->n_dims || !s->dims[d].ivals)
    sim_panic("mappers", 0, "map_point_int: dimension %zu is not numeric", d);
  return s->dims[d].ivals[p->idx[d]];
}

const char *map_point_str(const map_space *s, const map_point *p, size_t d) {
  if (d >= s->n_dims || !s->dims[d].svals)
    sim_panic("mappers", 0, "map_point_str: dimension %zu is not named", d);
  return s->dims[d].svals[p->idx[d]];
}

void map_point_format(const map_space *s, const map_point *p, char *buf,
                      size_t n) {
  size_t l = 0;
  if (!n) return;
  buf[0] = '\0';
  for (size_t d = 0; d < s->n_dims; d++) {
    const map_dim *m = &s->dims[d];
    int k = m->ivals ? snprintf(buf + l, n - l, "%s%s=%lld", d ? " " : "",
                                m->name, (long long)m->ivals[p->idx[d]])
                     : snprintf(buf + l, n - l, "%s%s=%s", d ? " " : "",
                                m->name, m->svals[p->idx[d]]);
    if (k < 0 || (size_t)k >= n - l) break;
    l += (size_t)k;
  }
}

static uint64_t point_lin(const map_space *s, const map_point *p) {
  uint64_t lin = 0;
  for (size_t d = 0; d < s->n_dims; d++) lin = lin * s->dims[d].n + p->idx[d];
  return lin;
}

static void point_of(const map_space *s, uint64_t lin, map_point *p) {
  memset(p, 0, sizeof *p);
  for (size_t d = s->n_dims; d-- > 0;) {
    p->idx[d] = (uint32_t)(lin % s->dims[d].n);
    lin /= s->dims[d].n;
  }
}

/* ---------------------------------------------------------------------- */
/* Visited set: linear index + 1 (0 = empty), linear probing.              */
/* ---------------------------------------------------------------------- */

typedef struct vset {
  uint64_t *slot;
  size_t cap, n; /* cap a power of two, n <= cap / 2 */
} vset;

static size_t vset_home(const vset *v, uint64_t key) {
  uint64_t t = key;
  return (size_t)(sim_splitmix64(&t) & (v->cap - 1));
}

/* 1 if key was added, 0 if it was there, SIM_ENOMEM. */
static int vset_add(vset *v, uint64_t lin) {
  uint64_t key = lin + 1; /* lin < n_space <= UINT64_MAX - 1 */
  if (2 * (v->n + 1) > v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 64;
    uint64_t *slot = sim_calloc(cap, sizeof *slot);
    if (!slot) return SIM_ENOMEM;
    vset nv = {slot, cap, 0};
    for (size_t i = 0; i < v->cap; i++)
      if (v->slot[i]) {
        size_t h = vset_home(&nv, v->slot[i]);
        while (nv.slot[h]) h = (h + 1) & (cap - 1);
        nv.slot[h] = v->slot[i];
        nv.n++;
      }
    sim_free(v->slot);
    *v = nv;
  }
  size_t h = vset_home(v, key);
  while (v->slot[h]) {
    if (v->slot[h] == key) return 0;
    h = (h + 1) & (v->cap - 1);
  }
  v->slot[h] = key;
  v->n++;
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Search                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct search {
  const map_space *s;
  map_estimate_fn estimate;
  map_bound_fn bound;
  void *ctx;
  sim_err *err;
  map_search_result *r;
  uint64_t n_con, n_est_invalid; /* rejected by valid(); by the hooks */
  uint64_t best_lin;
  int have_best;
} search;

static int hook_failed(search *S, const map_point *p, const char *hook,
                       int rc) {
  char pt[256];
  map_point_format(S->s, p, pt, sizeof pt);
  if (S->err && S->err->code == rc && S->err->msg[0]) return rc;
  return sim_err_set(S->err, rc, "map search: the %s failed at %s: %s", hook,
                     pt, sim_strerror(rc));
}

static int beats(const search *S, double c, uint64_t lin) {
  return !S->have_best || c < S->r->cost ||
         (c == S->r->cost && lin < S->best_lin);
}

/* Looks at one point (not yet visited): constraint, bound, estimate. */
static int visit(search *S, const map_point *p, uint64_t lin) {
  map_search_result *r = S->r;
  r->n_visited++;
  if (S->s->valid && !S->s->valid(S->ctx, p)) {
    S->n_con++;
    return 0;
  }
  int rc;
  if (S->bound && S->have_best) {
    double lb;
    if ((rc = S->bound(S->ctx, p, &lb)) < 0)
      return hook_failed(S, p, "bound", rc);
    if (rc == MAP_INVALID) {
      S->n_est_invalid++;
      return 0;
    }
    if (isnan(lb)) return hook_failed(S, p, "bound (NaN)", SIM_EINTERNAL);
    if (!beats(S, lb, lin)) {
      r->n_pruned++;
      return 0;
    }
  }
  double c;
  if ((rc = S->estimate(S->ctx, p, &c)) < 0)
    return hook_failed(S, p, "estimate", rc);
  r->n_estimated++;
  if (rc == MAP_INVALID) {
    S->n_est_invalid++;
    return 0;
  }
  if (isnan(c)) return hook_failed(S, p, "estimate (NaN)", SIM_EINTERNAL);
  if (beats(S, c, lin)) {
    r->best = *p;
    r->cost = c;
    S->best_lin = lin;
    S->have_best = 1;
  }
  return 0;
}

static int run_exhaustive(search *S) {
  map_point p;
  memset(&p, 0, sizeof p);
  for (uint64_t lin = 0; lin < S->r->n_space; lin++) {
    int rc = visit(S, &p, lin);
    if (rc) return rc;
    for (size_t d = S->s->n_dims; d-- > 0;) { /* odometer step */
      if (++p.idx[d] < S->s->dims[d].n) break;
      p.idx[d] = 0;
    }
  }
  return 0;
}

/* Visits lin unless already visited or the budget is spent (*stop). */
static int visit_once(search *S, vset *v, uint64_t budget, uint64_t lin,
                      const map_point *p, int *stop) {
  if (S->r->n_visited >= budget) {
    *stop = S->r->budget_hit = 1;
    return 0;
  }
  int rc = vset_add(v, lin);
  if (rc < 0) return sim_err_set(S->err, rc, "out of memory");
  return rc ? visit(S, p, lin) : 0;
}

static int run_random(search *S, const map_search_cfg *cfg, vset *v) {
  sim_rng g;
  sim_rng_for(&g, cfg->seed, "map.search");
  int stop = 0;
  while (!stop) {
    uint64_t lin = sim_rng_below(&g, S->r->n_space);
    map_point p;
    point_of(S->s, lin, &p);
    int rc = visit_once(S, v, cfg->budget, lin, &p, &stop);
    if (rc) return rc;
  }
  return 0;
}

static int run_greedy(search *S, const map_search_cfg *cfg, vset *v) {
  const map_space *s = S->s;
  map_point cur;
  int stop = 0, rc;
  if (cfg->start) {
    for (size_t d = 0; d < s->n_dims; d++)
      if (cfg->start->idx[d] >= s->dims[d].n)
        return sim_err_set(S->err, SIM_EINTERNAL, "map search: greedy start "
                           "index %u is out of dimension '%s' (%u "
                           "candidates)", cfg->start->idx[d], s->dims[d].name,
                           s->dims[d].n);
    cur = *cfg->start;
  } else {
    memset(&cur, 0, sizeof cur);
  }
  if ((rc = visit_once(S, v, cfg->budget, point_lin(s, &cur), &cur, &stop)))
    return rc;
  /* An invalid start: the first valid point in linear order. */
  for (uint64_t lin = 0; !S->have_best && !stop && lin < S->r->n_space;
       lin++) {
    point_of(s, lin, &cur);
    if ((rc = visit_once(S, v, cfg->budget, lin, &cur, &stop))) return rc;
  }
  if (!S->have_best) return 0;
  cur = S->r->best;
  for (int improved = 1; improved && !stop;) {
    improved = 0;
    for (size_t d = 0; d < s->n_dims && !stop; d++) {
      for (uint32_t c = 0; c < s->dims[d].n && !stop; c++) {
        map_point p = cur;
        p.idx[d] = c;
        if ((rc = visit_once(S, v, cfg->budget, point_lin(s, &p), &p, &stop)))
          return rc;
      }
      if (memcmp(&cur, &S->r->best, sizeof cur) != 0) {
        cur = S->r->best;
        improved = 1;
      }
    }
  }
  return 0;
}

void map_search_cfg_from(const map_opts *o, map_search_cfg *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->strategy = (map_strategy)map_opt_enum_index(o, "search");
  cfg->seed = (uint64_t)map_opt_int(o, "seed");
  cfg->budget = (uint64_t)map_opt_int(o, "budget");
}

int map_search(const map_space *s, map_estimate_fn estimate,
               map_bound_fn bound, void *ctx, const map_search_cfg *cfg,
               map_search_result *best, sim_err *err) {
  memset(best, 0, sizeof *best);
  best->cost = INFINITY;
  if (err) sim_err_clear(err); /* a hook may fill it (through its ctx) */
  int rc = map_space_size(s, &best->n_space, err);
  if (rc) return rc;
  if (!estimate)
    return sim_err_set(err, SIM_EINTERNAL, "map search: no estimate hook");
  if (cfg->budget < 1)
    return sim_err_set(err, SIM_EINVAL, "map search: budget must be >= 1");
  search S = {.s = s, .estimate = estimate, .bound = bound, .ctx = ctx,
              .err = err, .r = best};
  vset v = {0};
  char shape[256];
  space_shape(s, shape, sizeof shape);
  switch (cfg->strategy) {
  case MAP_SEARCH_EXHAUSTIVE:
    if (best->n_space > cfg->budget)
      return sim_err_set(err, SIM_EINVAL, "map search: exhaustive search "
                         "over %llu points (%s) exceeds budget=%llu; raise "
                         "--map-opt budget or sample with --map-opt "
                         "search=random", (unsigned long long)best->n_space,
                         shape, (unsigned long long)cfg->budget);
    rc = run_exhaustive(&S);
    break;
  case MAP_SEARCH_RANDOM:
    rc = cfg->budget >= best->n_space ? run_exhaustive(&S)
                                      : run_random(&S, cfg, &v);
    break;
  case MAP_SEARCH_GREEDY: rc = run_greedy(&S, cfg, &v); break;
  default:
    rc = sim_err_set(err, SIM_EINTERNAL, "map search: unknown strategy %d",
                     (int)cfg->strategy);
  }
  sim_free(v.slot);
  best->n_invalid = S.n_con + S.n_est_invalid;
  if (rc) return rc;
  if (!S.have_best) {
    if (best->n_visited == best->n_space)
      return sim_err_set(err, SIM_EINVAL, "map search: no valid mapping: all "
                         "%llu points of the space (%s) are invalid (%llu by "
                         "the mapper's constraint, %llu by its estimate)",
                         (unsigned long long)best->n_space, shape,
                         (unsigned long long)S.n_con,
                         (unsigned long long)S.n_est_invalid);
    return sim_err_set(err, SIM_EINVAL, "map search: no valid mapping among "
                       "the %llu points visited (budget=%llu) of the %llu in "
                       "the space (%s): %llu invalid by the mapper's "
                       "constraint, %llu by its estimate; raise --map-opt "
                       "budget", (unsigned long long)best->n_visited,
                       (unsigned long long)cfg->budget,
                       (unsigned long long)best->n_space, shape,
                       (unsigned long long)S.n_con,
                       (unsigned long long)S.n_est_invalid);
  }
  return 0;
}
