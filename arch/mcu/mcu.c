/*
 * mcu.c — the `mcu` class: a Cortex-M microcontroller (one core, SRAM,
 * internal and external flash) running an int8 schedule on the generic
 * executor, with the SRAM planner of mcu_plan.c deciding whether the
 * schedule fits.  The machine, its cost and energy, and the planner are
 * described in mcuInt.h; presets (STM32F427, STM32F746, STM32H743) are in
 * arch/configs/stm32*.yaml with a source beside every number.
 *
 * Report (DESIGN.md section 7): cycles and latency at the core clock,
 * energy (core run power, external-flash reads), util (time the MACs take
 * at the kernel's rate / latency), and the metrics peak_sram_bytes,
 * live_peak_bytes, sram_bytes, flash_bytes, ext_flash_bytes, fits,
 * fits_sram, fits_flash (and *_shortfall_bytes when not).
 */
#include "mcuInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cyaml_schema_field_t energy_fields[] = {
    CYAML_FIELD_FLOAT("run_mw", CYAML_FLAG_DEFAULT, mcu_energy, run_mw),
    CYAML_FIELD_FLOAT("ext_flash_byte_pj", CYAML_FLAG_OPTIONAL, mcu_energy,
                      ext_flash_byte_pj),
    CYAML_FIELD_END};

static const cyaml_schema_field_t region_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, mcu_region, name, 1,
                           CYAML_UNLIMITED),
    CYAML_FIELD_UINT("base", CYAML_FLAG_DEFAULT, mcu_region, base),
    CYAML_FIELD_FLOAT("kb", CYAML_FLAG_DEFAULT, mcu_region, kb),
    CYAML_FIELD_END};

static const cyaml_schema_value_t region_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, mcu_region, region_fields)};

