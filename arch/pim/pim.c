/*
 * pim.c — the `pim` class: PIM-GPT (Wu, Wang, Lu, npj Unconventional
 * Computing 2024) on the cycle-accurate DRAM model.  docs/pim.md is the
 * user view with the validation table.
 *
 * Hardware.  A GDDR6-AiM-style memory (`pim.dram`: a whole `dram:`
 * section, so organisation, timing, currents and the PIM commands are
 * data) whose banks all compute at once, and an ASIC beside it.
 *
 *   PIM commands (declared in the preset under pim.dram.commands, with
 *   their timing rows under pim.dram.constraints, so the one constraint
 *   table and the protocol checker cover them):
 *     WRGB   write 32 B of the input vector into the channel's global
 *            buffer (broadcast to every bank)
 *     ACTAB  activate the same row in every bank of the channel
 *     MACAB  every bank reads one 32 B column (16 bf16) and multiplies it
 *            with the global buffer's matching 16 elements into its adder
 *            tree: pim.macs_per_col MACs per bank (fewer than the
 *            column's elements take passes of tCCD_L each: an added
 *            MACAB -> MACAB|RDMAC|PREAB row of passes x tCCD_L)
 *     RDMAC  read the banks' MAC results (one bf16 per bank, 32 B)
 *     PREAB  precharge every bank
 *   and the standard WR (KV-cache appends) and REF (refresh, issued by
 *   this model when due: manual refresh on every channel).
 *
 *   ASIC (pim.asic): a clock and `lanes` vector lanes; an element-wise op
 *   costs cycles_per_elem(fn) x elements / lanes cycles (Taylor-series
 *   exp and GELU, fast inverse square root, Newton-Raphson reciprocal:
 *   the per-op cycle counts in the preset, each with its derivation).
 *
 * Execution.  Units "pim" (one: the memory executes one op at a time,
 * every bank of every channel together) and "asic" (one), on the generic
 * executor, so ASIC and PIM work overlap wherever the schedule's
 * dependencies allow.  A PIM op's traffic comes in three levels the
 * mapper fills (per instance):
 *     bank  rd_bytes: weight (or KV-cache) bytes the banks stream through
 *           their MAC units; wr_bytes: bytes written into the banks (a
 *           KV-cache append)
 *     gbuf  wr_bytes: the input vector, broadcast into every channel's
 *           global buffer (reloaded per pim.gbuf_bytes chunk)
 *     io    rd_bytes: results read back to the ASIC (all channels)
 * From these the model derives the command stream of one channel:
 *     chunks  = ceil(gbuf bytes / gbuf_bytes)       global-buffer loads
 *     rows    = ceil(bank bytes / channels / row_bytes)  rows per channel
 *     bursts  = ceil(rows / banks)                  all-bank row bursts
 *   for each chunk: WRGB x (chunk bytes / 32); then its share of the
 *   bursts, each ACTAB, MACAB x columns, RDMAC x reads, PREAB, and a REF
 *   when one is due; reads = ceil(io bytes / channels / 32 / bursts).
 * Every command issues at its earliest legal cycle (dram_cmd_earliest /
 * dram_cmd_issue: the DRAM model's constraint table).  The mapper
 * partitions every matrix evenly over the channels, so all channels run
 * the same command stream in lock step: channel 0 is simulated and the
 * others counted the same (its command counts times channels).
 *
 * pim.check (tests): an independent protocol checker re-verifies every
 * command against the constraint table; a violation fails the run.
 *
 * Modes (pim.bundled): per command, every command is an engine event at
 * its cycle; bundled, one engine event per row burst issues the burst's
 * commands in a loop.  Both walk the same (advance, issue at earliest)
 * sequence on the same memory system, so their cycle counts are equal
 * (test); bundled is faster.
 *
 * Energy: DRAM commands from the model's IDD currents and the added
 * commands' energy_pj (ACTAB, MACAB: pim.md's AiM figures); I/O per bit
 * for WRGB, RDMAC and WR data on the GDDR6 interface; ASIC per element
 * operation and static power; DRAM background.  Components: pim.mac
 * (ACTAB + MACAB + PREAB), pim.io (data movement: WRGB, RDMAC, WR data),
 * asic, dram.kv_write (ACT, WR, PRE of KV appends), dram.refresh,
 * dram.background.  map_simulate adds energy_per_token_j for a decode.
 */
#include "arch/pim/pim.h"
#include "arch/dram/dram.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef struct pim_asic_cfg {
  double clock_mhz;
  double lanes;
  double elem_cyc;  /* add, sub, mul, max, sum, copy per element */
  double exp_cyc;   /* Taylor-series exp */
  double gelu_cyc;  /* Taylor-series GELU (tanh form) */
  double rsqrt_cyc; /* fast inverse square root + Newton step */
  double div_cyc;   /* Newton-Raphson reciprocal + multiply */
  double op_pj;     /* energy per element operation */
  double static_w;
} pim_asic_cfg;

typedef struct pim_sec {
  dram_cfg *dram;
  int64_t macs_per_col;
  int64_t gbuf_bytes;
  double io_pj_per_bit;
  bool *bundled;
  bool *check;
  pim_asic_cfg *asic;
} pim_sec;

typedef struct pim_file {
  ARCH_HEADER_FIELDS;
  pim_sec *pim;
} pim_file;

static const cyaml_schema_field_t asic_fields[] = {
    CYAML_FIELD_FLOAT("clock_mhz", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      clock_mhz),
    CYAML_FIELD_FLOAT("lanes", CYAML_FLAG_DEFAULT, pim_asic_cfg, lanes),
    CYAML_FIELD_FLOAT("elem_cycles", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      elem_cyc),
    CYAML_FIELD_FLOAT("exp_cycles", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      exp_cyc),
    CYAML_FIELD_FLOAT("gelu_cycles", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      gelu_cyc),
    CYAML_FIELD_FLOAT("rsqrt_cycles", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      rsqrt_cyc),
    CYAML_FIELD_FLOAT("div_cycles", CYAML_FLAG_DEFAULT, pim_asic_cfg,
                      div_cyc),
    CYAML_FIELD_FLOAT("op_pj", CYAML_FLAG_DEFAULT, pim_asic_cfg, op_pj),
    CYAML_FIELD_FLOAT("static_w", CYAML_FLAG_OPTIONAL, pim_asic_cfg,
                      static_w),
    CYAML_FIELD_END};

