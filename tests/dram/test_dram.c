/*
 * test_dram.c — unit and golden tests of the DRAM model (arch/dram/).
 *
 * Every run here has the protocol checker attached (through the command
 * hook or dram_run_opts.check) and asserts it saw no violation.
 *
 * Golden analytic cases (DDR4-3200 preset, refresh off unless the test is
 * about refresh; nCK: tRCD 22, CL 22, CWL 16, tBL 4, tCCD_S 4, tCCD_L 8,
 * tRRD_S 4, tFAW 34, tWTR_S 4, tWTR_L 12, tRFC 560, tREFI 12480):
 *   - a read to a closed bank: ACT, RD tRCD later, data tRCD + CL + BL/2
 *     after the ACT; to an open row CL + BL/2 after the RD; a row conflict
 *     costs tRP + tRCD more (the README's unloaded latencies);
 *   - row hits stream one RD per tCCD_L in one bank group and one per
 *     tCCD_S alternating between bank groups;
 *   - the fifth ACT in a rank waits for tFAW after the first;
 *   - refresh recurs every tREFI and blocks the rank for tRFC;
 *   - a read after a write waits WL + BL/2 + tWTR_L (same group) or
 *     tWTR_S (other group);
 *   - closed page: every column command auto-precharges.
 * Plus: the checker catches planted violations; determinism; energy
 * conservation; skipped vs per-cycle simulation give identical results on
 * several configurations; trace files in both formats; request API; bad
 * inputs (malformed trace line, address beyond capacity, tRC < tRAS + tRP
 * with its YAML line, bad mapping, missing and out-of-range values); the
 * trace generator against values computed from gen_traces.py's recipe.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/dram/dram.h"
#include "tfsim_test.h"

#define PRESET(n) TFSIM_SOURCE_DIR "/arch/configs/" n ".yaml"
#define DDR4 PRESET("ddr4-3200-8gb-x8-1ch1r")

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* Loads a preset with --set style overrides and compiles it. */
static int spec_from(const char *path, const char *const *sets, int nsets,
                     dram_spec *s, sim_err *err) {
  sim_cfg c;
  memset(&c, 0, sizeof c);
  int rc = sim_cfg_load(&c, path, &dram_file_schema, err);
  if (rc) return rc;
  for (int i = 0; i < nsets && !rc; i++) rc = sim_cfg_set(&c, sets[i], err);
  if (!rc) {
    const dram_file *f = c.data;
    rc = dram_spec_compile(f->dram, &c, f->name, s, err);
  }
  sim_cfg_close(&c);
  return rc;
}

#define MAXLOG 65536
#define MAXREQ 4096

typedef struct drv {
  dram_spec spec;
  dram_sys *sys;
  dram_checker *ck;
  dram_cmd_rec *log;
  size_t nlog;
  uint64_t done_cyc[MAXREQ];
  int ndone;
} drv;

static void drv_hook(void *ctx, const dram_cmd_rec *r) {
  drv *d = ctx;
  if (d->nlog < MAXLOG) d->log[d->nlog++] = *r;
  dram_checker_hook(d->ck, r);
}

static void drv_done(void *ctx, uint64_t id, uint64_t addr, int is_write,
                     uint64_t cyc) {
  drv *d = ctx;
  (void)addr;
  (void)is_write;
  if (id < MAXREQ) d->done_cyc[id] = cyc;
  d->ndone++;
}

static int drv_open(drv *d, const char *path, const char *const *sets,
                    int nsets) {
  sim_err err = {0};
  memset(d, 0, sizeof *d);
  int rc = spec_from(path, sets, nsets, &d->spec, &err);
  if (rc) {
    fprintf(stderr, "\n  %s\n", err.msg);
    return rc;
  }
  d->log = calloc(MAXLOG, sizeof *d->log);
  if ((rc = dram_sys_new(&d->spec, &d->sys, &err)) ||
      (rc = dram_checker_new(&d->spec, &d->ck)))
    return rc;
  dram_sys_set_cmd_hook(d->sys, drv_hook, d);
  return 0;
}

static void drv_close(drv *d) {
  if (d->ck) {
    if (dram_checker_violations(d->ck))
      fprintf(stderr, "\n  checker: %s\n", dram_checker_first_error(d->ck));
    CU_ASSERT_EQUAL(dram_checker_violations(d->ck), 0);
  }
  dram_checker_free(d->ck);
  dram_sys_free(d->sys);
  dram_spec_fini(&d->spec);
  free(d->log);
}

/* Runs until every request completed (callbacks delivered). */
static void drv_drain(drv *d, uint64_t max) {
  while (dram_outstanding(d->sys) && dram_now(d->sys) < max) {
    uint64_t e = dram_next_event(d->sys);
    if (e == SIM_T_NEVER) break;
    dram_advance(d->sys, e);
    dram_tick(d->sys);
  }
}

static uint64_t addr_of(const dram_spec *s, uint32_t bg, uint32_t ba,
                        uint32_t row, uint32_t col) {
  dram_addr a = {0, 0, bg, ba, row, col};
  return dram_encode(s, &a);
}

/* Submits one request at the current cycle, then processes the cycle. */
static void submit_tick(drv *d, uint64_t addr, int w, uint64_t id) {
  CU_ASSERT_EQUAL(dram_submit(d->sys, addr, w, id, drv_done, d), 0);
  dram_tick(d->sys);
}

/* The k-th logged command of kind cmd (k from 0), or NULL. */
static const dram_cmd_rec *nth(const drv *d, int cmd, int k) {
  for (size_t i = 0; i < d->nlog; i++)
    if (d->log[i].cmd == cmd && k-- == 0) return &d->log[i];
  return NULL;
}

#define T(s, p) ((uint64_t)(s)->t[DRAM_T_##p])
static const char *const k_noref[] = {"dram.controller.refresh=none"};

/* ---------------------------------------------------------------------- */
/* Golden timing                                                          */
/* ---------------------------------------------------------------------- */

