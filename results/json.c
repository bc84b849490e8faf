/*
 * json.c — the `--json` object of a run (res_report_json) and the
 * schedule as JSON (res_sched_write_json / res_sched_read_json), with
 * jansson.
 *
 * The run object (key order as printed):
 *   arch, arch_class, model, mapper, options (the run options, from
 *   res_run_meta.params_json), status, tfsim_version, [run_id], cycles,
 *   clock, latency_s, energy_j, energy_breakdown_j, util, dram_bytes,
 *   <every report metric>, [live_at_peak], [stats], [ops]
 * A report metric never replaces one of these keys (first wins).  The run
 * options are "options", not "params", because "params" is the report
 * metric with the model's parameter count.
 * energy_breakdown_j groups the "pJ"/SUM statistics by component, in order
 * of first registration, and energy_j is computed as the sum of exactly
 * those values in that order, so a reader that adds the breakdown gets
 * energy_j back.  Integral metric values print as JSON integers
 * (peak_sram_bytes: 123456), others as reals with 17 significant digits
 * (exact round trip); non-finite values print as null.
 *
 * Ownership: the jansson tree is built and freed inside each call.
 */
#include "resInt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#ifndef TFSIM_VERSION
#define TFSIM_VERSION "unknown"
#endif

/* A real, or null when not finite (jansson refuses NaN and inf). */
static json_t *res_jreal(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

/* An integer when v is integral and exact in a double, else a real. */
static json_t *res_jnum(double v) {
  if (isfinite(v) && v == floor(v) && fabs(v) <= 9007199254740992.0)
    return json_integer((json_int_t)v);
  return res_jreal(v);
}

static json_t *res_ju64(uint64_t v) {
  if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
  return json_real((double)v);
}

/* json_object_set_new that reports failure (NULL value or no memory). */
static int res_jset(json_t *o, const char *k, json_t *v) {
  if (!v) return -1;
  return json_object_set_new(o, k, v);
}

static const char *res_s(const char *s) { return s ? s : ""; }

/* The energy breakdown object; *total_j is the sum of its values, from
 * the one grouping every writer uses (sim_report_energy_breakdown). */
typedef struct res_bd {
  json_t *o;
  int failed;
} res_bd;

static void res_bd_add(void *ud, const char *comp, double j) {
  res_bd *b = ud;
  if (!b->failed && res_jset(b->o, comp, res_jreal(j))) b->failed = 1;
}

static json_t *res_breakdown(const sim_report *rep, double *total_j) {
  res_bd b = {json_object(), 0};
  *total_j = 0;
  if (!b.o) return NULL;
  *total_j = sim_report_energy_breakdown(rep, res_bd_add, &b);
  if (b.failed) {
    json_decref(b.o);
    return NULL;
  }
  return b.o;
}

static json_t *res_ops_json(const sim_report *rep) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < rep->n_ops; i++) {
    const sim_op_record *o = &rep->ops[i];
    char name[SIM_NAME_MAX + 1], bound[sizeof o->bound + 1];
    memcpy(name, o->name, SIM_NAME_MAX);
    name[SIM_NAME_MAX] = '\0';
    memcpy(bound, o->bound, sizeof o->bound);
    bound[sizeof o->bound] = '\0';
    json_t *j = json_object();
    int bad = !j || res_jset(j, "name", json_string(name)) ||
              res_jset(j, "layer", json_integer(o->layer)) ||
              res_jset(j, "start_ps", res_ju64(o->start_ps)) ||
              res_jset(j, "end_ps", res_ju64(o->end_ps)) ||
              res_jset(j, "macs", res_ju64(o->macs)) ||
              res_jset(j, "elem_ops", res_ju64(o->elem_ops)) ||
              res_jset(j, "rd_bytes", res_ju64(o->rd_bytes)) ||
              res_jset(j, "wr_bytes", res_ju64(o->wr_bytes)) ||
              res_jset(j, "energy_pj", res_jreal(o->energy_pj)) ||
              res_jset(j, "bound", json_string(bound)) ||
              json_array_append_new(a, j);
    if (bad) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

/* The planned buffers live at the memory peak, largest first. */
static json_t *res_peak_json(const sim_report *rep) {
  size_t n = res_bufs_at_peak(rep, NULL, 0);
  const sim_buf_record **b = sim_calloc(n ? n : 1, sizeof *b);
  json_t *a = json_array();
  if (!b || !a) {
    sim_free(b);
    json_decref(a);
    return NULL;
  }
  res_bufs_at_peak(rep, b, n);
  for (size_t i = 0; i < n; i++) {
    char name[SIM_NAME_MAX + 1];
    memcpy(name, b[i]->name, SIM_NAME_MAX);
    name[SIM_NAME_MAX] = '\0';
    json_t *j = json_object();
    if (!j || res_jset(j, "name", json_string(name)) ||
        res_jset(j, "bytes", res_ju64(b[i]->bytes)) ||
        res_jset(j, "addr", res_ju64(b[i]->addr)) ||
        json_array_append_new(a, j)) {
      sim_free(b);
      json_decref(a);
      return NULL;
    }
  }
  sim_free(b);
  return a;
}

static json_t *res_stats_json(const sim_stats *s) {
  json_t *o = json_object();
  int n = s ? sim_stat_count(s) : 0;
  for (int h = 0; o && h < n; h++) {
    char *key = res__join(sim_stat_component(s, h), '.', sim_stat_name(s, h));
    json_t *v = sim_stat_kind_of(s, h) == SIM_STAT_COUNT
                    ? res_ju64(sim_stat_u64(s, h))
                    : res_jreal(sim_stat_f64(s, h));
    int bad = key ? res_jset(o, key, v) : (json_decref(v), -1);
    sim_free(key);
    if (bad) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* Builds the run object, or NULL when out of memory / invalid params. */
static json_t *res_run_json(const res_run_meta *m, const sim_report *rep,
                            sim_err *err) {
  json_t *o = json_object();
  if (!o) goto oom;
  json_error_t je;
  const char *pj = m->params_json && *m->params_json ? m->params_json : "{}";
  json_t *params = json_loads(pj, JSON_REJECT_DUPLICATES, &je);
  if (!params || !json_is_object(params)) {
    json_decref(params);
    json_decref(o);
    sim_err_set(err, SIM_EINVAL, "--json: options: not a JSON object: %s",
                pj);
    return NULL;
  }
  if (res_jset(o, "arch", json_string(res_s(m->arch_name))) ||
      res_jset(o, "arch_class", json_string(res_s(m->arch_class))) ||
      res_jset(o, "model", json_string(res_s(m->workload))) ||
      res_jset(o, "mapper", json_string(res_s(m->mapper))) ||
      res_jset(o, "options", params) ||
      res_jset(o, "status", json_string(m->status ? m->status : "ok")) ||
      res_jset(o, "tfsim_version",
               json_string(m->tfsim_version ? m->tfsim_version
                                            : TFSIM_VERSION)))
    goto oom;
  if (m->run_id > 0 && res_jset(o, "run_id", json_integer(m->run_id)))
    goto oom;
  if (!rep) return o;

  double total_j = 0;
  json_t *bd = res_breakdown(rep, &total_j);
  char clock[SIM_NAME_MAX + 1];
  memcpy(clock, rep->clock, SIM_NAME_MAX);
  clock[SIM_NAME_MAX] = '\0';
  if (res_jset(o, "cycles", res_ju64(rep->cycles)) ||
      res_jset(o, "clock", json_string(clock)) ||
      res_jset(o, "latency_s",
               json_real((double)rep->latency_ps / (double)SIM_PS_PER_S)) ||
      res_jset(o, "energy_j", res_jreal(total_j)) ||
      res_jset(o, "energy_breakdown_j", bd) ||
      res_jset(o, "util", res_jreal(rep->util)) ||
      res_jset(o, "dram_bytes", res_ju64(rep->dram_bytes)))
    goto oom;
  if (rep->schedule[0]) {
    char sch[sizeof rep->schedule + 1];
    memcpy(sch, rep->schedule, sizeof rep->schedule);
    sch[sizeof rep->schedule] = '\0';
    if (res_jset(o, "schedule", json_string(sch))) goto oom;
  }
  for (size_t i = 0; i < rep->n_metrics; i++) {
    char key[SIM_NAME_MAX + 1];
    memcpy(key, rep->metrics[i].key, SIM_NAME_MAX);
    key[SIM_NAME_MAX] = '\0';
    if (res__is_headline(key) || json_object_get(o, key)) continue;
    const sim_metric *mt = &rep->metrics[i];
    json_t *v = mt->type == SIM_MT_BOOL ? json_boolean(mt->value != 0)
                : mt->type == SIM_MT_INT && mt->value >= 0 &&
                        mt->value < 9.2e18
                    ? json_integer((json_int_t)mt->value)
                    : res_jnum(mt->value);
    if (res_jset(o, key, v)) goto oom;
  }
  if (rep->n_bufs && res_jset(o, "live_at_peak", res_peak_json(rep)))
    goto oom;
  if ((m->flags & RES_F_JSON_STATS) &&
      res_jset(o, "stats", res_stats_json(rep->stats)))
    goto oom;
  if ((m->flags & RES_F_JSON_OPS) && res_jset(o, "ops", res_ops_json(rep)))
    goto oom;
  return o;
oom:
  json_decref(o);
  sim_err_set(err, SIM_ENOMEM, "--json: out of memory");
  return NULL;
}

int res_report_json(FILE *out, const res_run_meta *meta,
                    const sim_report *rep, sim_err *err) {
  if (!out || !meta)
    return sim_err_set(err, SIM_EINVAL, "res_report_json: out or meta NULL");
  sim_err e2;
  sim_err_clear(&e2);
  json_t *o = res_run_json(meta, rep, &e2);
  if (!o) return sim_err_set(err, e2.code, "%s", e2.msg);
  size_t flags = JSON_REAL_PRECISION(17);
  flags |= (meta->flags & RES_F_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2);
  int rc = json_dumpf(o, out, flags);
  json_decref(o);
  if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0)
    return sim_err_set(err, SIM_EIO, "--json: cannot write the output");
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Schedule                                                               */
/* ---------------------------------------------------------------------- */

/* The JSON form of schedule v2 (docs/schedule.md):
 *   { "version": 2, "mapper": "...", "levels": [names], "units": [names],
 *     "tensors": [{name, bytes, prec, kind, level?, addr?, channel?,
 *                  bank?}],
 *     "ops": [{name, fn, prec, unit, layer?, ranks: [[name, size]...],
 *              count, macs, elem_ops, rd_bytes: {level: n}, wr_bytes:
 *              {level: n}, in: [tensor ids], out: [ids], deps: [op ids],
 *              payload?}],
 *     "groups": [{name, first, n, iters, carry: [[from, to]...]}],
 *     "payload"?: {...} }
 * Levels and unit kinds are named; tensors, ops and deps are indices.
 * Every object is read strictly: an unknown key is an error naming it, so
 * a typo in a hand-edited schedule is not silently ignored. */

static json_t *res_jstr(const char *s, size_t max) {
  char b[SIM_NAME_MAX + 1];
  size_t n = strnlen(s, max < sizeof b - 1 ? max : sizeof b - 1);
  memcpy(b, s, n);
  b[n] = '\0';
  return json_string(b);
}

/* Parses JSON text of a payload (must be an object); NULL on failure. */
static json_t *res_payload_in(const char *txt) {
  json_error_t je;
  json_t *p = json_loads(txt, JSON_REJECT_DUPLICATES, &je);
  if (p && !json_is_object(p)) {
    json_decref(p);
    return NULL;
  }
  return p;
}

static json_t *res_sched_op_json(const sim_sched *s, const sim_sched_op *op,
                                 int *bad) {
  json_t *j = json_object(), *ranks = json_array(), *rd = json_object(),
         *wr = json_object(), *in = json_array(), *out = json_array(),
         *deps = json_array();
  *bad = !j || !ranks || !rd || !wr || !in || !out || !deps;
  for (unsigned r = 0; !*bad && r < op->n_ranks; r++) {
    json_t *pr = json_array();
    *bad = !pr || json_array_append_new(pr, res_jstr(op->ranks[r].name,
                                                      SIM_KIND_MAX)) ||
           json_array_append_new(pr, res_ju64(op->ranks[r].size)) ||
           json_array_append_new(ranks, pr);
  }
  for (int l = 0; !*bad && l < s->n_levels; l++) {
    if (op->rd_bytes[l])
      *bad = res_jset(rd, s->levels[l], res_ju64(op->rd_bytes[l]));
    if (!*bad && op->wr_bytes[l])
      *bad = res_jset(wr, s->levels[l], res_ju64(op->wr_bytes[l]));
  }
  for (unsigned k = 0; !*bad && k < op->n_in; k++)
    *bad = json_array_append_new(in, json_integer(op->in[k]));
  for (unsigned k = 0; !*bad && k < op->n_out; k++)
    *bad = json_array_append_new(out, json_integer(op->out[k]));
  for (unsigned d = 0; !*bad && d < op->n_deps; d++)
    *bad = json_array_append_new(deps, json_integer(op->deps[d]));
  const char *unit = op->unit < s->n_units ? s->units[op->unit] : "?";
  if (!*bad)
    *bad = res_jset(j, "name", res_jstr(op->name, SIM_NAME_MAX)) ||
           res_jset(j, "fn", json_string(sim_fn_name(op->fn))) ||
           res_jset(j, "prec", json_string(sim_prec_name(op->prec))) ||
           res_jset(j, "unit", res_jstr(unit, SIM_KIND_MAX)) ||
           res_jset(j, "layer", json_integer(op->layer)) ||
           res_jset(j, "ranks", ranks) ||
           res_jset(j, "count", res_ju64(op->count)) ||
           res_jset(j, "macs", res_ju64(op->macs)) ||
           res_jset(j, "elem_ops", res_ju64(op->elem_ops)) ||
           res_jset(j, "rd_bytes", rd) || res_jset(j, "wr_bytes", wr) ||
           res_jset(j, "in", in) || res_jset(j, "out", out) ||
           res_jset(j, "deps", deps);
  else {
    json_decref(ranks);
    json_decref(rd);
    json_decref(wr);
    json_decref(in);
    json_decref(out);
    json_decref(deps);
  }
  if (!*bad && op->payload) {
    json_t *p = res_payload_in(op->payload);
    *bad = !p || res_jset(j, "payload", p);
  }
  if (*bad) {
    json_decref(j);
    return NULL;
  }
  return j;
}

int res_sched_write_json(FILE *out, const sim_sched *s, sim_err *err) {
  if (!out || !s)
    return sim_err_set(err, SIM_EINVAL, "res_sched_write_json: NULL arg");
  json_t *o = json_object(), *lv = json_array(), *un = json_array(),
         *tens = json_array(), *ops = json_array(), *grs = json_array();
  int bad = !o || !lv || !un || !tens || !ops || !grs;
  for (int l = 0; !bad && l < s->n_levels; l++)
    bad = json_array_append_new(lv, res_jstr(s->levels[l], SIM_KIND_MAX));
  for (int u = 0; !bad && u < s->n_units; u++)
    bad = json_array_append_new(un, res_jstr(s->units[u], SIM_KIND_MAX));
  for (size_t t = 0; !bad && t < s->n_tensors; t++) {
    const sim_tensor *tn = &s->tensors[t];
    json_t *j = json_object();
    bad = !j || res_jset(j, "name", res_jstr(tn->name, SIM_NAME_MAX)) ||
          res_jset(j, "bytes", res_ju64(tn->bytes)) ||
          res_jset(j, "prec", json_string(sim_prec_name(tn->prec))) ||
          res_jset(j, "kind",
                   json_string(sim_tensor_kind_name(tn->kind))) ||
          (tn->level >= 0 && tn->level < s->n_levels &&
           res_jset(j, "level", res_jstr(s->levels[tn->level],
                                         SIM_KIND_MAX))) ||
          (tn->addr >= 0 && res_jset(j, "addr", json_integer(tn->addr))) ||
          (tn->channel >= 0 &&
           res_jset(j, "channel", json_integer(tn->channel))) ||
          (tn->bank >= 0 && res_jset(j, "bank", json_integer(tn->bank))) ||
          json_array_append_new(tens, j);
  }
  for (size_t i = 0; !bad && i < s->n_ops; i++) {
    json_t *j = res_sched_op_json(s, &s->ops[i], &bad);
    if (!bad) bad = json_array_append_new(ops, j);
  }
  for (size_t g = 0; !bad && g < s->n_groups; g++) {
    const sim_sched_group *gr = &s->groups[g];
    json_t *j = json_object(), *carry = json_array();
    bad = !j || !carry;
    for (uint32_t c = 0; !bad && c < gr->n_carry; c++) {
      json_t *pr = json_array();
      bad = !pr || json_array_append_new(pr, json_integer(gr->carry[c].from)) ||
            json_array_append_new(pr, json_integer(gr->carry[c].to)) ||
            json_array_append_new(carry, pr);
    }
    bad = bad || res_jset(j, "name", res_jstr(gr->name, SIM_NAME_MAX)) ||
          res_jset(j, "first", json_integer(gr->first)) ||
          res_jset(j, "n", json_integer(gr->n)) ||
          res_jset(j, "iters", res_ju64(gr->iters)) ||
          res_jset(j, "carry", carry) || json_array_append_new(grs, j);
  }
  bad = bad || res_jset(o, "version", json_integer(s->version)) ||
        res_jset(o, "mapper", res_jstr(s->mapper, SIM_NAME_MAX)) ||
        res_jset(o, "levels", lv) || res_jset(o, "units", un) ||
        res_jset(o, "tensors", tens) || res_jset(o, "ops", ops) ||
        res_jset(o, "groups", grs);
  if (!bad && s->payload) {
    json_t *p = res_payload_in(s->payload);
    bad = !p || res_jset(o, "payload", p);
  }
  int rc = 0;
  if (bad)
    rc = sim_err_set(err, SIM_ENOMEM, "schedule JSON: out of memory or a "
                     "payload that is not a JSON object");
  else if (json_dumpf(o, out, JSON_INDENT(1) | JSON_COMPACT) != 0 ||
           fputc('\n', out) == EOF || fflush(out) != 0)
    rc = sim_err_set(err, SIM_EIO, "schedule JSON: cannot write the output");
  json_decref(o);
  return rc;
}

/* Reading.  `where` names the object ("ops[3] 'L0.qk'") in messages. */

typedef struct rd_ctx {
  const char *path;
  char where[96];
  sim_err *err;
} rd_ctx;

static int rd_fail(rd_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rd_fail(rd_ctx *c, const char *key, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return sim_err_set(c->err, SIM_EINVAL, "%s: %s%s%s: %s", c->path, c->where,
                     key ? "." : "", key ? key : "", msg);
}

/* Rejects keys not in allowed (NULL-terminated). */
static int rd_keys(rd_ctx *c, json_t *o, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int ok = 0;
    for (int i = 0; allowed[i] && !ok; i++) ok = strcmp(k, allowed[i]) == 0;
    if (!ok) {
      char list[256] = "";
      for (int i = 0; allowed[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? ", " : "", allowed[i]);
      return rd_fail(c, k, "unknown key (allowed: %s)", list);
    }
  }
  return 0;
}

static int rd_u64(rd_ctx *c, json_t *o, const char *key, int required,
                  uint64_t dflt, uint64_t *v) {
  json_t *j = json_object_get(o, key);
  if (!j) {
    if (required) return rd_fail(c, key, "missing");
    *v = dflt;
    return 0;
  }
  if (!json_is_integer(j) || json_integer_value(j) < 0)
    return rd_fail(c, key, "must be an integer >= 0 (below 2^63)");
  *v = (uint64_t)json_integer_value(j);
  return 0;
}

static int rd_i64(rd_ctx *c, json_t *o, const char *key, int64_t lo,
                  int64_t hi, int64_t dflt, int64_t *v) {
  json_t *j = json_object_get(o, key);
  if (!j) {
    *v = dflt;
    return 0;
  }
  if (!json_is_integer(j) || json_integer_value(j) < lo ||
      json_integer_value(j) > hi)
    return rd_fail(c, key, "must be an integer in [%lld, %lld]",
                   (long long)lo, (long long)hi);
  *v = json_integer_value(j);
  return 0;
}

static int rd_str(rd_ctx *c, json_t *o, const char *key, size_t max,
                  char *dst) {
  const char *v = json_string_value(json_object_get(o, key));
  if (!v || !*v || strlen(v) >= max)
    return rd_fail(c, key, "must be a non-empty string of at most %zu "
                   "bytes", max - 1);
  strcpy(dst, v);
  return 0;
}

static int rd_enum(rd_ctx *c, json_t *o, const char *key,
                   int (*parse)(const char *, void *), void *out,
                   const char *what) {
  const char *v = json_string_value(json_object_get(o, key));
  if (!v) return rd_fail(c, key, "must be a string (%s)", what);
  if (parse(v, out)) return rd_fail(c, key, "'%s' is not one of %s", v, what);
  return 0;
}

static int p_prec(const char *s, void *o) {
  sim_prec p;
  int rc = sim_prec_parse(s, &p);
  if (!rc) *(uint8_t *)o = (uint8_t)p;
  return rc;
}
static int p_fn(const char *s, void *o) {
  sim_fn f;
  int rc = sim_fn_parse(s, &f);
  if (!rc) *(uint8_t *)o = (uint8_t)f;
  return rc;
}
static int p_tkind(const char *s, void *o) {
  sim_tensor_kind k;
  int rc = sim_tensor_kind_parse(s, &k);
  if (!rc) *(uint8_t *)o = (uint8_t)k;
  return rc;
}

static const char *const PRECS = "fp32, fp16, bf16, int8, int4, int32, fp8, "
                                 "tf32";

static int rd_payload(rd_ctx *c, json_t *o, char **dst) {
  json_t *p = json_object_get(o, "payload");
  if (!p) return 0;
  if (!json_is_object(p)) return rd_fail(c, "payload", "must be an object");
  /* json_dumps allocates with malloc: copy into the project's allocator. */
  char *txt = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS |
                                JSON_REAL_PRECISION(17));
  *dst = txt ? sim_strdup(txt) : NULL;
  free(txt);
  if (!*dst) return sim_err_set(c->err, SIM_ENOMEM, "out of memory");
  return 0;
}

static int rd_idx_array(rd_ctx *c, json_t *o, const char *key, size_t max,
                        size_t limit, const char *what, int32_t *dst,
                        size_t *n) {
  json_t *a = json_object_get(o, key);
  *n = 0;
  if (!a) return 0;
  if (!json_is_array(a)) return rd_fail(c, key, "must be an array");
  if (json_array_size(a) > max)
    return rd_fail(c, key, "at most %zu entries", max);
  for (size_t k = 0; k < json_array_size(a); k++) {
    json_t *v = json_array_get(a, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (size_t)json_integer_value(v) >= limit)
      return limit ? rd_fail(c, key, "[%zu]: %lld must be %s (0..%zu)", k,
                             json_is_integer(v)
                                 ? (long long)json_integer_value(v) : -1LL,
                             what, limit - 1)
                   : rd_fail(c, key, "[%zu]: must be %s, and there is none",
                             k, what);
    dst[(*n)++] = (int32_t)json_integer_value(v);
  }
  return 0;
}

static int rd_level_map(rd_ctx *c, json_t *o, const char *key,
                        const sim_sched *s, uint64_t *dst) {
  json_t *m = json_object_get(o, key);
  if (!m) return 0;
  if (!json_is_object(m))
    return rd_fail(c, key, "must be an object {level: bytes}");
  const char *k;
  json_t *v;
  json_object_foreach(m, k, v) {
    int l = sim_sched_find_level(s, k);
    if (l < 0) return rd_fail(c, key, "'%s' is not a declared level", k);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return rd_fail(c, key, "%s: must be an integer >= 0", k);
    dst[l] = (uint64_t)json_integer_value(v);
  }
  return 0;
}

static int rd_op(rd_ctx *c, json_t *j, const sim_sched *s, size_t i,
                 sim_sched_op *op) {
  static const char *const keys[] = {
      "name", "fn", "prec", "unit", "layer", "ranks", "count", "macs",
      "elem_ops", "rd_bytes", "wr_bytes", "in", "out", "deps", "payload",
      NULL};
  /* first: the caller frees op->payload whatever happens */
  memset(op, 0, sizeof *op);
  snprintf(c->where, sizeof c->where, "ops[%zu]", i);
  if (!json_is_object(j)) return rd_fail(c, NULL, "must be an object");
  int rc = rd_str(c, j, "name", SIM_NAME_MAX, op->name);
  if (rc) return rc;
  snprintf(c->where, sizeof c->where, "ops[%zu] '%s'", i, op->name);
  char unit[SIM_KIND_MAX];
  int64_t v = 0;
  size_t n;
  if ((rc = rd_keys(c, j, keys)) ||
      (rc = rd_enum(c, j, "fn", p_fn, &op->fn, "mac, max, sum, exp, ...")) ||
      (rc = rd_enum(c, j, "prec", p_prec, &op->prec, PRECS)) ||
      (rc = rd_str(c, j, "unit", SIM_KIND_MAX, unit)))
    return rc;
  int u = sim_sched_find_unit(s, unit);
  if (u < 0) return rd_fail(c, "unit", "'%s' is not in units", unit);
  op->unit = (uint8_t)u;
  if ((rc = rd_i64(c, j, "layer", -1, INT32_MAX, -1, &v))) return rc;
  op->layer = (int32_t)v;
  op->group = -1;
  json_t *ranks = json_object_get(j, "ranks");
  if (ranks && !json_is_array(ranks))
    return rd_fail(c, "ranks", "must be an array of [name, size]");
  if (json_array_size(ranks) > SIM_OP_MAX_RANKS)
    return rd_fail(c, "ranks", "at most %d ranks", SIM_OP_MAX_RANKS);
  for (size_t r = 0; r < json_array_size(ranks); r++) {
    json_t *pr = json_array_get(ranks, r);
    const char *nm = json_string_value(json_array_get(pr, 0));
    json_t *sz = json_array_get(pr, 1);
    if (!json_is_array(pr) || json_array_size(pr) != 2 || !nm || !*nm ||
        strlen(nm) >= SIM_KIND_MAX || !json_is_integer(sz) ||
        json_integer_value(sz) < 1)
      return rd_fail(c, "ranks", "[%zu]: must be [name, size >= 1]", r);
    strcpy(op->ranks[r].name, nm);
    op->ranks[r].size = (uint64_t)json_integer_value(sz);
    op->n_ranks = (uint8_t)(r + 1);
  }
  if ((rc = rd_u64(c, j, "count", 0, 1, &op->count)) ||
      (rc = rd_u64(c, j, "macs", 0, 0, &op->macs)) ||
      (rc = rd_u64(c, j, "elem_ops", 0, 0, &op->elem_ops)) ||
      (rc = rd_level_map(c, j, "rd_bytes", s, op->rd_bytes)) ||
      (rc = rd_level_map(c, j, "wr_bytes", s, op->wr_bytes)))
    return rc;
  if (op->count < 1) return rd_fail(c, "count", "must be >= 1");
  if ((rc = rd_idx_array(c, j, "in", SIM_OP_MAX_IN, s->n_tensors,
                         "a tensor id", op->in, &n)))
    return rc;
  op->n_in = (uint8_t)n;
  if ((rc = rd_idx_array(c, j, "out", SIM_OP_MAX_OUT, s->n_tensors,
                         "a tensor id", op->out, &n)))
    return rc;
  op->n_out = (uint8_t)n;
  int32_t deps[SIM_OP_MAX_DEPS];
  if ((rc = rd_idx_array(c, j, "deps", SIM_OP_MAX_DEPS, i,
                         "an earlier op (no cycles)", deps, &n)))
    return rc;
  for (size_t d = 0; d < n; d++) op->deps[d] = (uint32_t)deps[d];
  op->n_deps = (uint32_t)n;
  return rd_payload(c, j, &op->payload);
}

static int rd_names(rd_ctx *c, json_t *o, const char *key, sim_sched *s,
                    int (*add)(sim_sched *, const char *), int max) {
  json_t *a = json_object_get(o, key);
  snprintf(c->where, sizeof c->where, "schedule");
  if (!json_is_array(a)) return rd_fail(c, key, "must be an array of names");
  if ((int)json_array_size(a) > max)
    return rd_fail(c, key, "at most %d names", max);
  for (size_t k = 0; k < json_array_size(a); k++) {
    const char *nm = json_string_value(json_array_get(a, k));
    if (!nm || !*nm || strlen(nm) >= SIM_KIND_MAX)
      return rd_fail(c, key, "[%zu]: must be a name of at most %d bytes", k,
                     SIM_KIND_MAX - 1);
    if (add(s, nm) != (int)k) return rd_fail(c, key, "'%s' twice", nm);
  }
  return 0;
}

int res_sched_read_json(const char *path, sim_sched *out, sim_err *err) {
  if (!out || !path)
    return sim_err_set(err, SIM_EINVAL, "res_sched_read_json: NULL arg");
  sim_sched_init(out, "");
  json_error_t je;
  json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!o)
    return sim_err_set(err, je.line < 1 ? SIM_ENOENT : SIM_EINVAL,
                       "%s:%d:%d: %s", path, je.line, je.column, je.text);
  rd_ctx c = {path, "schedule", err};
  static const char *const keys[] = {"version", "mapper", "levels", "units",
                                     "tensors", "ops", "groups", "payload",
                                     NULL};
  int rc;
  int64_t ver = 0;
  if (!json_is_object(o)) {
    rc = rd_fail(&c, NULL, "must be a JSON object");
    goto done;
  }
  if ((rc = rd_keys(&c, o, keys))) goto done;
  if (!json_object_get(o, "version")) {
    rc = rd_fail(&c, "version", "missing (this tfsim reads version %d)",
                 SIM_SCHED_VERSION);
    goto done;
  }
  if ((rc = rd_i64(&c, o, "version", INT32_MIN, INT32_MAX, 0, &ver))) goto done;
  if (ver != SIM_SCHED_VERSION) {
    rc = rd_fail(&c, "version", "%lld is not supported (this tfsim reads "
                 "version %d)", (long long)ver, SIM_SCHED_VERSION);
    goto done;
  }
  if ((rc = rd_str(&c, o, "mapper", SIM_NAME_MAX, out->mapper)) ||
      (rc = rd_names(&c, o, "levels", out, sim_sched_level, SIM_LEVEL_MAX)) ||
      (rc = rd_names(&c, o, "units", out, sim_sched_unit, SIM_UNIT_MAX)))
    goto done;
  json_t *tens = json_object_get(o, "tensors");
  if (tens && !json_is_array(tens)) {
    rc = rd_fail(&c, "tensors", "must be an array");
    goto done;
  }
  static const char *const tkeys[] = {"name", "bytes", "prec", "kind",
                                      "level", "addr", "channel", "bank",
                                      NULL};
  for (size_t t = 0; t < json_array_size(tens); t++) {
    json_t *j = json_array_get(tens, t);
    sim_tensor tn;
    sim_tensor_init(&tn, "", 0, SIM_P_FP16, SIM_T_ACT);
    snprintf(c.where, sizeof c.where, "tensors[%zu]", t);
    if (!json_is_object(j)) {
      rc = rd_fail(&c, NULL, "must be an object");
      goto done;
    }
    int64_t v = 0;
    char lvl[SIM_KIND_MAX];
    if ((rc = rd_str(&c, j, "name", SIM_NAME_MAX, tn.name))) goto done;
    snprintf(c.where, sizeof c.where, "tensors[%zu] '%s'", t, tn.name);
    if ((rc = rd_keys(&c, j, tkeys)) ||
        (rc = rd_u64(&c, j, "bytes", 1, 0, &tn.bytes)) ||
        (rc = rd_enum(&c, j, "prec", p_prec, &tn.prec, PRECS)) ||
        (rc = rd_enum(&c, j, "kind", p_tkind, &tn.kind,
                      "weight, act, kv, scratch")))
      goto done;
    if (json_object_get(j, "level")) {
      if ((rc = rd_str(&c, j, "level", SIM_KIND_MAX, lvl))) goto done;
      int l = sim_sched_find_level(out, lvl);
      if (l < 0) {
        rc = rd_fail(&c, "level", "'%s' is not in levels", lvl);
        goto done;
      }
      tn.level = (int16_t)l;
    }
    if ((rc = rd_i64(&c, j, "addr", 0, INT64_MAX, -1, &tn.addr))) goto done;
    if ((rc = rd_i64(&c, j, "channel", 0, INT32_MAX, -1, &v))) goto done;
    tn.channel = (int32_t)v;
    if ((rc = rd_i64(&c, j, "bank", 0, INT32_MAX, -1, &v))) goto done;
    tn.bank = (int32_t)v;
    if (sim_sched_push_tensor(out, &tn) < 0) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      goto done;
    }
  }
  json_t *ops = json_object_get(o, "ops");
  if (!json_is_array(ops)) {
    snprintf(c.where, sizeof c.where, "schedule");
    rc = rd_fail(&c, "ops", "must be an array");
    goto done;
  }
  for (size_t i = 0; i < json_array_size(ops); i++) {
    sim_sched_op op;
    rc = rd_op(&c, json_array_get(ops, i), out, i, &op);
    if (!rc && sim_sched_push(out, &op) < 0)
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    sim_free(op.payload);
    if (rc) goto done;
  }
  json_t *grs = json_object_get(o, "groups");
  if (grs && !json_is_array(grs)) {
    snprintf(c.where, sizeof c.where, "schedule");
    rc = rd_fail(&c, "groups", "must be an array");
    goto done;
  }
  static const char *const gkeys[] = {"name", "first", "n", "iters", "carry",
                                      NULL};
  for (size_t g = 0; g < json_array_size(grs); g++) {
    json_t *j = json_array_get(grs, g);
    sim_sched_group gr;
    memset(&gr, 0, sizeof gr);
    snprintf(c.where, sizeof c.where, "groups[%zu]", g);
    if (!json_is_object(j)) {
      rc = rd_fail(&c, NULL, "must be an object");
      goto done;
    }
    uint64_t first, n;
    if ((rc = rd_str(&c, j, "name", SIM_NAME_MAX, gr.name))) goto done;
    snprintf(c.where, sizeof c.where, "groups[%zu] '%s'", g, gr.name);
    if ((rc = rd_keys(&c, j, gkeys)) ||
        (rc = rd_u64(&c, j, "first", 1, 0, &first)) ||
        (rc = rd_u64(&c, j, "n", 1, 0, &n)) ||
        (rc = rd_u64(&c, j, "iters", 1, 1, &gr.iters)))
      goto done;
    if (gr.iters < 1) {
      rc = rd_fail(&c, "iters", "must be >= 1");
      goto done;
    }
    if (n < 1 || first >= out->n_ops || n > out->n_ops - first) {
      rc = rd_fail(&c, "first", "ops [%llu, %llu) are not ops of the "
                   "schedule (%zu ops)", (unsigned long long)first,
                   (unsigned long long)(first + n), out->n_ops);
      goto done;
    }
    gr.first = (uint32_t)first;
    gr.n = (uint32_t)n;
    json_t *ca = json_object_get(j, "carry");
    if (ca && (!json_is_array(ca) ||
               json_array_size(ca) > SIM_GROUP_MAX_CARRY)) {
      rc = rd_fail(&c, "carry", "must be an array of at most %d [from, to]",
                   SIM_GROUP_MAX_CARRY);
      goto done;
    }
    for (size_t k = 0; k < json_array_size(ca); k++) {
      json_t *pr = json_array_get(ca, k);
      json_t *f = json_array_get(pr, 0), *t = json_array_get(pr, 1);
      if (!json_is_array(pr) || json_array_size(pr) != 2 ||
          !json_is_integer(f) || !json_is_integer(t) ||
          json_integer_value(f) < (json_int_t)first ||
          json_integer_value(f) >= (json_int_t)(first + n) ||
          json_integer_value(t) < (json_int_t)first ||
          json_integer_value(t) >= (json_int_t)(first + n)) {
        rc = rd_fail(&c, "carry", "[%zu]: must be [from, to], op indices "
                     "inside the group", k);
        goto done;
      }
      gr.carry[k].from = (uint32_t)json_integer_value(f);
      gr.carry[k].to = (uint32_t)json_integer_value(t);
      gr.n_carry = (uint32_t)(k + 1);
    }
    if (sim_sched_push_group(out, &gr) < 0) {
      rc = rd_fail(&c, "first", "overlaps another group");
      goto done;
    }
  }
  snprintf(c.where, sizeof c.where, "schedule");
  if ((rc = rd_payload(&c, o, &out->payload))) goto done;
  sim_err e2;
  sim_err_clear(&e2);
  if ((rc = sim_sched_check(out, &e2)))
    sim_err_set(err, rc, "%s: %s", path, e2.msg);
done:
  json_decref(o);
  return rc;
}