static const cyaml_schema_field_t sec_fields[] = {
    DRAM_CFG_FIELD("dram", CYAML_FLAG_POINTER, pim_sec, dram),
    CYAML_FIELD_INT("macs_per_col", CYAML_FLAG_DEFAULT, pim_sec,
                    macs_per_col),
    CYAML_FIELD_INT("gbuf_bytes", CYAML_FLAG_DEFAULT, pim_sec, gbuf_bytes),
    CYAML_FIELD_FLOAT("io_pj_per_bit", CYAML_FLAG_DEFAULT, pim_sec,
                      io_pj_per_bit),
    CYAML_FIELD_BOOL_PTR("bundled", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         pim_sec, bundled),
    CYAML_FIELD_BOOL_PTR("check", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         pim_sec, check),
    CYAML_FIELD_MAPPING_PTR("asic", CYAML_FLAG_POINTER, pim_sec, asic,
                            asic_fields),
    CYAML_FIELD_END};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(pim_file),
    CYAML_FIELD_MAPPING_PTR("pim", CYAML_FLAG_POINTER, pim_file, pim,
                            sec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, pim_file, file_fields)};

typedef struct pim_state {
  dram_spec spec;
  dram_spec one;        /* spec with one channel: the one simulated (a
                           shallow copy sharing spec's tables) */
  int c_wrgb, c_actab, c_macab, c_rdmac, c_preab;
  uint64_t row_bytes;   /* per bank */
  uint64_t col_bytes;   /* per column access: 32 B */
  uint64_t col_elems;   /* its bf16 elements: the MACs of one MACAB */
  uint64_t mac_passes;  /* col_elems / macs_per_col: tCCD_L each */
  uint64_t gbuf_bytes;
  uint64_t macs_per_col;
  double io_pj_bit;
  int bundled;
  int check;            /* attach the protocol checker (tests) */
  int steady_ok;        /* bundled mode may skip steady bursts: every
                           constraint reaches back less than a burst */
  int inburst_ok;       /* a burst's commands after its ACTAB depend on
                           the ACTAB alone */
  pim_asic_cfg asic;
  uint64_t asic_period_ps;
} pim_state;

static void pim_fini(void *state) {
  pim_state *st = state;
  if (!st) return;
  dram_spec_fini(&st->spec);
  sim_free(st);
}

