/*
 * dramInt.h — internals of the DRAM model: design, invariants, and the
 * private structures shared by the files of arch/dram/.
 *
 * ======================================================================
 * 1. Standards as data
 * ======================================================================
 *
 * A standard is (a) an organisation (channels, ranks, bank groups, banks,
 * rows, columns), (b) named timing parameters in cycles (dram_tparam),
 * (c) a command set (dram_cmd_desc: name, scope, flags) and (d) a table of
 * timing constraints, Ramulator 2 style:
 *
 *     level      prev      next      latency (expression)       window
 *     bankgroup  RD|RDA    RD|RDA    max(tBL, tCCD_L)
 *     rank       ACT       ACT       tFAW                        4
 *
 * (dram_spec.c holds the tables with their sources.)  Latencies are
 * expressions over the timing names, evaluated once at compile time; a
 * constraint that needs a value the preset does not give is an error
 * naming the key.  The compiled rows (dram_tc) are grouped by preceding
 * command; issuing command P at cycle t to bank (r, g, b) raises, for every
 * row (L, P, N, lat), the earliest-issue time of N in the level-L node that
 * holds (r, g, b):
 *
 *     earliest[L][node][N] = max(earliest[L][node][N], t + lat)
 *
 * and N may issue to bank (r, g, b) at cycle u iff u >= the max over the
 * four levels (channel, rank, bankgroup, bank) of earliest[...][N].  A
 * window row keeps the issue times of the last `window` P in a ring per
 * node and raises the bound to oldest + lat once the ring is full, which
 * is the four-activate window.  Rows whose `next` is a rank-scope command
 * (REF) are lifted to rank level: "every bank ready" is the max over the
 * banks, which is what the rank node holds.
 *
 * dram_timing.c compiles the rows once per channel into, for every pair
 * (command, bank), a flat list of (entry range, latency) over one block
 * holding the bank-level and then the rank-level arrays, so an issue is a
 * short loop of max-stores (build_ops / dram__timing_apply).  That module
 * (dram__timing: bank states plus these arrays) is the only code that
 * decides readiness and records issues: the controller and the public
 * command-level API (dram_cmd.c) both go through it, and through one issue
 * path, dram__chan_cmd (counters, refresh bookkeeping, the command hook).
 * A command from the API takes the channel's command bus for its cycle
 * (the controller issues nothing then) and marks the controller's queue
 * bounds of the banks it touched stale, so the controller sees the new
 * bank states (section 3's bounds stay lower bounds: timing only grows).
 *
 * This equals DRAMsim3's per-bank arrays (channel_state.cc UpdateTiming:
 * same bank / other banks of the group / other groups / other ranks) as
 * long as a same-bank latency is never below the same pair's latency at a
 * wider level, true of every table here (checked by a test through the
 * protocol checker, which uses the per-node history instead).
 *
 * ======================================================================
 * 2. The controller (one per channel), matched to DRAMsim3
 * ======================================================================
 *
 * Per cycle T (DRAMsim3 JedecDRAMSystem::ClockTick + Controller::ClockTick):
 *
 *   a. completions due at T are returned (reads: RD issue + RL + tBL;
 *      writes and reads forwarded from the write buffer: accept + 1);
 *   b. refresh: at T = k * interval (k >= 1) a refresh request is queued
 *      (rank_staggered: next rank, interval tREFI / ranks);
 *   c. if a refresh is pending: precharge its open banks one at a time
 *      (bank-group-major order), then REF when every bank is ready; the
 *      command queues of that rank are not served meanwhile;
 *   d. otherwise one command: the per-bank command queues are visited
 *      round-robin starting after the queue served last; within a queue
 *      the first command that is ready wins (FR-FCFS): a row hit's RD/WR,
 *      an ACT for a closed bank, or a PRE only for the queue's oldest
 *      command when no queued command hits the open row or the row has
 *      served row_hit_cap column commands; a WR waits behind an older RD
 *      of the same column; HBM (dual_cmd) may add a second command of the
 *      other kind (row vs column) in the same cycle;
 *   e. background energy: each rank counts the cycle as active standby if
 *      a bank is open after d., else precharge standby;
 *   f. one transaction moves from the read queue (or, while draining, the
 *      write buffer) to its bank's command queue, the first one in queue
 *      order whose command queue has room.  Draining starts when the write
 *      buffer is full, or holds more than write_drain_threshold writes and
 *      every command queue is empty, and lasts for as many writes as the
 *      buffer held.  A write whose address a pending read still needs stops
 *      the drain; then the first read that fits moves in the same cycle
 *      (the reference's fix of DRAMsim3's deadlock on mix; never
 *      deadlocks).
 *
 * Requests: a read of an address a pending write holds completes from the
 * write buffer at accept + 1; a read of an address already pending merges
 * into it; a write to an address already buffered merges.
 *
 * ======================================================================
 * 3. Idle-cycle skipping, exactly
 * ======================================================================
 *
 * Processing a cycle in which no command is ready, no completion is due,
 * no refresh request arrives and no transaction can move leaves the state
 * unchanged except the cycle counters (the write-drain flag reaches its
 * fixpoint in one cycle).  After processing cycle T the controller knows
 * the earliest cycle E > T at which any of those can happen:
 *
 *   - T + 1 if a transaction moved at T (another may move) or a request
 *     was submitted;
 *   - the earliest completion (a binary heap on (cycle, sequence));
 *   - the next refresh request k * interval;
 *   - the earliest cycle a command becomes ready: per bank queue its
 *     earliest issue cycle qb[b], recomputed for every queue after a
 *     change (a queue of one kind reads it at two offsets, qoe / qor,
 *     kept when the queue, its bank or its refresh hold changes; queues
 *     of several kinds take the min over them), with their minimum and
 *     the round-robin winner at it in the same pass; between changes qb
 *     stays a valid lower bound because earliest-issue times only grow;
 *   - while a refresh is pending, its PRE/REF readiness.
 *
 * With dual_cmd the bounds are recomputed before the second pick, which
 * then goes straight to the winner.  Cycles in (T, E) are skipped: each rank adds their count to its
 * active- or precharge-standby counter.  Processing E may find nothing
 * after all (a lower bound was not tight); it then tightens the bound.
 * dram_sys_set_no_skip(1) processes every cycle instead; a test runs both
 * ways and requires identical cycles and statistics.
 *
 * Outside commands (dram_cmd_issue) keep the argument: one issued at the
 * current cycle T changes bank states and raises times, marks the bounds
 * of the queues it touched stale (as the controller's own issue does) and
 * the cached next event invalid; the controller then issues nothing at T
 * (ext_cyc), so a queue whose bound was T is found ready again at T + 1.
 * Bulk transfers learn of room in a full queue from room_fn, called at the
 * end of the cycle a transaction moved out of it: the only change that
 * turns a refused submit into an accepted one.
 *
 * ======================================================================
 * 4. Energy (Micron TN-41-01 / DRAMPower, as DRAMsim3 applies them)
 * ======================================================================
 *
 *   E_ACT+PRE = VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP) tCK  per ACT
 *   E_RD      = VDD (IDD4R - IDD3N) tBL tCK                  per RD/RDA
 *   E_WR      = VDD (IDD4W - IDD3N) tBL tCK                  per WR/WRA
 *   E_REF     = VDD (IDD5AB - IDD3N) tRFC tCK                per REF
 *   E_REFpb   = VDD (IDD5PB - IDD3N) tRFCpb tCK              per REFpb
 *   E_act_stb = VDD IDD3N tCK,  E_pre_stb = VDD IDD2N tCK    per rank-cycle
 *
 * each times the devices of a rank; mA x V x ns = pJ.  (DRAMsim3 sums the
 * same products with cycles in place of ns; its "energy" is ours / tCK.)
 *
 * Invariants (checked by assert in debug builds, by the checker in tests):
 *   - a bank's open_row is -1 or a row < rows; RD/WR only to the open row;
 *   - queue lengths never exceed their capacities;
 *   - every pending read address is in the pending-read table exactly once
 *     (merged reads chain behind it), every buffered write in the write
 *     table exactly once.
 */
