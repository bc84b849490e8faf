/*
 * ideal.c — the `ideal` class: an unfused, op-serial roofline.  One
 * compute unit ("core": a MAC peak per precision and an element-wise peak)
 * and one memory level ("dram": a bandwidth and a capacity).  Run through
 * the generic executor (sim/exec.c): each op's compute time is
 *
 *     t_c = macs / mac_rate(precision) + elem_ops / elem_rate
 *
 * and the executor makes it max(t_c, bytes / bandwidth); one core means
 * ops run one after another in schedule order (the mapper's order
 * respects the dependencies).  Inside an op compute and memory overlap
 * perfectly; across ops nothing overlaps and nothing is fused.  That is
 * an honest upper bound on speed, not a model of any chip's
 * inefficiencies: the report labels it `"schedule": "unfused, op-serial
 * roofline"`.
 *
 * Precision: ideal.macs_per_cycle is the rate of the preset's headline
 * precision (fp16 and bf16); ideal.macs_per_cycle_prec gives the others
 * (fp32, tf32, int8, int4, fp8), and ideal.energy.mac_pj_prec their energy
 * per MAC.  A precision with no rate is an error naming the key to add.
 *
 * Capacity: ideal.capacity_gb (optional) is checked against the
 * schedule's resident tensors (weights and KV cache, each once); the
 * report says fits_memory and by how much it does not fit.
 *
 * Detailed memory: ideal.dram names a DRAM preset (a path, or a name from
 * `tfsim list archs`).  Then the off-chip traffic goes through the cycle-accurate DRAM
 * model (arch/dram/dram_backend.c) instead of mem_bw_gbps: an op is done
 * when its compute time has passed and its last DRAM request completed;
 * DRAM energy comes from the model's IDD currents instead of
 * dram_byte_pj, and the report adds row_hit_rate, avg_read_latency_cycles
 * and bandwidth_gbps.  mem_bw_gbps is then unused.
 *
 * Energy is per action (DESIGN.md section 6): pJ per MAC, per elementwise
 * op, per DRAM byte, plus static power times latency.  The numbers and
 * their sources live in the preset YAML (arch/configs/ideal.yaml).
 */
#include "arch/arch.h"
#include "arch/dram/dram.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Per-precision values; NULL when absent. */
typedef struct ideal_prec_tab {
  double *fp32, *tf32, *fp16, *bf16, *int8, *int4, *fp8;
} ideal_prec_tab;

typedef struct ideal_energy {
  double mac_pj;
  double elem_op_pj;
  double dram_byte_pj;
  double static_w;
  ideal_prec_tab *mac_pj_prec;
} ideal_energy;

typedef struct ideal_sec {
  double clock_mhz;
  double macs_per_cycle;
  ideal_prec_tab *macs_per_cycle_prec;
  double elem_ops_per_cycle;
  double mem_bw_gbps;
  double capacity_gb;
  char *dram;
  ideal_energy *energy;
} ideal_sec;

typedef struct ideal_file {
  ARCH_HEADER_FIELDS;
  ideal_sec *ideal;
} ideal_file;

#define PREC_FIELD(n)                                                      \
  CYAML_FIELD_FLOAT_PTR(#n, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,    \
                        ideal_prec_tab, n)
static const cyaml_schema_field_t prec_fields[] = {
    PREC_FIELD(fp32), PREC_FIELD(tf32), PREC_FIELD(fp16), PREC_FIELD(bf16),
    PREC_FIELD(int8), PREC_FIELD(int4), PREC_FIELD(fp8), CYAML_FIELD_END};

