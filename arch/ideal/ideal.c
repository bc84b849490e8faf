/*
 * ideal.c — the `ideal` roofline architecture: a compute peak, an
 * elementwise-op peak and one memory bandwidth.  Each scheduled op takes
 *
 *     t_op = max( macs / mac_rate + elem_ops / elem_rate,
 *                 (rd_bytes + wr_bytes) / mem_bw )
 *
 * and ops run one after another (the schedule's order respects its
 * dependencies).  This is an honest upper bound on speed, not a model of
 * any particular chip's inefficiencies: nothing overlaps across ops, and
 * inside an op compute and memory overlap perfectly.
 *
 * The engine drives it: each op's completion is an event that starts the
 * next, so per-op start/end times come from the event timeline.
 *
 * Energy is per action (DESIGN.md section 6): pJ per MAC, per elementwise
 * op, per DRAM byte, plus static power times latency.  The numbers and
 * their sources live in the preset YAML (arch/configs/ideal.yaml).
 *
 * Config section `ideal:` keys: clock_mhz, macs_per_cycle,
 * elem_ops_per_cycle, mem_bw_gbps (1e9 B/s), energy.{mac_pj, elem_op_pj,
 * dram_byte_pj, static_w}.
 */
#include "arch/arch.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct ideal_energy {
  double mac_pj;
  double elem_op_pj;
  double dram_byte_pj;
  double static_w;
} ideal_energy;

typedef struct ideal_sec {
  double clock_mhz;
  double macs_per_cycle;
  double elem_ops_per_cycle;
  double mem_bw_gbps;
  ideal_energy *energy;
} ideal_sec;

typedef struct ideal_file {
  ARCH_HEADER_FIELDS;
  ideal_sec *ideal;
} ideal_file;

static const cyaml_schema_field_t energy_fields[] = {
    CYAML_FIELD_FLOAT("mac_pj", CYAML_FLAG_DEFAULT, ideal_energy, mac_pj),
    CYAML_FIELD_FLOAT("elem_op_pj", CYAML_FLAG_DEFAULT, ideal_energy,
                      elem_op_pj),
    CYAML_FIELD_FLOAT("dram_byte_pj", CYAML_FLAG_DEFAULT, ideal_energy,
                      dram_byte_pj),
    CYAML_FIELD_FLOAT("static_w", CYAML_FLAG_OPTIONAL, ideal_energy,
                      static_w),
    CYAML_FIELD_END};

static const cyaml_schema_field_t sec_fields[] = {
    CYAML_FIELD_FLOAT("clock_mhz", CYAML_FLAG_DEFAULT, ideal_sec, clock_mhz),
    CYAML_FIELD_FLOAT("macs_per_cycle", CYAML_FLAG_DEFAULT, ideal_sec,
                      macs_per_cycle),
    CYAML_FIELD_FLOAT("elem_ops_per_cycle", CYAML_FLAG_DEFAULT, ideal_sec,
                      elem_ops_per_cycle),
    CYAML_FIELD_FLOAT("mem_bw_gbps", CYAML_FLAG_DEFAULT, ideal_sec,
                      mem_bw_gbps),
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
  double macs_per_us;    /* peak MAC rate */
  double elem_per_us;
  double gbps;           /* 1e9 B/s = 1e-3 B/ps */
  ideal_energy e;
} ideal_state;

static double ideal_t_compute(const ideal_state *st, const sim_sched_op *op) {
  return (double)op->repeat * ((double)op->macs * 1e6 / st->macs_per_us +
                               (double)op->elem_ops * 1e6 / st->elem_per_us);
}

static double ideal_t_memory(const ideal_state *st, const sim_sched_op *op) {
  return (double)op->repeat * (double)(op->rd_bytes + op->wr_bytes) * 1e3 /
         st->gbps;
}

static int check_pos(const sim_cfg *c, sim_err *err, const char *key,
                     double v) {
  if (!isfinite(v)) return sim_cfg_fail(c, err, key, "must be finite");
  if (!(v > 0)) return sim_cfg_fail(c, err, key, "must be > 0 (got %g)", v);
  return 0;
}

static int check_nonneg(const sim_cfg *c, sim_err *err, const char *key,
                        double v) {
  if (!isfinite(v)) return sim_cfg_fail(c, err, key, "must be finite");
  if (!(v >= 0)) return sim_cfg_fail(c, err, key, "must be >= 0 (got %g)", v);
  return 0;
}