#ifndef TFSIM_ARCH_DRAM_INT_H
#define TFSIM_ARCH_DRAM_INT_H

#include <assert.h>

#include "dram.h"

#define DRAM_NEVER UINT64_MAX

/* ---------------------------------------------------------------------- */
/* Spec helpers (dram_spec.c)                                             */
/* ---------------------------------------------------------------------- */

/* Scope-adjusted level of a constraint (lifting to the coarser scope of
 * prev and next). */
/* Channel of an address (no full decode). */
static inline uint32_t dram__chan_of(const dram_spec *s, uint64_t addr) {
  return (uint32_t)((addr >> (s->line_shift + s->pos[DRAM_F_CH])) &
                    ((1ull << s->width[DRAM_F_CH]) - 1));
}

static inline int dram__tc_level(const dram_spec *s, const dram_tc *tc) {
  int lv = tc->level;
  int sp = s->cmds[tc->prev].scope, sn = s->cmds[tc->next].scope;
  if (sp < lv) lv = sp;
  if (sn < lv) lv = sn;
  return lv;
}

/* ---------------------------------------------------------------------- */
/* Controller (dram_ctrl.c)                                               */
/* ---------------------------------------------------------------------- */

typedef struct dram__txn {
  uint64_t addr, id, added_cyc;
  dram_done_fn done;
  void *ctx;
  uint32_t row, col;
  uint32_t bank;      /* flat bank index in the channel */
  uint32_t next_same; /* next merged read of the same address, or NIL */
  uint8_t is_write;
} dram__txn;

