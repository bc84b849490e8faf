/*
 * dram_check.c — the protocol checker: replays an issued command stream
 * and re-verifies every command against the standard's rules.  It shares
 * nothing with the controller but the spec (organisation, the compiled
 * constraint rows, command flags); in particular it does not use the
 * controller's earliest-issue arrays.  Its method is the opposite one:
 * instead of pushing "earliest next" times forward at issue, it keeps the
 * history of when each command last reached each node (channel, rank, bank
 * group, bank) and, for a new command, looks back at every row of the
 * table whose `next` it is:
 *
 *   - non-window row (L, P, N, lat): for every level-L node the new
 *     command touches (every bank of the rank for a rank-scope command;
 *     with sibling, every other node under the same parent), the last P
 *     issued there plus lat must not lie after the new command;
 *   - window row (tFAW): the window-th most recent P in the node plus lat;
 *   - bank state: ACT to a closed bank, RD/WR to the open row, PRE to an
 *     open bank, REF with every bank of the rank closed;
 *   - the data bus: the burst of a RD (RL .. RL + tBL) or WR (WL .. WL +
 *     tBL) may not overlap another burst of the channel;
 *   - the command bus: one command per cycle (two of different kinds, row
 *     and column, with dual_cmd).
 *
 * Tests attach it to every run (dram_checker_hook); one test plants a
 * violation and shows it is caught.
 */
#include "dramInt.h"

#include <stdio.h>
#include <string.h>

#define CK_BURSTS 8

typedef struct ck_win {
  const dram_tc *tc;
  uint64_t *ring; /* per node: window slots (last issues of prev) */
  uint32_t *head, *fill;
} ck_win;

struct dram_checker {
  const dram_spec *s;
  uint32_t nbanks; /* per channel */
  uint32_t ncmd;
  /* last issue per node and command, DRAM_NEVER if none; per channel */
  uint64_t *l_ch, *l_rank, *l_bg, *l_bank;
  int64_t *open_row; /* per channel * bank */
  ck_win *win;
  uint32_t nwin;
  /* data bus per channel: recent bursts [start, end) */
  uint64_t *bus_s, *bus_e;
  uint32_t *bus_n;
  /* command bus per channel: last cycle and the kinds issued in it */
  uint64_t *cmd_cyc;
  uint8_t *cmd_kinds; /* bit 0 row command, bit 1 column command */
  uint64_t last_cyc;
  uint64_t n_cmds, n_bad;
  char first[SIM_ERR_MSG_MAX];
};

static size_t nodes_at(const dram_spec *s, int lv) {
  switch (lv) {
  case DRAM_LV_CHANNEL: return 1;
  case DRAM_LV_RANK: return s->ranks;
  case DRAM_LV_BANKGROUP: return (size_t)s->ranks * s->bankgroups;
  default: return (size_t)s->ranks * s->banks;
  }
}