static int ideal_init(const sim_cfg *c, void **state, sim_err *err) {
  const ideal_file *f = c->data;
  const ideal_sec *s = f->ideal;
  int rc;
  *state = NULL;
  if ((rc = check_pos(c, err, "ideal.clock_mhz", s->clock_mhz)) ||
      (rc = check_pos(c, err, "ideal.macs_per_cycle", s->macs_per_cycle)) ||
      (rc = check_pos(c, err, "ideal.elem_ops_per_cycle",
                      s->elem_ops_per_cycle)) ||
      (rc = check_pos(c, err, "ideal.mem_bw_gbps", s->mem_bw_gbps)) ||
      (rc = check_nonneg(c, err, "ideal.energy.mac_pj", s->energy->mac_pj)) ||
      (rc = check_nonneg(c, err, "ideal.energy.elem_op_pj",
                         s->energy->elem_op_pj)) ||
      (rc = check_nonneg(c, err, "ideal.energy.dram_byte_pj",
                         s->energy->dram_byte_pj)) ||
      (rc = check_nonneg(c, err, "ideal.energy.static_w",
                         s->energy->static_w)))
    return rc;
  uint64_t period_ps;
  if (sim_s_to_ps(1e-6 / s->clock_mhz, &period_ps))
    return sim_cfg_failc(c, err, SIM_ERANGE, "ideal.clock_mhz",
                         "clock period overflows 64-bit picoseconds");
  if (period_ps < 1)
    return sim_cfg_failc(c, err, SIM_ERANGE, "ideal.clock_mhz",
                         "clock period below 1 ps is not representable");
  ideal_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  st->period_ps = period_ps;
  st->macs_per_us = s->macs_per_cycle * s->clock_mhz;
  st->elem_per_us = s->elem_ops_per_cycle * s->clock_mhz;
  st->gbps = s->mem_bw_gbps;
  st->e = *s->energy;
  *state = st;
  return 0;
}

static void ideal_fini(void *state) { sim_free(state); }

/* The run: one event per op completion. */
typedef struct ideal_run {
  const ideal_state *st;
  const sim_sched *sched;
  sim_report *rep;
  size_t next;        /* next op to start */
  uint64_t op_start;  /* start of the op in flight */
  int rc;
  sim_err *err;
  int h_macs, h_elem, h_rd, h_wr, h_e_compute, h_e_dram;
  int compute_bound;  /* of the op in flight, decided when it starts */
} ideal_run;

static void ideal_start_next(sim_engine *e, ideal_run *r);

static void ideal_op_done(sim_engine *e, void *ctx, uint64_t idx) {
  ideal_run *r = ctx;
  const sim_sched_op *op = &r->sched->ops[idx];
  const ideal_state *st = r->st;
  sim_op_record rec;
  memset(&rec, 0, sizeof rec);
  memcpy(rec.name, op->name, sizeof rec.name);
  rec.layer = op->layer;
  rec.start_ps = r->op_start;
  rec.end_ps = sim_now(e);
  rec.macs = op->macs * op->repeat;
  rec.elem_ops = op->elem_ops * op->repeat;
  rec.rd_bytes = op->rd_bytes * op->repeat;
  rec.wr_bytes = op->wr_bytes * op->repeat;
  rec.energy_pj = (double)rec.macs * st->e.mac_pj +
                  (double)rec.elem_ops * st->e.elem_op_pj +
                  (double)(rec.rd_bytes + rec.wr_bytes) * st->e.dram_byte_pj;
  strcpy(rec.bound, r->compute_bound ? "compute" : "memory");
  sim_stats *s = r->rep->stats;
  sim_stat_add(s, r->h_macs, rec.macs);
  sim_stat_add(s, r->h_elem, rec.elem_ops);
  sim_stat_add(s, r->h_rd, rec.rd_bytes);
  sim_stat_add(s, r->h_wr, rec.wr_bytes);
  sim_stat_addf(s, r->h_e_compute,
                (double)rec.macs * st->e.mac_pj +
                    (double)rec.elem_ops * st->e.elem_op_pj);
  sim_stat_addf(s, r->h_e_dram,
                (double)(rec.rd_bytes + rec.wr_bytes) * st->e.dram_byte_pj);
  if (sim_report_push_op(r->rep, &rec)) {
    r->rc = sim_err_set(r->err, SIM_ENOMEM, "out of memory");
    sim_stop(e);
    return;
  }
  ideal_start_next(e, r);
}