static void test_closed_bank_read(void) {
  drv d;
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  submit_tick(&d, addr_of(s, 0, 0, 5, 0), 0, 0);
  drv_drain(&d, 10000);
  const dram_cmd_rec *act = nth(&d, DRAM_CMD_ACT, 0);
  const dram_cmd_rec *rd = nth(&d, DRAM_CMD_RD, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(act);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
  /* accepted at 0, moved to the command queue at 0, ACT at 1 */
  CU_ASSERT_EQUAL(act->cyc, 1);
  CU_ASSERT_EQUAL(rd->cyc - act->cyc, T(s, RCD));
  /* data back tRCD + CL + BL/2 after the ACT: 22 + 22 + 4 */
  CU_ASSERT_EQUAL(d.done_cyc[0] - act->cyc, T(s, RCD) + T(s, CL) + s->BL / 2);
  CU_ASSERT_EQUAL(d.done_cyc[0] - act->cyc, 48);

  /* a row hit: CL + BL/2 after its RD, 1 + CL + BL/2 after acceptance */
  uint64_t t0 = dram_now(d.sys);
  submit_tick(&d, addr_of(s, 0, 0, 5, 1), 0, 1);
  drv_drain(&d, 20000);
  const dram_cmd_rec *rd2 = nth(&d, DRAM_CMD_RD, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rd2);
  CU_ASSERT_EQUAL(d.done_cyc[1] - rd2->cyc, T(s, CL) + s->BL / 2);
  CU_ASSERT_EQUAL(d.done_cyc[1] - t0, 1 + T(s, CL) + s->BL / 2); /* 27 */

  /* a row conflict: PRE, ACT tRP later, RD tRCD later (71 cycles) */
  t0 = dram_now(d.sys);
  submit_tick(&d, addr_of(s, 0, 0, 9, 0), 0, 2);
  drv_drain(&d, 30000);
  const dram_cmd_rec *pre = nth(&d, DRAM_CMD_PRE, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pre);
  CU_ASSERT_EQUAL(pre->cyc, t0 + 1);
  CU_ASSERT_EQUAL(nth(&d, DRAM_CMD_ACT, 1)->cyc, pre->cyc + T(s, RP));
  CU_ASSERT_EQUAL(d.done_cyc[2] - t0,
                  1 + T(s, RP) + T(s, RCD) + T(s, CL) + s->BL / 2);
  drv_close(&d);
}

static void test_ccd_streams(void) {
  drv d;
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  /* 8 row hits in one bank: RD every max(tBL, tCCD_L) = 8 */
  for (uint32_t i = 0; i < 8; i++)
    submit_tick(&d, addr_of(s, 0, 0, 3, i), 0, i);
  drv_drain(&d, 10000);
  for (int k = 1; k < 8; k++)
    CU_ASSERT_EQUAL(nth(&d, DRAM_CMD_RD, k)->cyc -
                        nth(&d, DRAM_CMD_RD, k - 1)->cyc,
                    T(s, CCD_L));
  drv_close(&d);

  /* alternating bank groups: one RD every tCCD_S = 4 */
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    return;
  }
  s = &d.spec;
  for (uint32_t i = 0; i < 16; i++)
    submit_tick(&d, addr_of(s, i % 2, 0, 3, i / 2), 0, i);
  drv_drain(&d, 10000);
  int n = 0;
  for (int k = 2; k < 16; k++) {
    const dram_cmd_rec *a = nth(&d, DRAM_CMD_RD, k - 1);
    const dram_cmd_rec *b = nth(&d, DRAM_CMD_RD, k);
    CU_ASSERT_NOT_EQUAL(a->a.bg, b->a.bg);
    CU_ASSERT_EQUAL(b->cyc - a->cyc, T(s, CCD_S));
    n++;
  }
  CU_ASSERT_EQUAL(n, 14);
  drv_close(&d);
}

static void test_faw(void) {
  drv d;
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  /* five closed banks, the first four in different bank groups */
  const uint32_t bg[5] = {0, 1, 2, 3, 0}, ba[5] = {0, 0, 0, 0, 1};
  for (uint32_t i = 0; i < 5; i++) {
    /* the fourth request comes at cycle 13 (ACT 14, its RD at 36) so no
     * RD holds the command bus at cycle 35 */
    if (i == 3) dram_advance(d.sys, 13);
    submit_tick(&d, addr_of(s, bg[i], ba[i], 7, 0), 0, i);
  }
  drv_drain(&d, 10000);
  uint64_t a[5];
  for (int k = 0; k < 5; k++) a[k] = nth(&d, DRAM_CMD_ACT, k)->cyc;
  for (int k = 1; k < 3; k++) CU_ASSERT_EQUAL(a[k] - a[k - 1], T(s, RRD_S));
  CU_ASSERT_EQUAL(a[3], 14);
  /* the fifth waits for the first plus tFAW, not for tRRD */
  CU_ASSERT(a[4] - a[3] > T(s, RRD_S));
  CU_ASSERT_EQUAL(a[4] - a[0], T(s, FAW));
  if (a[4] - a[0] != T(s, FAW))
    fprintf(stderr, "\n  ACTs %llu %llu %llu %llu %llu\n",
            (unsigned long long)a[0], (unsigned long long)a[1],
            (unsigned long long)a[2], (unsigned long long)a[3],
            (unsigned long long)a[4]);
  drv_close(&d);
}

static void test_refresh(void) {
  drv d;
  if (drv_open(&d, DDR4, NULL, 0)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  uint64_t refi = T(s, REFI), rfc = T(s, RFC);
  /* idle: REF exactly at k * tREFI */
  dram_advance(d.sys, 3 * refi + 1);
  for (int k = 0; k < 3; k++) {
    const dram_cmd_rec *r = nth(&d, DRAM_CMD_REF, k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->cyc, (uint64_t)(k + 1) * refi);
  }
  CU_ASSERT_PTR_NULL(nth(&d, DRAM_CMD_REF, 3));
  /* a request arriving with the refresh: its ACT waits tRFC */
  dram_advance(d.sys, 4 * refi);
  submit_tick(&d, addr_of(s, 1, 2, 3, 4), 0, 0);
  drv_drain(&d, 5 * refi);
  const dram_cmd_rec *ref = nth(&d, DRAM_CMD_REF, 3);
  const dram_cmd_rec *act = nth(&d, DRAM_CMD_ACT, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
  CU_ASSERT_PTR_NOT_NULL_FATAL(act);
  CU_ASSERT_EQUAL(ref->cyc, 4 * refi);
  CU_ASSERT_EQUAL(act->cyc, ref->cyc + rfc);
  /* an open bank is precharged before the REF */
  dram_advance(d.sys, 5 * refi - 100);
  submit_tick(&d, addr_of(s, 1, 2, 3, 5), 0, 1);
  drv_drain(&d, 6 * refi);
  dram_advance(d.sys, 5 * refi + 200);
  const dram_cmd_rec *ref5 = nth(&d, DRAM_CMD_REF, 4);
  const dram_cmd_rec *pre = nth(&d, DRAM_CMD_PRE, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ref5);
  CU_ASSERT_PTR_NOT_NULL_FATAL(pre);
  CU_ASSERT_EQUAL(pre->cyc, 5 * refi);
  CU_ASSERT_EQUAL(ref5->cyc, pre->cyc + T(s, RP));
  drv_close(&d);

  /* under load: one REF per tREFI, each blocking the rank tRFC */
  dram_spec sp;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &sp, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, 50000, &r, &err),
                        0);
  dram_run_opts o = {.check = 1};
  dram_counters c;
  CU_ASSERT_EQUAL(dram_run_reqs(&sp, r, 50000, &o, NULL, &c, &err), 0);
  /* the last request may still wait at the end */
  CU_ASSERT(c.cmds[DRAM_CMD_REF] + 1 >= c.cycles / T(&sp, REFI) &&
            c.cmds[DRAM_CMD_REF] <= c.cycles / T(&sp, REFI));
  sim_free(r);
  dram_spec_fini(&sp);
}

static void test_wtr(void) {
  drv d;
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  /* open bank group 1's row 2 first */
  submit_tick(&d, addr_of(s, 1, 0, 2, 0), 0, 0);
  drv_drain(&d, 1000);
  /* a write to bank group 0: drained at once (nothing else queued) */
  submit_tick(&d, addr_of(s, 0, 0, 2, 0), 1, 1);
  while (!nth(&d, DRAM_CMD_WR, 0) && dram_now(d.sys) < 2000) {
    dram_advance(d.sys, dram_next_event(d.sys));
    dram_tick(d.sys);
  }
  const dram_cmd_rec *wr = nth(&d, DRAM_CMD_WR, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(wr);
  uint64_t t_wr = wr->cyc;
  /* a read to the same bank group waits WL + BL/2 + tWTR_L; to the other
   * group (row open) WL + BL/2 + tWTR_S */
  submit_tick(&d, addr_of(s, 1, 0, 2, 1), 0, 2);
  submit_tick(&d, addr_of(s, 0, 0, 2, 1), 0, 3);
  drv_drain(&d, 5000);
  const dram_cmd_rec *r_s = NULL, *r_l = NULL;
  for (int k = 0; nth(&d, DRAM_CMD_RD, k); k++) {
    const dram_cmd_rec *x = nth(&d, DRAM_CMD_RD, k);
    if (x->cyc <= t_wr) continue;
    if (x->a.bg == 1 && !r_s) r_s = x;
    if (x->a.bg == 0 && !r_l) r_l = x;
  }
  CU_ASSERT_PTR_NOT_NULL_FATAL(r_s);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r_l);
  CU_ASSERT_EQUAL(r_s->cyc - t_wr, T(s, CWL) + s->BL / 2 + T(s, WTR_S));
  CU_ASSERT_EQUAL(r_l->cyc - t_wr, T(s, CWL) + s->BL / 2 + T(s, WTR_L));
  drv_close(&d);
}

