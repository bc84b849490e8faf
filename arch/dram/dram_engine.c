/*
 * dram_engine.c — drives a dram_sys from the discrete-event engine
 * (sim_engine), for models that schedule everything on the engine (the PIM
 * model, the SystemC adapter).  The memory system keeps its own cycle
 * counter and skips idle cycles itself; this binding only maps cycles to
 * picoseconds (cycle c at c * tCK) and keeps exactly one engine event
 * pending, at the memory system's next event (dram_next_event).  When that
 * event fires, every cycle before it is idle (skipped) and the cycle itself
 * is processed with dram_tick; completion callbacks run inside, at engine
 * time = their cycle's time.  A submit from any event first brings the
 * memory system to the engine's time (the first cycle edge at or after
 * now), so the cycle-level results equal those of a loop of dram_tick.
 *
 * Bulk transfers (dram_xfer.c) ride on the same binding and its one
 * pending event.
 *
 * Ownership: the binding borrows both the engine and the memory system;
 * free it before either.  It owns its bulk-transfer state.
 */
#include "dramInt.h"

#include <string.h>


uint64_t dram_engine_time(const dram_engine *d, uint64_t cyc) {
  uint64_t t;
  if (sim_mul_u64(cyc, d->tck_ps, &t)) return SIM_T_NEVER;
  return t;
}

int dram_engine_clock(const dram_engine *d) { return d->clk; }

static void on_event(sim_engine *e, void *ctx, uint64_t cyc);

/* (Re)schedules the pending event at the memory system's next event. */
void dram__engine_arm(dram_engine *d) {
  uint64_t cyc = dram_next_event(d->s);
  if (d->pending && d->pending_cyc == cyc) return;
  if (d->pending) {
    sim_cancel(d->e, d->pending);
    d->pending = 0;
  }
  if (cyc == SIM_T_NEVER) return;
  uint64_t t = dram_engine_time(d, cyc);
  if (t == SIM_T_NEVER) return;
  if (t < sim_now(d->e)) t = sim_now(d->e);
  /* after other events at the same time: a submit from them counts for
   * this cycle, as the front end offers before the cycle is processed */
  if (sim_schedule(d->e, t, DRAM__ENGINE_PRIO, on_event, d, cyc,
                   &d->pending) == 0)
    d->pending_cyc = cyc;
  else
    d->pending = 0;
}

static void on_event(sim_engine *e, void *ctx, uint64_t cyc) {
  dram_engine *d = ctx;
  (void)e;
  d->pending = 0;
  if (dram_now(d->s) <= cyc) {
    dram_advance(d->s, cyc); /* idle cycles before it */
    dram_tick(d->s);         /* the cycle itself */
  }
  sim_err err = {0};
  if (dram_sys_failed(d->s, &err)) {
    /* no more memory cycles: the driver hears of it and stops */
    if (d->fail_fn) d->fail_fn(d->fail_ctx, &err);
    sim_stop(d->e);
    return;
  }
  dram__engine_arm(d);
}

void dram_engine_on_fail(dram_engine *d,
                         void (*fn)(void *ctx, const sim_err *err),
                         void *ctx) {
  d->fail_fn = fn;
  d->fail_ctx = ctx;
}

int dram_engine_new(sim_engine *e, dram_sys *s, dram_engine **out,
                    sim_err *err) {
  *out = NULL;
  dram_engine *d = sim_calloc(1, sizeof *d);
  if (!d) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  d->e = e;
  d->s = s;
  d->tck_ps = s->spec->tck_ps;
  d->clk = sim_clock_add(e, s->spec->name, d->tck_ps);
  if (d->clk < 0) {
    int rc = d->clk;
    sim_free(d);
    return sim_err_set(err, rc, "dram: cannot register clock '%s'",
                       s->spec->name);
  }
  *out = d;
  return 0;
}

void dram_engine_free(dram_engine *d) {
  if (!d) return;
  if (d->pending) sim_cancel(d->e, d->pending);
  dram__xfers_free(d);
  sim_free(d);
}

void dram__engine_sync(dram_engine *d) {
  /* the first memory cycle at or after the engine's time */
  uint64_t now = sim_now(d->e);
  uint64_t cyc = now / d->tck_ps + (now % d->tck_ps != 0);
  if (dram_now(d->s) < cyc) dram_advance(d->s, cyc);
}

int dram_engine_submit(dram_engine *d, uint64_t addr, int is_write,
                       uint64_t id, dram_done_fn done, void *ctx) {
  dram__engine_sync(d);
  int rc = dram_submit(d->s, addr, is_write, id, done, ctx);
  dram__engine_arm(d);
  return rc;
}

int dram_engine_cmd_issue(dram_engine *d, int cmd, const dram_addr *a,
                          sim_err *err) {
  dram__engine_sync(d);
  int rc = dram_cmd_issue(d->s, cmd, a, err);
  dram__engine_arm(d);
  return rc;
}
