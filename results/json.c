/*
 * json.c — the `--json` object of a run (res_report_json) and the
 * schedule as JSON (res_sched_write_json / res_sched_read_json), with
 * jansson.
 *
 * The run object (key order as printed):
 *   arch, arch_class, model, mapper, options (the run options, from
 *   res_run_meta.params_json), status, tfsim_version, [run_id], cycles,
 *   clock, latency_s, energy_j, energy_breakdown_j, util, dram_bytes,
 *   <every report metric>, [stats], [ops]
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
  for (size_t i = 0; i < rep->n_metrics; i++) {
    char key[SIM_NAME_MAX + 1];
    memcpy(key, rep->metrics[i].key, SIM_NAME_MAX);
    key[SIM_NAME_MAX] = '\0';
    if (res__is_headline(key) || json_object_get(o, key)) continue;
    if (res_jset(o, key, res_jnum(rep->metrics[i].value))) goto oom;
  }
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

static const char *const res_op_kinds[SIM_OP_KIND_COUNT] = {
    [SIM_OP_MAC] = "mac",
    [SIM_OP_REDUCE] = "reduce",
    [SIM_OP_ELEM] = "elem",
    [SIM_OP_MOVE] = "move",
};

int res_sched_write_json(FILE *out, const sim_sched *s, sim_err *err) {
  if (!out || !s)
    return sim_err_set(err, SIM_EINVAL, "res_sched_write_json: NULL arg");
  json_t *o = json_object(), *ops = json_array();
  char mapper[SIM_NAME_MAX + 1];
  memcpy(mapper, s->mapper, SIM_NAME_MAX);
  mapper[SIM_NAME_MAX] = '\0';
  int bad = !o || !ops || res_jset(o, "mapper", json_string(mapper));
  for (size_t i = 0; !bad && i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    char name[SIM_NAME_MAX + 1];
    memcpy(name, op->name, SIM_NAME_MAX);
    name[SIM_NAME_MAX] = '\0';
    json_t *j = json_object(), *deps = json_array();
    bad = !j || !deps;
    for (uint32_t d = 0; !bad && d < op->n_deps && d < SIM_OP_MAX_DEPS; d++)
      bad = json_array_append_new(deps, json_integer(op->deps[d])) != 0;
    const char *kind = (unsigned)op->kind < SIM_OP_KIND_COUNT
                           ? res_op_kinds[op->kind]
                           : "?";
    bad = bad || res_jset(j, "name", json_string(name)) ||
          res_jset(j, "kind", json_string(kind)) ||
          res_jset(j, "layer", json_integer(op->layer)) ||
          res_jset(j, "unit", json_integer(op->unit)) ||
          res_jset(j, "macs", res_ju64(op->macs)) ||
          res_jset(j, "elem_ops", res_ju64(op->elem_ops)) ||
          res_jset(j, "rd_bytes", res_ju64(op->rd_bytes)) ||
          res_jset(j, "wr_bytes", res_ju64(op->wr_bytes)) ||
          res_jset(j, "repeat", res_ju64(op->repeat));
    if (bad) {
      json_decref(j);
      json_decref(deps);
      break;
    }
    /* The _new setters take the reference even when they fail. */
    if (json_object_set_new(j, "deps", deps) != 0) {
      json_decref(j);
      bad = 1;
      break;
    }
    bad = json_array_append_new(ops, j) != 0;
  }
  if (!bad) {
    bad = json_object_set_new(o, "ops", ops) != 0;
    ops = NULL;
  }
  int rc = 0;
  if (bad)
    rc = sim_err_set(err, SIM_ENOMEM, "schedule JSON: out of memory");
  else if (json_dumpf(o, out, JSON_INDENT(2)) != 0 || fputc('\n', out) == EOF)
    rc = sim_err_set(err, SIM_EIO, "schedule JSON: cannot write the output");
  json_decref(ops);
  json_decref(o);
  return rc;
}

/* Reads an unsigned field of op i; missing means dflt. */
static int res_get_u64(const char *path, size_t i, json_t *op,
                       const char *key, uint64_t dflt, uint64_t *v,
                       sim_err *err) {
  json_t *j = json_object_get(op, key);
  if (!j) {
    *v = dflt;
    return 0;
  }
  if (!json_is_integer(j) || json_integer_value(j) < 0)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: ops[%zu].%s: must be an integer >= 0", path, i,
                       key);
  *v = (uint64_t)json_integer_value(j);
  return 0;
}

