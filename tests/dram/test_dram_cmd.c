/*
 * test_dram_cmd.c — the DRAM model's command-level API (dram_cmd_earliest,
 * dram_cmd_issue, the refresh hooks), added commands and named timing
 * values as data (`dram.commands`, `dram.timing_extra`), the `dram:`
 * section embedded in another class's file, and bulk transfers
 * (dram_xfer_start).
 *
 * Every run has the protocol checker attached through the command hook and
 * asserts it saw no violation; the checker shares only the spec with the
 * model, so a command the API let through too early would be caught.
 *
 * Golden cases (DDR4-3200 preset, refresh off unless the test is about
 * refresh; nCK: tRCD 22, CL 22, tBL 4, tRAS 52, tRRD_S 4, tRRD_L 8, tFAW 34):
 *   - ACT then RD through the API: RD earliest tRCD after the ACT, data
 *     tRCD + RL + tBL = 48 after it, as the controller's closed-bank read;
 *   - an all-bank MAC command (MACAB, rank scope, from YAML) waits for the
 *     last bank's ACT + tRCD and for the previous MACAB + tMAC; one cycle
 *     early is refused by the API and flagged by the checker;
 *   - GDDR6-AiM as data (the GDDR6 preset plus WRGB, ACTAB, MACAB, PREAB
 *     in YAML): one 2 KB row as MAC in tRCDMAC + 64 tCCD + tRP = 108 ns,
 *     pim.md's figure;
 *   - controller traffic on channel 0 is identical, command for command,
 *     whether or not the API drives channel 1;
 *   - bulk transfers reach trace mode's bandwidth within 2 % on DDR4 and
 *     HBM2, and two concurrent ones finish no earlier than one of their
 *     combined size.
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
#define HBM2 PRESET("hbm2-8gb-x128-1ch")

#define T(s, p) ((uint64_t)(s)->t[DRAM_T_##p])

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static char g_tmp[256];

static const char *tmpfile_with(const char *tag, const char *text) {
  snprintf(g_tmp, sizeof g_tmp, "/tmp/tfsim_dramcmd_%d_%s", (int)getpid(),
           tag);
  FILE *f = fopen(g_tmp, "w");
  if (!f) return NULL;
  fputs(text, f);
  fclose(f);
  return g_tmp;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strdup(buf);
}

/* text with `from` replaced by `to` (first occurrence); malloc'd. */
static char *edit(const char *text, const char *from, const char *to) {
  const char *p = strstr(text, from);
  if (!p) return NULL;
  size_t pre = (size_t)(p - text);
  char *out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
  memcpy(out, text, pre);
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

/* Loads a file with --set style overrides and compiles it. */
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

/* The DDR4 preset with a PIM-style all-bank MAC command as pure data. */
static const char k_mac_yaml[] =
    "  timing_extra:\n"
    "    - {name: tMAC, cycles: 6}\n"
    "  commands:\n"
    "    - {name: MACAB, scope: rank, flags: [col], energy_pj: 10.5}\n"
    "  constraints:\n"
    "    - {level: bank, prev: MACAB, next: MACAB, latency: tMAC}\n"
    "    - {level: bank, prev: ACT, next: MACAB, latency: tRCD}\n"
    "    - {level: bank, prev: MACAB, next: PRE, latency: \"tMAC + tRTP\"}\n"
    "    - {level: rank, prev: MACAB, next: RD|WR, latency: tMAC}\n"
    "  controller:";

static int mac_spec(dram_spec *s, const char *const *sets, int nsets,
                    sim_err *err) {
  char *base = read_text(DDR4);
  char *text = base ? edit(base, "  controller:", k_mac_yaml) : NULL;
  free(base);
  if (!text) return SIM_EINVAL;
  const char *path = tmpfile_with("mac.yaml", text);
  int rc = spec_from(path, sets, nsets, s, err);
  unlink(path);
  free(text);
  return rc;
}

#define MAXLOG 65536

typedef struct drv {
  dram_spec spec;
  dram_sys *sys;
  dram_checker *ck;
  dram_cmd_rec *log;
  size_t nlog;
} drv;

static void drv_hook(void *ctx, const dram_cmd_rec *r) {
  drv *d = ctx;
  if (d->nlog < MAXLOG) d->log[d->nlog++] = *r;
  dram_checker_hook(d->ck, r);
}

/* Opens a memory system on d->spec (already compiled) with a checker. */
static int drv_start(drv *d) {
  sim_err err = {0};
  d->log = calloc(MAXLOG, sizeof *d->log);
  int rc;
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

/* Advances to cmd's earliest cycle at a, checks that the cycle before is
 * refused, and issues it; returns the issue cycle (SIM_T_NEVER if the
 * state forbids it). */
static uint64_t issue_at_earliest(dram_sys *s, int cmd, const dram_addr *a) {
  uint64_t t = dram_cmd_earliest(s, cmd, a);
  if (t == SIM_T_NEVER) return t;
  sim_err err = {0};
  if (t > dram_now(s)) {
    dram_advance(s, t - 1);
    CU_ASSERT_EQUAL(dram_cmd_issue(s, cmd, a, &err), 1); /* one early */
    dram_tick(s);
  }
  CU_ASSERT_EQUAL(dram_now(s), t);
  int rc = dram_cmd_issue(s, cmd, a, &err);
  if (rc) fprintf(stderr, "\n  issue: %d %s\n", rc, err.msg);
  CU_ASSERT_EQUAL(rc, 0);
  return t;
}

static const char *const k_noref[] = {"dram.controller.refresh=none"};

/* ---------------------------------------------------------------------- */
/* Standard commands through the API                                      */
/* ---------------------------------------------------------------------- */

static void test_api_closed_bank_read(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  dram_addr a = {0, 0, 1, 2, 5, 3};
  /* a closed bank: no column command, no PRE; ACT at once */
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_RD, &a), SIM_T_NEVER);
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_PRE, &a), SIM_T_NEVER);
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, DRAM_CMD_RD, &a, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "RD to ch 0 ra 0 bg 1 ba 2"));
  dram_advance(d.sys, 10);
  uint64_t act = issue_at_earliest(d.sys, DRAM_CMD_ACT, &a);
  CU_ASSERT_EQUAL(act, 10);
  /* another bank group's ACT: tRRD_S */
  dram_addr a2 = {0, 0, 2, 0, 9, 0};
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_ACT, &a2),
                  act + T(s, RRD_S));
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, DRAM_CMD_ACT, &a2, &err), 1);
  /* another row of the open bank is refused; the open row waits tRCD */
  dram_addr other = a;
  other.ro = 6;
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_RD, &other),
                  SIM_T_NEVER);
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_RD, &a), act + T(s, RCD));
  uint64_t rd = issue_at_earliest(d.sys, DRAM_CMD_RD, &a);
  CU_ASSERT_EQUAL(rd - act, T(s, RCD));
  /* the data: RL + tBL after the RD, tRCD + RL + tBL = 48 after the ACT */
  CU_ASSERT_EQUAL(s->read_delay_cyc, (int64_t)(T(s, RL) + T(s, BL_CYC)));
  CU_ASSERT_EQUAL(rd + (uint64_t)s->read_delay_cyc - act, 48);
  /* PRE: max(ACT + tRAS, RD + AL + tRTP) */
  uint64_t pre = issue_at_earliest(d.sys, DRAM_CMD_PRE, &a);
  CU_ASSERT_EQUAL(pre, act + T(s, RAS));
  CU_ASSERT_EQUAL(issue_at_earliest(d.sys, DRAM_CMD_ACT, &a), pre + T(s, RP));
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_ACT], 2);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_RD], 1);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_PRE], 1);
  CU_ASSERT_EQUAL(dram_checker_commands(d.ck), 4);
  dram_energy e;
  dram_energy_of(s, &c, &e);
  CU_ASSERT_DOUBLE_EQUAL(e.act_pj, 2 * s->e_cmd_pj[DRAM_CMD_ACT], 1e-6);
  CU_ASSERT(c.act_stb_cyc > 0);
  drv_close(&d);
}

