/*
 * dram_report.c — energy from command and background counters, and the
 * sim_report a DRAM run produces: cycles, latency, bytes, the headline
 * metrics (requests, reads, writes, avg_read_latency_cycles, row_hit_rate,
 * bandwidth_gbps, act_count) and the statistics.
 *
 * Energy components are statistics of unit "pJ" and kind SUM, one per
 * component ("dram.act", "dram.rd", "dram.wr", "dram.ref", "dram.refpb",
 * "dram.act_stb", "dram.pre_stb", and "dram.other" for commands a model on
 * top added), so the report's total is their sum by construction; the
 * per-command figures are in dram_spec (dram_spec.c load_power, formulas
 * in dramInt.h section 4).
 */
#include "dramInt.h"

#include <stdio.h>
#include <string.h>

void dram_energy_of(const dram_spec *s, const dram_counters *c,
                    dram_energy *e) {
  memset(e, 0, sizeof *e);
  for (int k = 0; k < s->n_cmds && k < DRAM_CMD_MAX; k++) {
    double v = (double)c->cmds[k] * s->e_cmd_pj[k];
    switch (k) {
    case DRAM_CMD_ACT: e->act_pj += v; break;
    case DRAM_CMD_RD:
    case DRAM_CMD_RDA: e->rd_pj += v; break;
    case DRAM_CMD_WR:
    case DRAM_CMD_WRA: e->wr_pj += v; break;
    case DRAM_CMD_REF: e->ref_pj += v; break;
    case DRAM_CMD_REFPB: e->refpb_pj += v; break;
    default: e->other_pj += v; break;
    }
  }
  e->act_stb_pj = (double)c->act_stb_cyc * s->e_act_stb_pj;
  e->pre_stb_pj = (double)c->pre_stb_cyc * s->e_pre_stb_pj;
  e->total_pj = e->act_pj + e->rd_pj + e->wr_pj + e->ref_pj + e->refpb_pj +
                e->act_stb_pj + e->pre_stb_pj + e->other_pj;
}

static int reg_count(sim_stats *st, const char *name, const char *unit,
                     uint64_t v) {
  int h = sim_stat_register(st, "dram", name, unit, SIM_STAT_COUNT);
  if (h < 0) return h;
  sim_stat_add(st, h, v);
  return 0;
}

static int reg_energy(sim_stats *st, const char *comp, double pj) {
  int h = sim_stat_register(st, comp, "energy", "pJ", SIM_STAT_SUM);
  if (h < 0) return h;
  sim_stat_addf(st, h, pj);
  return 0;
}

int dram_fill_report(const dram_spec *s, const dram_counters *c,
                     sim_report *rep, sim_err *err) {
  sim_stats *st = rep->stats;
  uint64_t col = c->cmds[DRAM_CMD_RD] + c->cmds[DRAM_CMD_WR] +
                 c->cmds[DRAM_CMD_RDA] + c->cmds[DRAM_CMD_WRA];
  uint64_t rdcol = c->cmds[DRAM_CMD_RD] + c->cmds[DRAM_CMD_RDA];
  uint64_t ps;
  if (sim_mul_u64(c->cycles, s->tck_ps, &ps))
    return sim_err_set(err, SIM_ERANGE, "dram: %llu cycles overflow 64-bit "
                       "picoseconds", (unsigned long long)c->cycles);
  rep->cycles = c->cycles;
  rep->latency_ps = ps;
  snprintf(rep->clock, sizeof rep->clock, "dram");
  rep->dram_bytes = col * s->line_bytes;
  rep->util = 0;
  /* the data bus is busy tBL cycles per column command */
  if (c->cycles)
    rep->util = (double)col * (double)s->t[DRAM_T_BL_CYC] /
                ((double)c->cycles * s->channels);
  if (rep->util > 1) rep->util = 1;

  dram_energy e;
  dram_energy_of(s, c, &e);
  int rc = 0;
  const struct {
    const char *name;
    int cmd;
  } cmds[] = {{"act_cmds", DRAM_CMD_ACT}, {"pre_cmds", DRAM_CMD_PRE},
              {"rd_cmds", DRAM_CMD_RD},   {"wr_cmds", DRAM_CMD_WR},
              {"rda_cmds", DRAM_CMD_RDA}, {"wra_cmds", DRAM_CMD_WRA},
              {"ref_cmds", DRAM_CMD_REF}, {"refpb_cmds", DRAM_CMD_REFPB}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0] && !rc; i++)
    rc = reg_count(st, cmds[i].name, "cmd", c->cmds[cmds[i].cmd]);
  if (!rc) rc = reg_count(st, "reads", "req", c->reads);
  if (!rc) rc = reg_count(st, "writes", "req", c->writes);
  if (!rc) rc = reg_count(st, "rd_row_hits", "cmd", c->rd_hits);
  if (!rc) rc = reg_count(st, "wr_row_hits", "cmd", c->wr_hits);
  if (!rc) rc = reg_count(st, "rd_bytes", "B", rdcol * s->line_bytes);
  if (!rc) rc = reg_count(st, "wr_bytes", "B", (col - rdcol) * s->line_bytes);
  if (!rc) rc = reg_count(st, "act_stb_cycles", "cycles", c->act_stb_cyc);
  if (!rc) rc = reg_count(st, "pre_stb_cycles", "cycles", c->pre_stb_cyc);
  if (!rc) rc = reg_energy(st, "dram.act", e.act_pj);
  if (!rc) rc = reg_energy(st, "dram.rd", e.rd_pj);
  if (!rc) rc = reg_energy(st, "dram.wr", e.wr_pj);
  if (!rc) rc = reg_energy(st, "dram.ref", e.ref_pj);
  if (!rc && s->refresh == DRAM_REF_BANK_STAGGERED)
    rc = reg_energy(st, "dram.refpb", e.refpb_pj);
  if (!rc) rc = reg_energy(st, "dram.act_stb", e.act_stb_pj);
  if (!rc) rc = reg_energy(st, "dram.pre_stb", e.pre_stb_pj);
  if (!rc && e.other_pj != 0) rc = reg_energy(st, "dram.other", e.other_pj);
  if (rc) return sim_err_set(err, rc, "dram: cannot register statistics");

  double hits = (double)(c->rd_hits + c->wr_hits);
  double sec = (double)ps * 1e-12;
  /* Counts add up over appended runs; ratios and rates combine as
   * time-weighted means. */
  const struct {
    const char *k;
    double v;
    sim_agg agg;
  } m[] = {
      {"requests", (double)(c->reads + c->writes), SIM_AGG_SUM},
      {"reads", (double)c->reads, SIM_AGG_SUM},
      {"writes", (double)c->writes, SIM_AGG_SUM},
      {"avg_read_latency_cycles",
       c->reads_done ? (double)c->rd_lat_sum_cyc / (double)c->reads_done : 0,
       SIM_AGG_MEAN},
      {"row_hit_rate", col ? hits / (double)col : 0, SIM_AGG_MEAN},
      {"bandwidth_gbps",
       sec > 0 ? (double)rep->dram_bytes / sec * 1e-9 : 0, SIM_AGG_MEAN},
      {"act_count", (double)c->cmds[DRAM_CMD_ACT], SIM_AGG_SUM},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    if ((rc = sim_report_metric_agg(rep, m[i].k, m[i].v, m[i].agg)))
      return sim_err_set(err, rc, "dram: out of memory");
  return 0;
}