int dram_checker_new(const dram_spec *s, dram_checker **out) {
  *out = NULL;
  dram_checker *c = sim_calloc(1, sizeof *c);
  if (!c) return SIM_ENOMEM;
  c->s = s;
  c->nbanks = s->ranks * s->banks;
  c->ncmd = (uint32_t)s->n_cmds;
  size_t ch = s->channels, n = c->ncmd;
  c->l_ch = sim_calloc(ch * n, sizeof(uint64_t));
  c->l_rank = sim_calloc(ch * s->ranks * n, sizeof(uint64_t));
  c->l_bg = sim_calloc(ch * s->ranks * s->bankgroups * n, sizeof(uint64_t));
  c->l_bank = sim_calloc(ch * c->nbanks * n, sizeof(uint64_t));
  c->open_row = sim_calloc(ch * c->nbanks, sizeof(int64_t));
  c->bus_s = sim_calloc(ch * CK_BURSTS, sizeof(uint64_t));
  c->bus_e = sim_calloc(ch * CK_BURSTS, sizeof(uint64_t));
  c->bus_n = sim_calloc(ch, sizeof(uint32_t));
  c->cmd_cyc = sim_calloc(ch, sizeof(uint64_t));
  c->cmd_kinds = sim_calloc(ch, 1);
  if (!c->l_ch || !c->l_rank || !c->l_bg || !c->l_bank || !c->open_row ||
      !c->bus_s || !c->bus_e || !c->bus_n || !c->cmd_cyc || !c->cmd_kinds)
    goto oom;
  uint64_t *arrs[4] = {c->l_ch, c->l_rank, c->l_bg, c->l_bank};
  size_t lens[4] = {ch * n, ch * s->ranks * n,
                    ch * s->ranks * s->bankgroups * n, ch * c->nbanks * n};
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < lens[k]; i++) arrs[k][i] = DRAM_NEVER;
  for (size_t i = 0; i < ch * c->nbanks; i++) c->open_row[i] = -1;
  for (size_t i = 0; i < ch; i++) c->cmd_cyc[i] = DRAM_NEVER;
  for (size_t i = 0; i < s->n_tc; i++)
    if (s->tc[i].window) c->nwin++;
  if (c->nwin) {
    c->win = sim_calloc(c->nwin, sizeof *c->win);
    if (!c->win) goto oom;
    uint32_t w = 0;
    for (size_t i = 0; i < s->n_tc; i++) {
      if (!s->tc[i].window) continue;
      ck_win *x = &c->win[w++];
      x->tc = &s->tc[i];
      size_t nodes = ch * nodes_at(s, x->tc->level);
      x->ring = sim_calloc(nodes * x->tc->window, sizeof *x->ring);
      x->head = sim_calloc(nodes, sizeof *x->head);
      x->fill = sim_calloc(nodes, sizeof *x->fill);
      if (!x->ring || !x->head || !x->fill) goto oom;
    }
  }
  *out = c;
  return 0;
oom:
  dram_checker_free(c);
  return SIM_ENOMEM;
}

void dram_checker_free(dram_checker *c) {
  if (!c) return;
  sim_free(c->l_ch);
  sim_free(c->l_rank);
  sim_free(c->l_bg);
  sim_free(c->l_bank);
  sim_free(c->open_row);
  sim_free(c->bus_s);
  sim_free(c->bus_e);
  sim_free(c->bus_n);
  sim_free(c->cmd_cyc);
  sim_free(c->cmd_kinds);
  for (uint32_t i = 0; c->win && i < c->nwin; i++) {
    sim_free(c->win[i].ring);
    sim_free(c->win[i].head);
    sim_free(c->win[i].fill);
  }
  sim_free(c->win);
  sim_free(c);
}

/* Node index (within all channels) at level lv of bank b of channel ch. */
static size_t node_of(const dram_checker *c, uint32_t ch, int lv,
                      uint32_t b) {
  const dram_spec *s = c->s;
  switch (lv) {
  case DRAM_LV_CHANNEL: return ch;
  case DRAM_LV_RANK: return (size_t)ch * s->ranks + b / s->banks;
  case DRAM_LV_BANKGROUP:
    return (size_t)ch * s->ranks * s->bankgroups + b / s->banks_per_group;
  default: return (size_t)ch * c->nbanks + b;
  }
}

static uint64_t *last_at(dram_checker *c, int lv, size_t node, int cmd) {
  uint64_t *base = lv == DRAM_LV_CHANNEL ? c->l_ch
                   : lv == DRAM_LV_RANK  ? c->l_rank
                   : lv == DRAM_LV_BANKGROUP ? c->l_bg
                                             : c->l_bank;
  return &base[node * c->ncmd + (size_t)cmd];
}