/* The fifth ACT in a rank waits for tFAW through the API too. */
static void test_api_faw(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  uint64_t t[5];
  for (uint32_t i = 0; i < 5; i++) {
    dram_addr a = {0, 0, i % 4, i / 4, 1, 0};
    t[i] = issue_at_earliest(d.sys, DRAM_CMD_ACT, &a);
  }
  CU_ASSERT_EQUAL(t[1] - t[0], T(s, RRD_S));
  CU_ASSERT_EQUAL(t[4] - t[0], T(s, FAW));
  drv_close(&d);
}

/* ---------------------------------------------------------------------- */
/* An added command as data                                               */
/* ---------------------------------------------------------------------- */

static void test_api_added_command(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  int rc = mac_spec(&d.spec, k_noref, 1, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  const dram_spec *s = &d.spec;
  int mac = dram_cmd_find(s, "MACAB");
  CU_ASSERT_FATAL(mac >= DRAM_CMD_BUILTIN_COUNT);
  CU_ASSERT_EQUAL(s->cmds[mac].scope, DRAM_LV_RANK);
  CU_ASSERT_EQUAL(s->cmds[mac].flags, DRAM_CF_COL);
  CU_ASSERT_DOUBLE_EQUAL(s->e_cmd_pj[mac], 10.5, 1e-12);
  CU_ASSERT_EQUAL(s->n_tx, 1);
  CU_ASSERT_STRING_EQUAL(s->tx_name[0], "tMAC");
  int64_t v;
  CU_ASSERT_EQUAL(dram_spec_eval(s, "tMAC + tRTP", &v, &err), 0);
  CU_ASSERT_EQUAL(v, 6 + 12);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  dram_addr r0 = {0, 0, 0, 0, 7, 0};
  /* closed banks: no MAC */
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, mac, &r0), SIM_T_NEVER);
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, mac, &r0, &err), SIM_EINVAL);
  /* open row 7 in every bank of the rank, each ACT at its earliest */
  uint64_t last_act = 0;
  for (uint32_t b = 0; b < s->banks; b++) {
    dram_addr a = {0, 0, b % s->bankgroups, b / s->bankgroups, 7, 0};
    last_act = issue_at_earliest(d.sys, DRAM_CMD_ACT, &a);
    if (b + 1 < s->banks)
      CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, mac, &r0), SIM_T_NEVER);
  }
  /* all-bank: ready when the last bank is (ACT -> MACAB tRCD, lifted to
   * the rank), then one per tMAC */
  uint64_t m0 = dram_cmd_earliest(d.sys, mac, &r0);
  CU_ASSERT_EQUAL(m0, last_act + T(s, RCD));
  uint64_t prev = 0;
  for (int k = 0; k < 8; k++) {
    dram_addr a = r0;
    a.co = (uint32_t)k;
    uint64_t t = issue_at_earliest(d.sys, mac, &a);
    if (k == 0) CU_ASSERT_EQUAL(t, m0);
    if (k > 0) CU_ASSERT_EQUAL(t - prev, 6);
    prev = t;
  }
  /* the rank's RD waits tMAC after the last MAC; PRE tMAC + tRTP */
  dram_addr b5 = {0, 0, 1, 1, 7, 9};
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_RD, &b5), prev + 6);
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_PRE, &b5),
                  prev + 6 + T(s, RTP));
  /* energy: the added command's figure, reported as "other" */
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[mac], 8);
  dram_energy e;
  dram_energy_of(s, &c, &e);
  CU_ASSERT_DOUBLE_EQUAL(e.other_pj, 8 * 10.5, 1e-9);
  CU_ASSERT_EQUAL(dram_checker_violations(d.ck), 0);

  /* the checker knows the added rows: a MACAB one cycle early fails */
  dram_checker *ck2 = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(s, &ck2), 0);
  for (size_t i = 0; i < d.nlog; i++)
    CU_ASSERT_EQUAL(dram_checker_feed(ck2, &d.log[i], &err), 0);
  dram_cmd_rec early = {.cyc = prev + 5, .cmd = (uint8_t)mac};
  CU_ASSERT_EQUAL(dram_checker_feed(ck2, &early, &err), SIM_EINTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "MACAB -> MACAB"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tMAC"));
  dram_checker_free(ck2);
  drv_close(&d);
}

