/*
 * dram_backend.c — the cycle-accurate DRAM model as the off-chip memory of
 * an executor-driven class (DESIGN.md section 1; docs/dram.md "As a back
 * end").  A class whose file names a DRAM preset (ideal's `ideal.dram`,
 * the `dram` class itself) takes an op's off-chip traffic through this
 * instead of a bandwidth figure: the executor's `start` callback hands the
 * op here, the op's bytes move as bulk transfers (dram_xfer.c) through the
 * controller, and the op is done when its last request is.
 *
 * Placement: a tensor the mapper placed (sim_tensor.addr >= 0) lives at
 * its address; the others are laid out one after another in tensor-table
 * order, each starting on a row-buffer-sized boundary (a DRAM page of one
 * channel: columns x device width x devices / 8), wrapping at capacity.
 * dram_be_place() recomputes the layout for a schedule (a decode step's KV
 * cache grows, so the addresses after it move).  An op reads its
 * rd_bytes on the level from its first input's address and writes its
 * wr_bytes to its first output's address: a streaming approximation of
 * the op's access order, stated as such.  A transfer that would run past
 * capacity is split at the end and continues at address 0.
 *
 * State persists for the back end's life: open rows, queues and the
 * refresh phase carry over from op to op and from one decode step to the
 * next.
 */
#include "dramInt.h"

#include <stdio.h>
#include <string.h>

struct dram_be {
  const dram_spec *sp;
  dram_sys *sys;
  dram_engine *eng;
  uint64_t *addr;        /* per tensor */
  size_t n_addr, cap_addr;
  uint64_t align;
  dram_counters last;    /* at the last dram_be_take */
  /* ops in flight: parts left and the caller's completion */
  struct bop {
    uint32_t left;
    void (*done)(void *, uint64_t);
    void *ctx;
    uint64_t arg;
  } *ops;
  size_t n_ops, cap_ops;
  uint32_t free_op;      /* free list through .left, UINT32_MAX: none */
};

int dram_be_new(sim_engine *e, const dram_spec *sp, dram_be **out,
                sim_err *err) {
  *out = NULL;
  dram_be *b = sim_calloc(1, sizeof *b);
  if (!b) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  b->sp = sp;
  b->free_op = UINT32_MAX;
  uint64_t page = (uint64_t)sp->columns * sp->device_width *
                  sp->devices_per_rank / 8;
  b->align = page >= sp->line_bytes ? page : sp->line_bytes;
  int rc = dram_sys_new(sp, &b->sys, err);
  if (!rc) rc = dram_engine_new(e, b->sys, &b->eng, err);
  if (rc) {
    dram_be_free(b);
    return rc;
  }
  *out = b;
  return 0;
}

void dram_be_free(dram_be *b) {
  if (!b) return;
  dram_engine_free(b->eng);
  dram_sys_free(b->sys);
  sim_free(b->addr);
  sim_free(b->ops);
  sim_free(b);
}

const dram_sys *dram_be_sys(const dram_be *b) { return b->sys; }

void dram_be_on_fail(dram_be *b, void (*fn)(void *ctx, const sim_err *err),
                     void *ctx) {
  dram_engine_on_fail(b->eng, fn, ctx);
}

int dram_be_place(dram_be *b, const sim_sched *s, sim_err *err) {
  if (s->n_tensors > b->cap_addr) {
    uint64_t *a = sim_realloc(b->addr, s->n_tensors * sizeof *a);
    if (!a) return sim_err_set(err, SIM_ENOMEM, "out of memory");
    b->addr = a;
    b->cap_addr = s->n_tensors;
  }
  b->n_addr = s->n_tensors;
  uint64_t cap = b->sp->capacity_bytes, next = 0;
  for (size_t t = 0; t < s->n_tensors; t++) {
    const sim_tensor *tn = &s->tensors[t];
    if (tn->addr >= 0) {
      if ((uint64_t)tn->addr >= cap)
        return sim_err_set(err, SIM_ERANGE, "tensor '%s': address %lld is "
                           "beyond the memory's %llu bytes", tn->name,
                           (long long)tn->addr, (unsigned long long)cap);
      b->addr[t] = (uint64_t)tn->addr;
      continue;
    }
    b->addr[t] = next % cap;
    uint64_t sz = (tn->bytes + b->align - 1) / b->align * b->align;
    next = (next + sz % cap) % cap;
  }
  return 0;
}

