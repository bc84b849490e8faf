/*
 * opts.c — mapper options: `--map-opt key=value` strings parsed and
 * checked against the table a mapper declares (map.h, map_opt_def).
 *
 * Design: a map_opts holds one typed value per declared option, in table
 * order, plus whether the user gave it.  Defaults go through the same
 * parser as user values, so a table cannot declare a default its own
 * range rejects (that is reported as SIM_EINTERNAL, a bug in the table).
 * Lookups by key are a linear scan of the table: tables have a handful of
 * entries and are read once per mapper run, not per candidate point.
 *
 * Ownership: map_opts_new allocates (sim_calloc); map_opts_free frees.
 * The object keeps a pointer to the mapper's static table, not a copy.
 */
#include "map.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct map_opt_val {
  int given;   /* set from the user's key=value */
  int64_t i;   /* INT, BOOL (0/1), ENUM (index into values) */
  double f;    /* FLOAT */
} map_opt_val;

struct map_opts {
  const map_ops *m;
  const map_opt_def *defs; /* the mapper's table (static) */
  size_t n;
  map_opt_val *v;          /* n values, table order */
};

static const map_opt_def *defs_of(const map_ops *m) {
  return m->iVersion >= 2 ? m->opts : NULL;
}

static size_t defs_count(const map_opt_def *d) {
  size_t n = 0;
  while (d && d[n].key) n++;
  return n;
}

void map_opt_domain(const map_opt_def *d, char *buf, size_t n) {
  if (!n) return;
  buf[0] = '\0';
  switch (d->type) {
  case MAP_OPT_INT:
    if (d->imin == 0 && d->imax == 0)
      snprintf(buf, n, "any integer");
    else
      snprintf(buf, n, "%lld..%lld", (long long)d->imin, (long long)d->imax);
    break;
  case MAP_OPT_FLOAT:
    if (d->fmin == 0 && d->fmax == 0)
      snprintf(buf, n, "any finite number");
    else
      snprintf(buf, n, "%.17g..%.17g", d->fmin, d->fmax);
    break;
  case MAP_OPT_BOOL: snprintf(buf, n, "true|false"); break;
  case MAP_OPT_ENUM: {
    size_t l = 0;
    for (int i = 0; d->values && d->values[i]; i++) {
      int k = snprintf(buf + l, n - l, "%s%s", i ? "|" : "", d->values[i]);
      if (k < 0 || (size_t)k >= n - l) { /* no half value */
        buf[l] = '\0';
        break;
      }
      l += (size_t)k;
    }
    break;
  }
  }
}

/* Parses text as d's type into *v.  Returns NULL, or what is wrong
 * ("not an integer", "out of range"). */
static const char *parse_value(const map_opt_def *d, const char *text,
                               map_opt_val *v) {
  char *end;
  switch (d->type) {
  case MAP_OPT_INT: {
    errno = 0;
    long long x = strtoll(text, &end, 10);
    if (!*text || *end || end == text) return "not an integer";
    if (errno == ERANGE) return "out of range";
    if (!(d->imin == 0 && d->imax == 0) && (x < d->imin || x > d->imax))
      return "out of range";
    v->i = x;
    return NULL;
  }
  case MAP_OPT_FLOAT: {
    errno = 0;
    double x = strtod(text, &end);
    if (!*text || *end || end == text) return "not a number";
    if (!isfinite(x) || errno == ERANGE) return "not a finite number";
    if (!(d->fmin == 0 && d->fmax == 0) && (x < d->fmin || x > d->fmax))
      return "out of range";
    v->f = x;
    return NULL;
  }
  case MAP_OPT_BOOL: {
    static const char *const yes[] = {"true", "1", "yes", "on", NULL};
    static const char *const no[] = {"false", "0", "no", "off", NULL};
    for (int i = 0; yes[i]; i++)
      if (!strcasecmp(text, yes[i])) return v->i = 1, NULL;
    for (int i = 0; no[i]; i++)
      if (!strcasecmp(text, no[i])) return v->i = 0, NULL;
    return "not a boolean";
  }
  case MAP_OPT_ENUM:
    for (int i = 0; d->values && d->values[i]; i++)
      if (!strcmp(text, d->values[i])) return v->i = i, NULL;
    return "not an allowed value";
  }
  return "unknown option type";
}

static int unknown_key(const map_ops *m, const map_opt_def *defs,
                       const char *key, size_t key_len, sim_err *err) {
  char allowed[256] = "";
  size_t l = 0;
  for (size_t i = 0; defs && defs[i].key; i++) {
    int k = snprintf(allowed + l, sizeof allowed - l, "%s%s", i ? ", " : "",
                     defs[i].key);
    if (k < 0 || (size_t)k >= sizeof allowed - l - 5) { /* room for ", ..." */
      snprintf(allowed + l, sizeof allowed - l, ", ...");
      break;
    }
    l += (size_t)k;
  }
  return sim_err_set(err, SIM_EINVAL,
                     "--map-opt: mapper '%s' has no option '%.*s' "
                     "(allowed: %s)", m->name, (int)key_len, key,
                     l ? allowed : "none");
}