static int pim_init(const sim_cfg *c, void **state, sim_err *err) {
  const pim_file *f = c->data;
  const pim_sec *s = f->pim;
  const pim_asic_cfg *a = s->asic;
  *state = NULL;
  int rc;
  if ((rc = sim_cfg_check_pos(c, err, "pim.asic.clock_mhz", a->clock_mhz)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.lanes", a->lanes)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.elem_cycles", a->elem_cyc)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.exp_cycles", a->exp_cyc)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.gelu_cycles", a->gelu_cyc)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.rsqrt_cycles", a->rsqrt_cyc)) ||
      (rc = sim_cfg_check_pos(c, err, "pim.asic.div_cycles", a->div_cyc)))
    return rc;
  if (!(a->op_pj >= 0) || !(a->static_w >= 0) || !(s->io_pj_per_bit >= 0))
    return sim_cfg_fail(c, err, "pim.asic.op_pj", "energies must be >= 0");
  if (s->macs_per_col < 1)
    return sim_cfg_fail(c, err, "pim.macs_per_col", "must be >= 1");
  if (s->gbuf_bytes < 32)
    return sim_cfg_fail(c, err, "pim.gbuf_bytes", "must be >= 32");
  pim_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  if ((rc = dram_spec_compile_at(s->dram, c, "pim.dram", f->name, &st->spec,
                                 err))) {
    sim_free(st);
    return rc;
  }
  const dram_spec *sp = &st->spec;
  if (sp->channels < 1) {
    rc = sim_cfg_fail(c, err, "pim.dram.org.channels", "must be >= 1");
    goto bad;
  }
  const char *need[] = {"WRGB", "ACTAB", "MACAB", "RDMAC", "PREAB"};
  int *idx[] = {&st->c_wrgb, &st->c_actab, &st->c_macab, &st->c_rdmac,
                &st->c_preab};
  for (int i = 0; i < 5; i++) {
    *idx[i] = dram_cmd_find(sp, need[i]);
    if (*idx[i] < 0) {
      rc = sim_cfg_fail(c, err, "pim.dram.commands", "declares no %s "
                        "command (the PIM commands are WRGB, ACTAB, MACAB, "
                        "RDMAC, PREAB)", need[i]);
      goto bad;
    }
  }
  st->col_bytes = sp->line_bytes;
  st->row_bytes = (uint64_t)sp->columns * sp->device_width / 8;
  if (st->row_bytes % st->col_bytes) {
    rc = sim_cfg_fail(c, err, "pim.dram.org.columns", "a row of %llu bytes "
                      "is not a whole number of %llu-byte column accesses",
                      (unsigned long long)st->row_bytes,
                      (unsigned long long)st->col_bytes);
    goto bad;
  }
  /* MAC units per bank: a column access brings col_bytes / 2 bf16
   * elements; fewer units take them in passes, one pass per tCCD_L, so
   * the next MACAB (and the RDMAC or PREAB after the last) waits
   * passes x tCCD_L: one more constraint row. */
  uint64_t elems = st->col_bytes / 2;
  if ((uint64_t)s->macs_per_col > elems || elems % (uint64_t)s->macs_per_col) {
    rc = sim_cfg_fail(c, err, "pim.macs_per_col", "%lld bf16 MACs per bank "
                      "do not divide the %llu bf16 elements of a %llu-byte "
                      "column access (a row's elements map onto whole MAC "
                      "passes only for a divisor: 1, 2, 4, ..., %llu)",
                      (long long)s->macs_per_col, (unsigned long long)elems,
                      (unsigned long long)st->col_bytes,
                      (unsigned long long)elems);
    goto bad;
  }
  st->col_elems = elems;
  st->mac_passes = elems / (uint64_t)s->macs_per_col;
  if (st->mac_passes > 1) {
    char lat[48];
    snprintf(lat, sizeof lat, "%llu * tCCD_L",
             (unsigned long long)st->mac_passes);
    if ((rc = dram_spec_add_constraint(&st->spec, DRAM_LV_RANK, "MACAB",
                                       "MACAB|RDMAC|PREAB", lat, 0, 0,
                                       err)))
      goto bad;
  }
  /* Skipping steady bursts is exact only if the state a burst leaves
   * depends on its own commands alone.  A constraint into a command every
   * burst issues (ACTAB, MACAB, RDMAC, PREAB) cannot reach past the burst:
   * the burst's own issue of that command already satisfied it.  The
   * others (into WRGB, REF, ACT, WR, PRE), from the burst's commands, the
   * load or the refresh before it, must reach less than a burst's
   * MACAB run (columns x tCCD_L) from the burst's commands, or from a
   * refresh less than that past the ACTAB it precedes; and no window
   * (tFAW style) may cover the PIM commands.  Otherwise bundled mode
   * issues every command (still one event per burst). */
  {
    int64_t run = (int64_t)(st->row_bytes / st->col_bytes) *
                  (int64_t)st->mac_passes * sp->t[DRAM_T_CCD_L];
    int64_t reach = sp->read_delay_cyc > sp->write_delay_cyc
                        ? sp->read_delay_cyc : sp->write_delay_cyc;
    int in_burst[DRAM_CMD_MAX] = {0};
    in_burst[st->c_actab] = in_burst[st->c_macab] = 1;
    in_burst[st->c_rdmac] = in_burst[st->c_preab] = 1;
    int64_t ref_act = 0; /* REF -> ACTAB */
    for (size_t k = 0; k < sp->n_tc; k++)
      if (sp->tc[k].prev == DRAM_CMD_REF && sp->tc[k].next == st->c_actab &&
          sp->tc[k].lat_cyc > ref_act)
        ref_act = sp->tc[k].lat_cyc;
    int windowed = 0;
    for (size_t k = 0; k < sp->n_tc; k++) {
      const dram_tc *tc = &sp->tc[k];
      if (tc->window && (in_burst[tc->prev] || in_burst[tc->next] ||
                         tc->prev == st->c_wrgb || tc->next == st->c_wrgb))
        windowed = 1;
      /* Only what a burst (or the load or refresh before it) issues can
       * carry its state forward; KV appends (ACT, WR, PRE) are never
       * inside a skipped stretch. */
      if (!in_burst[tc->prev] && tc->prev != st->c_wrgb &&
          tc->prev != DRAM_CMD_REF)
        continue;
      if (in_burst[tc->next]) continue;
      int64_t l = tc->lat_cyc;
      if (tc->prev == DRAM_CMD_REF) l -= ref_act;
      if (l > reach) reach = l;
    }
    st->steady_ok = !windowed && reach < run;
    /* Into MACAB, RDMAC, PREAB from anything but this burst's ACTAB: the
     * previous burst ends tRP before the ACTAB and its first MACAB comes
     * tRCDMAC after it (a refresh ends tRFC before the ACTAB).  Any such
     * constraint no longer than that distance cannot bind; ACTAB -> X
     * rows are the burst's own. */
    int64_t gapmin = sp->t[DRAM_T_RP];
    int64_t rcdmac = 0;
    for (size_t k = 0; k < sp->n_tc; k++)
      if (sp->tc[k].prev == st->c_actab && sp->tc[k].next == st->c_macab &&
          sp->tc[k].lat_cyc > rcdmac)
        rcdmac = sp->tc[k].lat_cyc;
    int64_t into = 0;
    for (size_t k = 0; k < sp->n_tc; k++) {
      const dram_tc *tc = &sp->tc[k];
      if (tc->prev == st->c_actab || tc->prev == st->c_wrgb) continue;
      if (tc->next == st->c_macab || tc->next == st->c_rdmac ||
          tc->next == st->c_preab)
        if (tc->lat_cyc > into) into = tc->lat_cyc;
    }
    st->inburst_ok = st->steady_ok && into < gapmin + rcdmac;
  }
  /* Channels run the same stream in lock step: simulate one. */
  st->one = st->spec;
  st->one.channels = 1;
  st->one.capacity_bytes = st->spec.capacity_bytes / st->spec.channels;
  st->gbuf_bytes = (uint64_t)s->gbuf_bytes;
  st->macs_per_col = (uint64_t)s->macs_per_col;
  st->io_pj_bit = s->io_pj_per_bit;
  st->bundled = s->bundled ? *s->bundled : 1;
  st->check = s->check ? *s->check : 0;
  st->asic = *a;
  if (sim_s_to_ps(1e-6 / a->clock_mhz, &st->asic_period_ps) ||
      st->asic_period_ps < 1) {
    rc = sim_cfg_fail(c, err, "pim.asic.clock_mhz", "period out of range");
    goto bad;
  }
  *state = st;
  return 0;
bad:
  pim_fini(st);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* A run                                                                  */
/* ---------------------------------------------------------------------- */

/* One PIM op's command program for channel 0, walked step by step. */
typedef struct prog {
  int active;
  uint64_t token;
  uint64_t chunks, chunk;      /* global-buffer loads */
  uint64_t gb_cols;            /* WRGB per full chunk */
  uint64_t gb_last_cols;       /* WRGB of the last chunk */
  uint64_t bursts, burst;      /* all-bank row bursts */
  uint64_t bursts_per_chunk;
  uint64_t cols, last_cols;    /* MACAB per burst (last burst) */
  uint64_t reads;              /* RDMAC per burst */
  uint64_t wr_bursts;          /* KV append: WR commands */
  uint64_t row;                /* next row address */
  int phase;                   /* see step() */
  uint64_t k;                  /* command index within the phase */
  uint64_t last_cyc;           /* cycle of the last command */
  int issued, burst_end;       /* what the last step() did */
  uint64_t data_cyc;           /* its data done (reads: + RL + tBL) */
  /* Bundled mode's steady state: the issue cycles of the burst in
   * progress and of the one before, relative to their ACTAB. */
#define PIM_BURST_MAX 256
  uint64_t cur[PIM_BURST_MAX], prev[PIM_BURST_MAX];
  uint32_t n_cur, n_prev;
  uint64_t act_cur, act_prev, gap_prev; /* ACTAB cycles, their distance */
  int plain_prev;              /* the previous burst had no refresh */
  int cur_ref;                 /* this burst issued a refresh */
  uint64_t force_act;          /* > 0: issue this burst at steady offsets
                                  from this ACTAB cycle */
  uint64_t force_t;            /* > 0: issue the next command here */
  int after_load;              /* the next burst follows a WRGB load */
  uint64_t wg_t0, wg_t1;       /* the chunk load's first two WRGB */
} prog;