static void part_done(void *ctx, uint64_t i) {
  dram_be *b = ctx;
  struct bop *o = &b->ops[i];
  if (--o->left) return;
  void (*fn)(void *, uint64_t) = o->done;
  void *c = o->ctx;
  uint64_t arg = o->arg;
  o->left = b->free_op;
  b->free_op = (uint32_t)i;
  fn(c, arg);
}

/* Moves bytes from addr (wrapping at capacity) as one or two transfers. */
static int move(dram_be *b, uint64_t addr, uint64_t bytes, int is_write,
                uint64_t i, sim_err *err) {
  uint64_t cap = b->sp->capacity_bytes;
  while (bytes > 0) {
    uint64_t n = bytes < cap - addr ? bytes : cap - addr;
    b->ops[i].left++;
    int rc = dram_xfer_start(b->eng, addr, n, is_write, part_done, b, i,
                             err);
    if (rc) return rc;
    bytes -= n;
    addr = 0;
  }
  return 0;
}

int dram_be_start(dram_be *b, const sim_sched *s, size_t op, uint64_t n_inst,
                  int level, void (*done)(void *ctx, uint64_t arg),
                  void *ctx, uint64_t arg, sim_err *err) {
  const sim_sched_op *o = &s->ops[op];
  if (b->n_addr != s->n_tensors)
    return sim_err_set(err, SIM_EINTERNAL, "dram back end: schedule not "
                       "placed (dram_be_place)");
  uint64_t rd = 0, wr = 0;
  if (level >= 0 &&
      (sim_mul_u64(o->rd_bytes[level], n_inst, &rd) ||
       sim_mul_u64(o->wr_bytes[level], n_inst, &wr)))
    return sim_err_set(err, SIM_ERANGE, "op %s: bytes x instances overflow "
                       "64 bits", o->name);
  uint32_t i = b->free_op;
  if (i != UINT32_MAX) {
    b->free_op = b->ops[i].left;
  } else {
    if (b->n_ops == b->cap_ops) {
      size_t cap = b->cap_ops ? b->cap_ops * 2 : 16;
      struct bop *v = sim_realloc(b->ops, cap * sizeof *v);
      if (!v) return sim_err_set(err, SIM_ENOMEM, "out of memory");
      b->ops = v;
      b->cap_ops = cap;
    }
    i = (uint32_t)b->n_ops++;
  }
  struct bop *bo = &b->ops[i];
  bo->done = done;
  bo->ctx = ctx;
  bo->arg = arg;
  /* One part of our own, released last, so a transfer that completes
   * at once cannot finish the op before every part is started. */
  bo->left = 1;
  uint64_t ra = o->n_in ? b->addr[o->in[0]] : 0;
  uint64_t wa = o->n_out ? b->addr[o->out[0]] : 0;
  int rc = move(b, ra % b->sp->capacity_bytes, rd, 0, i, err);
  if (!rc) rc = move(b, wa % b->sp->capacity_bytes, wr, 1, i, err);
  if (rc) return rc;
  part_done(b, i);
  return 0;
}

void dram_be_take(dram_be *b, dram_counters *delta) {
  dram_counters c;
  dram_get_counters(b->sys, &c);
  *delta = c;
  for (int j = 0; j < DRAM_CMD_MAX; j++) delta->cmds[j] -= b->last.cmds[j];
  delta->cycles -= b->last.cycles;
  delta->reads -= b->last.reads;
  delta->writes -= b->last.writes;
  delta->reads_done -= b->last.reads_done;
  delta->writes_done -= b->last.writes_done;
  delta->writes_issued -= b->last.writes_issued;
  delta->rd_hits -= b->last.rd_hits;
  delta->wr_hits -= b->last.wr_hits;
  delta->rd_lat_sum_cyc -= b->last.rd_lat_sum_cyc;
  delta->act_stb_cyc -= b->last.act_stb_cyc;
  delta->pre_stb_cyc -= b->last.pre_stb_cyc;
  b->last = c;
}

