/*
 * dram_ctrl.c — the memory controller, one dram__chan per channel, with
 * exact idle-cycle skipping.  The rank / bank-group / bank state machines
 * and their earliest-issue times live in dram_timing.c (dram__timing, one
 * per channel), which the command-level API (dram_cmd.c) shares; every
 * command, the controller's or the API's, issues through dram__chan_cmd
 * here.  The design, the DRAMsim3 mechanism it reproduces and the skipping
 * argument are in dramInt.h (sections 2 and 3).
 *
 * Cost per processed cycle: O(banks) for the bound pass after a state
 * change (two loads and a few compares per queue, recompute_bounds),
 * O(cmd_queue_size) for each queue probed or changed, O(banks) for the
 * transaction move, O(entries raised) for the timing update (a flat list
 * per command and bank, dram_timing.c).  Idle cycles cost nothing.
 *
 * Ownership: a dram_sys owns its channels and every transaction; it
 * borrows the spec.  Callbacks run inside dram_tick / dram_advance and may
 * call dram_can_accept / dram_submit (a submit from a callback counts for
 * the next cycle).
 */
#include "dramInt.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Address map (open addressing)                                           */
/* ---------------------------------------------------------------------- */

#define AMAP_EMPTY UINT64_MAX

static int amap_init(dram__amap *m, uint32_t min_cap) {
  uint32_t cap = 16;
  while (cap < 2 * min_cap) cap <<= 1;
  m->keys = sim_malloc(cap * sizeof *m->keys);
  m->vals = sim_malloc(cap * sizeof *m->vals);
  if (!m->keys || !m->vals) return SIM_ENOMEM;
  for (uint32_t i = 0; i < cap; i++) m->keys[i] = AMAP_EMPTY;
  m->mask = cap - 1;
  m->n = 0;
  return 0;
}

static void amap_fini(dram__amap *m) {
  sim_free(m->keys);
  sim_free(m->vals);
  memset(m, 0, sizeof *m);
}

static inline uint32_t amap_hash(const dram__amap *m, uint64_t k) {
  k ^= k >> 29;
  k *= 0x9E3779B97F4A7C15ull;
  return (uint32_t)(k >> 32) & m->mask;
}

static inline uint32_t amap_get(const dram__amap *m, uint64_t k) {
  for (uint32_t i = amap_hash(m, k);; i = (i + 1) & m->mask) {
    if (m->keys[i] == k) return m->vals[i];
    if (m->keys[i] == AMAP_EMPTY) return DRAM__NIL;
  }
}

static int amap_grow(dram__amap *m);

static inline int amap_put(dram__amap *m, uint64_t k, uint32_t v) {
  if (2 * (m->n + 1) > m->mask + 1) {
    int rc = amap_grow(m);
    if (rc) return rc;
  }
  uint32_t i = amap_hash(m, k);
  while (m->keys[i] != AMAP_EMPTY && m->keys[i] != k) i = (i + 1) & m->mask;
  if (m->keys[i] == AMAP_EMPTY) m->n++;
  m->keys[i] = k;
  m->vals[i] = v;
  return 0;
}

static int amap_grow(dram__amap *m) {
  dram__amap n;
  int rc = amap_init(&n, (m->mask + 1));
  if (rc) {
    amap_fini(&n);
    return rc;
  }
  for (uint32_t i = 0; i <= m->mask; i++)
    if (m->keys[i] != AMAP_EMPTY) amap_put(&n, m->keys[i], m->vals[i]);
  amap_fini(m);
  *m = n;
  return 0;
}