/* Steady bursts found so far (by shape), kept for the session: a burst
 * of the same offsets is steady wherever it occurs. */
#define PIM_REFS 8
typedef struct steady_ref {
  uint64_t off[PIM_BURST_MAX];
  uint32_t n;
  uint64_t cols, reads;        /* its shape */
  uint64_t gap;
} steady_ref;

typedef struct pim_session {
  const pim_state *st;
  sim_engine *e;
  dram_sys *sys;
  dram_checker *ck;    /* pim.check: every command re-verified */
  sim_exec_arch a;
  sim_exec *x;
  prog p;
  int lv_bank, lv_gbuf, lv_io;
  uint64_t skip_cmds[DRAM_CMD_MAX]; /* commands of skipped bursts */
  uint64_t skip_open;          /* their cycles with the banks open */
  uint64_t issued;             /* commands issued through the DRAM model */
  steady_ref refs[PIM_REFS];
  int n_refs;
  uint64_t asic_elem_ops;      /* element operations on the ASIC */
  uint64_t asic_busy_ps;
  int rc;
  sim_err *err;
  uint64_t events;
} pim_session;

static void pim_end(void *session) {
  pim_session *ss = session;
  if (!ss) return;
  dram_sys_free(ss->sys);
  dram_checker_free(ss->ck);
  sim_engine_free(ss->e);
  sim_free(ss);
}

static double asic_cycles_per_elem(const pim_asic_cfg *a, int fn) {
  switch (fn) {
  case SIM_FN_EXP:
  case SIM_FN_SUB_EXP: return a->exp_cyc;
  case SIM_FN_GELU:
  case SIM_FN_SILU:
  case SIM_FN_TANH: return a->gelu_cyc;
  case SIM_FN_RSQRT: return a->rsqrt_cyc;
  case SIM_FN_DIV: return a->div_cyc;
  default: return a->elem_cyc;
  }
}

/* ASIC ops: compute on its lanes.  (PIM ops go through pim_start.) */
static int pim_cost(void *ctx, const sim_sched *s, size_t i, double *t_ps,
                    sim_err *err) {
  (void)err;
  const pim_session *ss = ctx;
  const pim_state *st = ss->st;
  const sim_sched_op *op = &s->ops[i];
  /* A MAC on the ASIC (a reduction of partial sums) is one op. */
  double work = (double)op->elem_ops + (double)op->macs;
  double cyc = ceil(work * asic_cycles_per_elem(&st->asic, op->fn) /
                    st->asic.lanes);
  *t_ps = cyc * (double)st->asic_period_ps;
  return 0;
}

/* Advances channel 0 to the command's earliest cycle and issues it. */
static int issue(pim_session *ss, int cmd, const dram_addr *a) {
  prog *p = &ss->p;
  uint64_t t = dram_cmd_earliest(ss->sys, cmd, a);
  if (t == SIM_T_NEVER)
    return sim_err_set(ss->err, SIM_EINTERNAL, "pim: %s can never issue",
                       ss->st->spec.cmds[cmd].name);
  if (p->force_t) {
    /* The last WRGB of a load whose middle was counted (see step). */
    if (t > p->force_t)
      return sim_err_set(ss->err, SIM_EINTERNAL, "pim: %s cannot issue at "
                         "its steady cycle %llu (earliest %llu)",
                         ss->st->spec.cmds[cmd].name,
                         (unsigned long long)p->force_t,
                         (unsigned long long)t);
    t = p->force_t;
    p->force_t = 0;
  } else if (p->force_act && p->n_cur < p->n_prev) {
    /* A burst after skipped ones, at the steady offsets: its predecessor
     * was skipped, so its constraints are looser, never tighter. */
    uint64_t tf = p->force_act + p->prev[p->n_cur];
    if (t > tf)
      return sim_err_set(ss->err, SIM_EINTERNAL, "pim: %s cannot issue at "
                         "its steady cycle %llu (earliest %llu)",
                         ss->st->spec.cmds[cmd].name,
                         (unsigned long long)tf, (unsigned long long)t);
    t = tf;
  }
  ss->issued++;
  if (cmd == ss->st->c_actab) p->act_cur = t;
  if (p->n_cur < PIM_BURST_MAX) p->cur[p->n_cur] = t - p->act_cur;
  p->n_cur++;
  if (t > dram_now(ss->sys)) dram_advance(ss->sys, t);
  int rc = dram_sys_failed(ss->sys, ss->err);
  if (rc) return rc;
  rc = dram_cmd_issue(ss->sys, cmd, a, ss->err);
  if (rc == 1)
    rc = sim_err_set(ss->err, SIM_EINTERNAL, "pim: %s refused at its "
                     "earliest cycle %llu", ss->st->spec.cmds[cmd].name,
                     (unsigned long long)t);
  ss->p.last_cyc = t;
  ss->p.issued = 1;
  uint64_t done = t + 1;
  if (ss->st->spec.cmds[cmd].flags & DRAM_CF_RD)
    done = t + (uint64_t)ss->st->spec.read_delay_cyc;
  if (ss->st->spec.cmds[cmd].flags & DRAM_CF_WR)
    done = t + (uint64_t)ss->st->spec.write_delay_cyc;
  if (done > ss->p.data_cyc) ss->p.data_cyc = done;
  return rc;
}

/* Refresh when due (all banks closed: between bursts). */
static int refresh_if_due(pim_session *ss) {
  dram_refresh_req rq;
  if (dram_refresh_due(ss->sys, 0, &rq) || !rq.pending) return 0;
  ss->p.cur_ref = 1;
  return issue(ss, rq.cmd, &rq.a);
}

/* Bundled mode, after a burst's PREAB (and refresh check): when this
 * burst repeats the previous one exactly (the same issue offsets from its
 * ACTAB, the same distance from the previous ACTAB, no refresh in
 * either), every following burst of the same shape repeats it too until
 * a refresh request is raised or the shape changes: the AiM constraints
 * reach back one burst at most (tRFC, the longest, is shorter than a
 * burst) and nothing else touches the channel.  So the bursts in between
 * are counted, not issued, and the last of them is issued at its steady
 * cycles, so the burst after it sees a real predecessor.  Per-command
 * mode issues every one; the tests compare the two. */
