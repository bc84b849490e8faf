/*
 * stats.c — the statistics registry (after SST's statistics): a model
 * registers each statistic once, by (component, name) with a unit and a
 * kind, and then updates it through the integer handle it got back.
 *
 * Design:
 *  - Handles are dense indices 0..n-1 in registration order, so updates
 *    are one array access (O(1), no lookup) and iteration order is the
 *    registration order: deterministic, never hash order.
 *  - Values live in their own dense array (8 bytes each), apart from the
 *    names, so a model's hot counters share cache lines.
 *  - Lookup by (component, name) goes through an open-addressing hash
 *    table of handles (FNV-1a, linear probing, load <= 1/2), so
 *    registering n statistics is O(n), not O(n^2).  The hash only finds a
 *    handle; it never orders anything.
 *  - Registering the same (component, name) again returns the same handle
 *    when kind and unit match, SIM_EINVAL otherwise (a unit mismatch would
 *    silently corrupt the energy sum of sim_report_energy_pj).
 *  - sim_stats_reset zeroes the values and keeps every registration, so
 *    handles held by models stay valid.
 *
 * Update functions take a handle the caller got from sim_stat_register;
 * a wrong handle or kind is a bug (assert), and in release builds an
 * out-of-range handle is ignored rather than written out of bounds.
 *
 * Ownership: sim_stats_new/sim_stats_free; the registry owns copies of
 * the strings.  The engine owns one (sim_engine_stats), a sim_report owns
 * one.
 */
#include "sim.h"

#include <assert.h>
#include <string.h>

typedef union stat_val {
  uint64_t u; /* COUNT */
  double f;   /* SUM, MAX, VALUE */
} stat_val;

typedef struct stat_def {
  char *component, *name, *unit;
  sim_stat_kind kind;
  uint32_t hash;
} stat_def;

struct sim_stats {
  stat_val *val; /* hot: indexed by handle */
  stat_def *def;
  int n, cap;
  int *tab; /* hash table of handle + 1; 0 = empty */
  size_t tab_cap; /* power of two */
};

static uint32_t stat_hash(const char *component, const char *name) {
  uint32_t h = 2166136261u;
  for (const char *p = component; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  h = (h ^ 0xffu) * 16777619u; /* separator: ("ab","c") != ("a","bc") */
  for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
  return h;
}

sim_stats *sim_stats_new(void) { return sim_calloc(1, sizeof(sim_stats)); }

void sim_stats_free(sim_stats *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) {
    sim_free(s->def[i].component);
    sim_free(s->def[i].name);
    sim_free(s->def[i].unit);
  }
  sim_free(s->def);
  sim_free(s->val);
  sim_free(s->tab);
  sim_free(s);
}

void sim_stats_reset(sim_stats *s) {
  if (s && s->n) memset(s->val, 0, (size_t)s->n * sizeof *s->val);
}

/* Slot in tab holding (component, name), or the empty slot to use. */
static size_t tab_slot(const sim_stats *s, uint32_t h, const char *component,
                       const char *name) {
  size_t m = s->tab_cap - 1;
  for (size_t i = h & m;; i = (i + 1) & m) {
    int v = s->tab[i];
    if (!v) return i;
    const stat_def *d = &s->def[v - 1];
    if (d->hash == h && strcmp(d->component, component) == 0 &&
        strcmp(d->name, name) == 0)
      return i;
  }
}

static int tab_grow(sim_stats *s) {
  size_t cap = s->tab_cap ? 2 * s->tab_cap : 64;
  int *t = sim_calloc(cap, sizeof *t);
  if (!t) return SIM_ENOMEM;
  sim_free(s->tab);
  s->tab = t;
  s->tab_cap = cap;
  for (int i = 0; i < s->n; i++) {
    size_t m = cap - 1, j = s->def[i].hash & m;
    while (t[j]) j = (j + 1) & m;
    t[j] = i + 1;
  }
  return 0;
}

int sim_stat_find(const sim_stats *s, const char *component,
                  const char *name) {
  if (!s || !component || !name || !s->tab_cap) return SIM_ENOENT;
  int v = s->tab[tab_slot(s, stat_hash(component, name), component, name)];
  return v ? v - 1 : SIM_ENOENT;
}

