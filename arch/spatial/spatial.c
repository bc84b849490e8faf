/*
 * spatial.c — the `spatial` class: a 2D PE array plus a 1D PE array, a
 * global buffer and off-chip memory, the machine of FuseMax (Nayak et
 * al., MICRO 2024) and FLAT (Kao et al., ASPLOS 2023).  docs/spatial.md
 * is the user's guide; the presets arch/configs/fusemax.yaml and
 * flat.yaml give every number with its source.
 *
 * Units and levels (the executor's view, sim/exec.c):
 *   pe2d   ONE unit: the rows x cols array works on one tile at a time
 *          (all PEs in lock step), so two 2D ops never overlap;
 *   pe1d   ONE unit: the 1D array (one PE per query of a tile);
 *   gbuf   the global buffer; bytes moved between it and the arrays
 *          (gbuf_gbps = 0: not a bottleneck, as in the paper's model);
 *   dram   off-chip memory, a shared bandwidth (400 GiB/s HBM2).
 * The 2D and 1D arrays run concurrently; which ops overlap is decided
 * by the executor from dependencies and free units, never here.
 *
 * Cost of one op instance on its unit (cycles at clock_mhz):
 *
 *   points = product of the op's rank sizes (its iteration space; macs
 *            or elem_ops when it has no ranks)
 *   cycles = ceil(points / lanes) x cpp(fn, unit)  [+ fill/drain]
 *                                                  [+ tile bubble]
 *   lanes  = rows x cols (pe2d) or pe1d (pe1d)
 *   cpp    = 1 for mac, max, sum, add, sub, mul, scale, copy, fill,
 *            relu, gather, move; div 1 on a unit with a divider (an
 *            error otherwise); exp and sub_exp 1 on a unit with an exp
 *            unit, exp_mac_cycles + exp_add_cycles on a unit that runs
 *            exp as a multiply-add sequence (FuseMax's 2D PE: a
 *            5th-order Taylor series, 6 MACs and 1 add; the add is the
 *            subtraction of sub_exp), an error on a unit with neither;
 *            gelu, silu, tanh, rsqrt cost one exp plus one cycle.
 *
 * Fill/drain (fill_drain: true).  Each 2D instance of a contraction pays
 * 2 rows + cols - 2 cycles, SCALE-Sim's pipeline terms (Samajdar et al.,
 * ISPASS 2020: a fold takes 2 Sr + Sc + T - 2 cycles; operands skewed in
 * across rows and columns, results drained down the rows), each 2D
 * reduction (max, sum) rows - 1 (the partial result crosses the rows),
 * and every instance on either array tile_bubble_cycles (the gap between
 * two tiles).  Off reproduces the
 * FuseMax artifact's analytical model, which ignores both.
 *
 * Energy is per action (DESIGN.md section 6); every term comes from the
 * preset's energy table: MAC, add, max, exp (unit or the MAC sequence),
 * divide, register access (two per point: an operand read and a result
 * write), global-buffer byte read and written, DRAM byte.  Components:
 * pe2d, pe1d, exp, div, reg, gbuf, dram; total = their sum.
 *
 * The schedule payload may carry {"gbuf_need_bytes": N}: the mapper's
 * peak global-buffer occupancy; the report compares it with gbuf_bytes
 * (fits_gbuf).
 */
#include "spatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct spatial_energy {
  double mac_pj, add_pj, max_pj, exp_unit_pj, div_pj, reg_pj;
  double gbuf_rd_pj_per_byte, gbuf_wr_pj_per_byte, dram_pj_per_byte;
} spatial_energy;

typedef struct spatial_sec {
  double clock_mhz;
  unsigned rows, cols, pe1d;
  char *exp2d, *exp1d;
  int div2d, div1d;
  unsigned exp_mac_cycles, exp_add_cycles;
  unsigned regs2d, regs1d;
  unsigned long long gbuf_bytes;
  unsigned gbuf_banks;
  double gbuf_gbps, dram_gbps;
  int fill_drain;
  unsigned tile_bubble_cycles;
  unsigned word_bytes;
  spatial_energy *energy;
} spatial_sec;