static void test_closed_page(void) {
  const char *const sets[] = {"dram.controller.refresh=none",
                              "dram.controller.row_policy=closed"};
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, sets, 2, &s, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, 20000, &r, &err),
                        0);
  dram_run_opts o = {.check = 1};
  dram_counters c;
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, 20000, &o, NULL, &c, &err), 0);
  /* every column command auto-precharges (RDA/WRA): no RD, WR or PRE,
   * one ACT per column command, never a row hit */
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_RD] + c.cmds[DRAM_CMD_WR], 0);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_PRE], 0);
  CU_ASSERT(c.cmds[DRAM_CMD_RDA] > 0 && c.cmds[DRAM_CMD_WRA] > 0);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_ACT],
                  c.cmds[DRAM_CMD_RDA] + c.cmds[DRAM_CMD_WRA]);
  CU_ASSERT_EQUAL(c.rd_hits + c.wr_hits, 0);
  sim_free(r);
  dram_spec_fini(&s);
}

/* ---------------------------------------------------------------------- */
/* Checker                                                                */
/* ---------------------------------------------------------------------- */

static void test_checker_catches(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &s, &err), 0);
  dram_checker *ck = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(&s, &ck), 0);
  /* RD one cycle before tRCD has passed */
  dram_cmd_rec r = {0};
  r.cmd = DRAM_CMD_ACT;
  r.a.ro = 1;
  CU_ASSERT_EQUAL(dram_checker_feed(ck, &r, &err), 0);
  r.cmd = DRAM_CMD_RD;
  r.cyc = (uint64_t)s.t[DRAM_T_RCD] - 1;
  CU_ASSERT_EQUAL(dram_checker_feed(ck, &r, &err), SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "ACT -> RD"));
  CU_ASSERT_EQUAL(dram_checker_violations(ck), 1);
  /* a RD to a row that is not open */
  r.cyc = 100;
  r.a.ro = 2;
  CU_ASSERT_EQUAL(dram_checker_feed(ck, &r, &err), SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "open row"));
  /* an ACT to an open bank */
  r.cmd = DRAM_CMD_ACT;
  r.cyc = 200;
  CU_ASSERT_EQUAL(dram_checker_feed(ck, &r, &err), SIM_EINTERNAL);
  dram_checker_free(ck);

  /* a real stream replays clean; the same stream with one command moved
   * a cycle earlier is caught */
  drv d;
  if (drv_open(&d, DDR4, k_noref, 1)) {
    CU_FAIL("open");
    dram_spec_fini(&s);
    return;
  }
  dram_tracegen g;
  dram_tracegen_init(&g, DRAM_PAT_MIX);
  for (int i = 0; i < 3000;) {
    uint64_t a;
    int w;
    dram_tracegen_next(&g, &a, &w);
    while (dram_submit(d.sys, a, w, (uint64_t)i, NULL, NULL) != 0)
      dram_tick(d.sys);
    dram_tick(d.sys);
    i++;
  }
  drv_drain(&d, 1000000);
  CU_ASSERT(d.nlog > 3000);
  /* replay clean */
  dram_checker *c2 = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(&d.spec, &c2), 0);
  for (size_t i = 0; i < d.nlog; i++) dram_checker_hook(c2, &d.log[i]);
  CU_ASSERT_EQUAL(dram_checker_violations(c2), 0);
  CU_ASSERT_EQUAL(dram_checker_commands(c2), d.nlog);
  dram_checker_free(c2);
  /* plant: the first RD after the 500th ACT, to the same bank, moved to
   * one cycle before tRCD has passed (the stream re-sorted by cycle) */
  size_t ia = SIZE_MAX, ir = SIZE_MAX;
  int seen = 0;
  for (size_t i = 0; i < d.nlog && ia == SIZE_MAX; i++)
    if (d.log[i].cmd == DRAM_CMD_ACT && seen++ == 500) ia = i;
  CU_ASSERT_FATAL(ia != SIZE_MAX);
  for (size_t i = ia + 1; i < d.nlog && ir == SIZE_MAX; i++)
    if (d.log[i].cmd == DRAM_CMD_RD && d.log[i].a.bg == d.log[ia].a.bg &&
        d.log[i].a.ba == d.log[ia].a.ba)
      ir = i;
  CU_ASSERT_FATAL(ir != SIZE_MAX);
  dram_cmd_rec *cp = malloc(d.nlog * sizeof *cp);
  memcpy(cp, d.log, d.nlog * sizeof *cp);
  dram_cmd_rec victim = cp[ir];
  victim.cyc = cp[ia].cyc + (uint64_t)d.spec.t[DRAM_T_RCD] - 1;
  memmove(cp + ir, cp + ir + 1, (d.nlog - ir - 1) * sizeof *cp);
  size_t at = ia + 1;
  while (at < d.nlog - 1 && cp[at].cyc <= victim.cyc) at++;
  memmove(cp + at + 1, cp + at, (d.nlog - 1 - at) * sizeof *cp);
  cp[at] = victim;
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(&d.spec, &c2), 0);
  for (size_t i = 0; i < d.nlog; i++) dram_checker_hook(c2, &cp[i]);
  CU_ASSERT(dram_checker_violations(c2) >= 1);
  /* the first violation is the moved RD (tRCD, or tCCD to a neighbour) */
  char want[64];
  snprintf(want, sizeof want, "cycle %llu: RD",
           (unsigned long long)victim.cyc);
  CU_ASSERT_PTR_NOT_NULL(strstr(dram_checker_first_error(c2), want));
  dram_checker_free(c2);
  /* plant: a WR to a row that is not open */
  memcpy(cp, d.log, d.nlog * sizeof *cp);
  for (size_t i = d.nlog / 2; i < d.nlog; i++)
    if (cp[i].cmd == DRAM_CMD_WR) {
      cp[i].a.ro ^= 1;
      break;
    }
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(&d.spec, &c2), 0);
  for (size_t i = 0; i < d.nlog; i++) dram_checker_hook(c2, &cp[i]);
  CU_ASSERT(dram_checker_violations(c2) >= 1);
  CU_ASSERT_PTR_NOT_NULL(strstr(dram_checker_first_error(c2), "open row"));
  dram_checker_free(c2);
  free(cp);
  drv_close(&d);
  dram_spec_fini(&s);
}

/* ---------------------------------------------------------------------- */
/* Runs: determinism, conservation, equivalence                            */
/* ---------------------------------------------------------------------- */

static void test_determinism(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, 40000, &r, &err),
                        0);
  dram_run_opts o = {.check = 1};
  dram_counters a, b;
  sim_report ra, rb;
  sim_report_init(&ra);
  sim_report_init(&rb);
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, 40000, &o, &ra, &a, &err), 0);
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, 40000, &o, &rb, &b, &err), 0);
  CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
  CU_ASSERT_EQUAL(ra.cycles, rb.cycles);
  CU_ASSERT(sim_report_energy_pj(&ra) == sim_report_energy_pj(&rb));
  CU_ASSERT(sim_report_get(&ra, "row_hit_rate", -1) ==
            sim_report_get(&rb, "row_hit_rate", -2));
  sim_report_fini(&ra);
  sim_report_fini(&rb);
  sim_free(r);
  dram_spec_fini(&s);
}