int map_opts_new(const map_ops *m, const char *const *kv, size_t n_kv,
                 map_opts **out, sim_err *err) {
  *out = NULL;
  const map_opt_def *defs = defs_of(m);
  size_t n = defs_count(defs);
  const char **given_text = NULL;
  map_opts *o = sim_calloc(1, sizeof *o);
  if (!o) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  o->m = m;
  o->defs = defs;
  o->n = n;
  int rc = 0;
  if (n && (!(o->v = sim_calloc(n, sizeof *o->v)) ||
            !(given_text = sim_calloc(n, sizeof *given_text)))) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n; i++) {
    const char *why = defs[i].dflt ? parse_value(&defs[i], defs[i].dflt,
                                                 &o->v[i])
                                   : "missing";
    if (why) {
      char dom[192];
      map_opt_domain(&defs[i], dom, sizeof dom);
      rc = sim_err_set(err, SIM_EINTERNAL, "mapper '%s': option '%s': "
                       "default '%s' is %s; allowed: %s", m->name,
                       defs[i].key, defs[i].dflt ? defs[i].dflt : "",
                       why, dom);
      goto fail;
    }
  }
  for (size_t j = 0; j < n_kv; j++) {
    const char *s = kv[j], *eq = strchr(s, '=');
    if (!eq || eq == s) {
      rc = sim_err_set(err, SIM_EINVAL, "--map-opt: '%s' is not key=value",
                       s);
      goto fail;
    }
    size_t kl = (size_t)(eq - s), i;
    for (i = 0; i < n; i++)
      if (strlen(defs[i].key) == kl && !strncmp(defs[i].key, s, kl)) break;
    if (i == n) {
      rc = unknown_key(m, defs, s, kl, err);
      goto fail;
    }
    if (given_text[i]) {
      rc = sim_err_set(err, SIM_EINVAL, "--map-opt: %s given twice (%s, %s)",
                       defs[i].key, given_text[i], s);
      goto fail;
    }
    const char *why = parse_value(&defs[i], eq + 1, &o->v[i]);
    if (why) {
      char dom[192];
      map_opt_domain(&defs[i], dom, sizeof dom);
      rc = sim_err_set(err, SIM_EINVAL, "--map-opt: %s: %s; allowed: %s", s,
                       why, dom);
      goto fail;
    }
    o->v[i].given = 1;
    given_text[i] = s;
  }
  sim_free(given_text);
  *out = o;
  return 0;
fail:
  sim_free(given_text);
  map_opts_free(o);
  return rc;
}

void map_opts_free(map_opts *o) {
  if (!o) return;
  sim_free(o->v);
  sim_free(o);
}

static const char *const g_type_names[] = {"int", "float", "bool", "enum"};

static const map_opt_val *lookup(const map_opts *o, const char *key,
                                 map_opt_type type, const map_opt_def **d) {
  for (size_t i = 0; i < o->n; i++)
    if (!strcmp(o->defs[i].key, key)) {
      if (o->defs[i].type != type)
        sim_panic("mappers", 0, "mapper '%s' reads option '%s' as %s, but "
                  "declares it %s", o->m->name, key, g_type_names[type],
                  g_type_names[o->defs[i].type]);
      if (d) *d = &o->defs[i];
      return &o->v[i];
    }
  sim_panic("mappers", 0, "mapper '%s' reads option '%s', which it does not "
            "declare", o->m->name, key);
}

int64_t map_opt_int(const map_opts *o, const char *key) {
  return lookup(o, key, MAP_OPT_INT, NULL)->i;
}

double map_opt_float(const map_opts *o, const char *key) {
  return lookup(o, key, MAP_OPT_FLOAT, NULL)->f;
}

int map_opt_bool(const map_opts *o, const char *key) {
  return (int)lookup(o, key, MAP_OPT_BOOL, NULL)->i;
}

const char *map_opt_enum(const map_opts *o, const char *key) {
  const map_opt_def *d;
  const map_opt_val *v = lookup(o, key, MAP_OPT_ENUM, &d);
  return d->values[v->i];
}

int map_opt_enum_index(const map_opts *o, const char *key) {
  return (int)lookup(o, key, MAP_OPT_ENUM, NULL)->i;
}

int map_opt_given(const map_opts *o, const char *key) {
  for (size_t i = 0; i < o->n; i++)
    if (!strcmp(o->defs[i].key, key)) return o->v[i].given;
  sim_panic("mappers", 0, "mapper '%s' asks about option '%s', which it does "
            "not declare", o->m->name, key);
}