static const cyaml_schema_field_t sec_fields[] = {
    CYAML_FIELD_STRING_PTR("core", CYAML_FLAG_POINTER, mcu_sec, core, 1,
                           CYAML_UNLIMITED),
    CYAML_FIELD_FLOAT("clock_mhz", CYAML_FLAG_DEFAULT, mcu_sec, clock_mhz),
    CYAML_FIELD_FLOAT("sram_kb", CYAML_FLAG_OPTIONAL, mcu_sec, sram_kb),
    CYAML_FIELD_SEQUENCE("sram_regions", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         mcu_sec, sram_regions, &region_schema, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_FLOAT("flash_kb", CYAML_FLAG_DEFAULT, mcu_sec, flash_kb),
    CYAML_FIELD_FLOAT("ext_flash_kb", CYAML_FLAG_OPTIONAL, mcu_sec,
                      ext_flash_kb),
    CYAML_FIELD_FLOAT("ext_flash_mbps", CYAML_FLAG_OPTIONAL, mcu_sec,
                      ext_flash_mbps),
    CYAML_FIELD_FLOAT("macs_per_cycle", CYAML_FLAG_DEFAULT, mcu_sec,
                      macs_per_cycle),
    CYAML_FIELD_FLOAT("macs_per_cycle_cmsis_nn", CYAML_FLAG_OPTIONAL,
                      mcu_sec, macs_per_cycle_cmsis_nn),
    CYAML_FIELD_STRING_PTR("kernels", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           mcu_sec, kernels, 1, CYAML_UNLIMITED),
    CYAML_FIELD_FLOAT("macs_per_cycle_fp32", CYAML_FLAG_OPTIONAL, mcu_sec,
                      macs_per_cycle_fp32),
    CYAML_FIELD_FLOAT("elem_cycles", CYAML_FLAG_DEFAULT, mcu_sec,
                      elem_cycles),
    CYAML_FIELD_FLOAT("op_overhead_cycles", CYAML_FLAG_OPTIONAL, mcu_sec,
                      op_overhead_cycles),
    CYAML_FIELD_MAPPING_PTR("energy", CYAML_FLAG_POINTER, mcu_sec, energy,
                            energy_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(mcu_file),
    CYAML_FIELD_MAPPING_PTR("mcu", CYAML_FLAG_POINTER, mcu_file, mcu,
                            sec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, mcu_file, file_fields)};

static int check(const sim_cfg *c, sim_err *err, const char *key, double v,
                 int pos) {
  if (!isfinite(v)) return sim_cfg_fail(c, err, key, "must be finite");
  if (pos && !(v > 0))
    return sim_cfg_fail(c, err, key, "must be > 0 (got %g)", v);
  if (!(v >= 0)) return sim_cfg_fail(c, err, key, "must be >= 0 (got %g)", v);
  return 0;
}

/* Region order for the overlap check: base, then index. */
typedef struct reg_ord {
  uint64_t lo, hi; /* [lo, hi) */
  unsigned i;
} reg_ord;

static int cmp_reg(const void *a, const void *b) {
  const reg_ord *x = a, *y = b;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* The SRAM arena in bytes: sram_kb, checked against (or taken from) the
 * region list.  Overlapping regions are an error naming both. */
static int sram_arena(const sim_cfg *c, const mcu_sec *s, uint64_t *out,
                      sim_err *err) {
  char key[64];
  int rc;
  *out = 0;
  if (!s->sram_regions_count) {
    if ((rc = check(c, err, "mcu.sram_kb", s->sram_kb, 1))) return rc;
    *out = (uint64_t)llround(s->sram_kb * 1024);
    return 0;
  }
  reg_ord *r = sim_calloc(s->sram_regions_count, sizeof *r);
  if (!r) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  for (unsigned i = 0; i < s->sram_regions_count; i++) {
    const mcu_region *g = &s->sram_regions[i];
    snprintf(key, sizeof key, "mcu.sram_regions.%u.kb", i);
    if ((rc = check(c, err, key, g->kb, 1))) goto out;
    r[i].lo = g->base;
    r[i].hi = g->base + (uint64_t)llround(g->kb * 1024);
    r[i].i = i;
  }
  if (s->sram_regions_count)
    qsort(r, s->sram_regions_count, sizeof *r, cmp_reg);
  uint64_t best = 0, run = 0;
  for (unsigned k = 0; k < s->sram_regions_count; k++) {
    if (k && r[k].lo < r[k - 1].hi) {
      const mcu_region *a = &s->sram_regions[r[k - 1].i],
                       *b = &s->sram_regions[r[k].i];
      uint64_t hi = r[k].hi < r[k - 1].hi ? r[k].hi : r[k - 1].hi;
      snprintf(key, sizeof key, "mcu.sram_regions.%u.base", r[k].i);
      rc = sim_cfg_fail(c, err, key, "region '%s' [0x%llx, 0x%llx) overlaps "
                        "region '%s' [0x%llx, 0x%llx) by %llu bytes",
                        b->name, (unsigned long long)r[k].lo,
                        (unsigned long long)r[k].hi, a->name,
                        (unsigned long long)r[k - 1].lo,
                        (unsigned long long)r[k - 1].hi,
                        (unsigned long long)(hi - r[k].lo));
      goto out;
    }
    run = k && r[k].lo == r[k - 1].hi ? run + (r[k].hi - r[k].lo)
                                      : r[k].hi - r[k].lo;
    if (run > best) best = run;
  }
  if (s->sram_kb == 0) {
    *out = best;
  } else {
    if ((rc = check(c, err, "mcu.sram_kb", s->sram_kb, 1))) goto out;
    *out = (uint64_t)llround(s->sram_kb * 1024);
    if (*out > best) {
      rc = sim_cfg_fail(c, err, "mcu.sram_kb", "%g KB is more than the "
                        "largest contiguous run of mcu.sram_regions (%.6g "
                        "KB): the tensor arena is one span", s->sram_kb,
                        (double)best / 1024);
      goto out;
    }
  }
  rc = 0;
out:
  sim_free(r);
  return rc;
}

static int mcu_init(const sim_cfg *c, void **state, sim_err *err) {
  const mcu_sec *s = ((const mcu_file *)c->data)->mcu;
  int rc;
  uint64_t sram_b = 0;
  *state = NULL;
  if ((rc = check(c, err, "mcu.clock_mhz", s->clock_mhz, 1)) ||
      (rc = sram_arena(c, s, &sram_b, err)) ||
      (rc = check(c, err, "mcu.flash_kb", s->flash_kb, 1)) ||
      (rc = check(c, err, "mcu.ext_flash_kb", s->ext_flash_kb, 0)) ||
      (rc = check(c, err, "mcu.ext_flash_mbps", s->ext_flash_mbps, 0)) ||
      (rc = check(c, err, "mcu.macs_per_cycle", s->macs_per_cycle, 1)) ||
      (rc = check(c, err, "mcu.macs_per_cycle_cmsis_nn",
                  s->macs_per_cycle_cmsis_nn, 0)) ||
      (rc = check(c, err, "mcu.macs_per_cycle_fp32", s->macs_per_cycle_fp32,
                  0)) ||
      (rc = check(c, err, "mcu.elem_cycles", s->elem_cycles, 0)) ||
      (rc = check(c, err, "mcu.op_overhead_cycles", s->op_overhead_cycles,
                  0)) ||
      (rc = check(c, err, "mcu.energy.run_mw", s->energy->run_mw, 0)) ||
      (rc = check(c, err, "mcu.energy.ext_flash_byte_pj",
                  s->energy->ext_flash_byte_pj, 0)))
    return rc;
  /* Two 16x16 MACs per SMLAD is the Cortex-M4/M7 ceiling (ARM Cortex-M4
   * and M7 Technical Reference Manuals, DSP extension). */
  if (s->macs_per_cycle > 2)
    return sim_cfg_fail(c, err, "mcu.macs_per_cycle", "%g is above the "
                        "Cortex-M ceiling of 2 int8 MACs per cycle (two "
                        "16x16 MACs per SMLAD)", s->macs_per_cycle);
  if (s->macs_per_cycle_cmsis_nn > 2)
    return sim_cfg_fail(c, err, "mcu.macs_per_cycle_cmsis_nn", "%g is above "
                        "the Cortex-M ceiling of 2 int8 MACs per cycle",
                        s->macs_per_cycle_cmsis_nn);
  /* The kernel library: its int8 rate. */
  const char *kern = s->kernels ? s->kernels : "tinyengine";
  double mpc = s->macs_per_cycle;
  if (!strcmp(kern, "cmsis-nn")) {
    if (!(s->macs_per_cycle_cmsis_nn > 0))
      return sim_cfg_fail(c, err, "mcu.kernels", "cmsis-nn needs "
                          "mcu.macs_per_cycle_cmsis_nn (its int8 MAC rate)");
    mpc = s->macs_per_cycle_cmsis_nn;
  } else if (strcmp(kern, "tinyengine") != 0) {
    return sim_cfg_fail(c, err, "mcu.kernels", "'%s' is not a kernel "
                        "library (tinyengine, cmsis-nn)", kern);
  }
  if (s->ext_flash_kb > 0 && !(s->ext_flash_mbps > 0))
    return sim_cfg_fail(c, err, "mcu.ext_flash_mbps", "must be > 0 when "
                        "mcu.ext_flash_kb is set");
  uint64_t period_ps;
  if (sim_s_to_ps(1e-6 / s->clock_mhz, &period_ps) || period_ps < 1)
    return sim_cfg_failc(c, err, SIM_ERANGE, "mcu.clock_mhz",
                         "clock period is not representable in ps");
  mcu_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  st->period_ps = period_ps;
  st->mhz = s->clock_mhz;
  st->macs_per_cycle[SIM_P_INT8] = mpc;
  snprintf(st->kernels, sizeof st->kernels, "%s", kern);
  st->macs_per_cycle[SIM_P_FP32] = s->macs_per_cycle_fp32;
  st->elem_cycles = s->elem_cycles;
  st->overhead_cycles = s->op_overhead_cycles;
  st->sram_b = sram_b;
  st->flash_b = (uint64_t)llround(s->flash_kb * 1024);
  st->ext_b = (uint64_t)llround(s->ext_flash_kb * 1024);
  st->ext_mbps = s->ext_flash_mbps;
  st->e = *s->energy;
  snprintf(st->core, sizeof st->core, "%s", s->core);
  *state = st;
  return 0;
}

static void mcu_fini(void *state) { sim_free(state); }

/* One run: the plan and, per op, the bytes it reads from external flash. */
typedef struct mcu_ctx {
  const mcu_state *st;
  const sim_cfg *cfg;
  mcu_plan plan;
  double *ext_frac;  /* per tensor: share of its flash copies off chip */
  double *ext_bytes; /* per op instance */
  uint64_t ext_flash_bytes;
} mcu_ctx;

static int mcu_cost(void *vctx, const sim_sched *s, size_t i, double *t_ps,
                    sim_err *err) {
  const mcu_ctx *c = vctx;
  const sim_sched_op *op = &s->ops[i];
  double mpc = op->prec < SIM_PREC_COUNT ? c->st->macs_per_cycle[op->prec]
                                         : 0;
  if (op->macs && !(mpc > 0))
    return sim_err_set(err, SIM_EUNSUP, "op %s: %s has no MAC rate for "
                       "precision %s (map at int8: --precision int8)",
                       op->name, c->cfg->path, sim_prec_name(op->prec));
  double cyc = (op->macs ? (double)op->macs / mpc : 0) +
               (double)op->elem_ops * c->st->elem_cycles +
               c->st->overhead_cycles;
  /* An op takes whole core cycles, so the reported cycle count is exact
   * at the (rounded) clock period. */
  *t_ps = ceil(cyc - 1e-9) * (double)c->st->period_ps;
  /* Without an external flash the overflow has nowhere to be read from:
   * the run is priced as if it were on chip and reported as not fitting. */
  if (c->ext_bytes[i] > 0 && c->st->ext_mbps > 0)
    *t_ps += c->ext_bytes[i] * 1e6 / c->st->ext_mbps;
  return 0;
}

static double mcu_op_pj(void *vctx, const sim_sched *s, size_t i,
                        uint64_t inst) {
  (void)s;
  const mcu_ctx *c = vctx;
  return (double)inst * c->ext_bytes[i] * c->st->e.ext_flash_byte_pj;
}

/* Weights to flash: the most-read bytes go to the internal flash (a
 * deployment links its hot weights there).  A weight's read intensity is
 * the flash bytes its readers read from it (an op's flash traffic shared
 * among its weights by size, x instances x iterations) per byte stored
 * (bytes x iterations); ties go to the earlier use, then the lower id.
 * The internal flash is filled in that order; the tensor at the boundary
 * is split (a fraction of its copies lies outside), the rest is external.
 * The same weights grouped or unrolled get the same split, so a layer
 * stack costs the same either way. */
typedef struct wrank {
  double intensity;
  size_t first, id;
  uint64_t stored;
} wrank;

static int cmp_wrank(const void *a, const void *b) {
  const wrank *x = a, *y = b;
  if (x->intensity != y->intensity) return x->intensity > y->intensity ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int place_flash(mcu_ctx *c, const sim_sched *s, sim_err *err) {
  size_t nt = s->n_tensors ? s->n_tensors : 1;
  c->ext_frac = sim_calloc(nt, sizeof(double));
  c->ext_bytes = sim_calloc(s->n_ops ? s->n_ops : 1, sizeof(double));
  wrank *w = sim_calloc(nt, sizeof *w);
  double *reads = sim_calloc(nt, sizeof *reads);
  uint64_t *iters = sim_calloc(nt, sizeof *iters);
  size_t *first = sim_calloc(nt, sizeof *first);
  int rc = 0;
  if (!c->ext_frac || !c->ext_bytes || !w || !reads || !iters || !first) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  int fl = sim_sched_find_level(s, "flash");
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t it = sim_sched_op_iters(s, op), wb = mcu_op_weight_bytes(s, i);
    if (!wb) continue;
    double rd = fl >= 0 ? (double)op->rd_bytes[fl] : (double)wb;
    for (unsigned k = 0; k < op->n_in; k++) {
      size_t t = (size_t)op->in[k];
      const sim_tensor *tn = &s->tensors[t];
      int dup = 0;
      for (unsigned j = 0; j < k; j++) dup |= op->in[j] == op->in[k];
      if (tn->kind != SIM_T_WEIGHT || dup) continue;
      if (!iters[t]) first[t] = i;
      if (it > iters[t]) iters[t] = it;
      reads[t] += rd * (double)tn->bytes / (double)wb * (double)op->count *
                  (double)it;
    }
  }
  size_t n = 0;
  for (size_t t = 0; t < s->n_tensors; t++) {
    uint64_t b = s->tensors[t].bytes * iters[t];
    if (!b) continue;
    w[n].stored = b;
    w[n].intensity = reads[t] / (double)b;
    w[n].first = first[t];
    w[n].id = t;
    n++;
  }
  if (n) qsort(w, n, sizeof *w, cmp_wrank);
  uint64_t used = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t b = w[k].stored;
    uint64_t in = used >= c->st->flash_b ? 0 : c->st->flash_b - used;
    if (in > b) in = b;
    used += b;
    c->ext_frac[w[k].id] = (double)(b - in) / (double)b;
    c->ext_flash_bytes += b - in;
  }
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t wb = mcu_op_weight_bytes(s, i);
    if (!wb) continue;
    double ext = 0;
    for (unsigned k = 0; k < op->n_in; k++) {
      const sim_tensor *tn = &s->tensors[op->in[k]];
      int dup = 0;
      for (unsigned j = 0; j < k; j++) dup |= op->in[j] == op->in[k];
      if (tn->kind == SIM_T_WEIGHT && !dup)
        ext += c->ext_frac[op->in[k]] * (double)tn->bytes;
    }
    double rd = fl >= 0 ? (double)op->rd_bytes[fl] : (double)wb;
    c->ext_bytes[i] = rd * ext / (double)wb;
  }
out:
  sim_free(w);
  sim_free(reads);
  sim_free(iters);
  sim_free(first);
  return rc;
}

/* The placement into the report: every tensor the planner put in SRAM,
 * marked when it is live at the op of the live peak (what a user must
 * shrink when the run does not fit). */
static int mcu_report_bufs(const sim_sched *s, const mcu_plan *p,
                           sim_report *rep) {
  for (size_t t = 0; t < p->n_tensors; t++) {
    if (p->addr[t] < 0) continue;
    sim_buf_record b;
    memset(&b, 0, sizeof b);
    memcpy(b.name, s->tensors[t].name, sizeof b.name);
    snprintf(b.level, sizeof b.level, "sram");
    b.bytes = s->tensors[t].bytes;
    b.addr = (uint64_t)p->addr[t];
    b.first_op = p->first[t];
    b.last_op = p->last[t];
    b.at_peak = p->live_peak_bytes > 0 && b.first_op <= p->live_peak_op &&
                p->live_peak_op <= b.last_op;
    int rc = sim_report_push_buf(rep, &b);
    if (rc) return rc;
  }
  return 0;
}

static int mcu_account(const mcu_ctx *c, const sim_sched *s,
                       sim_report *rep, sim_err *err) {
  const mcu_state *st = c->st;
  sim_stats *ss = rep->stats;
  int h_macs = sim_stat_register(ss, "compute", "macs", "MAC",
                                 SIM_STAT_COUNT);
  int h_elem = sim_stat_register(ss, "compute", "elem_ops", "op",
                                 SIM_STAT_COUNT);
  int h_core = sim_stat_register(ss, "core", "energy", "pJ", SIM_STAT_SUM);
  int h_ext = sim_stat_register(ss, "ext_flash", "energy", "pJ",
                                SIM_STAT_SUM);
  int h_extb = sim_stat_register(ss, "ext_flash", "rd_bytes", "B",
                                 SIM_STAT_COUNT);
  if (h_macs < 0 || h_elem < 0 || h_core < 0 || h_ext < 0 || h_extb < 0)
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  double t_mac_ps = 0, ext_rd = 0;
  uint64_t macs = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t n = op->count * sim_sched_op_iters(s, op);
    sim_stat_add(ss, h_macs, op->macs * n);
    sim_stat_add(ss, h_elem, op->elem_ops * n);
    macs += op->macs * n;
    if (op->macs)
      t_mac_ps += (double)(op->macs * n) / st->macs_per_cycle[op->prec] *
                  (double)st->period_ps;
    ext_rd += c->ext_bytes[i] * (double)n;
  }
  double lat = (double)rep->latency_ps;
  /* mW x ps = 1e-3 J/s x 1e-12 s = 1e-15 J = 1e-3 pJ. */
  sim_stat_addf(ss, h_core, st->e.run_mw * lat * 1e-3);
  sim_stat_addf(ss, h_ext, ext_rd * st->e.ext_flash_byte_pj);
  sim_stat_add(ss, h_extb, (uint64_t)llround(ext_rd));
  rep->util = lat > 0 ? t_mac_ps / lat : 0;
  snprintf(rep->schedule, sizeof rep->schedule,
           "one %.20s core, %.12s kernels, ops in order, SRAM planned by "
           "lifetime", st->core, st->kernels);
  const mcu_plan *p = &c->plan;
  uint64_t flash_cap = st->flash_b + st->ext_b;
  int fits_sram = p->peak_sram_bytes <= st->sram_b;
  int fits_flash = p->flash_bytes <= flash_cap;
  int rc = 0;
  if (!rc) rc = sim_report_metric_agg(rep, "macs", (double)macs, SIM_AGG_SUM);
  if (!rc) rc = sim_report_metric_agg(rep, "peak_sram_bytes",
                                      (double)p->peak_sram_bytes,
                                      SIM_AGG_MAX);
  if (!rc) rc = sim_report_metric_agg(rep, "live_peak_bytes",
                                      (double)p->live_peak_bytes,
                                      SIM_AGG_MAX);
  if (!rc) rc = sim_report_metric_agg(rep, "sram_bytes", (double)st->sram_b,
                                      SIM_AGG_LAST);
  if (!rc) rc = sim_report_metric_agg(rep, "flash_bytes",
                                      (double)p->flash_bytes, SIM_AGG_MAX);
  if (!rc) rc = sim_report_metric_agg(rep, "ext_flash_bytes",
                                      (double)c->ext_flash_bytes,
                                      SIM_AGG_MAX);
  if (!rc) rc = sim_report_metric_int(rep, "flash_capacity_bytes",
                                      st->flash_b);
  if (!rc) rc = sim_report_metric_int(rep, "ext_flash_capacity_bytes",
                                      st->ext_b);
  if (!rc) rc = sim_report_metric_bool(rep, "fits", fits_sram && fits_flash);
  if (!rc) rc = sim_report_metric_bool(rep, "fits_sram", fits_sram);
  if (!rc) rc = sim_report_metric_bool(rep, "fits_flash", fits_flash);
  if (!rc && !fits_sram)
    rc = sim_report_metric_agg(rep, "sram_shortfall_bytes",
                               (double)(p->peak_sram_bytes - st->sram_b),
                               SIM_AGG_MAX);
  if (!rc && !fits_flash)
    rc = sim_report_metric_agg(rep, "flash_shortfall_bytes",
                               (double)(p->flash_bytes - flash_cap),
                               SIM_AGG_MAX);
  if (!rc) rc = mcu_report_bufs(s, p, rep);
  if (rc) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  return 0;
}