#define DRAM__NIL UINT32_MAX

/* A command-queue entry (per bank). */
typedef struct dram__qent {
  uint32_t txn;
  uint32_t row, col;
  uint8_t cmd; /* RD, WR, RDA or WRA */
} dram__qent;

/* A completion waiting for its cycle. */
typedef struct dram__ret {
  uint64_t cyc, seq;
  uint64_t id, addr, added_cyc;
  dram_done_fn done;
  void *ctx;
  uint8_t is_write;
} dram__ret;

/* Open-addressing map addr -> txn index (linear probing, backward-shift
 * deletion).  Capacity a power of two, at least twice the peak size. */
typedef struct dram__amap {
  uint64_t *keys;
  uint32_t *vals;
  uint32_t mask, n;
} dram__amap;

typedef struct dram__bank {
  int64_t open_row; /* -1: closed */
  uint32_t hits;    /* column commands since ACT (DRAMsim3 row_hit_count) */
} dram__bank;

/* A pending refresh request: rank, and bank (flat within rank) or -1. */
typedef struct dram__refreq {
  int32_t rank, bank;
} dram__refreq;

typedef struct dram__window {
  uint32_t size;
  uint64_t *ring; /* per node: size slots */
  uint32_t *head; /* per node: next slot */
  uint32_t *fill; /* per node: slots used */
} dram__window;

/* A constraint row as chan_init reads it (lifted level). */
typedef struct dram__ctc {
  uint8_t lv, sib, next, win; /* win: 0, or 1 + index into chan.win */
  int64_t lat;
} dram__ctc;

/* A timing update as the controller applies it, compiled per pair
 * (command, bank): raise entries [off, off + n) of the eb/er block to
 * T + lat (lat > 0 for a row without window), or for a window row to the oldest of the last `size`
 * issue times in the ring of `node` + lat once the ring is full. */
typedef struct dram__op {
  int64_t lat;
  uint32_t off, n;
  uint32_t node;
  uint8_t win;  /* 0, or 1 + index into chan.win (records T in the ring) */
  uint8_t cont; /* second range of the previous op's window row */
} dram__op;

/* A transaction queue kept as one FIFO per bank plus arrival sequence
 * numbers: "the first transaction in arrival order whose bank has room" is
 * the oldest head among the banks with room, found without a scan. */
typedef struct dram__tq {
  uint32_t *slot; /* bank b: slot[b * cap .. ), circular */
  uint64_t *seq;  /* arrival sequence of each slot */
  uint32_t *head, *cnt;
  uint64_t *busy; /* bit b: bank b's FIFO is not empty */
  uint32_t cap;   /* per bank */
} dram__tq;

/* The state machines and timing bookkeeping of one channel
 * (dram_timing.c): the one copy of the timing rules that issues commands,
 * shared by the controller and the command-level API. */
typedef struct dram__timing {
  const dram_spec *spec;
  uint32_t nbanks; /* ranks * banks */
  uint32_t ncmd;   /* spec->n_cmds, the stride of the earliest arrays */
  uint8_t bank_shift, bpg_shift; /* log2 banks per rank / per group */
  /* earliest-issue time per command and bank: eb[cmd * nbanks + b]; one
   * more row (index ncmd) stays DRAM_NEVER for queues with nothing to do */
  uint64_t *eb;
  uint64_t *er; /* rank-level (and channel-level) rows: er[cmd * ranks + r];
                 * a bank's time is max(eb, er of its rank); the same
                 * allocation as eb, right after it */
  dram__window *win;
  uint32_t nwin;
  /* timing updates of command p issued to bank b:
   * ops[op_off[p * nbanks + b] .. op_off[p * nbanks + b + 1]) */
  dram__op *ops;
  uint32_t *op_off;
  dram__bank *banks;
  uint32_t *open_in_rank; /* open banks per rank */
  uint32_t open_ranks;    /* ranks with an open bank */
} dram__timing;