static void skip_steady(pim_session *ss) {
  prog *p = &ss->p;
  const pim_state *st = ss->st;
  int plain = !p->cur_ref && p->n_cur <= PIM_BURST_MAX;
  uint64_t gap = p->act_cur - p->act_prev;
  int steady = plain && p->plain_prev && p->n_cur == p->n_prev &&
               gap == p->gap_prev && p->burst >= 2 &&
               !memcmp(p->cur, p->prev, p->n_cur * sizeof p->cur[0]);
  /* Once a steady burst is known, a burst with its offsets and no
   * refresh is steady by itself: the state it leaves depends on its own
   * commands only (nothing older reaches past a burst), whatever came
   * before it (a refresh, a longer gap, another op). */
  int known = -1;
  uint64_t done_cols = p->burst == p->bursts ? p->last_cols : p->cols;
  for (int r = 0; plain && r < ss->n_refs && known < 0; r++)
    if (ss->refs[r].n == p->n_cur && ss->refs[r].cols == done_cols &&
        ss->refs[r].reads == p->reads &&
        !memcmp(ss->refs[r].off, p->cur, p->n_cur * sizeof p->cur[0]))
      known = r;
  if (steady && known < 0 && ss->n_refs < PIM_REFS) {
    steady_ref *r = &ss->refs[ss->n_refs++];
    memcpy(r->off, p->cur, p->n_cur * sizeof p->cur[0]);
    r->n = p->n_cur;
    r->cols = done_cols;
    r->reads = p->reads;
    r->gap = gap;
  } else if (!steady && known >= 0) {
    steady = 1;
    gap = ss->refs[known].gap;
  }
  p->force_act = 0;
  if (steady && st->bundled && st->steady_ok) {
    /* Bursts left of this shape: not the op's last, not past the chunk. */
    uint64_t end = p->bursts - 1; /* the last may be narrower */
    if (p->chunks > 1) {
      uint64_t ce = (p->chunk + 1) * p->bursts_per_chunk;
      if (ce < end) end = ce;
    }
    uint64_t left = end > p->burst ? end - p->burst : 0; /* identical */
    /* Their refresh checks must come before the next request. */
    dram_refresh_req rq;
    uint64_t pre_off = p->cur[p->n_cur - 1];
    uint64_t s = left >= 2 ? left - 1 : 0; /* counted; then one forced */
    if (!dram_refresh_due(ss->sys, 0, &rq) && !rq.pending &&
        rq.next_cyc != SIM_T_NEVER && s >= 1) {
      /* The counted bursts' checks see no request; the forced one's may
       * (it then refreshes after its PREAB, as issued bursts would). */
      uint64_t lim = rq.next_cyc;
      uint64_t room = lim > p->act_cur + pre_off + 1
                          ? (lim - (p->act_cur + pre_off + 1)) / gap
                          : 0;
      if (room < s) s = room;
    }
    if (s >= 1 && st->steady_ok) {
      uint64_t per[5] = {1, p->cols, p->reads, 1, 0};
      int cmd[4] = {st->c_actab, st->c_macab, st->c_rdmac, st->c_preab};
      for (int k = 0; k < 4; k++) ss->skip_cmds[cmd[k]] += s * per[k];
      ss->skip_open += s * pre_off;
      p->burst += s;
      p->row += s;
      p->force_act = p->act_cur + (s + 1) * gap;
    }
  }
  memcpy(p->prev, p->cur, (p->n_cur < PIM_BURST_MAX ? p->n_cur
                                                    : PIM_BURST_MAX) *
                              sizeof p->cur[0]);
  p->n_prev = p->n_cur;
  p->gap_prev = gap;
  p->act_prev = p->act_cur;
  p->plain_prev = plain;
  if (p->force_act) {
    /* The forced burst's predecessor is a skipped one, one gap before. */
    p->act_prev = p->force_act - gap;
  }
  p->n_cur = 0;
  p->cur_ref = 0;
}

/* Phases of a program: 0 WRGB of the chunk, 1 ACTAB, 2 MACAB, 3 RDMAC,
 * 4 PREAB (+ refresh), 5 KV append (ACT, WR..., PRE), 6 done.  step()
 * issues one command (per-command mode) and returns 1 while more
 * remain; burst() issues up to the end of the current row burst. */