static int mcu_run(void *state, const sim_cfg *cfg, const sim_sched *s,
                   sim_report *rep, sim_err *err) {
  const mcu_state *st = state;
  mcu_ctx c;
  memset(&c, 0, sizeof c);
  c.st = st;
  c.cfg = cfg;
  sim_engine *e = NULL;
  sim_exec_result xr;
  memset(&xr, 0, sizeof xr);
  int rc = mcu_plan_run(s, &c.plan, err);
  if (!rc) rc = place_flash(&c, s, err);
  if (rc) goto out;
  if (!(e = sim_engine_new()) || sim_clock_add(e, "core", st->period_ps) < 0) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  sim_exec_arch a;
  memset(&a, 0, sizeof a);
  snprintf(a.units[0].kind, sizeof a.units[0].kind, "core");
  a.units[0].count = 1;
  a.n_units = 1;
  snprintf(a.levels[0].name, sizeof a.levels[0].name, "sram");
  snprintf(a.levels[1].name, sizeof a.levels[1].name, "flash");
  a.n_levels = 2;
  a.ctx = &c;
  a.cost = mcu_cost;
  rc = sim_exec_run(e, s, &a, NULL, &xr, err);
  if (!rc)
    rc = arch_exec_report(s, &xr, st->period_ps, "core", -1, mcu_op_pj, &c,
                          rep, err);
  if (!rc) rc = mcu_account(&c, s, rep, err);
out:
  sim_exec_result_fini(&xr);
  sim_engine_free(e);
  mcu_plan_fini(&c.plan);
  sim_free(c.ext_frac);
  sim_free(c.ext_bytes);
  return rc;
}

