/*
 * dram_arch.c — the `dram` architecture class (arch_ops): loads and checks
 * the YAML through dram_spec_compile, replays traces (`tfsim trace`), and
 * runs a mapper's schedule as memory traffic.
 *
 * Running a schedule (the `traffic` mapper's, or any stored one): the
 * DRAM model computes nothing, so each op is its memory traffic.  The
 * generic executor runs the ops on one unit kind "core" (one unit: op after
 * op, in dependency order) and hands each op's bytes to the DRAM back end
 * (dram_backend.c): reads from its first input's address and writes to
 * its first output's, as bulk transfers through the controller, on one
 * memory system whose state (open rows, refresh phase) carries across ops
 * and decode steps.  Every instance and every iteration is simulated.
 * util is the data-bus utilisation.
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

/* A schedule run: the executor with one unit ("core") that computes
 * nothing, and every op's traffic on any level through the back end. */
typedef struct dram_session {
  const dram_spec *sp;
  sim_engine *e;
  dram_be *be;
  sim_exec_arch a;
  sim_exec *x;
  const sim_sched *sched;
} dram_session;

static void dram_end(void *session) {
  dram_session *ss = session;
  if (!ss) return;
  dram_be_free(ss->be);
  sim_engine_free(ss->e);
  sim_free(ss);
}

static void op_done(void *ctx, uint64_t token) {
  dram_session *ss = ctx;
  sim_exec_done(ss->x, token);
}

/* The memory system failed inside a cycle (out of memory). */
static void be_fail(void *ctx, const sim_err *e) {
  dram_session *ss = ctx;
  if (ss->x) sim_exec_fail(ss->x, e->code, e->msg);
}

static int dram_start(void *ctx, sim_exec *x, const sim_sched *s, size_t op,
                      uint64_t iter, uint64_t n_inst, uint64_t token,
                      sim_err *err) {
  (void)iter;
  dram_session *ss = ctx;
  ss->x = x;
  /* The memory computes nothing: all levels' traffic is DRAM traffic. */
  int lvl = sim_sched_find_level(s, "dram");
  if (lvl < 0 && s->n_levels > 0) lvl = 0;
  return dram_be_start(ss->be, s, op, n_inst, lvl, op_done, ss, token, err);
}

static int zero_cost(void *ctx, const sim_sched *s, size_t op, double *t,
                     sim_err *err) {
  (void)ctx;
  (void)s;
  (void)op;
  (void)err;
  *t = 0;
  return 0;
}

static int dram_begin(void *state, const sim_cfg *cfg, void **session,
                      sim_err *err) {
  (void)cfg;
  dram_session *ss = sim_calloc(1, sizeof *ss);
  *session = NULL;
  if (!ss || !(ss->e = sim_engine_new()))
    return (dram_end(ss), sim_err_set(err, SIM_ENOMEM, "out of memory"));
  ss->sp = state;
  int rc = dram_be_new(ss->e, ss->sp, &ss->be, err);
  if (rc) {
    dram_end(ss);
    return rc;
  }
  dram_be_on_fail(ss->be, be_fail, ss);
  sim_exec_arch *a = &ss->a;
  snprintf(a->units[0].kind, sizeof a->units[0].kind, "core");
  a->units[0].count = 1;
  a->n_units = 1;
  snprintf(a->levels[0].name, sizeof a->levels[0].name, "dram");
  a->n_levels = 1;
  a->ctx = ss;
  a->cost = zero_cost;
  a->start = dram_start;
  *session = ss;
  return 0;
}

static int dram_step(void *session, const sim_sched *sched, sim_report *rep,
                     sim_err *err) {
  dram_session *ss = session;
  sim_exec_result xr;
  memset(&xr, 0, sizeof xr);
  int rc = dram_be_place(ss->be, sched, err);
  if (!rc) rc = sim_exec_run(ss->e, sched, &ss->a, NULL, &xr, err);
  if (!rc)
    rc = arch_exec_report(sched, &xr, ss->sp->tck_ps, "dram",
                          sim_sched_find_level(sched, "dram"), NULL, NULL,
                          rep, err);
  if (!rc) {
    dram_counters d;
    dram_be_take(ss->be, &d);
    /* util: the data bus's busy share (tBL cycles per column command). */
    uint64_t col = d.cmds[DRAM_CMD_RD] + d.cmds[DRAM_CMD_WR] +
                   d.cmds[DRAM_CMD_RDA] + d.cmds[DRAM_CMD_WRA];
    if (rep->cycles)
      rep->util = (double)col * (double)ss->sp->t[DRAM_T_BL_CYC] /
                  ((double)rep->cycles * ss->sp->channels);
    if (rep->util > 1) rep->util = 1;
    rep->dram_bytes = col * ss->sp->line_bytes;
    rc = dram_be_report(ss->sp, &d, rep, err);
  }
  sim_exec_result_fini(&xr);
  return rc;
}

static int dram_summarize(void *state, sim_report *rep, sim_err *err) {
  (void)state;
  return dram_be_summarize(rep, err);
}

const arch_ops dram_arch_ops = {
    .iVersion = 2,
    .cls = "dram",
    .summary = "cycle-accurate DRAM (DDR4/LPDDR5/GDDR6/HBM2/HBM3): "
               "FR-FCFS controller, refresh, IDD energy, trace mode",
    .schema = &dram_file_schema,
    .init = dram_init,
    .fini = dram_fini,
    .trace = dram_trace,
    .validate = dram_validate,
    .begin = dram_begin,
    .step = dram_step,
    .end = dram_end,
    .summarize = dram_summarize,
};
