/*
 * dram_arch.c — the `dram` architecture class (arch_ops): loads and checks
 * the YAML through dram_spec_compile, replays traces (`tfsim trace`), and
 * runs a mapper's schedule as memory traffic.
 *
 * Running a schedule: the DRAM model computes nothing, so each op is its
 * memory traffic: rd_bytes of reads then wr_bytes of writes, in 64-byte
 * lines (the spec's line size), streamed sequentially from the op's own
 * region of the address space (regions follow each other, wrapping at the
 * capacity).  Ops run in schedule order, each starting when the previous
 * one's last read returned and last write was issued, on one memory system
 * whose state (open rows, refresh phase) carries across ops.  An op with
 * repeat > 1 is simulated once and its duration counted `repeat` times
 * (the traffic of a repeat is the same stream; only the refresh phase
 * differs).  util is the data-bus utilisation.
 */
#include "dramInt.h"

#include <stdio.h>
#include <string.h>

static int dram_init(const sim_cfg *cfg, void **state, sim_err *err) {
  const dram_file *f = cfg->data;
  *state = NULL;
  dram_spec *s = sim_calloc(1, sizeof *s);
  if (!s) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  int rc = dram_spec_compile(f->dram, cfg, f->name, s, err);
  if (rc) {
    sim_free(s);
    return rc;
  }
  *state = s;
  return 0;
}

static void dram_fini(void *state) {
  dram_spec_fini(state);
  sim_free(state);
}

static int dram_trace(void *state, const sim_cfg *cfg, const char *path,
                      sim_report *rep, sim_err *err) {
  (void)cfg;
  return dram_run_trace(state, path, NULL, rep, NULL, err);
}

/* Streams one op's traffic; returns its duration in cycles. */
static int run_op(dram_sys *s, const dram_spec *sp, uint64_t base,
                  uint64_t n_rd, uint64_t n_wr, uint64_t *cycles,
                  sim_err *err) {
  uint64_t t0 = dram_now(s);
  uint64_t i = 0, n = n_rd + n_wr;
  uint64_t line = sp->line_bytes, cap = sp->capacity_bytes;
  while (i < n || dram_outstanding(s)) {
    if (i < n) {
      int w = i >= n_rd;
      uint64_t a = (base + i * line) % cap;
      int r = dram_submit(s, a, w, i, NULL, NULL);
      if (r < 0) return sim_err_set(err, r, "dram: bad address 0x%llx",
                                    (unsigned long long)a);
      if (r == 0) i++;
    }
    dram_tick(s);
    uint64_t now = dram_now(s), e = dram_next_event(s);
    if (i < n) {
      uint64_t a = (base + i * line) % cap;
      if (dram_can_accept(s, a, i >= n_rd)) e = now;
    }
    if (e == DRAM_NEVER && (i < n || dram_outstanding(s)))
      return sim_err_set(err, SIM_EINTERNAL, "dram: no progress at cycle "
                         "%llu", (unsigned long long)now);
    if (e > now && e != DRAM_NEVER) dram_advance(s, e);
  }
  *cycles = dram_now(s) - t0;
  return 0;
}

