/*
 * dram_timing.c — the rank / bank-group / bank state machines of one
 * channel and their timing bookkeeping: the earliest-issue arrays compiled
 * from the constraint table (dramInt.h section 1), the activate windows,
 * and the open row of every bank.  This is the one copy of the timing
 * rules that issues commands: the controller (dram_ctrl.c) and the public
 * command-level API (dram_cmd.c, dram_cmd_earliest / dram_cmd_issue) both
 * ask it when a command may issue (dram__ready) and tell it when one did
 * (dram__timing_issue).  The protocol checker (dram_check.c) stays
 * independent of it on purpose.
 *
 * Where the code is: the per-command hot path (dram__ready,
 * dram__timing_issue, dram__bank_state, dram__timing_apply) is inline in
 * dramInt.h's dram__timing section, so the controller's issue compiles to
 * what it was when this was a static of dram_ctrl.c (callgrind: +0.6 %
 * instructions on bench_dram); this file holds the compilation of the
 * constraint rows into raise lists, the legality check the API uses, and
 * the state update of commands wider than one bank.
 *
 * Layout: one block of uint64_t holds, per command, a row of per-bank
 * times (eb, ncmd + 1 rows of nbanks; the extra row stays DRAM_NEVER for
 * queues with nothing to do) and then a row of per-rank times (er, rank-
 * and channel-level constraints), so an issue is a loop of max-stores over
 * a flat, precompiled list of (offset, count, latency) ranges per pair
 * (command, bank): dram__timing_init / build_ops.
 *
 * Cost: an issue is O(entries raised) (a few dozen for DDR4); a readiness
 * query two loads; a legality check O(banks touched).
 *
 * Ownership: the caller embeds a dram__timing (one per channel) and pairs
 * dram__timing_init with dram__timing_fini; it borrows the spec.
 */
#include "dramInt.h"

#include <string.h>

/* Compiles the constraint rows (ctc[ctc_off[p] .. ctc_off[p + 1]) for
 * preceding command p) into, for every pair (command, bank), the flat list
 * of eb/er entries that issuing it raises (dram__timing_issue): a row
 * raises its node (the bank, its bank group, its rank or the channel) or,
 * for a sibling row, the other nodes under the parent, two ranges.  Empty
 * ranges are dropped except for window rows, whose first op records the
 * issue time in the ring and whose second (cont) reuses its result. */
static int build_ops(dram__timing *t, const dram__ctc *ctc,
                     const uint32_t *ctc_off) {
  const dram_spec *s = t->spec;
  const uint32_t nb = t->nbanks, nc = t->ncmd, nr = s->ranks;
  const uint32_t B = s->banks, G = s->banks_per_group;
  size_t cap = 2 * (size_t)ctc_off[nc] * nb + 1;
  t->ops = sim_calloc(cap, sizeof *t->ops);
  t->op_off = sim_calloc((size_t)nc * nb + 1, sizeof *t->op_off);
  if (!t->ops || !t->op_off) return SIM_ENOMEM;
  uint32_t k = 0;
  for (uint32_t p = 0; p < nc; p++) {
    for (uint32_t b = 0; b < nb; b++) {
      uint32_t r = dram__rank_of(t, b), g = b >> t->bpg_shift;
      t->op_off[p * nb + b] = k;
      for (uint32_t j = ctc_off[p]; j < ctc_off[p + 1]; j++) {
        const dram__ctc *tc = &ctc[j];
        uint32_t base, lo, hi, plo, phi, node; /* the node, its parent */
        if (tc->lv <= DRAM_LV_RANK) { /* er: one entry per rank */
          base = nb * (nc + 1) + tc->next * nr;
          if (tc->lv == DRAM_LV_CHANNEL)
            lo = plo = 0, hi = phi = nr, node = 0;
          else
            lo = r, hi = r + 1, plo = 0, phi = nr, node = r;
        } else {
          base = tc->next * nb;
          if (tc->lv == DRAM_LV_BANKGROUP)
            lo = g * G, hi = lo + G, plo = r * B, phi = plo + B, node = g;
          else
            lo = b, hi = b + 1, plo = g * G, phi = plo + G, node = b;
        }
        uint32_t rl[2][2] = {{lo, hi}, {0, 0}};
        if (tc->sib) {
          rl[0][0] = plo, rl[0][1] = lo;
          rl[1][0] = hi, rl[1][1] = phi;
        }
        for (int h = 0; h < 2; h++) {
          uint32_t n = rl[h][1] - rl[h][0];
          if (!n && !(tc->win && tc->sib)) continue;
          dram__op *o = &t->ops[k++];
          o->lat = tc->lat;
          o->off = base + rl[h][0];
          o->n = n;
          o->win = h == 0 ? tc->win : 0;
          o->cont = tc->win && h == 1;
          o->node = node;
        }
      }
    }
  }
  t->op_off[nc * nb] = k;
  return 0;
}