/* GDDR6-AiM as data: the GDDR6 preset (AiM timings) plus all-bank
 * commands; one 2 KB row as MAC takes tRCDMAC + 64 x tCCD + tRP = 28 ns +
 * 64 ns + 16 ns = 108 ns (shared/validation/pim.md), the next row's
 * all-bank ACT 216 cycles after the first. */
static const char k_aim_yaml[] =
    "  timing_extra:\n"
    "    - {name: tRCDMAC, cycles: 56}  # [aim] RCDRD for MAC, 28 ns\n"
    "  commands:\n"
    "    - {name: WRGB, scope: rank, flags: [wr]}\n"
    "    - {name: ACTAB, scope: rank, flags: [open], energy_pj: 47200}\n"
    "    - {name: MACAB, scope: rank, flags: [col], energy_pj: 1310}\n"
    "    - {name: PREAB, scope: rank, flags: [close]}\n"
    "  constraints:\n"
    "    - {level: rank, prev: WRGB, next: WRGB, latency: tCCD_L}\n"
    "    - {level: rank, prev: WRGB, next: MACAB, latency: \"WL + tBL\"}\n"
    "    - {level: rank, prev: ACTAB, next: MACAB, latency: tRCDMAC}\n"
    "    - {level: rank, prev: ACTAB, next: PREAB, latency: tRAS}\n"
    "    - {level: rank, prev: MACAB, next: MACAB, latency: tCCD_L}\n"
    "    - {level: rank, prev: MACAB, next: PREAB, latency: tCCD_L}\n"
    "    - {level: rank, prev: PREAB, next: ACTAB|ACT, latency: tRP}\n"
    "  controller:";

static void test_api_aim_row(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  char *base = read_text(PRESET("gddr6-16gbps-8gb-x16"));
  char *text = base ? edit(base, "  controller:", k_aim_yaml) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  const char *path = tmpfile_with("aim.yaml", text);
  int rc = spec_from(path, k_noref, 1, &d.spec, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  unlink(path);
  free(base);
  free(text);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  int wrgb = dram_cmd_find(s, "WRGB"), actab = dram_cmd_find(s, "ACTAB");
  int macab = dram_cmd_find(s, "MACAB"), preab = dram_cmd_find(s, "PREAB");
  CU_ASSERT_FATAL(wrgb > 0 && actab > 0 && macab > 0 && preab > 0);
  dram_addr a = {0, 0, 0, 0, 3, 0};
  /* the input vector into the global buffer: 2 KB in 32 B bursts */
  uint64_t t = 0;
  for (int k = 0; k < 64; k++) {
    a.co = (uint32_t)k;
    t = issue_at_earliest(d.sys, wrgb, &a);
  }
  CU_ASSERT_EQUAL(t, 63 * T(s, CCD_L));
  uint64_t act = issue_at_earliest(d.sys, actab, &a);
  uint64_t mac = 0;
  for (int k = 0; k < 64; k++) {
    a.co = (uint32_t)k;
    mac = issue_at_earliest(d.sys, macab, &a);
    if (k == 0) CU_ASSERT_EQUAL(mac, act + 56);
  }
  CU_ASSERT_EQUAL(mac, act + 56 + 63 * 2);
  issue_at_earliest(d.sys, preab, &a);
  a.ro = 4;
  uint64_t next = issue_at_earliest(d.sys, actab, &a);
  CU_ASSERT_EQUAL(next - act, 216);
  CU_ASSERT_EQUAL((next - act) * s->tck_ps, 108000); /* 108 ns */
  /* every bank was opened and closed by the all-bank commands */
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[macab], 64);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_ACT], 0);
  dram_energy e;
  dram_energy_of(s, &c, &e);
  CU_ASSERT_DOUBLE_EQUAL(e.other_pj, 2 * 47200.0 + 64 * 1310.0, 1e-6);
  drv_close(&d);
}

/* ---------------------------------------------------------------------- */
/* The API and the controller                                             */
/* ---------------------------------------------------------------------- */

/* Channel 0: controller reads; channel 1: an API command script (when
 * api) at earliest cycles.  Returns the run's log (channel 0 only). */
typedef struct mixrun {
  dram_cmd_rec log0[4096];
  size_t n0;
  uint64_t api_cmds;
  dram_counters c;
} mixrun;