static int dram_run_sched(void *state, const sim_cfg *cfg,
                          const sim_sched *sched, sim_report *rep,
                          sim_err *err) {
  (void)cfg;
  const dram_spec *sp = state;
  dram_sys *s = NULL;
  int rc = dram_sys_new(sp, &s, err);
  if (rc) return rc;
  uint64_t base = 0, extra_cyc = 0, t_ps = 0;
  dram_counters before, after, acc;
  memset(&acc, 0, sizeof acc);
  for (size_t k = 0; k < sched->n_ops; k++) {
    const sim_sched_op *op = &sched->ops[k];
    uint64_t line = sp->line_bytes;
    uint64_t rdb = 0, wrb = 0;
    for (int l = 0; l < sched->n_levels; l++) {
      rdb += op->rd_bytes[l];
      wrb += op->wr_bytes[l];
    }
    uint64_t n_rd = (rdb + line - 1) / line;
    uint64_t n_wr = (wrb + line - 1) / line;
    uint64_t rep_n = op->count * sim_sched_op_iters(sched, op), cyc = 0;
    dram_get_counters(s, &before);
    if ((rc = run_op(s, sp, base, n_rd, n_wr, &cyc, err))) goto out;
    dram_get_counters(s, &after);
    base = (base + (n_rd + n_wr) * line) % sp->capacity_bytes;
    /* repeats: add the op's counters rep_n - 1 more times */
    for (int j = 0; j < DRAM_CMD_MAX; j++)
      acc.cmds[j] += (rep_n - 1) * (after.cmds[j] - before.cmds[j]);
    acc.reads += (rep_n - 1) * (after.reads - before.reads);
    acc.writes += (rep_n - 1) * (after.writes - before.writes);
    acc.reads_done += (rep_n - 1) * (after.reads_done - before.reads_done);
    acc.rd_hits += (rep_n - 1) * (after.rd_hits - before.rd_hits);
    acc.wr_hits += (rep_n - 1) * (after.wr_hits - before.wr_hits);
    acc.rd_lat_sum_cyc +=
        (rep_n - 1) * (after.rd_lat_sum_cyc - before.rd_lat_sum_cyc);
    acc.act_stb_cyc += (rep_n - 1) * (after.act_stb_cyc - before.act_stb_cyc);
    acc.pre_stb_cyc += (rep_n - 1) * (after.pre_stb_cyc - before.pre_stb_cyc);
    extra_cyc += (rep_n - 1) * cyc;
    sim_op_record r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", op->name);
    r.layer = op->layer;
    r.start_ps = t_ps;
    t_ps += rep_n * cyc * sp->tck_ps;
    r.end_ps = t_ps;
    r.macs = op->macs * rep_n;
    r.elem_ops = op->elem_ops * rep_n;
    r.rd_bytes = rdb * rep_n;
    r.wr_bytes = wrb * rep_n;
    dram_counters d = after;
    for (int j = 0; j < DRAM_CMD_MAX; j++) d.cmds[j] -= before.cmds[j];
    d.act_stb_cyc -= before.act_stb_cyc;
    d.pre_stb_cyc -= before.pre_stb_cyc;
    dram_energy e;
    dram_energy_of(sp, &d, &e);
    r.energy_pj = e.total_pj * (double)rep_n;
    snprintf(r.bound, sizeof r.bound, "memory");
    if ((rc = sim_report_push_op(rep, &r))) {
      sim_err_set(err, rc, "out of memory");
      goto out;
    }
  }
  dram_counters c;
  dram_get_counters(s, &c);
  for (int j = 0; j < DRAM_CMD_MAX; j++) c.cmds[j] += acc.cmds[j];
  c.reads += acc.reads;
  c.writes += acc.writes;
  c.reads_done += acc.reads_done;
  c.rd_hits += acc.rd_hits;
  c.wr_hits += acc.wr_hits;
  c.rd_lat_sum_cyc += acc.rd_lat_sum_cyc;
  c.act_stb_cyc += acc.act_stb_cyc;
  c.pre_stb_cyc += acc.pre_stb_cyc;
  c.cycles += extra_cyc;
  rc = dram_fill_report(sp, &c, rep, err);
out:
  dram_sys_free(s);
  return rc;
}

const arch_ops dram_arch_ops = {
    .iVersion = 1,
    .cls = "dram",
    .summary = "cycle-accurate DRAM (DDR4/LPDDR5/GDDR6/HBM2/HBM3): "
               "FR-FCFS controller, refresh, IDD energy, trace mode",
    .schema = &dram_file_schema,
    .init = dram_init,
    .fini = dram_fini,
    .run = dram_run_sched,
    .trace = dram_trace,
    .validate = dram_validate,
};