static void ideal_start_next(sim_engine *e, ideal_run *r) {
  if (r->next >= r->sched->n_ops) return;
  size_t i = r->next++;
  const sim_sched_op *op = &r->sched->ops[i];
  const ideal_state *st = r->st;
  uint64_t x;
  if (sim_mul_u64(op->macs, op->repeat, &x) ||
      sim_mul_u64(op->elem_ops, op->repeat, &x) ||
      sim_add_u64(op->rd_bytes, op->wr_bytes, &x) ||
      sim_mul_u64(x, op->repeat, &x)) {
    r->rc = sim_err_set(r->err, SIM_ERANGE,
                        "op %s: counts x repeat overflow 64 bits", op->name);
    sim_stop(e);
    return;
  }
  double t_c = ideal_t_compute(st, op), t_m = ideal_t_memory(st, op);
  double t = ceil(t_c > t_m ? t_c : t_m);
  r->compute_bound = t_c >= t_m;
  r->op_start = sim_now(e);
  if (!(t < 1.8e19)) {
    r->rc = sim_err_set(r->err, SIM_ERANGE,
                        "op %s: duration overflows 64-bit picoseconds",
                        op->name);
    sim_stop(e);
    return;
  }
  int rc = sim_schedule_in(e, (uint64_t)t, 0, ideal_op_done, r, i, NULL);
  if (rc) {
    r->rc = sim_err_set(r->err, rc, "op %s: %s", op->name,
                        rc == SIM_ERANGE ? "simulated time overflows "
                                           "64-bit picoseconds"
                                         : sim_strerror(rc));
    sim_stop(e);
  }
}

static int ideal_run_sched(void *state, const sim_cfg *cfg,
                           const sim_sched *sched, sim_report *rep,
                           sim_err *err) {
  const ideal_state *st = state;
  sim_engine *e = sim_engine_new();
  if (!e) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  int clk = sim_clock_add(e, "core", st->period_ps);
  ideal_run r;
  memset(&r, 0, sizeof r);
  r.st = st;
  r.sched = sched;
  r.rep = rep;
  r.err = err;
  sim_stats *s = rep->stats;
  r.h_macs = sim_stat_register(s, "compute", "macs", "MAC", SIM_STAT_COUNT);
  r.h_elem = sim_stat_register(s, "compute", "elem_ops", "op",
                               SIM_STAT_COUNT);
  r.h_rd = sim_stat_register(s, "dram", "rd_bytes", "B", SIM_STAT_COUNT);
  r.h_wr = sim_stat_register(s, "dram", "wr_bytes", "B", SIM_STAT_COUNT);
  r.h_e_compute = sim_stat_register(s, "compute", "energy", "pJ",
                                    SIM_STAT_SUM);
  r.h_e_dram = sim_stat_register(s, "dram", "energy", "pJ", SIM_STAT_SUM);
  int h_e_static = sim_stat_register(s, "static", "energy", "pJ",
                                     SIM_STAT_SUM);
  if (clk < 0 || r.h_macs < 0 || r.h_elem < 0 || r.h_rd < 0 || r.h_wr < 0 ||
      r.h_e_compute < 0 || r.h_e_dram < 0 || h_e_static < 0) {
    sim_engine_free(e);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  ideal_start_next(e, &r);
  sim_run(e, SIM_T_NEVER);
  uint64_t t_end = sim_now(e);
  sim_engine_free(e);
  if (r.rc) return r.rc;
  (void)cfg;
  sim_stat_addf(s, h_e_static, st->e.static_w * (double)t_end);
  rep->latency_ps = t_end;
  rep->cycles = t_end / st->period_ps;
  snprintf(rep->clock, sizeof rep->clock, "core");
  rep->dram_bytes = sim_stat_u64(s, r.h_rd) + sim_stat_u64(s, r.h_wr);
  double peak_macs = st->macs_per_us * 1e-6 * (double)t_end;
  rep->util = peak_macs > 0 ? (double)sim_stat_u64(s, r.h_macs) / peak_macs
                            : 0.0;
  return sim_report_metric_agg(rep, "macs", (double)sim_stat_u64(s, r.h_macs),
                               SIM_AGG_SUM);
}

const arch_ops ideal_arch_ops = {
    .iVersion = 1,
    .cls = "ideal",
    .summary = "roofline: compute peak, memory bandwidth, per-op max",
    .schema = &file_schema,
    .init = ideal_init,
    .fini = ideal_fini,
    .run = ideal_run_sched,
    .trace = NULL,
};