typedef struct spatial_file {
  ARCH_HEADER_FIELDS;
  spatial_sec *spatial;
} spatial_file;

#define EF(n) CYAML_FIELD_FLOAT(#n, CYAML_FLAG_DEFAULT, spatial_energy, n)
static const cyaml_schema_field_t energy_fields[] = {
    EF(mac_pj), EF(add_pj), EF(max_pj), EF(exp_unit_pj), EF(div_pj),
    EF(reg_pj), EF(gbuf_rd_pj_per_byte), EF(gbuf_wr_pj_per_byte),
    EF(dram_pj_per_byte), CYAML_FIELD_END};

#define UF(n) CYAML_FIELD_UINT(#n, CYAML_FLAG_DEFAULT, spatial_sec, n)
#define UFO(n) CYAML_FIELD_UINT(#n, CYAML_FLAG_OPTIONAL, spatial_sec, n)
static const cyaml_schema_field_t sec_fields[] = {
    CYAML_FIELD_FLOAT("clock_mhz", CYAML_FLAG_DEFAULT, spatial_sec,
                      clock_mhz),
    UF(rows), UF(cols), UF(pe1d),
    CYAML_FIELD_STRING_PTR("exp2d", CYAML_FLAG_POINTER, spatial_sec, exp2d,
                           1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("exp1d", CYAML_FLAG_POINTER, spatial_sec, exp1d,
                           1, CYAML_UNLIMITED),
    CYAML_FIELD_BOOL("div2d", CYAML_FLAG_DEFAULT, spatial_sec, div2d),
    CYAML_FIELD_BOOL("div1d", CYAML_FLAG_DEFAULT, spatial_sec, div1d),
    UF(exp_mac_cycles), UF(exp_add_cycles), UF(regs2d), UF(regs1d),
    UF(gbuf_bytes), UF(gbuf_banks),
    CYAML_FIELD_FLOAT("gbuf_gbps", CYAML_FLAG_OPTIONAL, spatial_sec,
                      gbuf_gbps),
    CYAML_FIELD_FLOAT("dram_gbps", CYAML_FLAG_DEFAULT, spatial_sec,
                      dram_gbps),
    CYAML_FIELD_BOOL("fill_drain", CYAML_FLAG_DEFAULT, spatial_sec,
                     fill_drain),
    UFO(tile_bubble_cycles), UF(word_bytes),
    CYAML_FIELD_MAPPING_PTR("energy", CYAML_FLAG_POINTER, spatial_sec,
                            energy, energy_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(spatial_file),
    CYAML_FIELD_MAPPING_PTR("spatial", CYAML_FLAG_POINTER, spatial_file,
                            spatial, sec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, spatial_file, file_fields)};

typedef struct spatial_state {
  spatial_params p;
  spatial_energy e;
  uint64_t period_ps;
} spatial_state;

static int parse_exp(const sim_cfg *c, sim_err *err, const char *key,
                     const char *v, spatial_exp *out) {
  if (!strcmp(v, "none")) *out = SPATIAL_EXP_NONE;
  else if (!strcmp(v, "unit")) *out = SPATIAL_EXP_UNIT;
  else if (!strcmp(v, "mac")) *out = SPATIAL_EXP_MAC;
  else
    return sim_cfg_fail(c, err, key, "'%s' is not one of none, unit, mac",
                        v);
  return 0;
}

static int spatial_init(const sim_cfg *c, void **state, sim_err *err) {
  const spatial_sec *s = ((const spatial_file *)c->data)->spatial;
  const spatial_energy *e = s->energy;
  int rc;
  *state = NULL;
  if ((rc = sim_cfg_check_pos(c, err, "spatial.clock_mhz", s->clock_mhz)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.rows", s->rows)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.cols", s->cols)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.pe1d", s->pe1d)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.gbuf_bytes", (double)s->gbuf_bytes)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.gbuf_banks", s->gbuf_banks)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.gbuf_gbps", s->gbuf_gbps)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.dram_gbps", s->dram_gbps)) ||
      (rc = sim_cfg_check_pos(c, err, "spatial.word_bytes", s->word_bytes)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.mac_pj", e->mac_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.add_pj", e->add_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.max_pj", e->max_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.exp_unit_pj", e->exp_unit_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.div_pj", e->div_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.reg_pj", e->reg_pj)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.gbuf_rd_pj_per_byte",
                   e->gbuf_rd_pj_per_byte)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.gbuf_wr_pj_per_byte",
                   e->gbuf_wr_pj_per_byte)) ||
      (rc = sim_cfg_check_nonneg(c, err, "spatial.energy.dram_pj_per_byte",
                   e->dram_pj_per_byte)))
    return rc;
  if ((uint64_t)s->rows * s->cols > (1u << 24))
    return sim_cfg_fail(c, err, "spatial.rows",
                        "rows x cols = %llu PEs is more than 2^24",
                        (unsigned long long)s->rows * s->cols);
  spatial_params p;
  memset(&p, 0, sizeof p);
  if ((rc = parse_exp(c, err, "spatial.exp2d", s->exp2d, &p.exp2d)) ||
      (rc = parse_exp(c, err, "spatial.exp1d", s->exp1d, &p.exp1d)))
    return rc;
  if ((p.exp2d == SPATIAL_EXP_MAC || p.exp1d == SPATIAL_EXP_MAC) &&
      s->exp_mac_cycles + s->exp_add_cycles == 0)
    return sim_cfg_fail(c, err, "spatial.exp_mac_cycles",
                        "exp as a MAC sequence needs exp_mac_cycles + "
                        "exp_add_cycles >= 1");
  uint64_t period_ps;
  if (sim_s_to_ps(1e-6 / s->clock_mhz, &period_ps) || period_ps < 1)
    return sim_cfg_failc(c, err, SIM_ERANGE, "spatial.clock_mhz",
                         "clock period not representable in ps");
  spatial_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  p.clock_mhz = s->clock_mhz;
  p.rows = s->rows;
  p.cols = s->cols;
  p.pe1d = s->pe1d;
  p.div2d = s->div2d;
  p.div1d = s->div1d;
  p.exp_mac_cycles = s->exp_mac_cycles;
  p.exp_add_cycles = s->exp_add_cycles;
  p.regs2d = s->regs2d;
  p.regs1d = s->regs1d;
  p.gbuf_bytes = s->gbuf_bytes;
  p.gbuf_banks = s->gbuf_banks;
  p.gbuf_gbps = s->gbuf_gbps;
  p.dram_gbps = s->dram_gbps;
  p.fill_drain = s->fill_drain;
  p.tile_bubble_cycles = s->tile_bubble_cycles;
  p.word_bytes = s->word_bytes;
  st->p = p;
  st->e = *e;
  st->period_ps = period_ps;
  *state = st;
  return 0;
}