static void test_energy_conservation(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, 30000, &r, &err),
                        0);
  dram_run_opts o = {.check = 1};
  dram_counters c;
  sim_report rep;
  sim_report_init(&rep);
  CU_ASSERT_EQUAL_FATAL(dram_run_reqs(&s, r, 30000, &o, &rep, &c, &err), 0);
  dram_energy e;
  dram_energy_of(&s, &c, &e);
  /* total = sum of the parts, in the report and in dram_energy */
  double sum = 0;
  int parts = 0;
  for (int h = 0; h < sim_stat_count(rep.stats); h++)
    if (sim_stat_kind_of(rep.stats, h) == SIM_STAT_SUM &&
        strcmp(sim_stat_unit(rep.stats, h), "pJ") == 0) {
      sum += sim_stat_f64(rep.stats, h);
      parts++;
    }
  CU_ASSERT(parts >= 6);
  CU_ASSERT_DOUBLE_EQUAL(sum, e.total_pj, 1e-6 * e.total_pj);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&rep), e.total_pj,
                         1e-6 * e.total_pj);
  CU_ASSERT_DOUBLE_EQUAL(e.act_pj + e.rd_pj + e.wr_pj + e.ref_pj +
                             e.refpb_pj + e.act_stb_pj + e.pre_stb_pj +
                             e.other_pj,
                         e.total_pj, 1e-9 * e.total_pj);
  /* each part is count x energy per command, from the IDD formulas:
   * ACT = VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP) tCK x 8 devices */
  double k = 1.2 * 8 * 0.625;
  CU_ASSERT_DOUBLE_EQUAL(s.e_cmd_pj[DRAM_CMD_ACT],
                         k * (57.0 * 74 - (52.0 * 52 + 37.0 * 22)), 1e-6);
  CU_ASSERT_DOUBLE_EQUAL(s.e_cmd_pj[DRAM_CMD_RD], k * (168.0 - 52) * 4,
                         1e-6);
  CU_ASSERT_DOUBLE_EQUAL(s.e_cmd_pj[DRAM_CMD_REF], k * (250.0 - 52) * 560,
                         1e-6);
  CU_ASSERT_DOUBLE_EQUAL(e.act_pj,
                         (double)c.cmds[DRAM_CMD_ACT] *
                             s.e_cmd_pj[DRAM_CMD_ACT], 1e-6 * e.act_pj);
  /* background: every rank-cycle is active or precharge standby */
  CU_ASSERT_EQUAL(c.act_stb_cyc + c.pre_stb_cyc, c.cycles * s.ranks);
  /* bytes: one line per column command */
  CU_ASSERT_EQUAL(rep.dram_bytes,
                  (c.cmds[DRAM_CMD_RD] + c.cmds[DRAM_CMD_WR]) * 64);
  CU_ASSERT_EQUAL(rep.latency_ps, rep.cycles * 625);
  sim_report_fini(&rep);
  sim_free(r);
  dram_spec_fini(&s);
}

/* Skipping idle cycles gives the per-cycle result exactly. */
static void equiv(const char *path, const char *const *sets, int nsets,
                  dram_pattern pat, size_t n) {
  dram_spec s;
  sim_err err = {0};
  int rc = spec_from(path, sets, nsets, &s, &err);
  if (rc) fprintf(stderr, "\n  %s: %s\n", path, err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(pat, n, &r, &err), 0);
  /* spread some requests out in time so idle stretches occur */
  for (size_t i = 0; i < n; i++)
    if (i % 97 == 0) r[i].cyc = i * 6;
  dram_run_opts fast = {.check = 1}, slow = {.check = 1, .no_skip = 1};
  dram_counters a, b;
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, n, &fast, NULL, &a, &err), 0);
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, n, &slow, NULL, &b, &err), 0);
  if (memcmp(&a, &b, sizeof a) != 0)
    fprintf(stderr, "\n  %s %s: cycles %llu vs %llu\n", path,
            dram_pattern_name(pat), (unsigned long long)a.cycles,
            (unsigned long long)b.cycles);
  CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
  sim_free(r);
  dram_spec_fini(&s);
}

static void test_skip_equivalence(void) {
  const char *const closed[] = {"dram.controller.row_policy=closed"};
  const char *const fcfs[] = {"dram.controller.scheduler=fcfs"};
  const char *const bankref[] = {"dram.controller.refresh=bank_staggered",
                                 "dram.power.IDD5PB=60"};
  for (int p = 0; p < 3; p++) {
    equiv(DDR4, NULL, 0, (dram_pattern)p, 12000);
    equiv(PRESET("hbm2-8gb-x128-1ch"), NULL, 0, (dram_pattern)p, 12000);
  }
  equiv(DDR4, closed, 1, DRAM_PAT_MIX, 8000);
  equiv(DDR4, fcfs, 1, DRAM_PAT_MIX, 8000);
  equiv(PRESET("ddr4-3200-8gb-x16"), NULL, 0, DRAM_PAT_MIX, 8000);
  equiv(PRESET("lpddr5-6400-16gb-x16"), bankref, 2, DRAM_PAT_MIX, 8000);
  equiv(PRESET("gddr6-16gbps-8gb-x16"), NULL, 0, DRAM_PAT_RAND, 8000);
  equiv(PRESET("hbm2-8gb-x128-8ch"), NULL, 0, DRAM_PAT_MIX, 8000);
}

/* Random configurations and request streams (a fixed seed): skipping
 * stays exact and the checker stays silent whatever the policy mix. */
static void test_skip_equivalence_random(void) {
  const char *presets[] = {"ddr4-3200-8gb-x8-1ch1r", "hbm2-8gb-x128-1ch",
                           "ddr4-3200-8gb-x16", "lpddr5-6400-16gb-x16",
                           "gddr6-16gbps-8gb-x16"};
  uint64_t st = 12345;
  for (int k = 0; k < 24; k++) {
    char path[512], set[6][96];
    const char *sets[6];
    int ns = 0;
    uint64_t v = dram_splitmix64(&st);
    snprintf(path, sizeof path, "%s/arch/configs/%s.yaml", TFSIM_SOURCE_DIR,
             presets[v % 5]);
    snprintf(set[ns++], 96, "dram.controller.cmd_queue_size=%d",
             (int)(1 + (v >> 8) % 8));
    snprintf(set[ns++], 96, "dram.controller.trans_queue_size=%d",
             (int)(9 + (v >> 12) % 40));
    snprintf(set[ns++], 96, "dram.controller.row_hit_cap=%d",
             (int)(1 + (v >> 20) % 6));
    snprintf(set[ns++], 96, "dram.controller.row_policy=%s",
             (v >> 24) % 4 == 0 ? "closed" : "open");
    snprintf(set[ns++], 96, "dram.controller.scheduler=%s",
             (v >> 28) % 4 == 0 ? "fcfs" : "frfcfs");
    snprintf(set[ns++], 96, "dram.controller.dual_cmd=%s",
             (v >> 32) % 2 ? "true" : "false");
    for (int i = 0; i < ns; i++) sets[i] = set[i];
    dram_spec s;
    sim_err err = {0};
    int rc = spec_from(path, sets, ns, &s, &err);
    if (rc) fprintf(stderr, "\n  %s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    size_t n = 3000;
    dram_req *r = NULL;
    CU_ASSERT_EQUAL_FATAL(
        dram_tracegen_fill((dram_pattern)((v >> 40) % 3), n, &r, &err), 0);
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) {
      uint64_t x = dram_splitmix64(&st);
      if (x % 8 == 0) t += x % 200; /* bursts and gaps */
      r[i].cyc = t;
      if (r[i].addr >= s.capacity_bytes) r[i].addr %= s.capacity_bytes;
    }
    dram_run_opts fast = {.check = 1}, slow = {.check = 1, .no_skip = 1};
    dram_counters a, b;
    CU_ASSERT_EQUAL(dram_run_reqs(&s, r, n, &fast, NULL, &a, &err), 0);
    CU_ASSERT_EQUAL(dram_run_reqs(&s, r, n, &slow, NULL, &b, &err), 0);
    if (memcmp(&a, &b, sizeof a) != 0)
      fprintf(stderr, "\n  case %d (%s): cycles %llu vs %llu\n", k, path,
              (unsigned long long)a.cycles, (unsigned long long)b.cycles);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    sim_free(r);
    dram_spec_fini(&s);
  }
}