static inline uint32_t dram__rank_of(const dram__timing *t, uint32_t b) {
  return b >> t->bank_shift;
}

/* Earliest cycle `cmd` may issue to bank b (for a wider-scope command, to
 * the node holding b: its rows are lifted to that level, so every bank of
 * the node holds the time): max of the bank's and its rank's time. */
static inline uint64_t dram__ready(const dram__timing *t, uint32_t b,
                                   int cmd) {
  uint64_t x = t->eb[(size_t)cmd * t->nbanks + b];
  uint64_t y = t->er[(size_t)cmd * t->spec->ranks + (b >> t->bank_shift)];
  return x > y ? x : y;
}

int dram__timing_init(dram__timing *t, const dram_spec *s);
void dram__timing_fini(dram__timing *t);
/* Whether the bank states allow `cmd` to bank b (row for an ACT or a
 * bank-scope column command); if not, *bad_bank (may be NULL) is a bank
 * at fault.  Timing is not looked at. */
int dram__timing_legal(const dram__timing *t, int cmd, uint32_t b,
                       uint32_t row, uint32_t *bad_bank);
/* Bank states of a command wider than one bank (dram_timing.c). */
uint32_t dram__timing_state_wide(dram__timing *t, int cmd, uint32_t b,
                                 uint32_t row, uint64_t T);

/* One bank's state for command d at T: open, close, row-hit count.  States
 * that forbid it are a bug (sim_panic).  Returns the column commands the
 * row had served before a column command, else 0. */
static inline uint32_t dram__bank_state(dram__timing *t,
                                        const dram_cmd_desc *d, uint32_t x,
                                        uint32_t row, uint64_t T) {
  dram__bank *bk = &t->banks[x];
  uint32_t hits = 0, r = x >> t->bank_shift;
  if (d->flags & DRAM_CF_OPEN) {
    if (bk->open_row >= 0)
      sim_panic("dram", T * t->spec->tck_ps, "%s to open bank %u (row %lld)",
                d->name, x, (long long)bk->open_row);
    bk->open_row = row;
    bk->hits = 0;
    if (t->open_in_rank[r]++ == 0) t->open_ranks++;
  }
  if (d->flags & DRAM_CF_COL) {
    if (bk->open_row < 0 ||
        (d->scope == DRAM_LV_BANK && bk->open_row != (int64_t)row))
      sim_panic("dram", T * t->spec->tck_ps,
                "%s to bank %u row %u, open row %lld", d->name, x, row,
                (long long)bk->open_row);
    hits = bk->hits++;
  }
  if ((d->flags & DRAM_CF_CLOSE) && bk->open_row >= 0) {
    bk->open_row = -1;
    bk->hits = 0;
    if (--t->open_in_rank[r] == 0) t->open_ranks--;
  }
  return hits;
}

/* The constraints of `cmd` issued at T to bank b (or, for a wider-scope
 * command, the node holding b): the flat list of raises build_ops
 * compiled for the pair. */
static inline void dram__timing_apply(dram__timing *tm, int cmd, uint32_t b,
                                      uint64_t T) {
  uint64_t *restrict et = tm->eb; /* eb rows, then er rows */
  size_t i = (size_t)cmd * tm->nbanks + b;
  const dram__op *op = tm->ops + tm->op_off[i],
                 *end = tm->ops + tm->op_off[i + 1];
  uint64_t t = 0;
  int skip = 0;
  for (; op < end; op++) {
    if (op->cont) {
      if (skip) continue; /* t as for the previous op */
    } else if (op->win) {
      dram__window *w = &tm->win[op->win - 1];
      uint32_t node = op->node;
      uint64_t *ring = w->ring + (size_t)node * w->size;
      ring[w->head[node]] = T;
      w->head[node] = w->head[node] + 1 == w->size ? 0 : w->head[node] + 1;
      if (w->fill[node] < w->size) w->fill[node]++;
      skip = w->fill[node] < w->size;
      if (skip) continue;
      uint64_t oldest = ring[w->head[node]];
      t = op->lat < 0 && (uint64_t)(-op->lat) > oldest
              ? 0
              : oldest + (uint64_t)op->lat;
    } else {
      t = T + (uint64_t)op->lat; /* lat > 0: see dram__timing_init */
      skip = 0;
    }
    uint64_t *row = et + op->off;
    for (uint32_t k = 0; k < op->n; k++) row[k] = row[k] < t ? t : row[k];
  }
}