static void spatial_fini(void *state) { sim_free(state); }

int spatial_params_of(const arch_model *m, spatial_params *out,
                      sim_err *err) {
  memset(out, 0, sizeof *out);
  if (!m || !m->ops || strcmp(m->ops->cls, "spatial") || !m->state)
    return sim_err_set(err, SIM_EINVAL, "%s: not a 'spatial' "
                       "architecture (class '%s')",
                       m && m->cfg.path ? m->cfg.path : "?",
                       m && m->ops ? m->ops->cls : "?");
  *out = ((const spatial_state *)m->state)->p;
  return 0;
}

/* Unit kinds the model knows: 0 pe2d, 1 pe1d; -1 otherwise. */
static int kind_of(const sim_sched *s, const sim_sched_op *op) {
  const char *u = s->units[op->unit];
  if (!strcmp(u, "pe2d")) return 0;
  if (!strcmp(u, "pe1d")) return 1;
  return -1;
}

static uint64_t op_points(const sim_sched_op *op) {
  if (!op->n_ranks) return op->macs ? op->macs : op->elem_ops;
  uint64_t n = 1;
  for (unsigned r = 0; r < op->n_ranks; r++) n *= op->ranks[r].size;
  return n;
}

static int is_transcendental(sim_fn f) {
  return f == SIM_FN_GELU || f == SIM_FN_SILU || f == SIM_FN_TANH ||
         f == SIM_FN_RSQRT;
}

/* Cycles per point of fn on a unit with exp mode ex and divider dv;
 * 0 with err set when the unit cannot do it. */