/* Per-bank refresh: REFpb to each bank in turn, rules of dram_spec.c. */
static void test_bank_refresh(void) {
  const char *const sets[] = {"dram.controller.refresh=bank_staggered",
                              "dram.power.IDD5PB=60"};
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(
      spec_from(PRESET("lpddr5-6400-16gb-x16"), sets, 2, &s, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_RAND, 20000, &r, &err),
                        0);
  dram_run_opts o = {.check = 1};
  dram_counters c;
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, 20000, &o, NULL, &c, &err), 0);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_REF], 0);
  uint64_t want = c.cycles / (uint64_t)s.t[DRAM_T_REFIPB];
  CU_ASSERT(c.cmds[DRAM_CMD_REFPB] + 1 >= want &&
            c.cmds[DRAM_CMD_REFPB] <= want);
  sim_free(r);
  dram_spec_fini(&s);
  /* without IDD5PB, bank refresh is a config error naming the key */
  const char *const noidd[] = {"dram.controller.refresh=bank_staggered"};
  int rc = spec_from(PRESET("lpddr5-6400-16gb-x16"), noidd, 1, &s, &err);
  CU_ASSERT_EQUAL(rc, SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "IDD5PB"));
}

/* ---------------------------------------------------------------------- */
/* Trace files and the request API                                        */
/* ---------------------------------------------------------------------- */

static char g_tmp[256];

static const char *tmpfile_with(const char *tag, const char *text) {
  snprintf(g_tmp, sizeof g_tmp, "/tmp/tfsim_dram_%d_%s", (int)getpid(), tag);
  FILE *f = fopen(g_tmp, "w");
  if (!f) return NULL;
  fputs(text, f);
  fclose(f);
  return g_tmp;
}

static void test_trace_files(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  char p1[256], p2[256];
  snprintf(p1, sizeof p1, "/tmp/tfsim_dram_%d_a.trace", (int)getpid());
  snprintf(p2, sizeof p2, "/tmp/tfsim_dram_%d_b.trace", (int)getpid());
  const size_t n = 20000;
  CU_ASSERT_EQUAL(dram_tracegen_write(DRAM_PAT_MIX, n, p1, 0, &err), 0);
  CU_ASSERT_EQUAL(dram_tracegen_write(DRAM_PAT_MIX, n, p2, 1, &err), 0);
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, n, &r, &err), 0);
  dram_run_opts o = {.check = 1};
  dram_counters a, b, c;
  sim_report rep;
  sim_report_init(&rep);
  CU_ASSERT_EQUAL(dram_run_trace(&s, p1, &o, &rep, &a, &err), 0);
  CU_ASSERT_EQUAL(dram_run_trace(&s, p2, &o, NULL, &b, &err), 0);
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, n, &o, NULL, &c, &err), 0);
  CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
  CU_ASSERT_EQUAL(memcmp(&a, &c, sizeof a), 0);
  /* the metrics the CLI prints */
  const char *keys[] = {"requests", "reads", "writes",
                        "avg_read_latency_cycles", "row_hit_rate",
                        "bandwidth_gbps", "act_count"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    CU_ASSERT(sim_report_get(&rep, keys[i], -1) >= 0);
  CU_ASSERT_EQUAL(sim_report_get(&rep, "requests", 0), (double)n);
  CU_ASSERT_EQUAL(rep.cycles, a.cycles);
  sim_report_fini(&rep);
  unlink(p1);
  unlink(p2);

  /* a cycle field delays the request; comments and blank lines pass */
  const char *path = tmpfile_with(
      "cyc.trace", "# a comment\n\n0x0 READ 1000\n0x40 WRITE 2000\n"
                   "0x2000 READ 2000\n");
  CU_ASSERT_EQUAL(dram_run_trace(&s, path, &o, NULL, &a, &err), 0);
  CU_ASSERT_EQUAL(a.reads, 2);
  CU_ASSERT_EQUAL(a.writes, 1);
  CU_ASSERT(a.cycles > 2000);
  unlink(path);
  sim_free(r);
  dram_spec_fini(&s);
}

/* An idle gap of 2.5 x 10^8 cycles in a DRAMsim3 trace (beyond the stall
 * watch's window) is skipped, not reported as a deadlock, and skipped
 * exactly: refresh keeps the banks closed across it, so the second read
 * finishes as the first did, G cycles later; a per-cycle run agrees. */
static void test_trace_idle_gap(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  const uint64_t G = 250000000ull; /* > 2x the stall window */
  dram_run_opts o = {.check = 1};
  dram_counters one, gap, slow;
  const char *p1 = tmpfile_with("one.trace", "0x0 READ 0\n");
  CU_ASSERT_EQUAL(dram_run_trace(&s, p1, &o, NULL, &one, &err), 0);
  unlink(p1);
  char text[128];
  snprintf(text, sizeof text, "0x0 READ 0\n0x40 READ %llu\n",
           (unsigned long long)G);
  const char *p2 = tmpfile_with("gap.trace", text);
  memset(&err, 0, sizeof err);
  int rc = dram_run_trace(&s, p2, &o, NULL, &gap, &err);
  if (rc) fprintf(stderr, "\n  gap trace: %s\n", err.msg);
  CU_ASSERT_EQUAL(rc, 0);
  CU_ASSERT_EQUAL(gap.reads_done, 2);
  CU_ASSERT_EQUAL(gap.cycles, G + one.cycles);
  CU_ASSERT(gap.cmds[DRAM_CMD_REF] > 0);
  dram_run_opts per_cycle = {.check = 0, .no_skip = 1};
  CU_ASSERT_EQUAL(dram_run_trace(&s, p2, &per_cycle, NULL, &slow, &err), 0);
  CU_ASSERT_EQUAL(memcmp(&gap, &slow, sizeof gap), 0);
  unlink(p2);
  dram_spec_fini(&s);
}

static void test_trace_errors(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  const struct {
    const char *text;
    int code;
    const char *where, *what;
  } cases[] = {
      {"0x0 READ 0\n0x40 READ 0\n0x80 READX 0\n", SIM_EINVAL, ":3:",
       "READ or WRITE"},
      {"0x0 READ 0\n0x200000000 READ 0\n", SIM_ERANGE, ":2:", "capacity"},
      {"0x0 READ 0\n0x40 READ zz\n", SIM_EINVAL, ":2:", "cycle"},
      {"0x0 READ 0\nLD 0x40\n", SIM_EINVAL, ":2:", "hex address"},
      {"LD 0x0\nST 0x40\nLD 0x40 9\n", SIM_EINVAL, ":3:", "unexpected"},
      {"LD 0x0\nLX 0x40\n", SIM_EINVAL, ":2:", "LD or ST"},
      {"\n# c\nhello\n", SIM_EINVAL, ":3:", "unknown trace format"},
      {"0xffffffffffffffffff READ 0\n", SIM_EINVAL, ":1:", "64 bits"},
      /* no request at all: an error naming the file, not 1 cycle */
      {"", SIM_EINVAL, "bad.trace:", "has no request"},
      {"# only a comment\n\n", SIM_EINVAL, "bad.trace:", "has no request"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *path = tmpfile_with("bad.trace", cases[i].text);
    memset(&err, 0, sizeof err);
    int rc = dram_run_trace(&s, path, NULL, NULL, NULL, &err);
    CU_ASSERT_EQUAL(rc, cases[i].code);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].where));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].what));
    if (!strstr(err.msg, cases[i].what))
      fprintf(stderr, "\n  case %zu: %s\n", i, err.msg);
    unlink(path);
  }
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(dram_run_trace(&s, "/nonexistent/x.trace", NULL, NULL,
                                 NULL, &err),
                  SIM_ENOENT);
  /* in memory: the request's index instead of a line */
  dram_req bad[3] = {{0x0, 0, 0}, {0x40, 0, 1}, {s.capacity_bytes, 0, 0}};
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(dram_run_reqs(&s, bad, 3, NULL, NULL, NULL, &err),
                  SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "request 2"));
  dram_spec_fini(&s);
}