static int step(pim_session *ss, int *more) {
  prog *p = &ss->p;
  const pim_state *st = ss->st;
  dram_addr a = {0, 0, 0, 0, (uint32_t)(p->row % st->spec.rows), 0};
  int rc = 0;
  *more = 1;
  p->issued = p->burst_end = 0;
  switch (p->phase) {
  case 0: {
    uint64_t n = p->chunk + 1 == p->chunks ? p->gb_last_cols : p->gb_cols;
    if (p->k < n) {
      if (st->bundled && st->steady_ok && p->k == 2 && n > 3) {
        /* A load is one WRGB every tCCD once the first two are out: the
         * only constraint into a WRGB after them is the previous WRGB
         * (the read turnaround binds the first; a WRGB's burst, tBL,
         * fits in tCCD).  So the middle ones are counted and the last is
         * issued at its steady cycle; per-command mode issues them all
         * (tests compare the two). */
        uint64_t d = p->wg_t1 - p->wg_t0;
        ss->skip_cmds[st->c_wrgb] += n - 3;
        p->force_t = p->wg_t0 + (n - 1) * d;
        p->k = n - 1;
      }
      a.co = (uint32_t)(p->k % st->spec.columns);
      rc = issue(ss, st->c_wrgb, &a);
      if (p->k == 0) p->wg_t0 = p->last_cyc;
      if (p->k == 1) p->wg_t1 = p->last_cyc;
      p->k++;
      return rc;
    }
    p->k = 0;
    p->phase = p->burst < p->bursts ? 1 : 5;
    p->after_load = 1;
    return 0;
  }
  case 1: {
    p->n_cur = 0; /* a burst's record starts at its ACTAB */
    p->cur_ref = 0;
    /* A burst whose shape has a known steady record: everything after
     * its ACTAB follows from the ACTAB alone (st->inburst_ok: nothing
     * issued before the ACTAB can bind the burst's later commands), so
     * only its ACTAB, last RDMAC and PREAB go through the DRAM model,
     * at the record's offsets.  Not after a global-buffer load (its
     * WRGBs may bind the first MACAB) and not for a narrower last burst
     * (its shape differs, and no record matches). */
    uint64_t ncols = p->burst + 1 == p->bursts ? p->last_cols : p->cols;
    uint32_t want = (uint32_t)(2 + ncols + p->reads);
    int known = -1;
    if (st->bundled && st->steady_ok && st->inburst_ok && !p->after_load &&
        !p->force_act)
      for (int r = 0; r < ss->n_refs && known < 0; r++)
        if (ss->refs[r].n == want && ss->refs[r].cols == ncols &&
            ss->refs[r].reads == p->reads)
          known = r;
    p->after_load = 0;
    rc = issue(ss, st->c_actab, &a);
    if (!rc && known >= 0) {
      memcpy(p->prev, ss->refs[known].off, want * sizeof p->prev[0]);
      p->n_prev = want;
      p->force_act = p->act_cur;
    }
    p->phase = 2;
    p->k = 0;
    return rc;
  }
  case 2: {
    uint64_t n = p->burst + 1 == p->bursts ? p->last_cols : p->cols;
    if (p->force_act && st->bundled && st->steady_ok && p->k == 0 &&
        p->n_cur + n <= p->n_prev) {
      /* A forced burst (after skipped ones) only has to leave the state
       * the next burst depends on: its ACTAB, last RDMAC and PREAB.  Its
       * MACABs constrain nothing outside the burst, so they are counted
       * at their steady offsets. */
      for (uint64_t i = 0; i < n; i++, p->n_cur++)
        p->cur[p->n_cur] = p->prev[p->n_cur];
      ss->skip_cmds[st->c_macab] += n;
      p->k = n;
    }
    if (p->k < n) {
      a.co = (uint32_t)p->k;
      rc = issue(ss, st->c_macab, &a);
      p->k++;
      return rc;
    }
    p->k = 0;
    p->phase = 3;
    return 0;
  }
  case 3:
    if (p->force_act && st->bundled && st->steady_ok && p->k == 0 &&
        p->reads > 1 &&
        p->n_cur + p->reads <= p->n_prev) {
      /* Likewise all but the last RDMAC of a forced burst. */
      for (uint64_t i = 0; i + 1 < p->reads; i++, p->n_cur++)
        p->cur[p->n_cur] = p->prev[p->n_cur];
      ss->skip_cmds[st->c_rdmac] += p->reads - 1;
      p->k = p->reads - 1;
    }
    if (p->k < p->reads) {
      rc = issue(ss, st->c_rdmac, &a);
      p->k++;
      return rc;
    }
    p->k = 0;
    p->phase = 4;
    return 0;
  case 4:
    rc = issue(ss, st->c_preab, &a);
    if (!rc) rc = refresh_if_due(ss);
    p->burst_end = 1;
    p->row++;
    p->burst++;
    p->k = 0;
    if (!rc) skip_steady(ss);
    if (p->burst < p->bursts && p->burst % p->bursts_per_chunk == 0 &&
        p->chunk + 1 < p->chunks) {
      p->chunk++;
      p->phase = 0;
    } else {
      p->phase = p->burst < p->bursts ? 1 : 5;
    }
    return rc;
  case 5:
    if (p->wr_bursts && p->k < p->wr_bursts + 2) {
      uint64_t k = p->k++;
      a.ro = (uint32_t)((p->row + 7) % st->spec.rows);
      if (k == 0) return issue(ss, DRAM_CMD_ACT, &a);
      if (k <= p->wr_bursts) {
        a.co = (uint32_t)((k - 1) % st->spec.columns);
        return issue(ss, DRAM_CMD_WR, &a);
      }
      rc = issue(ss, DRAM_CMD_PRE, &a);
      if (!rc) rc = refresh_if_due(ss);
      p->burst_end = 1;
      return rc;
    }
    p->phase = 6;
    return 0;
  default:
    *more = 0;
    return 0;
  }
}

static void on_cmd(sim_engine *e, void *ctx, uint64_t done);

/* The engine time of a memory cycle. */
static uint64_t cyc_ps(const pim_session *ss, uint64_t cyc) {
  return cyc * ss->st->spec.tck_ps;
}

/* Runs the program: per command (one engine event per command) or
 * bundled (one per row burst: ACTAB .. PREAB, or a KV append).  Both
 * issue the same commands at the same cycles; only the events differ.
 * Schedules the next event, or the op's completion. */
static void run_prog(pim_session *ss) {
  prog *p = &ss->p;
  int more = 1, rc = 0;
  do {
    rc = step(ss, &more);
  } while (!rc && more &&
           !(ss->st->bundled ? p->burst_end : p->issued));
  if (rc) {
    sim_exec_fail(ss->x, rc, ss->err->msg);
    return;
  }
  uint64_t now = sim_now(ss->e);
  /* Next: when the memory has reached the last command's cycle (nothing
   * can issue before it), or the op's end when its data is done. */
  uint64_t t = more ? cyc_ps(ss, dram_now(ss->sys)) : cyc_ps(ss, p->data_cyc);
  if (t < now) t = now;
  if (!more) p->active = 0;
  ss->events++;
  rc = sim_schedule(ss->e, t, 0, on_cmd, ss, more ? 0 : 1, NULL);
  if (rc) sim_exec_fail(ss->x, rc, "pim: cannot schedule");
}

static void on_cmd(sim_engine *e, void *ctx, uint64_t done) {
  (void)e;
  pim_session *ss = ctx;
  if (done) {
    sim_exec_done(ss->x, ss->p.token);
    return;
  }
  run_prog(ss);
}

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