static void mixed_run(int api, mixrun *out) {
  drv d;
  memset(&d, 0, sizeof d);
  memset(out, 0, sizeof *out);
  sim_err err = {0};
  const char *const sets[] = {"dram.controller.refresh=none",
                              "dram.org.channels=2"};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, sets, 2, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  /* channel-1 script: open two rows, stream reads and writes, close */
  struct { int cmd; dram_addr a; } script[64];
  int ns = 0;
  for (uint32_t g = 0; g < 2; g++) {
    script[ns].cmd = DRAM_CMD_ACT;
    script[ns++].a = (dram_addr){1, 0, g, 0, 11 + g, 0};
  }
  for (uint32_t k = 0; k < 24; k++) {
    script[ns].cmd = k % 6 == 5 ? DRAM_CMD_WR : DRAM_CMD_RD;
    script[ns++].a = (dram_addr){1, 0, k % 2, 0, 11 + k % 2, k};
  }
  for (uint32_t g = 0; g < 2; g++) {
    script[ns].cmd = DRAM_CMD_PRE;
    script[ns++].a = (dram_addr){1, 0, g, 0, 0, 0};
  }
  int si = 0;
  uint64_t x = 12345;
  int nreq = 0;
  while (dram_now(d.sys) < 20000 &&
         (nreq < 200 || dram_outstanding(d.sys) || (api && si < ns))) {
    if (nreq < 200) { /* channel 0 reads, a few rows */
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      dram_addr a = {0, 0, (uint32_t)(x >> 33) % 4, (uint32_t)(x >> 40) % 4,
                     (uint32_t)(x >> 50) % 3, (uint32_t)(x >> 20) % 128};
      if (dram_submit(d.sys, dram_encode(s, &a), 0, 0, NULL, NULL) == 0)
        nreq++;
    }
    while (api && si < ns &&
           dram_cmd_earliest(d.sys, script[si].cmd, &script[si].a) ==
               dram_now(d.sys)) {
      CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, script[si].cmd, &script[si].a,
                                     &err), 0);
      si++;
    }
    if (api && si < ns)
      CU_ASSERT_NOT_EQUAL(dram_cmd_earliest(d.sys, script[si].cmd,
                                            &script[si].a), SIM_T_NEVER);
    dram_tick(d.sys);
  }
  CU_ASSERT_EQUAL(nreq, 200);
  if (api) CU_ASSERT_EQUAL(si, ns);
  for (size_t i = 0; i < d.nlog; i++) {
    if (d.log[i].a.ch == 0 && out->n0 < 4096)
      out->log0[out->n0++] = d.log[i];
    if (d.log[i].a.ch == 1) out->api_cmds++;
  }
  dram_get_counters(d.sys, &out->c);
  drv_close(&d);
}

static void test_api_controller_agree(void) {
  static mixrun with, without;
  mixed_run(1, &with);
  mixed_run(0, &without);
  CU_ASSERT_EQUAL(with.api_cmds, 28);
  CU_ASSERT_EQUAL(without.api_cmds, 0);
  CU_ASSERT(with.n0 > 200);
  CU_ASSERT_EQUAL(with.n0, without.n0);
  CU_ASSERT_EQUAL(memcmp(with.log0, without.log0,
                         with.n0 * sizeof with.log0[0]), 0);
  CU_ASSERT_EQUAL(with.c.rd_lat_sum_cyc, without.c.rd_lat_sum_cyc);
  CU_ASSERT_EQUAL(with.c.cmds[DRAM_CMD_RD],
                  without.c.cmds[DRAM_CMD_RD] + 20);
}

/* Same channel: a row the API opened is a row hit for the controller, and
 * the controller issues nothing in a cycle the API took. */
static void test_api_shares_channel(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  dram_addr a = {0, 0, 0, 0, 5, 0};
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, DRAM_CMD_ACT, &a, &err), 0);
  dram_tick(d.sys);
  /* at cycle 1: a read of the row the API opened, and one of bank group
   * 1 (its ACT is ready at ACT + tRRD_S = 4) */
  dram_addr r = {0, 0, 0, 0, 5, 3}, o = {0, 0, 1, 0, 8, 0};
  CU_ASSERT_EQUAL(dram_submit(d.sys, dram_encode(s, &r), 0, 0, NULL, NULL),
                  0);
  CU_ASSERT_EQUAL(dram_submit(d.sys, dram_encode(s, &o), 0, 1, NULL, NULL),
                  0);
  /* the API takes cycle 4 for bank group 2: the controller's ACT moves
   * to tRRD_S after it */
  dram_advance(d.sys, T(s, RRD_S));
  dram_addr p = {0, 0, 2, 0, 9, 0};
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_ACT, &p), T(s, RRD_S));
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, DRAM_CMD_ACT, &p, &err), 0);
  /* the API takes cycle tRCD, when the controller's RD of the API's row
   * is ready: the RD waits one cycle (one command bus) */
  dram_advance(d.sys, T(s, RCD));
  dram_addr q = {0, 0, 3, 0, 1, 0};
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_ACT, &q), T(s, RCD));
  CU_ASSERT_EQUAL(dram_cmd_issue(d.sys, DRAM_CMD_ACT, &q, &err), 0);
  while (dram_outstanding(d.sys) && dram_now(d.sys) < 1000) dram_tick(d.sys);
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_ACT], 4); /* three API, one controller */
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_RD], 2);
  CU_ASSERT_EQUAL(c.rd_hits, 0);
  int seen = 0;
  for (size_t i = 0; i < d.nlog; i++) {
    const dram_cmd_rec *x = &d.log[i];
    if (x->cmd == DRAM_CMD_ACT && x->a.bg == 1) {
      CU_ASSERT_EQUAL(x->cyc, 2 * T(s, RRD_S));
      seen++;
    }
    if (x->cmd == DRAM_CMD_RD && x->a.bg == 0) {
      CU_ASSERT_EQUAL(x->cyc, T(s, RCD) + 1);
      CU_ASSERT_EQUAL(x->a.ro, 5);
      seen++;
    }
  }
  CU_ASSERT_EQUAL(seen, 2);
  drv_close(&d);
}

