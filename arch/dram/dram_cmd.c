/*
 * dram_cmd.c — the command-level API of a memory system: when may a
 * command (built in, or added with dram_spec_add_cmd / `dram.commands`)
 * issue to an address, issuing it, and the refresh hooks an outside
 * command-level driver (the PIM controller) needs.  docs/dram.md section
 * "Command-level API" is the user view.
 *
 * There is no second copy of the timing rules here: readiness is the
 * earliest-issue arrays of dram_timing.c (dram__ready), legality its bank
 * states (dram__timing_legal), and an issue goes through the controller's
 * own issue path (dram__chan_cmd: counters, energy by count, bank states,
 * timing, refresh bookkeeping, the command hook the checker listens to,
 * and the controller's cached bounds).
 *
 * Time: a command issues at the current cycle, dram_now(), before that
 * cycle is processed; a driver advances to dram_cmd_earliest() first
 * (dram_advance) and processes the cycle afterwards (dram_tick).  From a
 * completion callback (inside dram_tick) a channel that has already
 * processed the cycle answers "not ready" until the next one.  The
 * controller of that channel then issues nothing in that cycle (one
 * command bus), and sees the new bank states when it schedules: a row an
 * outside ACT opened is a row hit for it, one an outside PRE closed needs
 * an ACT.  With dual_cmd (HBM) the API may issue one row and one column
 * command in the same cycle, as the controller may.
 *
 * Cost: dram_cmd_earliest is O(banks the command touches) for the state
 * check plus two loads; dram_cmd_issue the same plus the controller's issue
 * (O(entries raised)).
 */
#include "dramInt.h"

#include <string.h>

/* Channel and flat bank of an address; 0 if it lies outside the
 * organisation. */
static int locate(const dram_sys *s, int cmd, const dram_addr *a,
                  dram__chan **c, uint32_t *b) {
  const dram_spec *sp = s->spec;
  if (cmd < 0 || cmd >= sp->n_cmds || !a || a->ch >= sp->channels ||
      a->ra >= sp->ranks || a->bg >= sp->bankgroups ||
      a->ba >= sp->banks_per_group || a->ro >= sp->rows)
    return 0;
  *c = &s->ch[a->ch];
  *b = (a->ra * sp->bankgroups + a->bg) * sp->banks_per_group + a->ba;
  return 1;
}

/* Earliest cycle >= now for cmd at bank b of c by timing and the command
 * bus (legality already checked). */
static uint64_t earliest(const dram_sys *s, const dram__chan *c, int cmd,
                         uint32_t b) {
  uint64_t t = dram__ready(&c->tm, b, cmd);
  if (t < s->now) t = s->now;
  /* from a callback inside dram_tick the channel may have processed
   * s->now already: the next cycle is its earliest */
  if (t < c->now) t = c->now;
  if (t == s->now && c->ext_cyc == s->now) {
    uint8_t kind = (s->spec->cmds[cmd].flags & DRAM_CF_COL) ? 2 : 1;
    if (!s->spec->dual_cmd || (c->ext_kinds & kind)) t = s->now + 1;
  }
  return t;
}

uint64_t dram_cmd_earliest(const dram_sys *s, int cmd, const dram_addr *a) {
  dram__chan *c;
  uint32_t b;
  if (!locate(s, cmd, a, &c, &b)) return SIM_T_NEVER;
  if (!dram__timing_legal(&c->tm, cmd, b, a->ro, NULL)) return SIM_T_NEVER;
  return earliest(s, c, cmd, b);
}

int dram_cmd_issue(dram_sys *s, int cmd, const dram_addr *a, sim_err *err) {
  const dram_spec *sp = s->spec;
  dram__chan *c;
  uint32_t b, bad = 0;
  if (!locate(s, cmd, a, &c, &b))
    return sim_err_set(err, SIM_EINVAL, "dram: command %d to ch %u ra %u "
                       "bg %u ba %u ro %u: no such command or address",
                       cmd, a ? a->ch : 0, a ? a->ra : 0, a ? a->bg : 0,
                       a ? a->ba : 0, a ? a->ro : 0);
  const dram_cmd_desc *d = &sp->cmds[cmd];
  if (!dram__timing_legal(&c->tm, cmd, b, a->ro, &bad))
    return sim_err_set(err, SIM_EINVAL, "dram: cycle %llu: %s to ch %u ra "
                       "%u bg %u ba %u ro %u: bank %u is %s",
                       (unsigned long long)s->now, d->name, a->ch, a->ra,
                       a->bg, a->ba, a->ro, bad,
                       c->tm.banks[bad].open_row < 0 ? "closed"
                                                     : "open at another row "
                                                       "or must be closed");
  if (earliest(s, c, cmd, b) > s->now) return 1;
  dram__chan_sync(c, s->now);
  uint8_t kind = (d->flags & DRAM_CF_COL) ? 2 : 1;
  if (c->ext_cyc == s->now) {
    c->ext_kinds |= kind;
  } else {
    c->ext_cyc = s->now;
    c->ext_kinds = kind;
  }
  dram__chan_cmd(c, cmd, b, a->ro, a->co, s->now);
  s->next_valid = 0;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Refresh hooks                                                          */
/* ---------------------------------------------------------------------- */

int dram_refresh_set_manual(dram_sys *s, uint32_t ch, int on) {
  if (ch >= s->nch) return SIM_EINVAL;
  dram__chan *c = &s->ch[ch];
  on = on != 0;
  if (c->ref_manual == on) return 0;
  /* pending requests move to the other queue, order kept */
  dram__refreq **from = on ? &c->refq : &c->mrefq;
  dram__refreq **to = on ? &c->mrefq : &c->refq;
  uint32_t *nf = on ? &c->nref : &c->nmref, *nt = on ? &c->nmref : &c->nref;
  uint32_t *ct = on ? &c->capmref : &c->capref;
  if (*nt + *nf > *ct) {
    uint32_t cap = *nt + *nf + s->spec->ranks + 4;
    dram__refreq *n = sim_realloc(*to, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    *to = n;
    *ct = cap;
  }
  if (*nf) memcpy(*to + *nt, *from, *nf * sizeof **from);
  *nt += *nf;
  *nf = 0;
  c->ref_manual = on;
  /* the queues a pending refresh held (or now holds) */
  for (uint32_t b = 0; b < c->nbanks; b++) {
    c->qdirty[b] = 1;
    c->dmask[b >> 6] |= 1ull << (b & 63);
  }
  c->lb_stale = 1;
  s->next_valid = 0;
  return 0;
}

int dram_refresh_due(const dram_sys *s, uint32_t ch, dram_refresh_req *out) {
  memset(out, 0, sizeof *out);
  if (ch >= s->nch) return SIM_EINVAL;
  const dram__chan *c = &s->ch[ch];
  const dram_spec *sp = s->spec;
  const dram__refreq *q = c->ref_manual ? c->mrefq : c->refq;
  uint32_t n = c->ref_manual ? c->nmref : c->nref;
  out->pending = n;
  out->next_cyc = sp->refresh_interval_cyc ? c->next_ref_cyc : SIM_T_NEVER;
  out->cmd = -1;
  out->a.ch = ch;
  if (n) {
    out->a.ra = (uint32_t)q[0].rank;
    if (q[0].bank >= 0) {
      out->cmd = DRAM_CMD_REFPB;
      out->a.bg = (uint32_t)q[0].bank / sp->banks_per_group;
      out->a.ba = (uint32_t)q[0].bank % sp->banks_per_group;
    } else {
      out->cmd = DRAM_CMD_REF;
    }
  }
  return 0;
}