static int g_cb_n;
static uint64_t g_cb_sum;
static void count_cb(void *ctx, uint64_t id, uint64_t addr, int w,
                     uint64_t cyc) {
  (void)ctx;
  (void)addr;
  (void)w;
  (void)cyc;
  g_cb_n++;
  g_cb_sum += id;
}

static void test_request_api(void) {
  drv d;
  if (drv_open(&d, DDR4, NULL, 0)) {
    CU_FAIL("open");
    return;
  }
  const dram_spec *s = &d.spec;
  /* 32 reads fill the read queue (no cycle processed in between) */
  for (uint32_t i = 0; i < s->trans_queue_size; i++)
    CU_ASSERT_EQUAL(dram_submit(d.sys, addr_of(s, 0, 0, 1, i), 0, i,
                                count_cb, NULL),
                    0);
  CU_ASSERT_FALSE(dram_can_accept(d.sys, 0x4000, 0));
  CU_ASSERT_TRUE(dram_can_accept(d.sys, 0x4000, 1));
  CU_ASSERT_EQUAL(dram_submit(d.sys, 0x4000, 0, 77, NULL, NULL), 1);
  CU_ASSERT_EQUAL(dram_submit(d.sys, 1ull << 40, 0, 99, NULL, NULL),
                  SIM_ERANGE);
  CU_ASSERT_EQUAL(dram_next_event(d.sys), dram_now(d.sys));
  drv_drain(&d, 100000);
  CU_ASSERT_EQUAL(g_cb_n, (int)s->trans_queue_size);
  CU_ASSERT_EQUAL(g_cb_sum,
                  (uint64_t)s->trans_queue_size * (s->trans_queue_size - 1) /
                      2);
  CU_ASSERT(dram_idle(d.sys) || dram_outstanding(d.sys) == 0);
  /* nothing pending but refresh: the next event is the next refresh */
  dram_advance(d.sys, dram_now(d.sys) + 10);
  CU_ASSERT(dram_next_event(d.sys) % (uint64_t)s->t[DRAM_T_REFI] == 0 ||
            dram_next_event(d.sys) == dram_now(d.sys));
  drv_close(&d);
}

static void test_arch_class(void) {
  arch_model m;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(arch_load(&m, DDR4, NULL, 0, &err), 0);
  CU_ASSERT_STRING_EQUAL(m.ops->cls, "dram");
  CU_ASSERT_PTR_NOT_NULL(m.ops->trace);
  /* a schedule runs as memory traffic */
  sim_sched sc;
  sim_sched_init(&sc, "test");
  sim_sched_op op;
  int lv = sim_sched_level(&sc, "dram");
  sim_sched_op_init(&op, "a", SIM_FN_MOVE, SIM_P_FP16,
                    sim_sched_unit(&sc, "core"));
  op.rd_bytes[lv] = 64 * 1000;
  op.wr_bytes[lv] = 64 * 200;
  op.count = 2;
  sim_sched_push(&sc, &op);
  snprintf(op.name, sizeof op.name, "b");
  op.count = 1;
  op.rd_bytes[lv] = 64 * 500;
  op.wr_bytes[lv] = 0;
  sim_sched_push(&sc, &op);
  sim_report rep;
  sim_report_init(&rep);
  CU_ASSERT_EQUAL(arch_run(&m, &sc, &rep, &err), 0);
  CU_ASSERT(rep.cycles > 0);
  CU_ASSERT_EQUAL(rep.n_ops, 2);
  CU_ASSERT_EQUAL(rep.dram_bytes, 64 * (2 * 1200 + 500));
  CU_ASSERT_EQUAL(rep.ops[1].start_ps, rep.ops[0].end_ps);
  CU_ASSERT_EQUAL(rep.ops[1].end_ps, rep.latency_ps);
  sim_report_fini(&rep);
  sim_sched_fini(&sc);
  arch_unload(&m);
}

/* The engine binding: a front end written as engine events gives the
 * cycles of the trace driver. */
typedef struct efront {
  dram_engine *de;
  sim_engine *e;
  const dram_req *r;
  size_t n, i;
  uint64_t tck, reads_back, last_cyc;
} efront;

static void ef_done(void *ctx, uint64_t id, uint64_t addr, int w,
                    uint64_t cyc) {
  efront *f = ctx;
  (void)id;
  (void)addr;
  if (!w) {
    f->reads_back++;
    if (cyc + 1 > f->last_cyc) f->last_cyc = cyc + 1;
  }
}

static void ef_offer(sim_engine *e, void *ctx, uint64_t arg) {
  efront *f = ctx;
  (void)arg;
  if (f->i >= f->n) return;
  int rc = dram_engine_submit(f->de, f->r[f->i].addr, f->r[f->i].is_write,
                              f->i, ef_done, f);
  if (rc == 0) f->i++;
  if (f->i < f->n) sim_schedule_in(e, f->tck, 0, ef_offer, f, 0, NULL);
}

static uint64_t ck_last_wr;
static void ef_hook(void *ctx, const dram_cmd_rec *r) {
  if (r->cmd == DRAM_CMD_WR) ck_last_wr = r->cyc;
  dram_checker_hook(ctx, r);
}

static void test_engine_binding(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &s, &err), 0);
  const size_t n = 20000;
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, n, &r, &err), 0);
  dram_run_opts o = {.check = 1};
  dram_counters ref;
  CU_ASSERT_EQUAL_FATAL(dram_run_reqs(&s, r, n, &o, NULL, &ref, &err), 0);

  sim_engine *e = sim_engine_new();
  dram_sys *sys = NULL;
  dram_engine *de = NULL;
  dram_checker *ck = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_sys_new(&s, &sys, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_engine_new(e, sys, &de, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(&s, &ck), 0);
  dram_sys_set_cmd_hook(sys, ef_hook, ck);
  ck_last_wr = 0;
  CU_ASSERT_STRING_EQUAL(sim_clock_name(e, dram_engine_clock(de)), s.name);
  efront f = {de, e, r, n, 0, s.tck_ps, 0, 0};
  sim_schedule(e, 0, 0, ef_offer, &f, 0, NULL);
  /* run well past the end; refresh keeps events coming */
  sim_run(e, dram_engine_time(de, ref.cycles + 50000));
  dram_counters c;
  dram_get_counters(sys, &c);
  CU_ASSERT_EQUAL(f.i, n);
  CU_ASSERT_EQUAL(dram_outstanding(sys), 0);
  /* the trace driver stops after the last read returned and the last
   * write was issued: the same cycle here */
  uint64_t end = f.last_cyc > ck_last_wr + 1 ? f.last_cyc : ck_last_wr + 1;
  if (end != ref.cycles)
    fprintf(stderr, "\n  end %llu (rd %llu wr %llu) ref %llu\n",
            (unsigned long long)end, (unsigned long long)f.last_cyc,
            (unsigned long long)ck_last_wr, (unsigned long long)ref.cycles);
  CU_ASSERT_EQUAL(end, ref.cycles);
  CU_ASSERT_EQUAL(c.rd_lat_sum_cyc, ref.rd_lat_sum_cyc);
  CU_ASSERT_EQUAL(c.rd_hits + c.wr_hits, ref.rd_hits + ref.wr_hits);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_RD], ref.cmds[DRAM_CMD_RD]);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_WR], ref.cmds[DRAM_CMD_WR]);
  CU_ASSERT_EQUAL(dram_checker_violations(ck), 0);
  dram_engine_free(de);
  dram_checker_free(ck);
  dram_sys_free(sys);
  sim_engine_free(e);
  sim_free(r);
  dram_spec_fini(&s);
}