/* Refresh left to an outside driver, and the model's own. */
static void test_api_refresh(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, NULL, 0, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  CU_ASSERT_EQUAL(dram_refresh_set_manual(d.sys, 0, 1), 0);
  CU_ASSERT_EQUAL(dram_refresh_set_manual(d.sys, 5, 1), SIM_EINVAL);
  dram_refresh_req q;
  CU_ASSERT_EQUAL(dram_refresh_due(d.sys, 0, &q), 0);
  CU_ASSERT_EQUAL(q.pending, 0);
  CU_ASSERT_EQUAL(q.next_cyc, T(s, REFI));
  dram_addr a = {0, 0, 3, 1, 2, 0};
  issue_at_earliest(d.sys, DRAM_CMD_ACT, &a);
  dram_advance(d.sys, T(s, REFI) + 100);
  CU_ASSERT_EQUAL(dram_refresh_due(d.sys, 0, &q), 0);
  CU_ASSERT_EQUAL(q.pending, 1);
  CU_ASSERT_EQUAL(q.cmd, DRAM_CMD_REF);
  CU_ASSERT_EQUAL(q.a.ra, 0);
  CU_ASSERT_EQUAL(q.next_cyc, 2 * T(s, REFI));
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_REF], 0); /* the controller left it */
  /* REF needs the rank closed: PRE first, REF tRP later */
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_REF, &q.a), SIM_T_NEVER);
  uint64_t pre = issue_at_earliest(d.sys, DRAM_CMD_PRE, &a);
  uint64_t ref = issue_at_earliest(d.sys, DRAM_CMD_REF, &q.a);
  CU_ASSERT_EQUAL(ref, pre + T(s, RP));
  CU_ASSERT_EQUAL(dram_refresh_due(d.sys, 0, &q), 0);
  CU_ASSERT_EQUAL(q.pending, 0);
  /* an ACT waits tRFC */
  CU_ASSERT_EQUAL(dram_cmd_earliest(d.sys, DRAM_CMD_ACT, &a), ref + T(s, RFC));
  /* back to the model: the next request is served by the controller */
  CU_ASSERT_EQUAL(dram_refresh_set_manual(d.sys, 0, 0), 0);
  dram_advance(d.sys, 2 * T(s, REFI) + T(s, RFC) + 100);
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_REF], 2);
  CU_ASSERT_EQUAL(dram_refresh_due(d.sys, 0, &q), 0);
  CU_ASSERT_EQUAL(q.pending, 0);
  drv_close(&d);
}

/* ---------------------------------------------------------------------- */
/* YAML: errors name the key and line; the section in another file        */
/* ---------------------------------------------------------------------- */

static void expect_mac_error(const char *from, const char *to, int code,
                             const char *key, const char *what) {
  char *base = read_text(DDR4);
  char *t1 = edit(base, "  controller:", k_mac_yaml);
  char *text = t1 ? edit(t1, from, to) : NULL;
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  const char *path = tmpfile_with("bad.yaml", text);
  dram_spec s;
  sim_err err = {0};
  int rc = dram_spec_load(path, &s, &err);
  if (rc == 0) dram_spec_fini(&s);
  CU_ASSERT_EQUAL(rc, code);
  char want[512], leaf[64];
  snprintf(leaf, sizeof leaf, "%s:", strrchr(key, '.') + 1);
  snprintf(want, sizeof want, "%s:%d: %s", path, line_of(text, leaf), key);
  if (!strstr(err.msg, want) || !strstr(err.msg, what))
    fprintf(stderr, "\n  want '%s' ... '%s'\n  got  '%s'\n", want, what,
            err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what));
  unlink(path);
  free(base);
  free(t1);
  free(text);
}

static void test_yaml_errors(void) {
  expect_mac_error("{name: tMAC, cycles: 6}", "{name: tRCD, cycles: 6}",
                   SIM_EINVAL, "dram.timing_extra", "built-in timing name");
  expect_mac_error("{name: tMAC, cycles: 6}", "{name: tMAC, cycles: -1}",
                   SIM_EINVAL, "dram.timing_extra", "must be >= 0");
  expect_mac_error("{name: tMAC, cycles: 6}", "{name: 9x, cycles: 6}",
                   SIM_EINVAL, "dram.timing_extra", "not a timing name");
  expect_mac_error("{name: MACAB,", "{name: RD,", SIM_EINVAL,
                   "dram.commands", "entry 1: 'RD' is not a new command");
  expect_mac_error("flags: [col]", "flags: [col, rd, wr]", SIM_EINVAL,
                   "dram.commands", "flags rd and wr exclude each other");
  expect_mac_error("energy_pj: 10.5", "energy_pj: -2", SIM_EINVAL,
                   "dram.commands", "energy_pj must be >= 0");
  expect_mac_error("latency: tMAC}", "latency: tMAX}", SIM_EINVAL,
                   "dram.constraints", "unknown timing name 'tMAX'");
  /* the YAML layer: an unknown flag, with file and line */
  char *base = read_text(DDR4);
  char *t1 = edit(base, "  controller:", k_mac_yaml);
  char *text = edit(t1, "flags: [col]", "flags: [col, fly]");
  const char *path = tmpfile_with("bad2.yaml", text);
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL(dram_spec_load(path, &s, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "fly"));
  unlink(path);
  free(base);
  free(t1);
  free(text);
  /* the C entry point names the offending name too */
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &s, &err), 0);
  CU_ASSERT_EQUAL(dram_spec_add_timing(&s, "tWGB", 2, &err), 0);
  CU_ASSERT_EQUAL(dram_spec_add_timing(&s, "tWGB", 3, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "twice"));
  CU_ASSERT_EQUAL(dram_spec_add_timing(&s, "max", 3, &err), SIM_EINVAL);
  int64_t v;
  CU_ASSERT_EQUAL(dram_spec_eval(&s, "2 * tWGB + tBL", &v, &err), 0);
  CU_ASSERT_EQUAL(v, 8);
  dram_spec_fini(&s);
}