/* Deletes k (backward-shift deletion keeps probe chains intact). */
static inline void amap_del(dram__amap *m, uint64_t k) {
  uint32_t i = amap_hash(m, k);
  while (m->keys[i] != k) {
    if (m->keys[i] == AMAP_EMPTY) return;
    i = (i + 1) & m->mask;
  }
  m->n--;
  for (;;) {
    m->keys[i] = AMAP_EMPTY;
    uint32_t j = i;
    for (;;) {
      j = (j + 1) & m->mask;
      if (m->keys[j] == AMAP_EMPTY) return;
      uint32_t h = amap_hash(m, m->keys[j]);
      /* move j back to i unless h lies cyclically in (i, j] */
      if (i <= j ? (i < h && h <= j) : (i < h || h <= j)) continue;
      m->keys[i] = m->keys[j];
      m->vals[i] = m->vals[j];
      i = j;
      break;
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Completion heap on (cycle, sequence)                                   */
/* ---------------------------------------------------------------------- */

static inline int ret_less(const dram__ret *a, const dram__ret *b) {
  return a->cyc < b->cyc || (a->cyc == b->cyc && a->seq < b->seq);
}

static int heap_push(dram__chan *c, const dram__ret *r) {
  if (c->nheap == c->capheap) {
    uint32_t cap = c->capheap ? c->capheap * 2 : 64;
    dram__ret *n = sim_realloc(c->heap, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    c->heap = n;
    c->capheap = cap;
  }
  uint32_t i = c->nheap++;
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!ret_less(r, &c->heap[p])) break;
    c->heap[i] = c->heap[p];
    i = p;
  }
  c->heap[i] = *r;
  return 0;
}

static void heap_pop(dram__chan *c, dram__ret *out) {
  *out = c->heap[0];
  dram__ret last = c->heap[--c->nheap];
  uint32_t i = 0, n = c->nheap;
  for (;;) {
    uint32_t l = 2 * i + 1;
    if (l >= n) break;
    uint32_t m = l;
    if (l + 1 < n && ret_less(&c->heap[l + 1], &c->heap[l])) m = l + 1;
    if (!ret_less(&c->heap[m], &last)) break;
    c->heap[i] = c->heap[m];
    i = m;
  }
  if (n) c->heap[i] = last;
}

/* ---------------------------------------------------------------------- */
/* Timing state                                                           */
/* ---------------------------------------------------------------------- */

static inline uint32_t rank_of(const dram__chan *c, uint32_t b) {
  return dram__rank_of(&c->tm, b);
}

static inline uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Earliest cycle `cmd` may issue to bank b (dram_timing.c keeps the
 * times); for a rank-scope command to its rank. */
static inline uint64_t ready_bank(const dram__chan *c, uint32_t b, int cmd) {
  return dram__ready(&c->tm, b, cmd);
}

/* ---------------------------------------------------------------------- */
/* Command queues                                                         */
/* ---------------------------------------------------------------------- */

/* Queue b's bound must be recomputed (its queue or its bank changed). */
static inline void mark_dirty(dram__chan *c, uint32_t b) {
  c->qdirty[b] = 1;
  c->dmask[b >> 6] |= 1ull << (b & 63);
  c->lb_stale = 1;
}

/* Every queue of rank r (its refresh state changed). */
static void dirty_rank(dram__chan *c, uint32_t r) {
  uint32_t B = c->spec->banks;
  for (uint32_t b = r * B; b < (r + 1) * B; b++) mark_dirty(c, b);
}

static inline int is_col_write(int cmd) {
  return cmd == DRAM_CMD_WR || cmd == DRAM_CMD_WRA;
}
static inline int is_col_read(int cmd) {
  return cmd == DRAM_CMD_RD || cmd == DRAM_CMD_RDA;
}

/* Whether an older read in the queue targets the same column (DRAMsim3
 * CommandQueue::HasRWDependency). */
static int has_rw_dep(const dram__qent *q, uint32_t i) {
  for (uint32_t j = 0; j < i; j++)
    if (is_col_read(q[j].cmd) && q[j].row == q[i].row &&
        q[j].col == q[i].col)
      return 1;
  return 0;
}

/* The kinds of command queue b may issue in the current state (a mask of
 * dram_cmd bits): what DRAMsim3's GetFirstReadyInQueue could return for
 * some entry once its timing allows.  Computed when the queue or its bank
 * changes; the readiness of each kind is then a few loads. */
static uint32_t candidates(const dram__chan *c, uint32_t b) {
  uint32_t n = c->qlen[b];
  if (n == 0) return 0;
  const dram__qent *q = c->q + (size_t)b * c->qcap;
  const dram__bank *bk = &c->tm.banks[b];
  if (bk->open_row < 0) return 1u << DRAM_CMD_ACT;
  uint32_t row = (uint32_t)bk->open_row;
  if (c->spec->scheduler == DRAM_SCHED_FCFS)
    return 1u << (q[0].row == row ? q[0].cmd : DRAM_CMD_PRE);
  uint32_t m = 0;
  int pending_hit = 0;
  for (uint32_t i = 0; i < n; i++) {
    const dram__qent *e = &q[i];
    if (e->row == row) {
      if (i > 0) pending_hit = 1;
      if (is_col_write(e->cmd) && has_rw_dep(q, i)) continue;
      m |= 1u << e->cmd;
    }
  }
  /* DRAMsim3 ArbitratePrecharge: a PRE only for the oldest command, when
   * no queued command hits the open row or the row-hit cap is reached */
  if (q[0].row != row && (!pending_hit || bk->hits >= c->spec->row_hit_cap))
    m |= 1u << DRAM_CMD_PRE;
  return m;
}

/* Earliest cycle any candidate of queue b is ready (exact for the current
 * state). */
static inline uint64_t cand_ready(const dram__chan *c, uint32_t b,
                                  uint32_t m) {
  uint64_t best = DRAM_NEVER;
  while (m) {
    int k = __builtin_ctz(m);
    m &= m - 1;
    uint64_t t = ready_bank(c, b, k);
    if (t < best) best = t;
  }
  return best;
}

/* Picks, at cycle T, the command DRAMsim3's GetFirstReadyInQueue returns
 * for queue b: the first entry (in queue order) whose required command is
 * eligible and ready.  Returns 0 if none. */
static int first_ready(const dram__chan *c, uint32_t b, uint64_t T, int *qi,
                       int *cmd) {
  uint32_t m = c->qcand[b];
  if (m == (1u << DRAM_CMD_ACT) || m == (1u << DRAM_CMD_PRE)) {
    int k = __builtin_ctz(m);
    if (ready_bank(c, b, k) > T) return 0;
    *qi = 0;
    *cmd = k;
    return 1;
  }
  const dram__qent *q = c->q + (size_t)b * c->qcap;
  uint32_t row = (uint32_t)c->tm.banks[b].open_row;
  uint32_t ready = 0; /* candidate kinds ready at T */
  for (uint32_t mm = m; mm;) {
    int k = __builtin_ctz(mm);
    mm &= mm - 1;
    if (ready_bank(c, b, k) <= T) ready |= 1u << k;
  }
  if (!ready) return 0;
  if (c->spec->scheduler == DRAM_SCHED_FCFS) {
    *qi = 0;
    *cmd = __builtin_ctz(ready);
    return 1;
  }
  for (uint32_t i = 0; i < c->qlen[b]; i++) {
    const dram__qent *e = &q[i];
    if (e->row == row) {
      if (!(ready & (1u << e->cmd))) continue;
      if (is_col_write(e->cmd) && has_rw_dep(q, i)) continue;
      *qi = (int)i;
      *cmd = e->cmd;
      return 1;
    }
    if (i == 0 && (ready & (1u << DRAM_CMD_PRE))) {
      *qi = 0;
      *cmd = DRAM_CMD_PRE;
      return 1;
    }
  }
  return 0;
}

/* Queue b's earliest issue cycle in the current state (candidates brought
 * up to date first). */
#define KIND_MULTI 0xFF

static inline int ref_blocks(const dram__chan *c, uint32_t b);

static inline void refresh_cand(dram__chan *c, uint32_t b) {
  uint32_t m = candidates(c, b);
  uint32_t k = m == 0               ? c->ncmd
               : (m & (m - 1)) == 0 ? (uint32_t)__builtin_ctz(m)
                                    : KIND_MULTI;
  c->qcand[b] = m;
  c->qk[b] = (uint8_t)k;
  c->qdirty[b] = 0;
  c->dmask[b >> 6] &= ~(1ull << (b & 63));
  /* where recompute_bounds reads the bound: the row of NEVER for a queue
   * held by refresh or of several kinds (those go through multi) */
  uint64_t bit = 1ull << (b & 63);
  int held = c->nref && ref_blocks(c, b);
  if (k == KIND_MULTI && !held)
    c->multi[b >> 6] |= bit;
  else
    c->multi[b >> 6] &= ~bit;
  if (held || k == KIND_MULTI) k = c->ncmd;
  c->qoe[b] = k * c->nbanks + b;
  c->qor[b] = k * c->spec->ranks + (b >> c->tm.bank_shift);
}

static inline uint64_t queue_bound(dram__chan *c, uint32_t b) {
  if (c->qdirty[b]) refresh_cand(c, b);
  uint32_t k = c->qk[b];
  if (k == KIND_MULTI) return cand_ready(c, b, c->qcand[b]);
  /* one kind (or none: the row of NEVER): two loads */
  uint64_t t = c->tm.eb[(size_t)k * c->nbanks + b];
  uint64_t u = c->tm.er[(size_t)k * c->spec->ranks + (b >> c->tm.bank_shift)];
  return t > u ? t : u;
}

/* Whether bank b's queue is held back by a pending refresh. */
static inline int ref_blocks(const dram__chan *c, uint32_t b) {
  if (!c->nref) return 0;
  const dram__refreq *r = &c->refq[0];
  if ((uint32_t)r->rank != rank_of(c, b)) return 0;
  return r->bank < 0 || (uint32_t)r->bank == b % c->spec->banks;
}

/* Bounds of queues [lo, hi) from their offsets, keeping the first strict
 * minimum (*m, *pick) in visiting order. */
static inline void scan_bounds(const dram__chan *c, uint32_t lo, uint32_t hi,
                               uint64_t *m, uint32_t *pick) {
  const uint64_t *restrict eb = c->tm.eb, *restrict er = c->tm.er;
  const uint32_t *restrict oe = c->qoe, *restrict orr = c->qor;
  uint64_t *restrict qb = c->qb;
  uint64_t mm = *m;
  uint32_t p = *pick;
  for (uint32_t b = lo; b < hi; b++) {
    uint64_t t = eb[oe[b]], u = er[orr[b]];
    t = t > u ? t : u;
    qb[b] = t;
    p = t < mm ? b : p;
    mm = t < mm ? t : mm;
  }
  *m = mm;
  *pick = p;
}

/* Brings every queue's bound qb up to date (exact), with lb_min, their
 * minimum, and pick_b, the first queue after rr in round-robin order whose
 * bound is lb_min.  A queue of one kind (the common case) reads its bound
 * at two offsets kept by refresh_cand (its bank's and its rank's time for
 * that kind; the row of NEVER if it has nothing to do or is held by a
 * pending refresh), so the pass over the queues, in round-robin order, is
 * branch-free; queues of several kinds are done after it. */
static void recompute_bounds(dram__chan *c) {
  const uint32_t nb = c->nbanks;
  if (c->qtotal == 0) {
    /* Every queue is empty, so every bound is NEVER: no scan, and the
     * dirty queues stay dirty until a request arrives (a command-level
     * driver such as PIM issues while the queues are idle). */
    c->lb_min = DRAM_NEVER;
    c->pick_b = DRAM__NIL;
    c->lb_stale = 0;
    return;
  }
  for (uint32_t w = 0; w < c->nwords; w++)
    while (c->dmask[w])
      refresh_cand(c, (w << 6) + (uint32_t)__builtin_ctzll(c->dmask[w]));
  uint64_t m = DRAM_NEVER;
  uint32_t pick = DRAM__NIL;
  uint32_t start = c->rr + 1 == nb ? 0 : c->rr + 1;
  scan_bounds(c, start, nb, &m, &pick);
  scan_bounds(c, 0, start, &m, &pick);
  for (uint32_t w = 0; w < c->nwords; w++) {
    for (uint64_t mm = c->multi[w]; mm; mm &= mm - 1) {
      uint32_t b = (w << 6) + (uint32_t)__builtin_ctzll(mm);
      uint64_t t = cand_ready(c, b, c->qcand[b]);
      c->qb[b] = t;
      /* position in round-robin order from start */
      if (t < m || (t == m && t != DRAM_NEVER &&
                    (b + nb - start) % nb < (pick + nb - start) % nb)) {
        m = t;
        pick = b;
      }
    }
  }
  c->lb_min = m;
  c->pick_b = m == DRAM_NEVER ? DRAM__NIL : pick;
  c->lb_stale = 0;
}

/* DRAMsim3 CommandQueue::GetCommandToIssue at T (round-robin). */
static int pick_command(dram__chan *c, uint64_t T, uint32_t *ob, int *oqi,
                        int *ocmd) {
  uint32_t nb = c->nbanks;
  if (!c->lb_stale && c->lb_min > T) return 0; /* exact: none is ready */
  if (!c->lb_stale && T == c->lb_min && c->pick_b != DRAM__NIL) {
    /* chan_next found the queue the round-robin reaches first */
    uint32_t b = c->pick_b;
    int qi = 0, cmd = 0;
    if (first_ready(c, b, T, &qi, &cmd)) {
      c->rr = b;
      *ob = b;
      *oqi = qi;
      *ocmd = cmd;
      return 1;
    }
  }
  for (uint32_t k = 0; k < nb; k++) {
    c->rr = c->rr + 1 == nb ? 0 : c->rr + 1;
    uint32_t b = c->rr;
    uint64_t t;
    if (!c->lb_stale) {
      t = c->qb[b]; /* computed by chan_next for this state */
    } else {
      /* qb of a clean queue is still a lower bound: since it was
       * computed, timing only rose (a change to the queue or bank, or to
       * its refresh state, marks it dirty) */
      if (!c->qdirty[b] && c->qb[b] > T) continue;
      t = c->nref && ref_blocks(c, b) ? DRAM_NEVER : queue_bound(c, b);
      c->qb[b] = t;
    }
    if (t > T) continue;
    int qi = 0, cmd = 0;
    if (first_ready(c, b, T, &qi, &cmd)) {
      *ob = b;
      *oqi = qi;
      *ocmd = cmd;
      return 1;
    }
  }
  return 0;
}

/* DRAMsim3 CommandQueue::FinishRefresh at T: the PRE or REF the front
 * refresh request needs, if ready; returns its readiness in *t_next. */
static int refresh_command(const dram__chan *c, uint64_t T, uint32_t *ob,
                           int *ocmd, uint64_t *t_next) {
  const dram_spec *s = c->spec;
  const dram__refreq *r = &c->refq[0];
  uint64_t best = DRAM_NEVER;
  if (r->bank < 0) {
    uint32_t b0 = (uint32_t)r->rank * s->banks;
    int all_closed = 1;
    for (uint32_t b = b0; b < b0 + s->banks; b++) {
      if (c->tm.banks[b].open_row < 0) continue;
      all_closed = 0;
      uint64_t t = ready_bank(c, b, DRAM_CMD_PRE);
      if (t <= T) {
        *ob = b;
        *ocmd = DRAM_CMD_PRE;
        *t_next = t;
        return 1;
      }
      best = min64(best, t);
    }
    if (all_closed) {
      uint64_t t = ready_bank(c, b0, DRAM_CMD_REF);
      if (t <= T) {
        *ob = b0;
        *ocmd = DRAM_CMD_REF;
        *t_next = t;
        return 1;
      }
      best = t;
    }
  } else {
    uint32_t b = (uint32_t)r->rank * s->banks + (uint32_t)r->bank;
    int cmd = c->tm.banks[b].open_row >= 0 ? DRAM_CMD_PRE : DRAM_CMD_REFPB;
    uint64_t t = ready_bank(c, b, cmd);
    if (t <= T) {
      *ob = b;
      *ocmd = cmd;
      *t_next = t;
      return 1;
    }
    best = t;
  }
  *t_next = best;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Transactions                                                           */
/* ---------------------------------------------------------------------- */

static uint32_t txn_alloc(dram__chan *c) {
  uint32_t i = c->free_txn;
  if (i == DRAM__NIL) return DRAM__NIL;
  c->free_txn = c->txn[i].next_same;
  return i;
}

static void txn_free(dram__chan *c, uint32_t i) {
  c->txn[i].next_same = c->free_txn;
  c->free_txn = i;
}

static int txn_grow(dram__chan *c) {
  uint32_t n = c->ntxn ? c->ntxn * 2 : 256;
  dram__txn *t = sim_realloc(c->txn, n * sizeof *t);
  if (!t) return SIM_ENOMEM;
  c->txn = t;
  for (uint32_t i = n; i-- > c->ntxn;) {
    t[i].next_same = c->free_txn;
    c->free_txn = i;
  }
  c->ntxn = n;
  return 0;
}

static int push_ret(dram__chan *c, uint64_t cyc, uint64_t id, uint64_t addr,
                    uint64_t added, dram_done_fn done, void *ctx,
                    int is_write) {
  dram__ret r;
  r.cyc = cyc;
  r.seq = c->ret_seq++;
  r.id = id;
  r.addr = addr;
  r.added_cyc = added;
  r.done = done;
  r.ctx = ctx;
  r.is_write = (uint8_t)is_write;
  return heap_push(c, &r);
}

static void report_cmd(dram__chan *c, int cmd, uint32_t b, uint32_t row,
                       uint32_t col, uint64_t T) {
  dram_sys *sys = c->sys;
  if (!sys->hook) return;
  const dram_spec *s = c->spec;
  dram_cmd_rec rec;
  memset(&rec, 0, sizeof rec);
  rec.cyc = T;
  rec.cmd = (uint8_t)cmd;
  rec.a.ch = c->ch;
  rec.a.ra = rank_of(c, b);
  uint32_t in_rank = b % s->banks;
  rec.a.bg = in_rank / s->banks_per_group;
  rec.a.ba = in_rank % s->banks_per_group;
  rec.a.ro = row;
  rec.a.co = col;
  sys->hook(sys->hook_ctx, &rec);
}

/* dram__chan_cmd, inline for the controller's own issue. */
static inline __attribute__((always_inline)) void
chan_cmd(dram__chan *c, int cmd, uint32_t b, uint32_t row, uint32_t col,
         uint64_t T) {
  const dram_spec *s = c->spec;
  unsigned fl = s->cmds[cmd].flags;
  uint32_t r = rank_of(c, b);
  c->cnt.cmds[cmd]++;
  if (fl & DRAM_CF_NEEDS_OPEN) row = (uint32_t)c->tm.banks[b].open_row;
  uint32_t hits = dram__timing_issue(&c->tm, cmd, b, row, T);
  if (hits && s->cmds[cmd].scope == DRAM_LV_BANK) {
    if (fl & DRAM_CF_WR)
      c->cnt.wr_hits++;
    else if (fl & DRAM_CF_RD)
      c->cnt.rd_hits++;
  }
  if (fl & DRAM_CF_REF) {
    /* the refresh request it serves, if it is the front one */
    dram__refreq *q = c->ref_manual ? c->mrefq : c->refq;
    uint32_t *n = c->ref_manual ? &c->nmref : &c->nref;
    int32_t bk = s->cmds[cmd].scope == DRAM_LV_BANK
                     ? (int32_t)(b % s->banks) : -1;
    if (*n && q[0].rank == (int32_t)r && q[0].bank == bk) {
      memmove(q, q + 1, (*n - 1) * sizeof *q);
      (*n)--;
    }
  }
  report_cmd(c, cmd, b, row, col, T);
  /* the queues whose bank state or timing changed */
  unsigned sc = s->cmds[cmd].scope;
  if (sc == DRAM_LV_BANK)
    mark_dirty(c, b);
  else if (sc == DRAM_LV_RANK)
    dirty_rank(c, r);
  else
    for (uint32_t x = 0; x < c->nbanks; x++) mark_dirty(c, x);
  if (fl & DRAM_CF_COL) c->sched_dirty = 1;
  if (fl & DRAM_CF_REF) {
    /* the front refresh request changed: the queues it held, and those
     * the next one holds */
    dirty_rank(c, r);
    if (c->nref && (uint32_t)c->refq[0].rank != r)
      dirty_rank(c, (uint32_t)c->refq[0].rank);
  }
}

void dram__chan_cmd(dram__chan *c, int cmd, uint32_t b, uint32_t row,
                    uint32_t col, uint64_t T) {
  chan_cmd(c, cmd, b, row, col, T);
}

/* Issues `cmd` to bank b at T (qi: its queue entry for column commands and
 * the entry whose row an ACT opens).  Returns SIM_ENOMEM only. */
static int issue(dram__chan *c, int cmd, uint32_t b, int qi, uint64_t T) {
  const dram_spec *s = c->spec;
  dram__qent *q = c->q + (size_t)b * c->qcap;
  int rc = 0;
  int colcmd = (s->cmds[cmd].flags & DRAM_CF_COL) != 0;
  dram__qent e = q[qi]; /* the entry (an ACT opens its row) */
  chan_cmd(c, cmd, b, colcmd || cmd == DRAM_CMD_ACT ? e.row : 0,
           colcmd ? e.col : 0, T);
  if (!colcmd) return 0; /* ACT, PRE, REF, REFpb */
  dram__txn *t = &c->txn[e.txn];
  if (is_col_write(cmd)) {
    amap_del(&c->pend_wr, t->addr);
    c->cnt.writes_issued++;
    txn_free(c, e.txn);
  } else {
    amap_del(&c->pend_rd, t->addr);
    uint32_t i = e.txn;
    uint64_t done = T + (uint64_t)s->read_delay_cyc;
    while (i != DRAM__NIL) {
      dram__txn *x = &c->txn[i];
      uint32_t nx = x->next_same;
      if (x->done) {
        if (!rc)
          rc = push_ret(c, done, x->id, x->addr, x->added_cyc, x->done,
                        x->ctx, 0);
      } else {
        c->cnt.reads_done++;
        c->cnt.rd_lat_sum_cyc += done - x->added_cyc;
        if (done + 1 > c->last_ret_cyc) c->last_ret_cyc = done + 1;
      }
      txn_free(c, i);
      i = nx;
    }
  }
  for (uint32_t j = (uint32_t)qi + 1; j < c->qlen[b]; j++) q[j - 1] = q[j];
  c->qlen[b]--;
  c->qtotal--;
  c->room[b >> 6] |= 1ull << (b & 63);
  return rc;
}

/* Transaction queues (dram__tq). */
static int tq_init(dram__tq *q, uint32_t nbanks, uint32_t nwords,
                   uint32_t cap) {
  q->cap = cap;
  q->slot = sim_calloc((size_t)nbanks * cap, sizeof *q->slot);
  q->seq = sim_calloc((size_t)nbanks * cap, sizeof *q->seq);
  q->head = sim_calloc(nbanks, sizeof *q->head);
  q->cnt = sim_calloc(nbanks, sizeof *q->cnt);
  q->busy = sim_calloc(nwords, sizeof *q->busy);
  return q->slot && q->seq && q->head && q->cnt && q->busy ? 0 : SIM_ENOMEM;
}

static void tq_fini(dram__tq *q) {
  sim_free(q->slot);
  sim_free(q->seq);
  sim_free(q->head);
  sim_free(q->cnt);
  sim_free(q->busy);
}

static inline void tq_push(dram__tq *q, uint32_t b, uint32_t txn,
                           uint64_t seq) {
  uint32_t i = (q->head[b] + q->cnt[b]++) % q->cap;
  q->slot[(size_t)b * q->cap + i] = txn;
  q->seq[(size_t)b * q->cap + i] = seq;
  q->busy[b >> 6] |= 1ull << (b & 63);
}

static inline uint32_t tq_pop(dram__tq *q, uint32_t b) {
  uint32_t txn = q->slot[(size_t)b * q->cap + q->head[b]];
  q->head[b] = (q->head[b] + 1) % q->cap;
  if (--q->cnt[b] == 0) q->busy[b >> 6] &= ~(1ull << (b & 63));
  return txn;
}

/* The bank whose oldest transaction is the oldest among the banks with
 * room in their command queue, or DRAM__NIL. */
static inline uint32_t tq_first(const dram__chan *c, const dram__tq *q) {
  uint32_t best = DRAM__NIL;
  uint64_t bseq = UINT64_MAX;
  for (uint32_t w = 0; w < c->nwords; w++) {
    uint64_t m = q->busy[w] & c->room[w];
    while (m) {
      uint32_t b = (w << 6) + (uint32_t)__builtin_ctzll(m);
      m &= m - 1;
      uint64_t sq = q->seq[(size_t)b * q->cap + q->head[b]];
      if (sq < bseq) {
        bseq = sq;
        best = b;
      }
    }
  }
  return best;
}

static inline void set_room(dram__chan *c, uint32_t b) {
  if (c->qlen[b] < c->qcap)
    c->room[b >> 6] |= 1ull << (b & 63);
  else
    c->room[b >> 6] &= ~(1ull << (b & 63));
}

/* Moves the oldest transaction of bank b's FIFO in q to its command
 * queue. */
static void move_txn(dram__chan *c, dram__tq *q, uint32_t b) {
  const dram_spec *s = c->spec;
  uint32_t i = tq_pop(q, b);
  dram__txn *t = &c->txn[i];
  dram__qent *e = c->q + (size_t)b * c->qcap + c->qlen[b]++;
  e->txn = i;
  e->row = t->row;
  e->col = t->col;
  int open = s->row_policy == DRAM_ROW_OPEN;
  e->cmd = t->is_write ? (open ? DRAM_CMD_WR : DRAM_CMD_WRA)
                       : (open ? DRAM_CMD_RD : DRAM_CMD_RDA);
  c->qtotal++;
  set_room(c, b);
  mark_dirty(c, b);
}

/* DRAMsim3 Controller::ScheduleTransaction with the reference fix; returns
 * 1 if a transaction moved to a command queue. */
static int schedule_txn(dram__chan *c) {
  const dram_spec *s = c->spec;
  if (c->write_draining == 0 &&
      (c->wblen >= c->tcap ||
       (c->wblen > s->write_drain_threshold && c->qtotal == 0) ||
       (s->write_idle_drain && c->wblen && !c->rqlen && c->qtotal == 0)))
    c->write_draining = c->wblen;
  if (c->write_draining > 0) {
    uint32_t b = tq_first(c, &c->wb);
    if (b == DRAM__NIL) return 0;
    const dram__txn *t =
        &c->txn[c->wb.slot[(size_t)b * c->wb.cap + c->wb.head[b]]];
    if (amap_get(&c->pend_rd, t->addr) != DRAM__NIL) {
      /* a pending read needs this address first: stop draining and serve
       * the first read that fits (never deadlocks) */
      c->write_draining = 0;
      uint32_t rb = tq_first(c, &c->rq);
      if (rb == DRAM__NIL) return 0;
      move_txn(c, &c->rq, rb);
      c->rqlen--;
      return 1;
    }
    c->write_draining--;
    move_txn(c, &c->wb, b);
    c->wblen--;
    return 1;
  }
  uint32_t b = tq_first(c, &c->rq);
  if (b == DRAM__NIL) return 0;
  move_txn(c, &c->rq, b);
  c->rqlen--;
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Cycles                                                                 */
/* ---------------------------------------------------------------------- */

/* Background accounting for n cycles in the current bank states. */
static inline void account_idle(dram__chan *c, uint64_t n) {
  c->cnt.act_stb_cyc += n * c->tm.open_ranks;
  c->cnt.pre_stb_cyc += n * (c->spec->ranks - c->tm.open_ranks);
}

/* Queues the next refresh request(s): for the controller to serve, or,
 * with the refresh left to an outside driver (dram_refresh_set_manual),
 * for it to read with dram_refresh_due. */
static void insert_refresh(dram__chan *c) {
  const dram_spec *s = c->spec;
  dram__refreq **qp = c->ref_manual ? &c->mrefq : &c->refq;
  uint32_t *np = c->ref_manual ? &c->nmref : &c->nref;
  uint32_t *capp = c->ref_manual ? &c->capmref : &c->capref;
  if (*np + s->ranks + 1 > *capp) {
    uint32_t cap = *capp * 2 + s->ranks + 4;
    dram__refreq *n = sim_realloc(*qp, cap * sizeof *n);
    if (!n) {
      dram__fail(c->sys, "refresh requests", c->now);
      return;
    }
    *qp = n;
    *capp = cap;
  }
  dram__refreq *q = *qp;
  uint32_t nq = *np;
  switch (s->refresh) {
  case DRAM_REF_RANK_STAGGERED:
    q[nq++] = (dram__refreq){(int32_t)c->ref_rank, -1};
    c->ref_rank = (c->ref_rank + 1) % s->ranks;
    break;
  case DRAM_REF_RANK_SIMULTANEOUS:
    for (uint32_t r = 0; r < s->ranks; r++)
      q[nq++] = (dram__refreq){(int32_t)r, -1};
    break;
  case DRAM_REF_BANK_STAGGERED:
    /* JEDEC order: bank groups fastest, then banks, then ranks (DRAMsim3
     * Refresh::IterateNext) */
    q[nq++] = (dram__refreq){
        (int32_t)c->ref_rank,
        (int32_t)(c->ref_bg * s->banks_per_group + c->ref_ba)};
    c->ref_bg = (c->ref_bg + 1) % s->bankgroups;
    if (c->ref_bg == 0) {
      c->ref_ba = (c->ref_ba + 1) % s->banks_per_group;
      if (c->ref_ba == 0) c->ref_rank = (c->ref_rank + 1) % s->ranks;
    }
    break;
  default:
    break;
  }
  *np = nq;
}

/* Steps c. and d. of cycle T: a refresh command, or one command (two
 * with dual_cmd) from the command queues. */
static inline void issue_cycle(dram__chan *c, uint64_t T) {
  const dram_spec *s = c->spec;
  uint32_t b = 0;
  int qi = 0, cmd = -1, got = 0;
  if (c->nref) {
    uint64_t tn;
    got = refresh_command(c, T, &b, &cmd, &tn);
    qi = 0;
  }
  /* a full round-robin pass that finds nothing leaves rr unchanged, so
   * it may be skipped when every queue's bound lies after T */
  if (!got && c->qtotal && (c->lb_stale || c->lb_min <= T))
    got = pick_command(c, T, &b, &qi, &cmd);
  if (got) {
    if (issue(c, cmd, b, qi, T)) {
      dram__fail(c->sys, "completions", T);
      return;
    }
    if (s->dual_cmd) {
      /* the second pick sees the state after the first command: exact
       * bounds make it (and, when nothing more issues, the next-event
       * query) cheap */
      uint32_t b2;
      int qi2, cmd2;
      recompute_bounds(c);
      if (pick_command(c, T, &b2, &qi2, &cmd2)) {
        int rw1 = (s->cmds[cmd].flags & DRAM_CF_COL) != 0;
        int rw2 = (s->cmds[cmd2].flags & DRAM_CF_COL) != 0;
        if (rw1 != rw2 && issue(c, cmd2, b2, qi2, T))
          dram__fail(c->sys, "completions", T);
      }
    }
  }
}

void dram__chan_sync(dram__chan *c, uint64_t now) {
  if (c->now < now) {
    account_idle(c, now - c->now);
    c->now = now;
  }
}

/* Processes cycle T of channel c (T >= c->now). */
static void chan_cycle(dram__chan *c, uint64_t T) {
  const dram_spec *s = c->spec;
  account_idle(c, T - c->now);
  c->now = T;
  /* a. completions */
  while (c->nheap && c->heap[0].cyc <= T) {
    dram__ret r;
    heap_pop(c, &r);
    if (r.is_write) {
      c->cnt.writes_done++;
    } else {
      c->cnt.reads_done++;
      c->cnt.rd_lat_sum_cyc += T - r.added_cyc;
    }
    if (r.done) r.done(r.ctx, r.id, r.addr, r.is_write, T);
  }
  /* b. refresh requests */
  if (s->refresh_interval_cyc && T == c->next_ref_cyc) {
    insert_refresh(c);
    c->next_ref_cyc += s->refresh_interval_cyc;
    if (!c->ref_manual)
      for (uint32_t r = 0; r < s->ranks; r++) dirty_rank(c, r);
  }
  /* c./d. one command (two with dual_cmd); none if a command from the
   * command-level API took the bus at T */
  if (c->ext_cyc != T) issue_cycle(c, T);
  /* e. background */
  account_idle(c, 1);
  c->now = T + 1;
  /* f. one transaction to a command queue (a run that moved nothing is
   * a fixpoint until a queue or the buffers change) */
  int moved = 0;
  if (c->sched_dirty) {
    int full = c->rqlen == c->tcap || c->wblen == c->tcap;
    moved = schedule_txn(c);
    c->sched_dirty = moved;
    c->wake = moved ? T + 1 : DRAM_NEVER;
    /* a full queue has room again: tell the bulk-transfer layer, which
     * may submit from here (dram_engine.c) */
    if (moved && full && c->sys->room_fn)
      c->sys->room_fn(c->sys->room_ctx, c->ch);
    return;
  }
  c->wake = DRAM_NEVER;
}

/* Earliest cycle >= c->now at which processing may change state. */
static uint64_t chan_next(dram__chan *c) {
  const dram_spec *s = c->spec;
  uint64_t e = c->wake;
  if (c->nheap) e = min64(e, c->heap[0].cyc);
  if (s->refresh_interval_cyc) e = min64(e, c->next_ref_cyc);
  if (e <= c->now && !c->lb_stale) return c->now;
  if (c->nref) {
    uint32_t b;
    int cmd;
    uint64_t t;
    refresh_command(c, c->now, &b, &cmd, &t);
    e = min64(e, t);
  }
  if (c->lb_stale) recompute_bounds(c);
  e = min64(e, c->lb_min);
  return e < c->now ? c->now : e;
}

/* ---------------------------------------------------------------------- */
/* Construction                                                           */
/* ---------------------------------------------------------------------- */

static void chan_fini(dram__chan *c) {
  dram__timing_fini(&c->tm);
  sim_free(c->q);
  sim_free(c->qlen);
  sim_free(c->qdirty);
  sim_free(c->qcand);
  sim_free(c->qb);
  sim_free(c->qk);
  sim_free(c->qoe);
  sim_free(c->qor);
  sim_free(c->multi);
  sim_free(c->dmask);
  sim_free(c->txn);
  tq_fini(&c->rq);
  tq_fini(&c->wb);
  sim_free(c->room);
  amap_fini(&c->pend_rd);
  amap_fini(&c->pend_wr);
  sim_free(c->heap);
  sim_free(c->refq);
  sim_free(c->mrefq);
}

static int chan_init(dram__chan *c, dram_sys *sys, uint32_t ch) {
  const dram_spec *s = sys->spec;
  memset(c, 0, sizeof *c);
  c->sys = sys;
  c->spec = s;
  c->ch = ch;
  c->nbanks = s->ranks * s->banks;
  c->ncmd = (uint32_t)s->n_cmds;
  int rc;
  if ((rc = dram__timing_init(&c->tm, s))) return rc;
  uint32_t n = c->ncmd;
  c->qcap = s->cmd_queue_size;
  c->q = sim_calloc((size_t)c->nbanks * c->qcap, sizeof *c->q);
  c->qlen = sim_calloc(c->nbanks, sizeof *c->qlen);
  c->qdirty = sim_calloc(c->nbanks, sizeof *c->qdirty);
  c->qcand = sim_calloc(c->nbanks, sizeof *c->qcand);
  c->qb = sim_calloc(c->nbanks, sizeof *c->qb);
  c->qk = sim_calloc(c->nbanks, sizeof *c->qk);
  c->qoe = sim_calloc(c->nbanks, sizeof *c->qoe);
  c->qor = sim_calloc(c->nbanks, sizeof *c->qor);
  c->tcap = s->trans_queue_size;
  c->nwords = (c->nbanks + 63) / 64;
  c->room = sim_calloc(c->nwords, sizeof *c->room);
  c->dmask = sim_calloc(c->nwords, sizeof *c->dmask);
  c->multi = sim_calloc(c->nwords, sizeof *c->multi);
  if (!c->q || !c->qlen || !c->qdirty || !c->qcand || !c->qb || !c->qk ||
      !c->room || !c->dmask || !c->qoe || !c->qor || !c->multi)
    return SIM_ENOMEM;
  if ((rc = tq_init(&c->rq, c->nbanks, c->nwords, c->tcap)) ||
      (rc = tq_init(&c->wb, c->nbanks, c->nwords, c->tcap)))
    return rc;
  for (uint32_t b = 0; b < c->nbanks; b++)
    c->room[b >> 6] |= 1ull << (b & 63);
  uint32_t peak = c->tcap + c->nbanks * c->qcap;
  if ((rc = amap_init(&c->pend_rd, peak)) ||
      (rc = amap_init(&c->pend_wr, peak)))
    return rc;
  c->free_txn = DRAM__NIL;
  if ((rc = txn_grow(c))) return rc;
  for (uint32_t b = 0; b < c->nbanks; b++) {
    c->qk[b] = (uint8_t)n; /* nothing to issue */
    c->qoe[b] = n * c->nbanks + b;
    c->qor[b] = n * s->ranks + (b >> c->tm.bank_shift);
  }
  c->lb_min = DRAM_NEVER;
  c->pick_b = DRAM__NIL;
  c->lb_stale = 1;
  c->next_ref_cyc = s->refresh_interval_cyc ? s->refresh_interval_cyc
                                            : DRAM_NEVER;
  c->wake = DRAM_NEVER;
  c->ext_cyc = DRAM_NEVER;
  c->rr = 0;
  return 0;
}

int dram_sys_new(const dram_spec *spec, dram_sys **out, sim_err *err) {
  *out = NULL;
  dram_sys *s = sim_calloc(1, sizeof *s);
  if (!s) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  s->spec = spec;
  s->nch = spec->channels;
  s->ch = sim_calloc(s->nch, sizeof *s->ch);
  if (!s->ch) {
    sim_free(s);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  for (uint32_t i = 0; i < s->nch; i++) {
    int rc = chan_init(&s->ch[i], s, i);
    if (rc) {
      for (uint32_t j = 0; j <= i; j++) chan_fini(&s->ch[j]);
      sim_free(s->ch);
      sim_free(s);
      return sim_err_set(err, rc, "dram: out of memory");
    }
  }
  *out = s;
  return 0;
}

void dram_sys_free(dram_sys *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->nch; i++) chan_fini(&s->ch[i]);
  sim_free(s->ch);
  sim_free(s);
}

void dram_sys_set_cmd_hook(dram_sys *s, dram_cmd_fn fn, void *ctx) {
  s->hook = fn;
  s->hook_ctx = ctx;
}

void dram_sys_set_no_skip(dram_sys *s, int on) { s->no_skip = on; }

/* ---------------------------------------------------------------------- */
/* Requests                                                               */
/* ---------------------------------------------------------------------- */

int dram_can_accept(const dram_sys *s, uint64_t addr, int is_write) {
  return dram__can_accept(s, addr, is_write);
}

/* A fresh transaction for a decoded request (the caller sets what differs
 * between reads and writes); *out is its index. */
static int txn_new(dram__chan *c, const dram_spec *sp, const dram_addr *a,
                   uint64_t addr, uint64_t id, uint64_t now, uint32_t *out) {
  uint32_t i = txn_alloc(c);
  if (i == DRAM__NIL) {
    int rc = txn_grow(c);
    if (rc) return rc;
    i = txn_alloc(c);
  }
  dram__txn *t = &c->txn[i];
  memset(t, 0, sizeof *t);
  t->addr = addr;
  t->id = id;
  t->added_cyc = now;
  t->row = a->ro;
  t->col = a->co;
  t->bank = (a->ra * sp->bankgroups + a->bg) * sp->banks_per_group + a->ba;
  t->next_same = DRAM__NIL;
  *out = i;
  return 0;
}

int dram_submit(dram_sys *s, uint64_t addr, int is_write, uint64_t id,
                dram_done_fn done, void *ctx) {
  const dram_spec *sp = s->spec;
  if (addr >= sp->capacity_bytes) return SIM_ERANGE;
  dram__chan *c = &s->ch[dram__chan_of(sp, addr)];
  if (is_write ? c->wblen >= c->tcap : c->rqlen >= c->tcap) return 1;
  dram_addr a;
  dram_decode(sp, addr, &a);
  uint64_t now = s->now;
  /* bring the channel's idle accounting up to now */
  if (c->now < now) {
    account_idle(c, now - c->now);
    c->now = now;
  }
  int rc = 0;
  if (is_write) {
    c->cnt.writes++;
    if (amap_get(&c->pend_wr, addr) != DRAM__NIL) {
      c->cnt.writes_issued++; /* merged into the buffered write */
    } else {
      uint32_t i;
      if ((rc = txn_new(c, sp, &a, addr, id, now, &i))) return rc;
      dram__txn *t = &c->txn[i];
      t->is_write = 1;
      if ((rc = amap_put(&c->pend_wr, addr, i))) return rc;
      tq_push(&c->wb, t->bank, i, c->tseq++);
      c->wblen++;
    }
    if (done)
      rc = push_ret(c, now + 1, id, addr, now, done, ctx, 1);
    else
      c->cnt.writes_done++;
  } else {
    c->cnt.reads++;
    if (amap_get(&c->pend_wr, addr) != DRAM__NIL) {
      if (done) {
        rc = push_ret(c, now + 1, id, addr, now, done, ctx, 0);
      } else { /* forwarded from the write buffer */
        c->cnt.reads_done++;
        c->cnt.rd_lat_sum_cyc += 1;
        if (now + 2 > c->last_ret_cyc) c->last_ret_cyc = now + 2;
      }
    } else {
      uint32_t i;
      if ((rc = txn_new(c, sp, &a, addr, id, now, &i))) return rc;
      dram__txn *t = &c->txn[i];
      t->done = done;
      t->ctx = ctx;
      uint32_t head = amap_get(&c->pend_rd, addr);
      if (head != DRAM__NIL) {
        while (c->txn[head].next_same != DRAM__NIL)
          head = c->txn[head].next_same;
        c->txn[head].next_same = i;
      } else {
        if ((rc = amap_put(&c->pend_rd, addr, i))) return rc;
        tq_push(&c->rq, t->bank, i, c->tseq++);
        c->rqlen++;
      }
    }
  }
  c->sched_dirty = 1;
  if (now < c->wake) c->wake = now;
  s->next_valid = 0;
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Time                                                                   */
/* ---------------------------------------------------------------------- */

uint64_t dram_now(const dram_sys *s) { return s->now; }

void dram__fail(dram_sys *s, const char *what, uint64_t cyc) {
  if (s->fail_what) return;
  s->fail_what = what;
  s->fail_cyc = cyc;
}

int dram_sys_failed(const dram_sys *s, sim_err *err) {
  if (!s->fail_what) return 0;
  return sim_err_set(err, SIM_ENOMEM, "dram: out of memory for %s in "
                     "memory cycle %llu", s->fail_what,
                     (unsigned long long)s->fail_cyc);
}

uint64_t dram_next_event(dram_sys *s) {
  if (s->next_valid) return s->next_cache;
  uint64_t e = DRAM_NEVER;
  for (uint32_t i = 0; i < s->nch; i++) {
    dram__chan *c = &s->ch[i];
    if (c->now < s->now) {
      /* the channel's own clock lags (idle accounting is lazy) */
      account_idle(c, s->now - c->now);
      c->now = s->now;
    }
    e = min64(e, chan_next(c));
  }
  s->next_cache = e;
  s->next_valid = 1;
  return e;
}

void dram_tick(dram_sys *s) {
  uint64_t T = s->now;
  s->next_valid = 0;
  for (uint32_t i = 0; i < s->nch; i++) chan_cycle(&s->ch[i], T);
  s->now = T + 1;
  s->next_valid = 0; /* callbacks may have submitted */
}

void dram_advance(dram_sys *s, uint64_t cyc) {
  while (s->now < cyc) {
    if (!s->no_skip) {
      uint64_t e = dram_next_event(s);
      if (e >= cyc) {
        s->now = cyc;
        break;
      }
      s->now = e;
    }
    dram_tick(s);
  }
  /* channels account the skipped cycles lazily (chan_cycle, submit,
   * dram_get_counters) */
}

int dram_idle(const dram_sys *s) {
  for (uint32_t i = 0; i < s->nch; i++) {
    const dram__chan *c = &s->ch[i];
    if (c->rqlen || c->wblen || c->qtotal || c->nheap) return 0;
  }
  return 1;
}

uint64_t dram_done_by(const dram_sys *s) {
  uint64_t m = 0;
  for (uint32_t i = 0; i < s->nch; i++)
    if (s->ch[i].last_ret_cyc > m) m = s->ch[i].last_ret_cyc;
  return m;
}

uint64_t dram_outstanding(const dram_sys *s) {
  return dram__outstanding(s);
}

void dram_get_counters(const dram_sys *s, dram_counters *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t i = 0; i < s->nch; i++) {
    const dram__chan *c = &s->ch[i];
    dram_counters k = c->cnt;
    /* idle cycles not yet accounted */
    if (c->now < s->now) {
      for (uint32_t r = 0; r < s->spec->ranks; r++) {
        if (c->tm.open_in_rank[r])
          k.act_stb_cyc += s->now - c->now;
        else
          k.pre_stb_cyc += s->now - c->now;
      }
    }
    for (int j = 0; j < DRAM_CMD_MAX; j++) out->cmds[j] += k.cmds[j];
    out->reads += k.reads;
    out->writes += k.writes;
    out->reads_done += k.reads_done;
    out->writes_done += k.writes_done;
    out->writes_issued += k.writes_issued;
    out->rd_hits += k.rd_hits;
    out->wr_hits += k.wr_hits;
    out->rd_lat_sum_cyc += k.rd_lat_sum_cyc;
    out->act_stb_cyc += k.act_stb_cyc;
    out->pre_stb_cyc += k.pre_stb_cyc;
  }
  out->cycles = s->now;
  out->done_by_cyc = dram_done_by(s);
}