static int violation(dram_checker *c, sim_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int violation(dram_checker *c, sim_err *err, const char *fmt, ...) {
  char msg[SIM_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->n_bad++ == 0) snprintf(c->first, sizeof c->first, "%s", msg);
  return sim_err_set(err, SIM_EINTERNAL, "%s", msg);
}

/* The banks (flat, in the channel) a command touches: [*b0, *b1). */
static void touched(const dram_checker *c, const dram_cmd_rec *r, uint32_t *b0,
                    uint32_t *b1) {
  const dram_spec *s = c->s;
  const dram_cmd_desc *d = &s->cmds[r->cmd];
  uint32_t b = (r->a.ra * s->bankgroups + r->a.bg) * s->banks_per_group +
               r->a.ba;
  if (d->scope == DRAM_LV_BANK) {
    *b0 = b;
    *b1 = b + 1;
  } else if (d->scope == DRAM_LV_BANKGROUP) {
    *b0 = (r->a.ra * s->bankgroups + r->a.bg) * s->banks_per_group;
    *b1 = *b0 + s->banks_per_group;
  } else if (d->scope == DRAM_LV_RANK) {
    *b0 = r->a.ra * s->banks;
    *b1 = *b0 + s->banks;
  } else {
    *b0 = 0;
    *b1 = c->nbanks;
  }
}

int dram_checker_feed(dram_checker *c, const dram_cmd_rec *r, sim_err *err) {
  const dram_spec *s = c->s;
  c->n_cmds++;
  if (r->cmd >= s->n_cmds)
    return violation(c, err, "cycle %llu: unknown command %u",
                     (unsigned long long)r->cyc, r->cmd);
  const dram_cmd_desc *d = &s->cmds[r->cmd];
  const char *nm = d->name;
  unsigned long long T = r->cyc;
  if (r->a.ch >= s->channels || r->a.ra >= s->ranks ||
      r->a.bg >= s->bankgroups || r->a.ba >= s->banks_per_group ||
      r->a.ro >= s->rows)
    return violation(c, err, "cycle %llu: %s to an address outside the "
                     "organisation", T, nm);
  if (c->n_cmds > 1 && r->cyc < c->last_cyc)
    return violation(c, err, "cycle %llu: %s issued before the previous "
                     "command (cycle %llu)", T, nm,
                     (unsigned long long)c->last_cyc);
  c->last_cyc = r->cyc;
  uint32_t ch = r->a.ch;
  /* command bus */
  uint8_t kind = (d->flags & DRAM_CF_COL) ? 2 : 1;
  if (c->cmd_cyc[ch] == r->cyc) {
    if (!s->dual_cmd || (c->cmd_kinds[ch] & kind))
      return violation(c, err, "cycle %llu: %s is a second command in the "
                       "same cycle on channel %u", T, nm, ch);
    c->cmd_kinds[ch] |= kind;
  } else {
    c->cmd_cyc[ch] = r->cyc;
    c->cmd_kinds[ch] = kind;
  }
  uint32_t b0, b1;
  touched(c, r, &b0, &b1);
  int64_t *open = c->open_row + (size_t)ch * c->nbanks;
  /* bank states */
  for (uint32_t b = b0; b < b1; b++) {
    if ((d->flags & (DRAM_CF_OPEN | DRAM_CF_REF)) && open[b] >= 0)
      return violation(c, err, "cycle %llu: %s to rank %u bank %u while row "
                       "%lld is open", T, nm, b / s->banks, b % s->banks,
                       (long long)open[b]);
    if ((d->flags & DRAM_CF_NEEDS_OPEN) && open[b] < 0)
      return violation(c, err, "cycle %llu: %s to closed bank %u", T, nm, b);
    if ((d->flags & DRAM_CF_COL) &&
        (open[b] < 0 || (d->scope == DRAM_LV_BANK &&
                         open[b] != (int64_t)r->a.ro)))
      return violation(c, err, "cycle %llu: %s to bank %u row %u but the "
                       "open row is %lld", T, nm, b, r->a.ro,
                       (long long)open[b]);
  }
  /* timing rows */
  for (size_t i = 0; i < s->n_tc; i++) {
    const dram_tc *tc = &s->tc[i];
    if (tc->next != r->cmd) continue;
    int lv = tc->level;
    if (tc->window) {
      ck_win *w = NULL;
      for (uint32_t k = 0; k < c->nwin; k++)
        if (c->win[k].tc == tc) w = &c->win[k];
      size_t nd = node_of(c, ch, lv, b0);
      if (w->fill[nd] < tc->window) continue;
      uint64_t oldest = w->ring[nd * tc->window + w->head[nd]];
      int64_t need = (int64_t)oldest + tc->lat_cyc;
      if ((int64_t)r->cyc < need)
        return violation(c, err, "cycle %llu: %s violates the %u-command "
                         "window %s -> %s of %lld cycles (%s): earliest %lld",
                         T, nm, tc->window, s->cmds[tc->prev].name, nm,
                         (long long)tc->lat_cyc, tc->lat_expr,
                         (long long)need);
      continue;
    }
    /* nodes at lv under the touched banks; sibling: their siblings */
    for (uint32_t b = b0; b < b1; b++) {
      size_t nd = node_of(c, ch, lv, b);
      if (b > b0 && nd == node_of(c, ch, lv, b - 1)) continue;
      size_t first = nd, last = nd + 1;
      if (tc->sibling) {
        size_t per = lv == DRAM_LV_RANK ? s->ranks
                     : lv == DRAM_LV_BANKGROUP ? s->bankgroups
                     : lv == DRAM_LV_BANK      ? s->banks_per_group
                                               : 1;
        first = nd - nd % per;
        last = first + per;
      }
      for (size_t o = first; o < last; o++) {
        if (tc->sibling && o == nd) continue;
        uint64_t t = *last_at(c, lv, o, tc->prev);
        if (t == DRAM_NEVER) continue;
        int64_t need = (int64_t)t + tc->lat_cyc;
        if ((int64_t)r->cyc < need)
          return violation(c, err, "cycle %llu: %s to rank %u bg %u bank %u "
                           "violates %s -> %s >= %lld (%s, %s level%s): %s "
                           "was at %llu", T, nm, r->a.ra, r->a.bg, r->a.ba,
                           s->cmds[tc->prev].name, nm,
                           (long long)tc->lat_cyc, tc->lat_expr,
                           lv == DRAM_LV_CHANNEL ? "channel"
                           : lv == DRAM_LV_RANK  ? "rank"
                           : lv == DRAM_LV_BANKGROUP ? "bankgroup"
                                                     : "bank",
                           tc->sibling ? ", other nodes" : "",
                           s->cmds[tc->prev].name, (unsigned long long)t);
      }
    }
  }
  /* data bus */
  if (d->flags & (DRAM_CF_RD | DRAM_CF_WR)) {
    int64_t lat = (d->flags & DRAM_CF_RD) ? s->t[DRAM_T_RL] : s->t[DRAM_T_WL];
    uint64_t bs = r->cyc + (uint64_t)lat;
    uint64_t be = bs + (uint64_t)s->t[DRAM_T_BL_CYC];
    uint64_t *S = c->bus_s + (size_t)ch * CK_BURSTS;
    uint64_t *E = c->bus_e + (size_t)ch * CK_BURSTS;
    uint32_t n = c->bus_n[ch] < CK_BURSTS ? c->bus_n[ch] : CK_BURSTS;
    for (uint32_t k = 0; k < n; k++)
      if (bs < E[k] && S[k] < be)
        return violation(c, err, "cycle %llu: %s data burst [%llu, %llu) "
                         "overlaps [%llu, %llu) on channel %u", T, nm,
                         (unsigned long long)bs, (unsigned long long)be,
                         (unsigned long long)S[k], (unsigned long long)E[k],
                         ch);
    uint32_t slot = c->bus_n[ch]++ % CK_BURSTS;
    S[slot] = bs;
    E[slot] = be;
  }
  /* update history (every node under the touched banks) and states */
  *last_at(c, DRAM_LV_CHANNEL, ch, r->cmd) = r->cyc;
  for (uint32_t b = b0; b < b1; b++) {
    for (int lv = DRAM_LV_RANK; lv <= DRAM_LV_BANK; lv++)
      *last_at(c, lv, node_of(c, ch, lv, b), r->cmd) = r->cyc;
    if (d->flags & DRAM_CF_OPEN) open[b] = r->a.ro;
    if (d->flags & DRAM_CF_CLOSE) open[b] = -1;
  }
  for (uint32_t k = 0; k < c->nwin; k++) {
    ck_win *w = &c->win[k];
    if (w->tc->prev != r->cmd) continue;
    size_t nd = node_of(c, ch, w->tc->level, b0);
    w->ring[nd * w->tc->window + w->head[nd]] = r->cyc;
    w->head[nd] = (w->head[nd] + 1) % w->tc->window;
    if (w->fill[nd] < w->tc->window) w->fill[nd]++;
  }
  return 0;
}

void dram_checker_hook(void *ctx, const dram_cmd_rec *rec) {
  sim_err e = {0};
  dram_checker_feed(ctx, rec, &e);
}

uint64_t dram_checker_violations(const dram_checker *c) { return c->n_bad; }
uint64_t dram_checker_commands(const dram_checker *c) { return c->n_cmds; }
const char *dram_checker_first_error(const dram_checker *c) {
  return c->n_bad ? c->first : "";
}