int mcu_check_flash(const sim_report *rep, const char *arch_path,
                    sim_err *err) {
  if (sim_report_get(rep, "fits_flash", 1) != 0) return 0;
  double w = sim_report_get(rep, "flash_bytes", 0);
  double in = sim_report_get(rep, "flash_capacity_bytes", 0);
  double ext = sim_report_get(rep, "ext_flash_capacity_bytes", 0);
  double short_b = w - in - ext;
  if (ext > 0)
    return sim_err_set(err, SIM_EINVAL, "%s: the weights (%.0f B) fit no "
                       "flash: internal flash %.0f B (mcu.flash_kb) + "
                       "external flash %.0f B (mcu.ext_flash_kb) = %.0f B, "
                       "%.0f B short", arch_path, w, in, ext, in + ext,
                       short_b);
  return sim_err_set(err, SIM_EINVAL, "%s: the weights (%.0f B) fit no "
                     "flash: internal flash %.0f B (mcu.flash_kb) is %.0f B "
                     "short and there is no external flash "
                     "(mcu.ext_flash_kb)", arch_path, w, in, short_b);
}

static int mcu_validate(sim_val_table *t, sim_err *err) {
  return mcu__validate(t, err);
}

const arch_ops mcu_arch_ops = {
    .iVersion = 2,
    .cls = "mcu",
    .summary = "Cortex-M microcontroller: one core, int8 kernels, SRAM "
               "planned by tensor lifetime, internal and external flash",
    .schema = &file_schema,
    .init = mcu_init,
    .fini = mcu_fini,
    .run = mcu_run,
    .trace = NULL,
    .validate = mcu_validate,
};