/* Records `cmd` issued at T to bank b (for a wider-scope command, the
 * node holding b): bank states and the earliest-issue times of every
 * following command.  Returns what dram__bank_state does.  Inline: the
 * controller calls it for every command. */
static inline uint32_t dram__timing_issue(dram__timing *t, int cmd,
                                          uint32_t b, uint32_t row,
                                          uint64_t T) {
  const dram_cmd_desc *d = &t->spec->cmds[cmd];
  uint32_t hits = 0;
  if (d->scope == DRAM_LV_BANK)
    hits = dram__bank_state(t, d, b, row, T);
  else if (d->flags & (DRAM_CF_OPEN | DRAM_CF_CLOSE | DRAM_CF_COL))
    hits = dram__timing_state_wide(t, cmd, b, row, T);
  dram__timing_apply(t, cmd, b, T);
  return hits;
}

typedef struct dram__chan {
  struct dram_sys *sys;
  const dram_spec *spec;
  uint32_t ch;
  uint32_t nbanks; /* ranks * banks */
  uint32_t ncmd;   /* spec->n_cmds, the stride of the earliest arrays */

  dram__timing tm; /* bank states and earliest-issue times */

  /* command queues: bank b holds q[b * qcap .. + qlen[b]) */
  dram__qent *q;
  uint32_t *qlen, qcap, qtotal;
  uint8_t *qdirty; /* qcand must be recomputed */
  uint32_t *qcand;  /* per queue: mask of command kinds that may issue */
  uint8_t *qk;      /* per queue: the one kind it may issue, KIND_NONE
                     * (eb row of NEVER) if none, KIND_MULTI if several */
  uint64_t *dmask;  /* bit b: qdirty[b] */
  uint32_t *qoe, *qor; /* per queue: where its bound is, eb[qoe] max
                        * er[qor] (the NEVER row for the cases below) */
  uint64_t *multi;  /* bit b: queue b may issue several kinds (and is not
                     * held by refresh): its bound is a min over them */
  uint64_t lb_min; /* min over serving queues of the earliest issue cycle;
                    * valid unless lb_stale */
  uint64_t *qb;    /* per queue: its earliest issue cycle (NEVER if empty
                    * or held by refresh); valid unless lb_stale */

  uint32_t pick_b;   /* with qb valid: the first queue after rr whose qb
                      * is lb_min (the one a pick at lb_min serves) */
  int lb_stale;
  int sched_dirty; /* the transaction move may succeed (state changed) */
  uint32_t rr;     /* round-robin: index of the queue served last */

  /* transactions */
  dram__txn *txn;
  uint32_t ntxn, free_txn;
  dram__tq rq;         /* read queue */
  dram__tq wb;         /* write buffer */
  uint32_t rqlen, wblen; /* their lengths */
  uint64_t *room;      /* bit b: command queue b has room */
  uint32_t tcap, nwords; /* nwords: 64-bit words of a bank mask */
  uint64_t tseq;
  uint32_t write_draining;
  dram__amap pend_rd, pend_wr;

  /* completions (requests without a callback are counted when their
   * completion cycle becomes known, and need no event) */
  uint64_t last_ret_cyc; /* latest such completion cycle + 1, or 0 */
  dram__ret *heap;
  uint32_t nheap, capheap;
  uint64_t ret_seq;

  /* refresh */
  dram__refreq *refq;
  uint32_t nref, capref;
  uint64_t next_ref_cyc;
  uint32_t ref_rank, ref_bg, ref_ba;
  /* refresh left to an outside driver (dram_refresh_set_manual): the
   * requests queue here, the controller neither serves nor waits for
   * them, and refq stays empty */
  int ref_manual;
  dram__refreq *mrefq;
  uint32_t nmref, capmref;

  /* the command-level API (dram_cmd.c): the cycle of its last command on
   * this channel (the controller issues nothing in that cycle) and the
   * kinds it issued then (bit 0 row, bit 1 column) */
  uint64_t ext_cyc;
  uint8_t ext_kinds;

  /* time */
  uint64_t now;     /* next cycle to process */
  uint64_t wake;    /* a cycle that must be processed (submit, move) */

  dram_counters cnt;
} dram__chan;