/* ---------------------------------------------------------------------- */
/* Configuration errors                                                    */
/* ---------------------------------------------------------------------- */

/* The preset's text with `from` replaced by `to` (first occurrence). */
static char *preset_edit(const char *from, const char *to) {
  FILE *f = fopen(DDR4, "r");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strstr(buf, from);
  if (!p) return NULL;
  size_t out_n = n - strlen(from) + strlen(to) + 1;
  char *out = malloc(out_n);
  size_t pre = (size_t)(p - buf);
  memcpy(out, buf, pre);
  strcpy(out + pre, to);
  strcat(out, p + strlen(from));
  return out;
}

/* 1-based line of the first line starting (after spaces) with key. */
static int line_of(const char *text, const char *key) {
  int line = 1;
  for (const char *p = text; *p; line++) {
    const char *q = p;
    while (*q == ' ') q++;
    if (strncmp(q, key, strlen(key)) == 0) return line;
    p = strchr(p, '\n');
    if (!p) break;
    p++;
  }
  return 0;
}

static int load_text(const char *text, const char *tag, dram_spec *s,
                     sim_err *err, char *path_out, size_t n) {
  const char *path = tmpfile_with(tag, text);
  snprintf(path_out, n, "%s", path);
  int rc = dram_spec_load(path, s, err);
  if (rc == 0) dram_spec_fini(s);
  unlink(path);
  return rc;
}

static void expect_cfg_error(const char *from, const char *to, int code,
                             const char *key, const char *what) {
  char *text = preset_edit(from, to);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  dram_spec s;
  sim_err err = {0};
  char path[256];
  int rc = load_text(text, "bad.yaml", &s, &err, path, sizeof path);
  CU_ASSERT_EQUAL(rc, code);
  char want[512];
  /* "file:LINE: key" with the line of the edited key */
  char leaf[64];
  snprintf(leaf, sizeof leaf, "%s:", strrchr(key, '.') + 1);
  int line = line_of(text, leaf);
  snprintf(want, sizeof want, "%s:%d: %s", path, line, key);
  if (!strstr(err.msg, want) || !strstr(err.msg, what))
    fprintf(stderr, "\n  want '%s' ... '%s'\n  got  '%s'\n", want, what,
            err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what));
  free(text);
}

static void test_config_errors(void) {
  /* tRC < tRAS + tRP names the key and its line */
  expect_cfg_error("tRC: 74 ", "tRC: 60 ", SIM_EINVAL, "dram.timing.tRC",
                   "60 < tRAS + tRP = 74");
  /* mapping strings that do not cover the address fields */
  expect_cfg_error("address_mapping: rochrababgco",
                   "address_mapping: rochrararabg", SIM_EINVAL,
                   "dram.controller.address_mapping", "appears twice");
  expect_cfg_error("address_mapping: rochrababgco",
                   "address_mapping: rochrababgxx", SIM_EINVAL,
                   "dram.controller.address_mapping", "unknown field");
  expect_cfg_error("address_mapping: rochrababgco",
                   "address_mapping: rochrababg", SIM_EINVAL,
                   "dram.controller.address_mapping", "6 fields");
  /* zero, negative and overflowing values */
  expect_cfg_error("tRP: 22 ", "tRP: 0 ", SIM_EINVAL, "dram.timing.tRP",
                   "must be > 0");
  expect_cfg_error("tWR: 24 ", "tWR: -3 ", SIM_EINVAL, "dram.timing.tWR",
                   "must be > 0");
  expect_cfg_error("tREFI: 12480", "tREFI: 9000000000000000000",
                   SIM_ERANGE, "dram.timing.tREFI", "overflow");
  expect_cfg_error("rows: 65536 ", "rows: 65000 ", SIM_EINVAL,
                   "dram.org.rows", "power of two");
  expect_cfg_error("IDD4R: 168 ", "IDD4R: 0 ", SIM_EINVAL,
                   "dram.power.IDD4R", "must be > 0");
  expect_cfg_error("cmd_queue_size: 8", "cmd_queue_size: 0", SIM_EINVAL,
                   "dram.controller.cmd_queue_size", "must be in");
  /* a missing required value is named */
  char *text = preset_edit("    tRTP: 12 ", "    # tRTP: 12 ");
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  dram_spec s;
  sim_err err = {0};
  char path[256];
  CU_ASSERT_EQUAL(load_text(text, "bad.yaml", &s, &err, path, sizeof path),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "missing required value tRTP"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "dram.timing"));
  free(text);
  /* an unknown key and a bad enum value come from the YAML layer, with
   * file and line */
  text = preset_edit("    tRTP: 12 ", "    tRTX: 12 ");
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(load_text(text, "bad.yaml", &s, &err, path, sizeof path),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tRTX"));
  free(text);
  text = preset_edit("refresh: rank_staggered", "refresh: sometimes");
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(load_text(text, "bad.yaml", &s, &err, path, sizeof path),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "refresh"));
  free(text);
  /* --set overrides are checked the same way and reported as --set */
  const char *const sets[] = {"dram.timing.tRAS=70"};
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(spec_from(DDR4, sets, 1, &s, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "dram.timing.tRC"));
  /* a YAML constraint row that names an unknown timing value */
  text = preset_edit("  controller:", "  constraints:\n    - {level: rank, "
                     "prev: RD, next: WR, latency: \"tFOO + 1\"}\n"
                     "  controller:");
  memset(&err, 0, sizeof err);
  CU_ASSERT_EQUAL(load_text(text, "bad.yaml", &s, &err, path, sizeof path),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tFOO"));
  free(text);
}

/* Constraints and commands as data: a YAML row binds, an added command
 * gets its own rows. */
static void test_constraints_as_data(void) {
  char *text = preset_edit(
      "  controller:", "  constraints:\n    - {level: rank, prev: ACT, next: "
                       "ACT, latency: \"tRRD_S + 16\"}\n  controller:");
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  const char *path = tmpfile_with("c.yaml", text);
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(dram_spec_load(path, &s, &err), 0);
  unlink(path);
  free(text);
  s.refresh = DRAM_REF_NONE;
  s.refresh_interval_cyc = 0;
  dram_req r[2] = {{0x0, 0, 0}, {1ull << 13, 0, 0}}; /* two bank groups */
  dram_run_opts o = {.check = 1};
  dram_counters c;
  CU_ASSERT_EQUAL(dram_run_reqs(&s, r, 2, &o, NULL, &c, &err), 0);
  /* the second ACT waits 20 instead of 4: cycles grow by 16 */
  dram_spec base;
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &base, &err), 0);
  dram_counters c0;
  CU_ASSERT_EQUAL(dram_run_reqs(&base, r, 2, &o, NULL, &c0, &err), 0);
  CU_ASSERT_EQUAL(c.cycles - c0.cycles, 16);
  /* an added command (as the PIM model will) with its own constraint */
  int mac = dram_spec_add_cmd(&base, "MACAB", DRAM_LV_RANK, DRAM_CF_COL);
  CU_ASSERT(mac >= DRAM_CMD_BUILTIN_COUNT);
  CU_ASSERT_EQUAL(dram_cmd_find(&base, "MACAB"), mac);
  CU_ASSERT_EQUAL(dram_spec_add_constraint(&base, DRAM_LV_RANK, "MACAB",
                                           "RD|WR", "max(tCCD_L, 2 * tBL)",
                                           0, 0, &err),
                  0);
  CU_ASSERT_EQUAL(base.tc[base.n_tc - 1].lat_cyc, 8);
  CU_ASSERT_EQUAL(dram_spec_add_constraint(&base, DRAM_LV_RANK, "MACAB",
                                           "NOPE", "1", 0, 0, &err),
                  SIM_EINVAL);
  int64_t v;
  CU_ASSERT_EQUAL(dram_spec_eval(&base, "RL + tBL - WL + tRTRS", &v, &err),
                  0);
  CU_ASSERT_EQUAL(v, 22 + 4 - 16 + 1);
  dram_spec_fini(&base);
  dram_spec_fini(&s);
}