static int cpp_of(const spatial_state *st, const sim_sched_op *op, int k,
                  uint32_t *cpp, sim_err *err) {
  spatial_exp ex = k == 0 ? st->p.exp2d : st->p.exp1d;
  int dv = k == 0 ? st->p.div2d : st->p.div1d;
  const char *kn = k == 0 ? "pe2d" : "pe1d";
  sim_fn f = (sim_fn)op->fn;
  uint32_t exp_c = ex == SPATIAL_EXP_UNIT  ? 1
                   : ex == SPATIAL_EXP_MAC ? st->p.exp_mac_cycles +
                                                 st->p.exp_add_cycles
                                           : 0;
  if (f == SIM_FN_EXP || f == SIM_FN_SUB_EXP || is_transcendental(f)) {
    if (!exp_c)
      return sim_err_set(err, SIM_EINVAL, "op '%s': %s has no exp (spatial."
                         "exp%s is none)", op->name, kn, k == 0 ? "2d" : "1d");
    *cpp = exp_c + (is_transcendental(f) ? 1 : 0);
  } else if (f == SIM_FN_DIV) {
    if (!dv)
      return sim_err_set(err, SIM_EINVAL, "op '%s': %s has no divider "
                         "(spatial.div%s is false)", op->name, kn,
                         k == 0 ? "2d" : "1d");
    *cpp = 1;
  } else {
    *cpp = 1;
  }
  return 0;
}

typedef struct spatial_ctx {
  const spatial_state *st;
} spatial_ctx;

static int spatial_cycles(const spatial_state *st, const sim_sched *s,
                          size_t i, int fill, double *cyc, sim_err *err) {
  const sim_sched_op *op = &s->ops[i];
  int k = kind_of(s, op);
  if (k < 0)
    return sim_err_set(err, SIM_EINVAL, "op '%s': unit kind '%s' is not "
                       "pe2d or pe1d", op->name, s->units[op->unit]);
  uint32_t cpp = 1;
  int rc = cpp_of(st, op, k, &cpp, err);
  if (rc) return rc;
  uint64_t lanes = k == 0 ? (uint64_t)st->p.rows * st->p.cols : st->p.pe1d;
  uint64_t pts = op_points(op);
  double c = (double)((pts + lanes - 1) / lanes) * cpp;
  if (!fill && op->fn == SIM_FN_MAC && op->macs) /* useful work only */
    c = (double)op->macs / (double)lanes;
  if (fill && st->p.fill_drain) {
    if (k == 0 && op->fn == SIM_FN_MAC)
      c += 2.0 * st->p.rows + st->p.cols - 2;
    else if (k == 0 && (op->fn == SIM_FN_MAX || op->fn == SIM_FN_SUM))
      c += st->p.rows - 1;
    c += st->p.tile_bubble_cycles;
  }
  *cyc = c;
  return 0;
}

static int spatial_cost(void *ctx, const sim_sched *s, size_t i,
                        double *t_ps, sim_err *err) {
  const spatial_state *st = ((const spatial_ctx *)ctx)->st;
  double cyc = 0;
  int rc = spatial_cycles(st, s, i, 1, &cyc, err);
  if (rc) return rc;
  /* t = cycles / f: exact for integer cycles at an integer MHz. */
  *t_ps = cyc * 1e6 / st->p.clock_mhz;
  return 0;
}

/* Energy of ONE instance, split by component. */
enum { C_PE2D = 0, C_PE1D, C_EXP, C_DIV, C_REG, C_GBUF, C_DRAM, C_N };
static const char *const g_comp[C_N] = {"pe2d", "pe1d", "exp", "div",
                                        "reg",  "gbuf", "dram"};