static int pim_start(void *ctx, sim_exec *x, const sim_sched *s, size_t i,
                     uint64_t iter, uint64_t n_inst, uint64_t token,
                     sim_err *err) {
  (void)iter;
  pim_session *ss = ctx;
  const pim_state *st = ss->st;
  const dram_spec *sp = &st->spec;
  const sim_sched_op *op = &s->ops[i];
  ss->x = x;
  ss->err = err;
  if (op->unit != (uint8_t)sim_sched_find_unit(s, "pim")) return 1;
  if (ss->p.active)
    return sim_err_set(err, SIM_EINTERNAL, "pim: two ops on the memory");
  uint64_t ch = sp->channels, banks = sp->banks * sp->ranks;
  uint64_t bank_rd = ss->lv_bank >= 0 ? op->rd_bytes[ss->lv_bank] * n_inst : 0;
  uint64_t bank_wr = ss->lv_bank >= 0 ? op->wr_bytes[ss->lv_bank] * n_inst : 0;
  uint64_t gb = ss->lv_gbuf >= 0 ? op->wr_bytes[ss->lv_gbuf] * n_inst : 0;
  uint64_t io = ss->lv_io >= 0 ? op->rd_bytes[ss->lv_io] * n_inst : 0;
  prog *p = &ss->p;
  memset(p, 0, sizeof *p);
  p->active = 1;
  p->token = token;
  p->row = (uint64_t)i * 64; /* ops use distinct rows */
  uint64_t rows = ceil_div(ceil_div(bank_rd, ch), st->row_bytes);
  p->bursts = ceil_div(rows, banks);
  p->cols = st->row_bytes / st->col_bytes;
  /* The last burst: the columns its fullest bank still holds. */
  uint64_t per_bank = ceil_div(ceil_div(bank_rd, ch), banks);
  uint64_t rem = per_bank % st->row_bytes;
  p->last_cols = rem ? ceil_div(rem, st->col_bytes) : p->cols;
  p->chunks = gb ? ceil_div(gb, st->gbuf_bytes) : 1;
  if (p->bursts && p->chunks > p->bursts) p->chunks = p->bursts;
  p->gb_cols = ceil_div(gb < st->gbuf_bytes ? gb : st->gbuf_bytes,
                        st->col_bytes);
  uint64_t last_chunk = gb - (p->chunks - 1) * st->gbuf_bytes;
  p->gb_last_cols = gb ? ceil_div(last_chunk, st->col_bytes) : 0;
  p->bursts_per_chunk = p->bursts ? ceil_div(p->bursts, p->chunks) : 1;
  p->reads = p->bursts ? ceil_div(ceil_div(io, ch * st->col_bytes),
                                  p->bursts) : 0;
  if (p->bursts && !p->reads) p->reads = 1;
  p->wr_bursts = bank_wr ? ceil_div(ceil_div(bank_wr, ch), st->col_bytes)
                         : 0;
  p->phase = 0;
  if (!p->bursts && !p->wr_bursts && !gb) p->phase = 6;
  /* Catch the memory up to now (idle cycles: refresh requests raised). */
  uint64_t c = ceil_div(sim_now(ss->e), sp->tck_ps);
  if (c > dram_now(ss->sys)) dram_advance(ss->sys, c);
  int rc = dram_sys_failed(ss->sys, err);
  if (rc) return rc;
  rc = refresh_if_due(ss);
  if (rc) return rc;
  if (p->phase != 0 && p->phase != 6) p->phase = 1;
  run_prog(ss);
  return 0;
}

static int pim_begin(void *state, const sim_cfg *cfg, void **session,
                     sim_err *err) {
  (void)cfg;
  const pim_state *st = state;
  pim_session *ss = sim_calloc(1, sizeof *ss);
  *session = NULL;
  if (!ss || !(ss->e = sim_engine_new())) {
    pim_end(ss);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  ss->st = st;
  int rc = dram_sys_new(&st->one, &ss->sys, err);
  if (rc) {
    pim_end(ss);
    return rc;
  }
  dram_refresh_set_manual(ss->sys, 0, 1);
  if (st->check) {
    if (dram_checker_new(&st->one, &ss->ck)) {
      pim_end(ss);
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
    }
    dram_sys_set_cmd_hook(ss->sys, dram_checker_hook, ss->ck);
  }
  sim_exec_arch *a = &ss->a;
  snprintf(a->units[0].kind, SIM_KIND_MAX, "pim");
  a->units[0].count = 1;
  snprintf(a->units[1].kind, SIM_KIND_MAX, "asic");
  a->units[1].count = 1;
  a->n_units = 2;
  const char *lv[] = {"bank", "gbuf", "io"};
  for (int l = 0; l < 3; l++)
    snprintf(a->levels[l].name, SIM_KIND_MAX, "%s", lv[l]);
  a->n_levels = 3; /* all carried by the model: gbps 0 */
  a->ctx = ss;
  a->cost = pim_cost;
  a->start = pim_start;
  *session = ss;
  return 0;
}

static int pim_summarize(void *state, sim_report *rep, sim_err *err);

/* Counters of the one simulated channel, scaled to all channels. */
static int pim_step(void *session, const sim_sched *sched, sim_report *rep,
                    sim_err *err) {
  pim_session *ss = session;
  const pim_state *st = ss->st;
  const dram_spec *sp = &st->spec;
  ss->lv_bank = sim_sched_find_level(sched, "bank");
  ss->lv_gbuf = sim_sched_find_level(sched, "gbuf");
  ss->lv_io = sim_sched_find_level(sched, "io");
  dram_counters c0;
  dram_get_counters(ss->sys, &c0);
  memset(ss->skip_cmds, 0, sizeof ss->skip_cmds);
  ss->skip_open = 0;
  ss->issued = 0;
  sim_exec_result xr;
  memset(&xr, 0, sizeof xr);
  int rc = sim_exec_run(ss->e, sched, &ss->a, NULL, &xr, err);
  if (!rc && ss->ck && dram_checker_violations(ss->ck))
    rc = sim_err_set(err, SIM_EINTERNAL, "pim: protocol checker: %s",
                     dram_checker_first_error(ss->ck));
  if (!rc)
    rc = arch_exec_report(sched, &xr, st->asic_period_ps, "asic", -1, NULL,
                          NULL, rep, err);
  if (rc) {
    sim_exec_result_fini(&xr);
    return rc;
  }
  /* The memory's time at the step's end, for background energy. */
  uint64_t end_cyc = ceil_div(sim_now(ss->e), sp->tck_ps);
  if (end_cyc > dram_now(ss->sys)) dram_advance(ss->sys, end_cyc);
  if ((rc = dram_sys_failed(ss->sys, err))) return rc;
  dram_counters c1;
  dram_get_counters(ss->sys, &c1);
  double nch = (double)sp->channels;
  uint64_t d[DRAM_CMD_MAX];
  for (int k = 0; k < DRAM_CMD_MAX; k++)
    d[k] = c1.cmds[k] - c0.cmds[k] + ss->skip_cmds[k];
  /* Skipped bursts: the memory saw their cycles with the banks closed. */
  c1.act_stb_cyc += ss->skip_open;
  c1.pre_stb_cyc -= ss->skip_open;
  /* Energy, per channel then times channels. */
  double e_mac = (double)d[st->c_actab] * sp->e_cmd_pj[st->c_actab] +
                 (double)d[st->c_macab] * sp->e_cmd_pj[st->c_macab] +
                 (double)d[st->c_preab] * sp->e_cmd_pj[st->c_preab];
  double io_bits = 8.0 * (double)sp->line_bytes *
                   (double)(d[st->c_wrgb] + d[st->c_rdmac] +
                            d[DRAM_CMD_WR]);
  double e_io = io_bits * st->io_pj_bit +
                (double)d[st->c_wrgb] * sp->e_cmd_pj[st->c_wrgb] +
                (double)d[st->c_rdmac] * sp->e_cmd_pj[st->c_rdmac];
  /* KV-cache appends (ACT, WR, PRE) and refresh, apart. */
  double e_dram = (double)d[DRAM_CMD_ACT] * sp->e_cmd_pj[DRAM_CMD_ACT] +
                  (double)d[DRAM_CMD_WR] * sp->e_cmd_pj[DRAM_CMD_WR] +
                  (double)d[DRAM_CMD_PRE] * sp->e_cmd_pj[DRAM_CMD_PRE];
  double e_ref = (double)d[DRAM_CMD_REF] * sp->e_cmd_pj[DRAM_CMD_REF];
  double e_bg = ((double)(c1.act_stb_cyc - c0.act_stb_cyc) * sp->e_act_stb_pj +
                 (double)(c1.pre_stb_cyc - c0.pre_stb_cyc) * sp->e_pre_stb_pj);
  uint64_t asic_ops = 0;
  int u_asic = sim_sched_find_unit(sched, "asic");
  for (size_t i = 0; i < sched->n_ops; i++)
    if (sched->ops[i].unit == (uint8_t)u_asic)
      asic_ops += (sched->ops[i].elem_ops + sched->ops[i].macs) *
                  xr.ops[i].inst;
  double lat_s = (double)rep->latency_ps * 1e-12;
  double e_asic = (double)asic_ops * st->asic.op_pj +
                  st->asic.static_w * lat_s * 1e12;
  struct {
    const char *comp;
    double pj;
  } en[] = {{"pim.mac", e_mac * nch}, {"pim.io", e_io * nch},
            {"asic", e_asic},         {"dram.kv_write", e_dram * nch},
            {"dram.refresh", e_ref * nch},
            {"dram.background", e_bg * nch}};
  sim_stats *sts = rep->stats;
  for (size_t k = 0; k < sizeof en / sizeof en[0]; k++) {
    int h = sim_stat_register(sts, en[k].comp, "energy", "pJ", SIM_STAT_SUM);
    if (h < 0) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      goto out;
    }
    sim_stat_addf(sts, h, en[k].pj);
  }
  struct {
    const char *name;
    uint64_t v;
  } cnt[] = {{"macab_cmds", d[st->c_macab]}, {"actab_cmds", d[st->c_actab]},
             {"wrgb_cmds", d[st->c_wrgb]},   {"rdmac_cmds", d[st->c_rdmac]},
             {"ref_cmds", d[DRAM_CMD_REF]},  {"wr_cmds", d[DRAM_CMD_WR]},
             {"act_cmds", d[DRAM_CMD_ACT]},
             /* simulation cost: commands that went through the DRAM
              * model's tables (the rest repeat a steady burst) */
             {"simulated_cmds", ss->issued}};
  for (size_t k = 0; k < sizeof cnt / sizeof cnt[0]; k++) {
    int h = sim_stat_register(sts, "pim", cnt[k].name, "cmd per channel",
                              SIM_STAT_COUNT);
    if (h < 0) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      goto out;
    }
    sim_stat_add(sts, h, cnt[k].v);
  }
  int h = sim_stat_register(sts, "asic", "elem_ops", "op", SIM_STAT_COUNT);
  if (h < 0) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto out;
  }
  sim_stat_add(sts, h, asic_ops);
  /* Off-chip: what crosses the GDDR6 interface (input vectors, results,
   * KV appends), all channels. */
  rep->dram_bytes = (uint64_t)(io_bits / 8.0 * nch);
  uint64_t macs = d[st->c_macab] * st->col_elems *
                  (uint64_t)sp->banks * sp->ranks * sp->channels;
  rc = sim_report_metric_agg(rep, "pim_macs", (double)macs, SIM_AGG_SUM);
  if (!rc) rc = pim_summarize((void *)st, rep, err);