/* A class of its own with the `dram:` section under `memory:`. */
typedef struct pim_mem {
  dram_cfg *dram;
  int64_t *mac_lanes;
} pim_mem;

typedef struct pim_file {
  ARCH_HEADER_FIELDS;
  pim_mem *memory;
} pim_file;

static const cyaml_schema_field_t k_pim_mem_fields[] = {
    DRAM_CFG_FIELD("dram", CYAML_FLAG_POINTER, pim_mem, dram),
    CYAML_FIELD_INT_PTR("mac_lanes", CYAML_FLAG_OPTIONAL, pim_mem, mac_lanes),
    CYAML_FIELD_END};

static const cyaml_schema_field_t k_pim_fields[] = {
    ARCH_HEADER_SCHEMA(pim_file),
    CYAML_FIELD_MAPPING_PTR("memory", CYAML_FLAG_POINTER, pim_file, memory,
                            k_pim_mem_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t k_pim_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, pim_file, k_pim_fields)};

/* The DDR4 preset re-indented under `memory:` of a class: pim file. */
static char *pim_text(void) {
  char *base = read_text(DDR4);
  char *d = strstr(base, "\ndram:\n");
  CU_ASSERT_PTR_NOT_NULL_FATAL(d);
  size_t n = strlen(base) * 2 + 4096;
  char *out = malloc(n);
  snprintf(out, n, "name: pim-test\nclass: pim\nmemory:\n  mac_lanes: 16\n");
  char *o = out + strlen(out);
  for (const char *p = d + 1; *p;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    *o++ = ' ';
    *o++ = ' ';
    memcpy(o, p, len);
    o += len;
    *o++ = '\n';
    p = e ? e + 1 : p + len;
  }
  *o = '\0';
  free(base);
  return out;
}

static void test_section_in_other_file(void) {
  char *text = pim_text();
  const char *path = tmpfile_with("pim.yaml", text);
  sim_cfg c;
  memset(&c, 0, sizeof c);
  sim_err err = {0};
  int rc = sim_cfg_load(&c, path, &k_pim_schema, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  const pim_file *f = c.data;
  CU_ASSERT_STRING_EQUAL(f->cls, "pim");
  CU_ASSERT_EQUAL(*f->memory->mac_lanes, 16);
  dram_spec s, ref;
  CU_ASSERT_EQUAL(dram_spec_compile_at(f->memory->dram, &c, "memory.dram",
                                       f->name, &s, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_spec_load(DDR4, &ref, &err), 0);
  CU_ASSERT_EQUAL(memcmp(s.t, ref.t, sizeof s.t), 0);
  CU_ASSERT_EQUAL(s.n_tc, ref.n_tc);
  CU_ASSERT_EQUAL(s.capacity_bytes, ref.capacity_bytes);
  dram_spec_fini(&s);
  dram_spec_fini(&ref);
  /* a semantic error names the key where it sits, with its line */
  CU_ASSERT_EQUAL(sim_cfg_set(&c, "memory.dram.timing.tRAS=70", &err), 0);
  CU_ASSERT_EQUAL(dram_spec_compile_at(f->memory->dram, &c, "memory.dram",
                                       f->name, &s, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "memory.dram.timing.tRC"));
  sim_cfg_close(&c);
  unlink(path);
  char *bad = edit(text, "tRC: 74 ", "tRC: 60 ");
  path = tmpfile_with("pim2.yaml", bad);
  memset(&c, 0, sizeof c);
  CU_ASSERT_EQUAL_FATAL(sim_cfg_load(&c, path, &k_pim_schema, &err), 0);
  f = c.data;
  CU_ASSERT_EQUAL(dram_spec_compile_at(f->memory->dram, &c, "memory.dram",
                                       f->name, &s, &err), SIM_EINVAL);
  char want[400];
  snprintf(want, sizeof want, "%s:%d: memory.dram.timing.tRC: 60 < tRAS",
           path, line_of(bad, "tRC:"));
  if (!strstr(err.msg, want))
    fprintf(stderr, "\n  want '%s'\n  got  '%s'\n", want, err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  sim_cfg_close(&c);
  unlink(path);
  free(bad);
  free(text);
}

/* A command-level driver on the engine: dram_engine_cmd_issue at engine
 * times between memory cycles, then controller traffic that finds the
 * row the driver opened. */
typedef struct edrv {
  dram_engine *de;
  const dram_spec *s;
  int step;
  uint64_t act_cyc, rd_cyc;
  int refused;
} edrv;

static void ed_event(sim_engine *e, void *ctx, uint64_t arg) {
  edrv *x = ctx;
  sim_err err = {0};
  dram_addr a = {0, 0, 3, 3, 4, 1};
  uint64_t tck = x->s->tck_ps;
  if (arg == 0) { /* mid-cycle 9.5: issues at memory cycle 10 */
    CU_ASSERT_EQUAL(dram_engine_cmd_issue(x->de, DRAM_CMD_ACT, &a, &err), 0);
    x->act_cyc = sim_now(e) / tck + 1;
    /* the RD one cycle before tRCD is refused, then issued at tRCD */
    sim_schedule(e, (x->act_cyc + T(x->s, RCD) - 1) * tck, 0, ed_event, x, 1,
                 NULL);
  } else if (arg == 1) {
    x->refused = dram_engine_cmd_issue(x->de, DRAM_CMD_RD, &a, &err);
    sim_schedule(e, sim_now(e) + tck, 0, ed_event, x, 2, NULL);
  } else {
    CU_ASSERT_EQUAL(dram_engine_cmd_issue(x->de, DRAM_CMD_RD, &a, &err), 0);
    x->rd_cyc = sim_now(e) / tck;
    /* controller traffic now: seven banks, and a row hit on the API's row
     * (no ACT of its own) */
    for (uint32_t k = 0; k < 8; k++) {
      dram_addr b = {0, 0, k % 3, k % 4, 7, k};
      if (k == 7) b = (dram_addr){0, 0, 3, 3, 4, 9};
      CU_ASSERT_EQUAL(dram_engine_submit(x->de, dram_encode(x->s, &b), 0, k,
                                         NULL, NULL), 0);
    }
  }
}

static void test_engine_cmd_issue(void) {
  drv d;
  memset(&d, 0, sizeof d);
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &d.spec, &err), 0);
  CU_ASSERT_EQUAL_FATAL(drv_start(&d), 0);
  const dram_spec *s = &d.spec;
  sim_engine *e = sim_engine_new();
  edrv x = {.s = s};
  CU_ASSERT_EQUAL_FATAL(dram_engine_new(e, d.sys, &x.de, &err), 0);
  sim_schedule(e, 9 * s->tck_ps + s->tck_ps / 2, 0, ed_event, &x, 0, NULL);
  sim_run(e, 2000 * s->tck_ps);
  CU_ASSERT_EQUAL(x.act_cyc, 10);
  CU_ASSERT_EQUAL(x.refused, 1);
  CU_ASSERT_EQUAL(x.rd_cyc, 10 + T(s, RCD));
  CU_ASSERT_EQUAL(dram_outstanding(d.sys), 0);
  dram_counters c;
  dram_get_counters(d.sys, &c);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_RD], 9);
  CU_ASSERT_EQUAL(c.cmds[DRAM_CMD_ACT], 8);
  CU_ASSERT_EQUAL(c.rd_hits, 1);
  dram_engine_free(x.de);
  sim_engine_free(e);
  drv_close(&d);
}