int dram_be_report(const dram_spec *sp, const dram_counters *d,
                   sim_report *rep, sim_err *err) {
  sim_stats *st = rep->stats;
  dram_energy e;
  dram_energy_of(sp, d, &e);
  uint64_t col = d->cmds[DRAM_CMD_RD] + d->cmds[DRAM_CMD_WR] +
                 d->cmds[DRAM_CMD_RDA] + d->cmds[DRAM_CMD_WRA];
  const struct {
    const char *name, *unit;
    uint64_t v;
  } cnt[] = {{"act_cmds", "cmd", d->cmds[DRAM_CMD_ACT]},
             {"col_cmds", "cmd", col},
             {"ref_cmds", "cmd", d->cmds[DRAM_CMD_REF] + d->cmds[DRAM_CMD_REFPB]},
             {"reads", "req", d->reads},
             {"writes", "req", d->writes},
             {"row_hits", "cmd", d->rd_hits + d->wr_hits},
             {"rd_lat_sum", "cycles", d->rd_lat_sum_cyc},
             {"reads_done", "req", d->reads_done}};
  for (size_t k = 0; k < sizeof cnt / sizeof cnt[0]; k++) {
    int h = sim_stat_register(st, "dram", cnt[k].name, cnt[k].unit,
                              SIM_STAT_COUNT);
    if (h < 0) return sim_err_set(err, SIM_ENOMEM, "out of memory");
    sim_stat_add(st, h, cnt[k].v);
  }
  const struct {
    const char *comp;
    double pj;
  } en[] = {{"dram.act", e.act_pj},       {"dram.rd", e.rd_pj},
            {"dram.wr", e.wr_pj},         {"dram.ref", e.ref_pj + e.refpb_pj},
            {"dram.act_stb", e.act_stb_pj}, {"dram.pre_stb", e.pre_stb_pj}};
  for (size_t k = 0; k < sizeof en / sizeof en[0]; k++) {
    int h = sim_stat_register(st, en[k].comp, "energy", "pJ", SIM_STAT_SUM);
    if (h < 0) return sim_err_set(err, SIM_ENOMEM, "out of memory");
    sim_stat_addf(st, h, en[k].pj);
  }
  return dram_be_summarize(rep, err);
}

int dram_be_summarize(sim_report *rep, sim_err *err) {
  const sim_stats *st = rep->stats;
  int hr = sim_stat_find(st, "dram", "reads"),
      hw = sim_stat_find(st, "dram", "writes"),
      hh = sim_stat_find(st, "dram", "row_hits"),
      hc = sim_stat_find(st, "dram", "col_cmds"),
      hl = sim_stat_find(st, "dram", "rd_lat_sum"),
      hd = sim_stat_find(st, "dram", "reads_done");
  if (hr < 0 || hw < 0 || hh < 0 || hc < 0 || hl < 0 || hd < 0) return 0;
  double col = (double)sim_stat_u64(st, hc);
  double done = (double)sim_stat_u64(st, hd);
  int rc = sim_report_metric_agg(rep, "row_hit_rate",
                                 col > 0 ? (double)sim_stat_u64(st, hh) / col
                                         : 0, SIM_AGG_LAST);
  if (!rc)
    rc = sim_report_metric_agg(rep, "avg_read_latency_cycles",
                               done > 0 ? (double)sim_stat_u64(st, hl) / done
                                        : 0, SIM_AGG_LAST);
  if (!rc && rep->latency_ps > 0)
    rc = sim_report_metric_agg(rep, "bandwidth_gbps",
                               (double)rep->dram_bytes /
                                   ((double)rep->latency_ps * 1e-3),
                               SIM_AGG_LAST);
  return rc ? sim_err_set(err, SIM_ENOMEM, "out of memory") : 0;
}