out: /* an error after the run still frees its result (tests/oom) */
  sim_exec_result_fini(&xr);
  return rc ? rc : 0;
}

static int pim_summarize(void *state, sim_report *rep, sim_err *err) {
  const pim_state *st = state;
  const sim_stats *s = rep->stats;
  int hm = sim_stat_find(s, "pim", "macab_cmds");
  int ha = sim_stat_find(s, "pim", "actab_cmds");
  if (hm < 0 || ha < 0) return 0;
  double mac = (double)sim_stat_u64(s, hm), act = (double)sim_stat_u64(s, ha);
  /* Row hits: column accesses that found their row open (every MACAB
   * after its row's ACTAB). */
  double hit = mac > 0 ? (mac - act) / mac : 0;
  double peak = (double)st->spec.banks * st->spec.ranks * st->spec.channels *
                (double)st->macs_per_col / ((double)st->spec.tck_ps *
                                             (double)st->spec.t[DRAM_T_CCD_L]);
  double macs = sim_report_get(rep, "pim_macs", 0);
  double lat = (double)rep->latency_ps;
  int rc = sim_report_metric_agg(rep, "row_hit_rate", hit, SIM_AGG_LAST);
  if (!rc)
    rc = sim_report_metric_agg(rep, "pim_util", lat > 0 ? macs / (peak * lat)
                                                        : 0, SIM_AGG_LAST);
  if (!rc) rep->util = lat > 0 ? macs / (peak * lat) : 0;
  return rc ? sim_err_set(err, SIM_ENOMEM, "out of memory") : 0;
}

uint64_t pim_gbuf_bytes(const arch_model *a) {
  if (!a || a->ops != &pim_arch_ops || !a->state) return 0;
  return ((const pim_state *)a->state)->gbuf_bytes;
}

uint64_t pim_capacity_bytes(const arch_model *a) {
  if (!a || a->ops != &pim_arch_ops || !a->state) return 0;
  return ((const pim_state *)a->state)->spec.capacity_bytes;
}

const arch_ops pim_arch_ops = {
    .iVersion = 2,
    .cls = "pim",
    .summary = "PIM-GPT: GDDR6-AiM banks computing VMMs at command level "
               "on the DRAM model, plus a vector ASIC",
    .schema = &file_schema,
    .init = pim_init,
    .fini = pim_fini,
    .begin = pim_begin,
    .step = pim_step,
    .end = pim_end,
    .summarize = pim_summarize,
};