int sim_stat_register(sim_stats *s, const char *component, const char *name,
                      const char *unit, sim_stat_kind kind) {
  if (!s || !component || !*component || !name || !*name) return SIM_EINVAL;
  if (kind < SIM_STAT_COUNT || kind > SIM_STAT_VALUE) return SIM_EINVAL;
  if (!unit) unit = "";
  int h = sim_stat_find(s, component, name);
  if (h >= 0)
    return s->def[h].kind == kind && strcmp(s->def[h].unit, unit) == 0
               ? h
               : SIM_EINVAL;
  if (s->n == INT32_MAX - 1) return SIM_ENOMEM;
  /* Grow everything first, so a failure leaves the registry unchanged. */
  if ((size_t)(s->n + 1) * 2 > s->tab_cap && tab_grow(s)) return SIM_ENOMEM;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * (size_t)s->cap : 32;
    if (cap > INT32_MAX - 1) cap = INT32_MAX - 1;
    stat_val *v = sim_realloc(s->val, cap * sizeof *v);
    if (!v) return SIM_ENOMEM;
    s->val = v;
    stat_def *d = sim_realloc(s->def, cap * sizeof *d);
    if (!d) return SIM_ENOMEM; /* val grew, cap unchanged: consistent */
    s->def = d;
    s->cap = (int)cap;
  }
  stat_def d = {sim_strdup(component), sim_strdup(name), sim_strdup(unit),
                kind, stat_hash(component, name)};
  if (!d.component || !d.name || !d.unit) {
    sim_free(d.component);
    sim_free(d.name);
    sim_free(d.unit);
    return SIM_ENOMEM;
  }
  h = s->n++;
  s->def[h] = d;
  s->val[h].u = 0;
  s->tab[tab_slot(s, d.hash, component, name)] = h + 1;
  return h;
}

static inline int valid(const sim_stats *s, int h) {
  return s && (unsigned)h < (unsigned)s->n;
}

void sim_stat_add(sim_stats *s, int h, uint64_t v) {
  assert(valid(s, h) && s->def[h].kind == SIM_STAT_COUNT);
  if (valid(s, h)) s->val[h].u += v;
}

void sim_stat_addf(sim_stats *s, int h, double v) {
  assert(valid(s, h) && s->def[h].kind == SIM_STAT_SUM);
  if (valid(s, h)) s->val[h].f += v;
}

void sim_stat_setf(sim_stats *s, int h, double v) {
  assert(valid(s, h) && (s->def[h].kind == SIM_STAT_VALUE ||
                         s->def[h].kind == SIM_STAT_MAX));
  if (!valid(s, h)) return;
  if (s->def[h].kind == SIM_STAT_MAX) {
    if (v > s->val[h].f) s->val[h].f = v;
  } else {
    s->val[h].f = v;
  }
}

int sim_stat_count(const sim_stats *s) { return s ? s->n : 0; }

const char *sim_stat_component(const sim_stats *s, int h) {
  return valid(s, h) ? s->def[h].component : NULL;
}

const char *sim_stat_name(const sim_stats *s, int h) {
  return valid(s, h) ? s->def[h].name : NULL;
}

const char *sim_stat_unit(const sim_stats *s, int h) {
  return valid(s, h) ? s->def[h].unit : NULL;
}

sim_stat_kind sim_stat_kind_of(const sim_stats *s, int h) {
  assert(valid(s, h));
  return valid(s, h) ? s->def[h].kind : SIM_STAT_COUNT;
}

/* COUNT as is; a double kind saturated to [0, UINT64_MAX] (NaN -> 0). */
uint64_t sim_stat_u64(const sim_stats *s, int h) {
  if (!valid(s, h)) return 0;
  if (s->def[h].kind == SIM_STAT_COUNT) return s->val[h].u;
  double f = s->val[h].f;
  if (!(f > 0)) return 0;
  if (f >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)f;
}

double sim_stat_f64(const sim_stats *s, int h) {
  if (!valid(s, h)) return 0;
  return s->def[h].kind == SIM_STAT_COUNT ? (double)s->val[h].u
                                          : s->val[h].f;
}