int dram__timing_init(dram__timing *t, const dram_spec *s) {
  memset(t, 0, sizeof *t);
  t->spec = s;
  t->nbanks = s->ranks * s->banks;
  t->ncmd = (uint32_t)s->n_cmds;
  while ((1u << t->bank_shift) < s->banks) t->bank_shift++;
  while ((1u << t->bpg_shift) < s->banks_per_group) t->bpg_shift++;
  uint32_t n = t->ncmd, nbg = s->ranks * s->bankgroups;
  /* one block: the eb rows, then the er rows (build_ops' offsets) */
  t->eb = sim_calloc((size_t)(t->nbanks + s->ranks) * (n + 1), sizeof *t->eb);
  t->er = t->eb ? t->eb + (size_t)t->nbanks * (n + 1) : NULL;
  t->banks = sim_calloc(t->nbanks, sizeof *t->banks);
  t->open_in_rank = sim_calloc(s->ranks, sizeof *t->open_in_rank);
  if (!t->eb || !t->banks || !t->open_in_rank) return SIM_ENOMEM;
  for (uint32_t b = 0; b < t->nbanks; b++) t->banks[b].open_row = -1;
  for (size_t i = 0; i < t->nbanks; i++)
    t->eb[(size_t)n * t->nbanks + i] = DRAM_NEVER;
  /* constraints grouped by preceding command, levels lifted, windows
   * numbered */
  for (size_t i = 0; i < s->n_tc; i++)
    if (s->tc[i].window) t->nwin++;
  if (t->nwin && !(t->win = sim_calloc(t->nwin, sizeof *t->win)))
    return SIM_ENOMEM;
  dram__ctc *ctc = sim_calloc(s->n_tc + 1, sizeof *ctc);
  uint32_t ctc_off[DRAM_CMD_MAX + 1];
  if (!ctc) return SIM_ENOMEM;
  uint32_t k = 0, w = 0;
  for (int p = 0; p < s->n_cmds; p++) {
    ctc_off[p] = k;
    for (size_t i = 0; i < s->n_tc; i++) {
      const dram_tc *tc = &s->tc[i];
      if (tc->prev != p) continue;
      /* a non-window row of latency <= 0 never binds: commands issue in
       * nondecreasing cycles */
      if (!tc->window && tc->lat_cyc <= 0) continue;
      dram__ctc *x = &ctc[k++];
      x->lv = (uint8_t)dram__tc_level(s, tc);
      x->sib = tc->sibling;
      x->next = tc->next;
      x->lat = tc->lat_cyc;
      if (tc->window) {
        dram__window *y = &t->win[w++];
        x->win = (uint8_t)w;
        y->size = tc->window;
        size_t nodes = x->lv == DRAM_LV_CHANNEL ? 1
                       : x->lv == DRAM_LV_RANK  ? s->ranks
                       : x->lv == DRAM_LV_BANKGROUP ? nbg
                                                    : t->nbanks;
        y->ring = sim_calloc(nodes * y->size, sizeof *y->ring);
        y->head = sim_calloc(nodes, sizeof *y->head);
        y->fill = sim_calloc(nodes, sizeof *y->fill);
        if (!y->ring || !y->head || !y->fill) {
          sim_free(ctc);
          return SIM_ENOMEM;
        }
      }
    }
  }
  ctc_off[s->n_cmds] = k;
  int rc = build_ops(t, ctc, ctc_off);
  sim_free(ctc);
  return rc;
}

void dram__timing_fini(dram__timing *t) {
  sim_free(t->eb); /* er included */
  sim_free(t->ops);
  sim_free(t->op_off);
  for (uint32_t i = 0; t->win && i < t->nwin; i++) {
    sim_free(t->win[i].ring);
    sim_free(t->win[i].head);
    sim_free(t->win[i].fill);
  }
  sim_free(t->win);
  sim_free(t->banks);
  sim_free(t->open_in_rank);
  memset(t, 0, sizeof *t);
}

/* The banks [*b0, *b1) a command of `scope` addressed to bank b touches. */
static inline void span(const dram__timing *t, int scope, uint32_t b,
                        uint32_t *b0, uint32_t *b1) {
  const dram_spec *s = t->spec;
  switch (scope) {
  case DRAM_LV_BANK: *b0 = b, *b1 = b + 1; break;
  case DRAM_LV_BANKGROUP:
    *b0 = b - b % s->banks_per_group, *b1 = *b0 + s->banks_per_group;
    break;
  case DRAM_LV_RANK: *b0 = b - b % s->banks, *b1 = *b0 + s->banks; break;
  default: *b0 = 0, *b1 = t->nbanks; break;
  }
}

int dram__timing_legal(const dram__timing *t, int cmd, uint32_t b,
                       uint32_t row, uint32_t *bad_bank) {
  const dram_cmd_desc *d = &t->spec->cmds[cmd];
  uint32_t b0, b1;
  span(t, d->scope, b, &b0, &b1);
  for (uint32_t x = b0; x < b1; x++) {
    int64_t o = t->banks[x].open_row;
    int bad = ((d->flags & (DRAM_CF_OPEN | DRAM_CF_REF)) && o >= 0) ||
              ((d->flags & DRAM_CF_NEEDS_OPEN) && o < 0) ||
              ((d->flags & DRAM_CF_COL) &&
               (o < 0 || (d->scope == DRAM_LV_BANK && o != (int64_t)row)));
    if (bad) {
      if (bad_bank) *bad_bank = x;
      return 0;
    }
  }
  return 1;
}

uint32_t dram__timing_state_wide(dram__timing *t, int cmd, uint32_t b,
                                 uint32_t row, uint64_t T) {
  const dram_cmd_desc *d = &t->spec->cmds[cmd];
  uint32_t hits = 0;
  uint32_t b0, b1;
  span(t, d->scope, b, &b0, &b1);
  for (uint32_t x = b0; x < b1; x++) hits = dram__bank_state(t, d, x, row, T);
  return hits;
}