/* ---------------------------------------------------------------------- */
/* Bulk transfers                                                         */
/* ---------------------------------------------------------------------- */

typedef struct xrun {
  sim_engine *e;
  dram_engine *de;
  uint64_t done_ps[4];
  int ndone;
  uint64_t start[4], bytes[4];
  int is_write[4], nx;
} xrun;

static void x_done(void *ctx, uint64_t arg) {
  xrun *x = ctx;
  x->done_ps[arg] = sim_now(x->e);
  x->ndone++;
}

static void x_start(sim_engine *e, void *ctx, uint64_t arg) {
  xrun *x = ctx;
  (void)e;
  (void)arg;
  sim_err err = {0};
  for (int k = 0; k < x->nx; k++)
    CU_ASSERT_EQUAL(dram_xfer_start(x->de, x->start[k], x->bytes[k],
                                    x->is_write[k], x_done, x, (uint64_t)k,
                                    &err), 0);
}

/* Runs the transfers of x (all started at time 0) to completion on a
 * fresh memory system of s under the checker; returns the cycle the last
 * one completed. */
static uint64_t xfer_run(const dram_spec *s, xrun *x) {
  sim_err err = {0};
  x->e = sim_engine_new();
  dram_sys *sys = NULL;
  dram_checker *ck = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_sys_new(s, &sys, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_engine_new(x->e, sys, &x->de, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_checker_new(s, &ck), 0);
  dram_sys_set_cmd_hook(sys, dram_checker_hook, ck);
  sim_schedule(x->e, 0, 0, x_start, x, 0, NULL);
  uint64_t horizon = dram_engine_time(x->de, 1ull << 26);
  uint64_t step = dram_engine_time(x->de, 1ull << 16);
  for (uint64_t t = step; x->ndone < x->nx && t < horizon; t += step)
    sim_run(x->e, t);
  CU_ASSERT_EQUAL(x->ndone, x->nx);
  CU_ASSERT_EQUAL(dram_xfer_active(x->de), 0);
  if (dram_checker_violations(ck))
    fprintf(stderr, "\n  checker: %s\n", dram_checker_first_error(ck));
  CU_ASSERT_EQUAL(dram_checker_violations(ck), 0);
  uint64_t last = 0;
  for (int k = 0; k < x->nx; k++)
    if (x->done_ps[k] > last) last = x->done_ps[k];
  dram_engine_free(x->de);
  dram_checker_free(ck);
  dram_sys_free(sys);
  sim_engine_free(x->e);
  return last / s->tck_ps;
}

/* A sequential read stream through one transfer gets trace mode's
 * bandwidth within 2 %; two concurrent halves finish no earlier than the
 * whole. */
static void xfer_bandwidth(const char *preset) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(preset, NULL, 0, &s, &err), 0);
  CU_ASSERT_EQUAL_FATAL(s.line_bytes, 64); /* DRAM_PAT_SEQ: i * 64 */
  const size_t n = 1u << 18;
  dram_req *r = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_SEQ, n, &r, &err), 0);
  dram_counters ref;
  CU_ASSERT_EQUAL_FATAL(dram_run_reqs(&s, r, n, NULL, NULL, &ref, &err), 0);
  sim_free(r);
  xrun one = {.nx = 1, .bytes = {n * 64}};
  uint64_t c1 = xfer_run(&s, &one) + 1; /* cycles as trace mode counts */
  double bw_trace = (double)(n * 64) / (double)ref.cycles;
  double bw_xfer = (double)(n * 64) / (double)c1;
  fprintf(stderr, "\n  %s: trace %llu cycles (%.3f B/cyc), transfer %llu "
          "cycles (%.3f B/cyc, %+.2f %%)", s.name,
          (unsigned long long)ref.cycles, bw_trace, (unsigned long long)c1,
          bw_xfer, 100.0 * (bw_xfer / bw_trace - 1));
  CU_ASSERT(fabs(bw_xfer / bw_trace - 1) < 0.02);
  xrun two = {.nx = 2, .start = {0, n * 32}, .bytes = {n * 32, n * 32}};
  uint64_t c2 = xfer_run(&s, &two) + 1;
  fprintf(stderr, "; two halves at once %llu cycles", (unsigned long long)c2);
  CU_ASSERT(c2 >= c1);
  /* both were in flight together: neither finished before the other began
   * to share the system (the first within a few percent of the end) */
  uint64_t lo = two.done_ps[0] < two.done_ps[1] ? two.done_ps[0]
                                                : two.done_ps[1];
  CU_ASSERT(lo / s.tck_ps > c1 / 2);
  dram_spec_fini(&s);
}