static const cyaml_schema_field_t energy_fields[] = {
    CYAML_FIELD_FLOAT("mac_pj", CYAML_FLAG_DEFAULT, ideal_energy, mac_pj),
    CYAML_FIELD_FLOAT("elem_op_pj", CYAML_FLAG_DEFAULT, ideal_energy,
                      elem_op_pj),
    CYAML_FIELD_FLOAT("dram_byte_pj", CYAML_FLAG_DEFAULT, ideal_energy,
                      dram_byte_pj),
    CYAML_FIELD_FLOAT("static_w", CYAML_FLAG_OPTIONAL, ideal_energy,
                      static_w),
    CYAML_FIELD_MAPPING_PTR("mac_pj_prec",
                            CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            ideal_energy, mac_pj_prec, prec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t sec_fields[] = {
    CYAML_FIELD_FLOAT("clock_mhz", CYAML_FLAG_DEFAULT, ideal_sec, clock_mhz),
    CYAML_FIELD_FLOAT("macs_per_cycle", CYAML_FLAG_DEFAULT, ideal_sec,
                      macs_per_cycle),
    CYAML_FIELD_MAPPING_PTR("macs_per_cycle_prec",
                            CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            ideal_sec, macs_per_cycle_prec, prec_fields),
    CYAML_FIELD_FLOAT("elem_ops_per_cycle", CYAML_FLAG_DEFAULT, ideal_sec,
                      elem_ops_per_cycle),
    CYAML_FIELD_FLOAT("mem_bw_gbps", CYAML_FLAG_DEFAULT, ideal_sec,
                      mem_bw_gbps),
    CYAML_FIELD_FLOAT("capacity_gb", CYAML_FLAG_OPTIONAL, ideal_sec,
                      capacity_gb),
    CYAML_FIELD_STRING_PTR("dram", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           ideal_sec, dram, 1, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("energy", CYAML_FLAG_POINTER, ideal_sec, energy,
                            energy_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(ideal_file),
    CYAML_FIELD_MAPPING_PTR("ideal", CYAML_FLAG_POINTER, ideal_file, ideal,
                            sec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, ideal_file, file_fields)};

/* Rates are kept as products of the config values (per microsecond for
 * compute, GB/s for memory) so that t_ps = work * 1e6 / rate is exact
 * whenever the inputs are round numbers: no 0.002 B/ps in binary. */
typedef struct ideal_state {
  uint64_t period_ps;    /* clock period */
  double macs_per_us[SIM_PREC_COUNT]; /* peak MAC rate, 0: none */
  double mac_pj[SIM_PREC_COUNT];
  double elem_per_us;
  double gbps;           /* 1e9 B/s = 1e-3 B/ps */
  double capacity_b;     /* 0: not checked */
  int has_dram;          /* traffic through the DRAM model */
  dram_spec dram;        /* its compiled preset */
  ideal_energy e;
} ideal_state;

/* ideal.dram: a path as given, else a preset name (arch_preset_path:
 * the file name without .yaml, or the preset's name:). */
static int ideal_dram_path(const sim_cfg *c, const char *v, char *out,
                           size_t n, sim_err *err) {
  FILE *f = fopen(v, "r");
  if (f) {
    fclose(f);
    snprintf(out, n, "%s", v);
    return 0;
  }
  if (arch_preset_path(v, out, n) == 0) return 0;
  return sim_cfg_failc(c, err, SIM_ENOENT, "ideal.dram",
                       "no DRAM preset '%s' (a path, or a name from "
                       "tfsim list archs)", v);
}

static int ideal_init(const sim_cfg *c, void **state, sim_err *err) {
  const ideal_file *f = c->data;
  const ideal_sec *s = f->ideal;
  int rc;
  *state = NULL;
  if ((rc = sim_cfg_check_pos(c, err, "ideal.clock_mhz", s->clock_mhz)) ||
      (rc = sim_cfg_check_pos(c, err, "ideal.macs_per_cycle", s->macs_per_cycle)) ||
      (rc = sim_cfg_check_pos(c, err, "ideal.elem_ops_per_cycle",
                      s->elem_ops_per_cycle)) ||
      (rc = sim_cfg_check_pos(c, err, "ideal.mem_bw_gbps", s->mem_bw_gbps)) ||
      (rc = sim_cfg_check_nonneg(c, err, "ideal.energy.mac_pj", s->energy->mac_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "ideal.energy.elem_op_pj",
                         s->energy->elem_op_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "ideal.energy.dram_byte_pj",
                         s->energy->dram_byte_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "ideal.energy.static_w",
                         s->energy->static_w)))
    return rc;
  uint64_t period_ps;
  if (sim_s_to_ps(1e-6 / s->clock_mhz, &period_ps))
    return sim_cfg_failc(c, err, SIM_ERANGE, "ideal.clock_mhz",
                         "clock period overflows 64-bit picoseconds");
  if (period_ps < 1)
    return sim_cfg_failc(c, err, SIM_ERANGE, "ideal.clock_mhz",
                         "clock period below 1 ps is not representable");
  if ((rc = sim_cfg_check_nonneg(c, err, "ideal.capacity_gb", s->capacity_gb)))
    return rc;
  ideal_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  st->period_ps = period_ps;
  /* fp16 and bf16 run at the headline rate unless the table says else. */
  st->macs_per_us[SIM_P_FP16] = st->macs_per_us[SIM_P_BF16] =
      s->macs_per_cycle * s->clock_mhz;
  /* Every precision costs mac_pj unless mac_pj_prec says otherwise. */
  for (int p = 0; p < SIM_PREC_COUNT; p++) st->mac_pj[p] = s->energy->mac_pj;
  static const struct { const char *name; sim_prec p; size_t off; } tab[] = {
      {"fp32", SIM_P_FP32, offsetof(ideal_prec_tab, fp32)},
      {"tf32", SIM_P_TF32, offsetof(ideal_prec_tab, tf32)},
      {"fp16", SIM_P_FP16, offsetof(ideal_prec_tab, fp16)},
      {"bf16", SIM_P_BF16, offsetof(ideal_prec_tab, bf16)},
      {"int8", SIM_P_INT8, offsetof(ideal_prec_tab, int8)},
      {"int4", SIM_P_INT4, offsetof(ideal_prec_tab, int4)},
      {"fp8", SIM_P_FP8, offsetof(ideal_prec_tab, fp8)}};
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    char key[64];
    const double *v;
    if (s->macs_per_cycle_prec &&
        (v = *(double *const *)((const char *)s->macs_per_cycle_prec +
                                tab[i].off))) {
      snprintf(key, sizeof key, "ideal.macs_per_cycle_prec.%s", tab[i].name);
      if ((rc = sim_cfg_check_pos(c, err, key, *v))) goto bad;
      st->macs_per_us[tab[i].p] = *v * s->clock_mhz;
    }
    if (s->energy->mac_pj_prec &&
        (v = *(double *const *)((const char *)s->energy->mac_pj_prec +
                                tab[i].off))) {
      snprintf(key, sizeof key, "ideal.energy.mac_pj_prec.%s", tab[i].name);
      if ((rc = sim_cfg_check_nonneg(c, err, key, *v))) goto bad;
      st->mac_pj[tab[i].p] = *v;
    }
  }
  st->elem_per_us = s->elem_ops_per_cycle * s->clock_mhz;
  st->gbps = s->mem_bw_gbps;
  st->capacity_b = s->capacity_gb * 1e9;
  st->e = *s->energy;
  st->e.mac_pj_prec = NULL;
  if (s->dram) {
    char path[1024];
    if ((rc = ideal_dram_path(c, s->dram, path, sizeof path, err))) goto bad;
    sim_err e2;
    sim_err_clear(&e2);
    if ((rc = dram_spec_load(path, &st->dram, &e2))) {
      rc = sim_cfg_failc(c, err, rc, "ideal.dram", "%s", e2.msg);
      goto bad;
    }
    st->has_dram = 1;
    if (!(st->capacity_b > 0)) st->capacity_b = (double)st->dram.capacity_bytes;
  }
  *state = st;
  return 0;
bad:
  sim_free(st);
  return rc;
}

static void ideal_fini(void *state) {
  ideal_state *st = state;
  if (st && st->has_dram) dram_spec_fini(&st->dram);
  sim_free(st);
}

typedef struct ideal_ctx {
  const ideal_state *st;
  const sim_cfg *cfg;
} ideal_ctx;

/* The executor's cost: compute time of one instance. */
static int ideal_cost(void *ctx, const sim_sched *s, size_t i, double *t_ps,
                      sim_err *err) {
  const ideal_ctx *c = ctx;
  const sim_sched_op *op = &s->ops[i];
  double rate = op->prec < SIM_PREC_COUNT ? c->st->macs_per_us[op->prec] : 0;
  if (op->macs && !(rate > 0))
    return sim_err_set(err, SIM_EUNSUP, "op %s: %s has no MAC rate for "
                       "precision %s (add ideal.macs_per_cycle_prec.%s)",
                       op->name, c->cfg->path, sim_prec_name(op->prec),
                       sim_prec_name(op->prec));
  *t_ps = (op->macs ? (double)op->macs * 1e6 / rate : 0) +
          (double)op->elem_ops * 1e6 / c->st->elem_per_us;
  return 0;
}

static double ideal_op_pj(void *ctx, const sim_sched *s, size_t i,
                          uint64_t inst) {
  const ideal_state *st = ((const ideal_ctx *)ctx)->st;
  const sim_sched_op *op = &s->ops[i];
  /* With the DRAM model, DRAM energy is per command, not per op. */
  double bytes = st->has_dram ? 0 : (double)(op->rd_bytes[0] + op->wr_bytes[0]);
  return (double)inst * ((double)op->macs * st->mac_pj[op->prec] +
                         (double)op->elem_ops * st->e.elem_op_pj +
                         bytes * st->e.dram_byte_pj);
}

/* Statistics, energy, utilisation and the capacity check. */
static int ideal_account(const ideal_state *st, const sim_sched *s,
                         const sim_exec_result *xr, sim_report *rep,
                         sim_err *err) {
  sim_stats *ss = rep->stats;
  int h_macs = sim_stat_register(ss, "compute", "macs", "MAC",
                                 SIM_STAT_COUNT);
  int h_elem = sim_stat_register(ss, "compute", "elem_ops", "op",
                                 SIM_STAT_COUNT);
  int h_rd = sim_stat_register(ss, "dram", "rd_bytes", "B", SIM_STAT_COUNT);
  int h_wr = sim_stat_register(ss, "dram", "wr_bytes", "B", SIM_STAT_COUNT);
  int h_ec = sim_stat_register(ss, "compute", "energy", "pJ", SIM_STAT_SUM);
  /* With the DRAM model its energy comes from its commands (dram.*). */
  int h_ed = st->has_dram ? 0 : sim_stat_register(ss, "dram", "energy", "pJ",
                                                  SIM_STAT_SUM);
  int h_es = sim_stat_register(ss, "static", "energy", "pJ", SIM_STAT_SUM);
  if (h_macs < 0 || h_elem < 0 || h_rd < 0 || h_wr < 0 || h_ec < 0 ||
      h_ed < 0 || h_es < 0)
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  double t_peak_ps = 0; /* time the MACs take at peak */
  uint64_t macs = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t n = xr->ops[i].inst;
    uint64_t m = op->macs * n, el = op->elem_ops * n;
    uint64_t rd = op->rd_bytes[0] * n, wr = op->wr_bytes[0] * n;
    sim_stat_add(ss, h_macs, m);
    sim_stat_add(ss, h_elem, el);
    sim_stat_add(ss, h_rd, rd);
    sim_stat_add(ss, h_wr, wr);
    sim_stat_addf(ss, h_ec, (double)m * st->mac_pj[op->prec] +
                                (double)el * st->e.elem_op_pj);
    if (!st->has_dram)
      sim_stat_addf(ss, h_ed, (double)(rd + wr) * st->e.dram_byte_pj);
    if (m) t_peak_ps += (double)m * 1e6 / st->macs_per_us[op->prec];
    macs += m;
  }
  double lat = (double)rep->latency_ps;
  sim_stat_addf(ss, h_es, st->e.static_w * lat);
  rep->util = lat > 0 ? t_peak_ps / lat : 0.0;
  snprintf(rep->schedule, sizeof rep->schedule,
           "unfused, op-serial roofline");
  int rc = sim_report_metric_agg(rep, "macs", (double)macs, SIM_AGG_SUM);
  if (!rc && st->capacity_b > 0) {
    /* Resident: weights and KV cache; activations are transient. */
    uint64_t need = 0;
    for (size_t t = 0; t < s->n_tensors; t++) {
      const sim_tensor *tn = &s->tensors[t];
      if (tn->kind != SIM_T_WEIGHT && tn->kind != SIM_T_KV) continue;
      uint64_t it = 1;
      for (size_t i = 0; i < s->n_ops && it == 1; i++)
        for (unsigned k = 0; k < s->ops[i].n_in; k++)
          if ((size_t)s->ops[i].in[k] == t)
            it = sim_sched_op_iters(s, &s->ops[i]);
      need += tn->bytes * it;
    }
    int fits = (double)need <= st->capacity_b;
    rc = sim_report_metric_bool(rep, "fits_memory", fits);
    if (!rc) rc = sim_report_metric_agg(rep, "resident_bytes", (double)need,
                                        SIM_AGG_MAX);
    if (!rc && !fits)
      rc = sim_report_metric_agg(rep, "memory_shortfall_bytes",
                                 (double)need - st->capacity_b, SIM_AGG_MAX);
  }
  if (rc) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  return 0;
}

/* A run: the executor on an engine.  A decode keeps one session (one
 * engine, and the DRAM model's state) for all its steps, so a step costs
 * no set-up and open rows and the refresh phase carry over. */
typedef struct ideal_session {
  ideal_ctx ctx;
  sim_exec_arch a;
  sim_engine *e;
  dram_be *be;      /* NULL: a bandwidth figure */
  int level;        /* the step's "dram" level */
  const sim_sched *sched;
  uint32_t *parts;  /* per executor token: parts not yet done */
  size_t cap_parts;
  sim_exec *x;
} ideal_session;

static void ideal_end(void *session) {
  ideal_session *ss = session;
  if (!ss) return;
  dram_be_free(ss->be);
  sim_engine_free(ss->e);
  sim_free(ss->parts);
  sim_free(ss);
}

/* The DRAM back end failed inside a memory cycle (out of memory). */
static void be_fail(void *ctx, const sim_err *e) {
  ideal_session *ss = ctx;
  if (ss->x) sim_exec_fail(ss->x, e->code, e->msg);
}

static void part_done(void *ctx, uint64_t token) {
  ideal_session *ss = ctx;
  if (--ss->parts[token] == 0) sim_exec_done(ss->x, token);
}

static void compute_done(sim_engine *e, void *ctx, uint64_t token) {
  (void)e;
  part_done(ctx, token);
}

/* With a DRAM back end: the op is done when its compute time has passed
 * and its traffic has moved through the DRAM model. */
static int ideal_start(void *ctx, sim_exec *x, const sim_sched *s,
                       size_t op, uint64_t iter, uint64_t n_inst,
                       uint64_t token, sim_err *err) {
  (void)iter;
  ideal_session *ss = (ideal_session *)((char *)ctx -
                                        offsetof(ideal_session, ctx));
  ss->x = x;
  if (token >= ss->cap_parts) {
    size_t cap = ss->cap_parts ? ss->cap_parts * 2 : 16;
    while (cap <= token) cap *= 2;
    uint32_t *p = sim_realloc(ss->parts, cap * sizeof *p);
    if (!p) return sim_err_set(err, SIM_ENOMEM, "out of memory");
    ss->parts = p;
    ss->cap_parts = cap;
  }
  double t_c;
  int rc = ideal_cost(ctx, s, op, &t_c, err);
  if (rc) return rc;
  t_c *= (double)n_inst; /* one core: instances one after another */
  ss->parts[token] = 2;
  if (!(t_c < 1.8e19))
    return sim_err_set(err, SIM_ERANGE, "op %s: duration overflows 64-bit "
                       "picoseconds", s->ops[op].name);
  rc = sim_schedule_in(ss->e, (uint64_t)ceil(t_c), 0, compute_done, ss,
                       token, NULL);
  if (rc) return sim_err_set(err, rc, "op %s: %s", s->ops[op].name,
                             sim_strerror(rc));
  return dram_be_start(ss->be, s, op, n_inst, ss->level, part_done, ss,
                       token, err);
}

static int ideal_begin(void *state, const sim_cfg *cfg, void **session,
                       sim_err *err) {
  const ideal_state *st = state;
  ideal_session *ss = sim_calloc(1, sizeof *ss);
  *session = NULL;
  if (!ss || !(ss->e = sim_engine_new()) ||
      sim_clock_add(ss->e, "core", st->period_ps) < 0) {
    ideal_end(ss);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  ss->ctx.st = st;
  ss->ctx.cfg = cfg;
  sim_exec_arch *a = &ss->a;
  snprintf(a->units[0].kind, sizeof a->units[0].kind, "core");
  a->units[0].count = 1;
  a->n_units = 1;
  snprintf(a->levels[0].name, sizeof a->levels[0].name, "dram");
  a->levels[0].gbps = st->has_dram ? 0 : st->gbps;
  a->n_levels = 1;
  a->ctx = &ss->ctx;
  a->cost = ideal_cost;
  if (st->has_dram) {
    int rc = dram_be_new(ss->e, &st->dram, &ss->be, err);
    if (rc) {
      ideal_end(ss);
      return rc;
    }
    a->start = ideal_start;
    dram_be_on_fail(ss->be, be_fail, ss);
  }
  *session = ss;
  return 0;
}

static int ideal_step(void *session, const sim_sched *sched, sim_report *rep,
                      sim_err *err) {
  ideal_session *ss = session;
  const ideal_state *st = ss->ctx.st;
  sim_exec_result xr;
  memset(&xr, 0, sizeof xr);
  int lvl = sim_sched_find_level(sched, "dram");
  ss->level = lvl;
  int rc = ss->be ? dram_be_place(ss->be, sched, err) : 0;
  if (!rc) rc = sim_exec_run(ss->e, sched, &ss->a, NULL, &xr, err);
  if (!rc)
    rc = arch_exec_report(sched, &xr, st->period_ps, "core", lvl,
                          ideal_op_pj, &ss->ctx, rep, err);
  if (!rc) rc = ideal_account(st, sched, &xr, rep, err);
  if (!rc && ss->be) {
    dram_counters d;
    dram_be_take(ss->be, &d);
    rc = dram_be_report(&st->dram, &d, rep, err);
  }
  sim_exec_result_fini(&xr);
  return rc;
}

static int ideal_summarize(void *state, sim_report *rep, sim_err *err) {
  const ideal_state *st = state;
  return st->has_dram ? dram_be_summarize(rep, err) : 0;
}

const arch_ops ideal_arch_ops = {
    .iVersion = 2,
    .cls = "ideal",
    .summary = "unfused, op-serial roofline: compute peak per precision, "
               "memory bandwidth and capacity",
    .schema = &file_schema,
    .init = ideal_init,
    .fini = ideal_fini,
    .trace = NULL,
    .begin = ideal_begin,
    .step = ideal_step,
    .end = ideal_end,
    .summarize = ideal_summarize,
};