struct dram_sys {
  const dram_spec *spec;
  dram__chan *ch;
  uint32_t nch;
  uint64_t now;
  uint64_t next_cache; /* dram_next_event's answer while next_valid */
  int next_valid;
  int no_skip;
  dram_cmd_fn hook;
  void *hook_ctx;
  /* called at the end of a cycle in which a full read queue or write
   * buffer of channel ch got room (the bulk-transfer layer retries then) */
  void (*room_fn)(void *ctx, uint32_t ch);
  void *room_ctx;
  /* sticky failure inside a cycle (dram_sys_failed): what and when */
  const char *fail_what;
  uint64_t fail_cyc;
};

/* Records the first allocation failure inside a cycle (no error can be
 * returned from there): the memory system's state is incomplete from now
 * on, and every driver stops at its next check of dram_sys_failed. */
void dram__fail(dram_sys *s, const char *what, uint64_t cyc);

/* Issues `cmd` at T to bank b of channel c (row: the row an ACT opens or a
 * column command addresses; col for the record): counters, bank states and
 * timing (dram__timing_issue), the refresh request it serves, the command
 * hook, and the controller's bounds of the queues it affects.  The one
 * issue path of both the controller and dram_cmd_issue; the caller has
 * checked legality and readiness. */
void dram__chan_cmd(dram__chan *c, int cmd, uint32_t b, uint32_t row,
                    uint32_t col, uint64_t T);
/* Brings the channel's lazy idle accounting up to cycle now. */
void dram__chan_sync(dram__chan *c, uint64_t now);

/* Inline forms of dram_now, dram_outstanding and dram_can_accept for the
 * trace front end, which calls them every processed cycle. */
static inline uint64_t dram__now(const dram_sys *s) { return s->now; }

static inline uint64_t dram__outstanding(const dram_sys *s) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < s->nch; i++) {
    const dram_counters *k = &s->ch[i].cnt;
    n += (k->reads - k->reads_done) + (k->writes - k->writes_issued);
  }
  return n;
}

static inline int dram__can_accept(const dram_sys *s, uint64_t addr,
                                   int is_write) {
  if (addr >= s->spec->capacity_bytes) return 0;
  const dram__chan *c = &s->ch[dram__chan_of(s->spec, addr)];
  return is_write ? c->wblen < c->tcap : c->rqlen < c->tcap;
}

/* ---------------------------------------------------------------------- */
/* Engine binding (dram_engine.c) and bulk transfers (dram_xfer.c)        */
/* ---------------------------------------------------------------------- */

#define DRAM__ENGINE_PRIO (1 << 20)

typedef struct dram__xfers dram__xfers;

struct dram_engine {
  sim_engine *e;
  dram_sys *s;
  uint64_t tck_ps;
  int clk;
  sim_event_id pending; /* 0: none */
  uint64_t pending_cyc;
  dram__xfers *xf; /* bulk transfers; NULL until the first */
  void (*fail_fn)(void *ctx, const sim_err *err); /* dram_engine_on_fail */
  void *fail_ctx;
};

/* Keeps the one pending event at the memory system's next event. */
void dram__engine_arm(dram_engine *d);
/* Brings the memory system to the first cycle at or after engine time. */
void dram__engine_sync(dram_engine *d);
/* Frees the bulk-transfer state (dram_engine_free). */
void dram__xfers_free(dram_engine *d);

/* ---------------------------------------------------------------------- */
/* Trace parsing (dram_trace.c) and the shared front end                  */
/* ---------------------------------------------------------------------- */

/* Parses an unsigned hex number (optional 0x) at *p; advances *p. */
int dram__parse_hex(const char **p, const char *end, uint64_t *out);

/* Runs n requests of a generated pattern through the trace front end
 * (no request array: the generator is the source). */
int dram__run_pattern(const dram_spec *spec, dram_pattern pat, size_t n,
                      const dram_run_opts *opts, sim_report *rep,
                      dram_counters *out, sim_err *err);

#endif /* TFSIM_ARCH_DRAM_INT_H */