static void op_energy(const spatial_state *st, const sim_sched *s,
                      const sim_sched_op *op, double out[C_N]) {
  memset(out, 0, sizeof(double) * C_N);
  int k = kind_of(s, op);
  double pts = (double)op_points(op);
  const spatial_energy *e = &st->e;
  spatial_exp ex = k == 0 ? st->p.exp2d : st->p.exp1d;
  double exp_pj = ex == SPATIAL_EXP_UNIT
                      ? e->exp_unit_pj
                      : st->p.exp_mac_cycles * e->mac_pj +
                            st->p.exp_add_cycles * e->add_pj;
  int pc = k == 0 ? C_PE2D : C_PE1D;
  switch ((sim_fn)op->fn) {
  case SIM_FN_MAC: case SIM_FN_MUL: case SIM_FN_SCALE:
    out[pc] = pts * e->mac_pj;
    break;
  case SIM_FN_MAX: out[pc] = pts * e->max_pj; break;
  case SIM_FN_EXP: case SIM_FN_SUB_EXP: out[C_EXP] = pts * exp_pj; break;
  case SIM_FN_GELU: case SIM_FN_SILU: case SIM_FN_TANH: case SIM_FN_RSQRT:
    out[C_EXP] = pts * (exp_pj + e->mac_pj);
    break;
  case SIM_FN_DIV: out[C_DIV] = pts * e->div_pj; break;
  case SIM_FN_COPY: case SIM_FN_FILL: case SIM_FN_GATHER: case SIM_FN_MOVE:
    break;
  default: out[pc] = pts * e->add_pj; break;
  }
  out[C_REG] = 2 * pts * e->reg_pj;
  int g = sim_sched_find_level(s, "gbuf"), d = sim_sched_find_level(s, "dram");
  if (g >= 0)
    out[C_GBUF] = (double)op->rd_bytes[g] * e->gbuf_rd_pj_per_byte +
                  (double)op->wr_bytes[g] * e->gbuf_wr_pj_per_byte;
  if (d >= 0)
    out[C_DRAM] = (double)(op->rd_bytes[d] + op->wr_bytes[d]) *
                  e->dram_pj_per_byte;
}

static double spatial_op_pj(void *ctx, const sim_sched *s, size_t i,
                            uint64_t inst) {
  const spatial_state *st = ((const spatial_ctx *)ctx)->st;
  double e[C_N], t = 0;
  op_energy(st, s, &s->ops[i], e);
  for (int c = 0; c < C_N; c++) t += e[c];
  return t * (double)inst;
}

/* {"gbuf_need_bytes": N} in the schedule payload, or -1. */
static double payload_num(const char *json, const char *key) {
  if (!json) return -1;
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(json, pat);
  if (!p) return -1;
  p = strchr(p + strlen(pat), ':');
  return p ? strtod(p + 1, NULL) : -1;
}

static int spatial_account(const spatial_state *st, const sim_sched *s,
                           const sim_exec_result *xr, sim_report *rep,
                           sim_err *err) {
  sim_stats *ss = rep->stats;
  int h[C_N];
  for (int c = 0; c < C_N; c++) {
    h[c] = sim_stat_register(ss, g_comp[c], "energy", "pJ", SIM_STAT_SUM);
    if (h[c] < 0) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  int h_macs = sim_stat_register(ss, "compute", "macs", "MAC",
                                 SIM_STAT_COUNT);
  if (h_macs < 0) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  double macs = 0;
  int g = sim_sched_find_level(s, "gbuf");
  double gbuf_bytes = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    double e[C_N];
    op_energy(st, s, op, e);
    double n = (double)xr->ops[i].inst;
    for (int c = 0; c < C_N; c++) sim_stat_addf(ss, h[c], e[c] * n);
    sim_stat_add(ss, h_macs, op->macs * xr->ops[i].inst);
    macs += (double)op->macs * n;
    if (g >= 0)
      gbuf_bytes += (double)(op->rd_bytes[g] + op->wr_bytes[g]) * n;
  }
  /* Utilisation counts useful compute only (the paper's: a 2D op
   * stalled on memory, filling or draining is not busy); util_pe2d and
   * util_pe1d from the executor count the whole job. */
  double lat = (double)rep->latency_ps, c2 = 0, c1 = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    int k = kind_of(s, &s->ops[i]);
    double cyc = 0;
    if (spatial_cycles(st, s, i, 0, &cyc, err)) return err ? err->code : -1;
    double t = cyc * 1e6 / st->p.clock_mhz * (double)xr->ops[i].inst;
    if (k == 0) c2 += t;
    if (k == 1) c1 += t;
  }
  rep->util = lat > 0 ? c2 / lat : 0;
  snprintf(rep->schedule, sizeof rep->schedule,
           "spatial 2D+1D arrays on the executor (fill/drain %s)",
           st->p.fill_drain ? "on" : "off");
  int rc = sim_report_metric_agg(rep, "macs", macs, SIM_AGG_SUM);
  if (!rc)
    rc = sim_report_metric_agg(rep, "gbuf_bytes", gbuf_bytes, SIM_AGG_SUM);
  if (!rc) rc = sim_report_metric(rep, "util_2d", lat > 0 ? c2 / lat : 0);
  if (!rc) rc = sim_report_metric(rep, "util_1d", lat > 0 ? c1 / lat : 0);
  /* Per-op busy fraction: compute time of its unit / latency. */
  for (size_t i = 0; i < s->n_ops && !rc; i++) {
    char key[SIM_NAME_MAX];
    snprintf(key, sizeof key, "busy.%.40s", s->ops[i].name);
    rc = sim_report_metric(rep, key,
                           lat > 0 ? xr->ops[i].compute_ps / lat : 0);
  }
  double need = payload_num(s->payload, "gbuf_need_bytes");
  if (!rc && need >= 0) {
    rc = sim_report_metric_agg(rep, "gbuf_need_bytes", need, SIM_AGG_MAX);
    if (!rc)
      rc = sim_report_metric_bool(rep, "fits_gbuf",
                                  need <= (double)st->p.gbuf_bytes);
  }
  if (rc) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  return 0;
}