/* Two channels are independent: a transfer in each at once finishes at
 * the same cycle as each alone, and they wait on their own channels. */
static void test_xfer_two_channels(void) {
  dram_spec s;
  sim_err err = {0};
  const char *const sets[] = {"dram.controller.refresh=none",
                              "dram.org.channels=2"};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, sets, 2, &s, &err), 0);
  /* rochrababgco: the channel bit lies above ra ba bg co, so each
   * channel holds 128 KiB runs; one run of each */
  dram_addr a1 = {1, 0, 0, 0, 0, 0};
  uint64_t base1 = dram_encode(&s, &a1);
  const uint64_t bytes = base1;
  CU_ASSERT_EQUAL(bytes, 128u << 10);
  xrun alone0 = {.nx = 1, .start = {0}, .bytes = {bytes}};
  xrun alone1 = {.nx = 1, .start = {base1}, .bytes = {bytes}};
  xrun both = {.nx = 2, .start = {0, base1}, .bytes = {bytes, bytes}};
  uint64_t c0 = xfer_run(&s, &alone0), c1 = xfer_run(&s, &alone1);
  xfer_run(&s, &both);
  CU_ASSERT_EQUAL(c0, c1);
  CU_ASSERT_EQUAL(both.done_ps[0], alone0.done_ps[0]);
  CU_ASSERT_EQUAL(both.done_ps[1], alone1.done_ps[0]);
  dram_spec_fini(&s);
}

static void test_xfer_bandwidth_ddr4(void) { xfer_bandwidth(DDR4); }
static void test_xfer_bandwidth_hbm2(void) { xfer_bandwidth(HBM2); }

/* Writes, unaligned ranges, 0 bytes, errors; reads of written lines. */
static void test_xfer_edges(void) {
  dram_spec s;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(spec_from(DDR4, k_noref, 1, &s, &err), 0);
  /* 100 bytes from 0x30 touch lines 0x00, 0x40, 0x80, 0xc0: 4 writes */
  xrun w = {.nx = 3,
            .start = {0x30, 1 << 20, 5 << 20},
            .bytes = {100, 64 * 5000, 0},
            .is_write = {1, 1, 0}};
  uint64_t end = xfer_run(&s, &w);
  CU_ASSERT(end > 0);
  CU_ASSERT_EQUAL(w.done_ps[2], 0); /* 0 bytes: at once */
  CU_ASSERT(w.done_ps[0] > 0 && w.done_ps[0] < w.done_ps[1]);
  /* errors */
  sim_engine *e = sim_engine_new();
  dram_sys *sys = NULL;
  dram_engine *de = NULL;
  CU_ASSERT_EQUAL_FATAL(dram_sys_new(&s, &sys, &err), 0);
  CU_ASSERT_EQUAL_FATAL(dram_engine_new(e, sys, &de, &err), 0);
  xrun dummy = {0};
  CU_ASSERT_EQUAL(dram_xfer_start(de, s.capacity_bytes - 64, 128, 0, x_done,
                                  &dummy, 0, &err), SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "beyond the capacity"));
  CU_ASSERT_EQUAL(dram_xfer_start(de, 0, 64, 0, NULL, NULL, 0, &err),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(dram_xfer_active(de), 0);
  dram_engine_free(de);
  dram_sys_free(sys);
  sim_engine_free(e);
  dram_spec_fini(&s);
}

static CU_TestInfo k_golden[] = {
    {"API: closed-bank read at tRCD + RL + tBL", test_api_closed_bank_read},
    {"API: fifth ACT waits for tFAW", test_api_faw},
    {"API: added all-bank MAC at its earliest cycle", test_api_added_command},
    {"API: GDDR6-AiM row as MAC in 108 ns", test_api_aim_row},
    CU_TEST_INFO_NULL};

static CU_TestInfo k_unit[] = {
    {"API and controller agree across channels", test_api_controller_agree},
    {"API and controller share a channel", test_api_shares_channel},
    {"refresh hooks", test_api_refresh},
    {"command issue on the engine", test_engine_cmd_issue},
    {"timing_extra and commands errors name key and line", test_yaml_errors},
    {"dram section in another class's file", test_section_in_other_file},
    {"bulk transfers: writes, edges, errors", test_xfer_edges},
    {"bulk transfers on two channels", test_xfer_two_channels},
    {"bulk transfer bandwidth, DDR4", test_xfer_bandwidth_ddr4},
    {"bulk transfer bandwidth, HBM2", test_xfer_bandwidth_hbm2},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo k_suites[] = {
    {"dram-cmd-golden", NULL, NULL, NULL, NULL, k_golden},
    {"dram-cmd", NULL, NULL, NULL, NULL, k_unit},
    CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(k_suites)