/* ---------------------------------------------------------------------- */
/* Trace generator                                                        */
/* ---------------------------------------------------------------------- */

/* Expected values computed once from the recipe in gen_traces.py's header
 * (python3, independently of this code). */
static void test_tracegen(void) {
  uint64_t st = 0;
  CU_ASSERT_EQUAL(dram_splitmix64(&st), 0xe220a8397b1dcdafull);
  CU_ASSERT_EQUAL(dram_splitmix64(&st), 0x6e789e6aa1b965f4ull);
  CU_ASSERT_EQUAL(dram_splitmix64(&st), 0x06c45d188009454full);
  st = 1;
  CU_ASSERT_EQUAL(dram_splitmix64(&st), 0x910a2dec89025cc1ull);
  const uint64_t rand6[] = {0x973040, 0x23bb19c0, 0xc955780,
                            0x10b242c0, 0x6d6e40, 0x540a000};
  dram_tracegen g;
  dram_tracegen_init(&g, DRAM_PAT_RAND);
  for (int i = 0; i < 6; i++) {
    uint64_t a;
    int w;
    dram_tracegen_next(&g, &a, &w);
    CU_ASSERT_EQUAL(a, rand6[i]);
    CU_ASSERT_EQUAL(w, 0);
  }
  const struct {
    uint64_t a;
    int w;
  } mix10[] = {{0x3f079080, 0}, {0x3f079340, 1}, {0x3f0792c0, 1},
               {0x3f079340, 1}, {0x32fc6b80, 0}, {0x26b9c480, 0},
               {0x26b9c1c0, 1}, {0x238a2c40, 0}, {0x238a2e00, 0},
               {0x238a2dc0, 0}};
  dram_tracegen_init(&g, DRAM_PAT_MIX);
  for (int i = 0; i < 10; i++) {
    uint64_t a;
    int w;
    dram_tracegen_next(&g, &a, &w);
    CU_ASSERT_EQUAL(a, mix10[i].a);
    CU_ASSERT_EQUAL(w, mix10[i].w);
  }
  /* whole 1M streams: h = h * 1000003 ^ addr ^ (write << 63) mod 2^64 */
  const struct {
    dram_pattern p;
    uint64_t h;
    uint64_t writes;
  } sums[] = {{DRAM_PAT_SEQ, 0xa540f120b0000000ull, 0},
              {DRAM_PAT_RAND, 0xd21011b2889bbf40ull, 0},
              {DRAM_PAT_MIX, 0xb4d6ee708bcac300ull, 349404}};
  for (int k = 0; k < 3; k++) {
    dram_tracegen_init(&g, sums[k].p);
    uint64_t h = 0, nw = 0;
    for (int i = 0; i < (1 << 20); i++) {
      uint64_t a;
      int w;
      dram_tracegen_next(&g, &a, &w);
      h = (h * 1000003ull) ^ a ^ ((uint64_t)w << 63);
      nw += (uint64_t)w;
    }
    CU_ASSERT_EQUAL(h, sums[k].h);
    CU_ASSERT_EQUAL(nw, sums[k].writes);
  }
  dram_pattern p;
  CU_ASSERT_EQUAL(dram_pattern_parse("mix", &p), 0);
  CU_ASSERT_EQUAL(p, DRAM_PAT_MIX);
  CU_ASSERT_EQUAL(dram_pattern_parse("nope", &p), SIM_EINVAL);
  /* the DRAMsim3 file format, as gen_traces.py writes it */
  char path[256];
  snprintf(path, sizeof path, "/tmp/tfsim_dram_%d_g.trace", (int)getpid());
  sim_err err = {0};
  CU_ASSERT_EQUAL(dram_tracegen_write(DRAM_PAT_MIX, 3, path, 0, &err), 0);
  FILE *f = fopen(path, "r");
  char buf[256] = {0};
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  CU_ASSERT_STRING_EQUAL(buf, "0x3f079080 READ 0\n0x3f079340 WRITE 0\n"
                              "0x3f0792c0 WRITE 0\n");
  CU_ASSERT_EQUAL(dram_tracegen_write(DRAM_PAT_MIX, 2, path, 1, &err), 0);
  f = fopen(path, "r");
  n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  CU_ASSERT_STRING_EQUAL(buf, "LD 0x3f079080\nST 0x3f079340\n");
  unlink(path);
}

/* The validation suite's rows on short streams (the 1M runs are in
 * test_dram_validation). */
static void test_validate_rows(void) {
  sim_val_table t = {0};
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(dram_validate_n(&t, 4096, 1, &err), 0);
  CU_ASSERT_EQUAL(t.n, 30);
  for (size_t i = 0; i < t.n; i++) {
    CU_ASSERT(isnan(t.rows[i].published));
    CU_ASSERT(t.rows[i].ours >= 0);
    CU_ASSERT_STRING_EQUAL(t.rows[i].suite, "dram");
  }
  CU_ASSERT_STRING_EQUAL(t.rows[0].item, "ddr4-3200/seq");
  CU_ASSERT_STRING_EQUAL(t.rows[0].metric, "cycles");
  sim_val_free(&t);
}

static CU_TestInfo k_golden[] = {
    {"closed-bank, row-hit and row-conflict reads", test_closed_bank_read},
    {"row hits stream at tCCD_L / tCCD_S", test_ccd_streams},
    {"fifth ACT waits for tFAW", test_faw},
    {"refresh every tREFI blocks tRFC", test_refresh},
    {"read after write waits tWTR", test_wtr},
    {"closed page auto-precharges", test_closed_page},
    {"per-bank refresh", test_bank_refresh},
    CU_TEST_INFO_NULL};

static CU_TestInfo k_unit[] = {
    {"checker catches planted violations", test_checker_catches},
    {"determinism", test_determinism},
    {"energy conservation", test_energy_conservation},
    {"idle skipping equals per-cycle", test_skip_equivalence},
    {"idle skipping, random configurations", test_skip_equivalence_random},
    {"trace idle gap of 10^8 cycles", test_trace_idle_gap},
    {"trace files", test_trace_files},
    {"trace errors name the line", test_trace_errors},
    {"request API", test_request_api},
    {"arch class", test_arch_class},
    {"engine binding", test_engine_binding},
    {"config errors name key and line", test_config_errors},
    {"constraints and commands as data", test_constraints_as_data},
    {"trace generator bit for bit", test_tracegen},
    {"validation rows", test_validate_rows},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo k_suites[] = {
    {"dram-golden", NULL, NULL, NULL, NULL, k_golden},
    {"dram", NULL, NULL, NULL, NULL, k_unit},
    CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(k_suites)