typedef struct spatial_session {
  spatial_ctx ctx;
  sim_exec_arch a;
  sim_engine *e;
} spatial_session;

static void spatial_end(void *session) {
  spatial_session *ss = session;
  if (!ss) return;
  sim_engine_free(ss->e);
  sim_free(ss);
}

static int spatial_begin(void *state, const sim_cfg *cfg, void **session,
                         sim_err *err) {
  (void)cfg;
  const spatial_state *st = state;
  spatial_session *ss = sim_calloc(1, sizeof *ss);
  *session = NULL;
  if (!ss || !(ss->e = sim_engine_new()) ||
      sim_clock_add(ss->e, "pe", st->period_ps) < 0) {
    spatial_end(ss);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  ss->ctx.st = st;
  sim_exec_arch *a = &ss->a;
  snprintf(a->units[0].kind, sizeof a->units[0].kind, "pe2d");
  a->units[0].count = 1;
  snprintf(a->units[1].kind, sizeof a->units[1].kind, "pe1d");
  a->units[1].count = 1;
  a->n_units = 2;
  snprintf(a->levels[0].name, sizeof a->levels[0].name, "dram");
  a->levels[0].gbps = st->p.dram_gbps;
  snprintf(a->levels[1].name, sizeof a->levels[1].name, "gbuf");
  a->levels[1].gbps = st->p.gbuf_gbps;
  a->n_levels = 2;
  a->ctx = &ss->ctx;
  a->cost = spatial_cost;
  *session = ss;
  return 0;
}

static int spatial_step(void *session, const sim_sched *sched,
                        sim_report *rep, sim_err *err) {
  spatial_session *ss = session;
  const spatial_state *st = ss->ctx.st;
  sim_exec_result xr;
  int rc = sim_exec_run(ss->e, sched, &ss->a, NULL, &xr, err);
  if (!rc)
    rc = arch_exec_report(sched, &xr, st->period_ps, "pe",
                          sim_sched_find_level(sched, "dram"), spatial_op_pj,
                          &ss->ctx, rep, err);
  if (!rc) rc = spatial_account(st, sched, &xr, rep, err);
  sim_exec_result_fini(&xr);
  return rc;
}

const arch_ops spatial_arch_ops = {
    .iVersion = 2,
    .cls = "spatial",
    .summary = "2D + 1D PE arrays, global buffer, DRAM bandwidth (FuseMax, "
               "FLAT)",
    .schema = &file_schema,
    .init = spatial_init,
    .fini = spatial_fini,
    .begin = spatial_begin,
    .step = spatial_step,
    .end = spatial_end,
};