static int res_get_i32(const char *path, size_t i, json_t *op,
                       const char *key, int32_t dflt, int32_t *v,
                       sim_err *err) {
  json_t *j = json_object_get(op, key);
  if (!j) {
    *v = dflt;
    return 0;
  }
  if (!json_is_integer(j) || json_integer_value(j) < INT32_MIN ||
      json_integer_value(j) > INT32_MAX)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: ops[%zu].%s: must be a 32-bit integer", path, i,
                       key);
  *v = (int32_t)json_integer_value(j);
  return 0;
}

static int res_sched_op(const char *path, size_t i, json_t *j,
                        sim_sched_op *op, sim_err *err) {
  memset(op, 0, sizeof *op);
  if (!json_is_object(j))
    return sim_err_set(err, SIM_EINVAL, "%s: ops[%zu]: must be an object",
                       path, i);
  const char *name = json_string_value(json_object_get(j, "name"));
  if (!name || strlen(name) >= SIM_NAME_MAX)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: ops[%zu].name: must be a string of at most %d "
                       "bytes",
                       path, i, SIM_NAME_MAX - 1);
  strcpy(op->name, name);
  const char *kind = json_string_value(json_object_get(j, "kind"));
  int k = -1;
  for (int x = 0; kind && x < SIM_OP_KIND_COUNT; x++)
    if (strcmp(kind, res_op_kinds[x]) == 0) k = x;
  if (k < 0)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: ops[%zu].kind: must be mac, reduce, elem or move",
                       path, i);
  op->kind = (sim_op_kind)k;
  int rc = res_get_i32(path, i, j, "layer", -1, &op->layer, err);
  if (!rc) rc = res_get_i32(path, i, j, "unit", 0, &op->unit, err);
  if (!rc) rc = res_get_u64(path, i, j, "macs", 0, &op->macs, err);
  if (!rc) rc = res_get_u64(path, i, j, "elem_ops", 0, &op->elem_ops, err);
  if (!rc) rc = res_get_u64(path, i, j, "rd_bytes", 0, &op->rd_bytes, err);
  if (!rc) rc = res_get_u64(path, i, j, "wr_bytes", 0, &op->wr_bytes, err);
  if (!rc) rc = res_get_u64(path, i, j, "repeat", 1, &op->repeat, err);
  if (rc) return rc;
  if (op->repeat < 1)
    return sim_err_set(err, SIM_EINVAL, "%s: ops[%zu].repeat: must be >= 1",
                       path, i);
  json_t *deps = json_object_get(j, "deps");
  if (deps && !json_is_array(deps))
    return sim_err_set(err, SIM_EINVAL, "%s: ops[%zu].deps: must be an array",
                       path, i);
  if (json_array_size(deps) > SIM_OP_MAX_DEPS)
    return sim_err_set(err, SIM_EINVAL,
                       "%s: ops[%zu].deps: at most %d dependencies", path, i,
                       SIM_OP_MAX_DEPS);
  for (size_t d = 0; d < json_array_size(deps); d++) {
    json_t *v = json_array_get(deps, d);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (size_t)json_integer_value(v) >= i)
      return sim_err_set(err, SIM_EINVAL,
                         "%s: ops[%zu].deps[%zu]: must be the index of an "
                         "earlier op",
                         path, i, d);
    op->deps[op->n_deps++] = (uint32_t)json_integer_value(v);
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
  int rc = 0;
  const char *mapper = json_string_value(json_object_get(o, "mapper"));
  json_t *ops = json_object_get(o, "ops");
  if (!json_is_object(o) || !mapper || strlen(mapper) >= SIM_NAME_MAX) {
    rc = sim_err_set(err, SIM_EINVAL,
                     "%s: mapper: must be a string of at most %d bytes", path,
                     SIM_NAME_MAX - 1);
    goto done;
  }
  if (!json_is_array(ops)) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: ops: must be an array", path);
    goto done;
  }
  strcpy(out->mapper, mapper);
  for (size_t i = 0; i < json_array_size(ops); i++) {
    sim_sched_op op;
    rc = res_sched_op(path, i, json_array_get(ops, i), &op, err);
    if (rc) goto done;
    int r = sim_sched_push(out, &op);
    if (r < 0) {
      rc = sim_err_set(err, r, "%s: ops[%zu]: %s", path, i, sim_strerror(r));
      goto done;
    }
  }
done:
  json_decref(o);
  return rc;
}
