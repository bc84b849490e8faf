/*
 * test_pim.c — the pim class (arch/pim/pim.c) and the pim-gpt mapper.
 *
 *  - golden: a VMM of two all-bank row bursts ends when the AiM timing
 *    table says (ACTAB, 64 MACAB at tCCD after tRCDMAC, RDMAC, PREAB tRTP
 *    later, the next ACTAB tRP after it; the last result RL + tBL after
 *    its RDMAC);
 *  - the protocol checker re-verifies every command of a GPT-2 decode;
 *  - per-command and bundled modes give identical cycles (a small model,
 *    and GPT-2 S for 8 tokens);
 *  - latency falls near-linearly with the channel count while the ASIC's
 *    busy time does not;
 *  - determinism; bad configurations name the key.
 */
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/dram/dram.h"
#include "mappers/map.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

static int load(arch_model *m, const char *const *sets, int n) {
  sim_err err = {0};
  int rc = arch_load(m, TFSIM_SOURCE_DIR "/arch/configs/pim-gpt.yaml", sets,
                     n, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  return rc;
}

static void test_golden_bursts(void) {
  arch_model m;
  const char *sets[] = {"pim.check=true", "pim.dram.controller.refresh=none"};
  CU_ASSERT_EQUAL_FATAL(load(&m, sets, 2), 0);
  sim_sched s;
  sim_sched_init(&s, "t");
  int pim = sim_sched_unit(&s, "pim");
  sim_sched_unit(&s, "asic");
  int bank = sim_sched_level(&s, "bank");
  sim_sched_op op;
  sim_sched_op_init(&op, "vmm", SIM_FN_MAC, SIM_P_BF16, pim);
  /* Two rows in every bank of every channel: 2 x 8 x 16 x 2 KB. */
  op.rd_bytes[bank] = 2ull * 8 * 16 * 2048;
  sim_sched_push(&s, &op);
  sim_report r;
  sim_report_init(&r);
  sim_err err = {0};
  int rc = arch_run(&m, &s, &r, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  /* Cycles of 0.5 ns: ACTAB 0; MACAB 56 .. 56 + 63 x 2 = 182; RDMAC 184;
   * PREAB max(184 + tRTP 12, 0 + tRAS 54) = 196; ACTAB max(196 + tRP 32,
   * 0 + tRC 89) = 228; its last MACAB 228 + 182 = 410; RDMAC 412; data
   * at 412 + RL 50 + tBL 2 = 464 cycles = 232 ns. */
  CU_ASSERT_EQUAL(r.latency_ps, 464 * 500);
  int h = sim_stat_find(r.stats, "pim", "macab_cmds");
  CU_ASSERT_EQUAL(sim_stat_u64(r.stats, h), 128);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_get(&r, "pim_macs", 0),
                         2.0 * 8 * 16 * 1024, 0);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_get(&r, "row_hit_rate", 0),
                         126.0 / 128.0, 1e-12);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  arch_unload(&m);
}

static double g_last_pj, g_last_macs; /* of the last decode_ms run */

static double g_last_pim_ps;
static double decode_ms(const char *model, uint64_t gen,
                        const char *const *sets, int n, double *asic_ps,
                        uint64_t *cycles) {
  arch_model am;
  if (load(&am, sets, n)) return -1;
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  wl_model_find(model, &m, &err);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = 32;
  o.gen = gen;
  sim_report r;
  sim_report_init(&r);
  int rc = map_simulate(&am, &m, &o, NULL, &r, NULL, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  double ms = rc ? -1 : sim_report_get(&r, "ms_per_token", -1);
  if (asic_ps)
    *asic_ps = sim_report_get(&r, "util_asic", 0) * (double)r.latency_ps;
  if (cycles) *cycles = r.cycles;
  g_last_pj = sim_report_energy_pj(&r);
  g_last_pim_ps = sim_report_get(&r, "util_pim", 0) * (double)r.latency_ps;
  g_last_macs = sim_report_get(&r, "pim_macs", 0);
  sim_report_fini(&r);
  arch_unload(&am);
  return ms;
}

static void test_bundled_equals_per_command(void) {
  const char *b[] = {"pim.check=true", "pim.bundled=true"};
  const char *c[] = {"pim.check=true", "pim.bundled=false"};
  uint64_t cb, cc;
  /* A small model (2 layers, d 256) and GPT-2 S for 8 tokens. */
  const char *small[] = {"pim.check=true", "pim.bundled=true",
                         "pim.dram.org.channels=2"};
  const char *smallc[] = {"pim.check=true", "pim.bundled=false",
                          "pim.dram.org.channels=2"};
  double x = decode_ms("gpt2-s", 2, small, 3, NULL, &cb);
  double y = decode_ms("gpt2-s", 2, smallc, 3, NULL, &cc);
  CU_ASSERT(x > 0);
  CU_ASSERT_EQUAL(cb, cc);
  CU_ASSERT_DOUBLE_EQUAL(x, y, 0);
  x = decode_ms("gpt2-s", 8, b, 2, NULL, &cb);
  double eb = g_last_pj, mb = g_last_macs;
  y = decode_ms("gpt2-s", 8, c, 2, NULL, &cc);
  CU_ASSERT(x > 0);
  CU_ASSERT_EQUAL(cb, cc);
  CU_ASSERT_DOUBLE_EQUAL(x, y, 0);
  /* Counted commands and bank-open cycles give the same energy. */
  CU_ASSERT_DOUBLE_EQUAL(eb, g_last_pj, 1e-9 * eb);
  CU_ASSERT_DOUBLE_EQUAL(mb, g_last_macs, 0);
  /* Other shapes: GPT-3 L (d 1536: two-chunk loads, 16 heads). */
  x = decode_ms("gpt3-760m", 2, b, 2, NULL, &cb);
  y = decode_ms("gpt3-760m", 2, c, 2, NULL, &cc);
  CU_ASSERT(x > 0);
  CU_ASSERT_EQUAL(cb, cc);
  CU_ASSERT_DOUBLE_EQUAL(x, y, 0);
}

static void test_channel_scaling(void) {
  double t[3], a[3];
  const char *ch[3] = {"pim.dram.org.channels=2", "pim.dram.org.channels=4",
                       "pim.dram.org.channels=8"};
  for (int i = 0; i < 3; i++) {
    const char *sets[] = {ch[i]};
    t[i] = decode_ms("gpt2-m", 1, sets, 1, &a[i], NULL);
    CU_ASSERT_FATAL(t[i] > 0);
  }
  fprintf(stderr, " [2/4/8 ch: %.3f %.3f %.3f ms; ASIC %.3g %.3g %.3g us] ",
          t[0], t[1], t[2], a[0] * 1e-6, a[1] * 1e-6, a[2] * 1e-6);
  /* The banks' work halves with each doubling; what remains is the ASIC
   * and the per-op overheads, which do not scale. */
  CU_ASSERT(t[1] < 0.65 * t[0]);
  CU_ASSERT(t[2] < 0.65 * t[1]);
  CU_ASSERT(t[2] > 0.25 * t[0]);
  CU_ASSERT_DOUBLE_EQUAL(a[0], a[2], 1e-6 * a[0]);
}

/* The other knobs of the exploration (issue 10 item 8), each against the
 * preset on GPT-2 M: what they scale moves, the rest does not. */
static void test_exploration(void) {
  double asic0, asic, pim0, pim, macs0;
  CU_ASSERT_FATAL(decode_ms("gpt2-m", 1, NULL, 0, &asic0, NULL) > 0);
  pim0 = g_last_pim_ps;
  macs0 = g_last_macs;
  /* 8 MACs per bank: two passes per column, the banks' time grows (by
   * less than 2: tRCDMAC and tRP per row do not), the work and the ASIC
   * do not change. */
  const char *m8[] = {"pim.macs_per_col=8"};
  CU_ASSERT_FATAL(decode_ms("gpt2-m", 1, m8, 1, &asic, NULL) > 0);
  pim = g_last_pim_ps;
  fprintf(stderr, " [MACs 16 -> 8: PIM busy x%.3f] ", pim / pim0);
  CU_ASSERT(pim > 1.3 * pim0 && pim < 2.0 * pim0);
  CU_ASSERT_DOUBLE_EQUAL(asic, asic0, 1e-9 * asic0);
  CU_ASSERT_DOUBLE_EQUAL(g_last_macs, macs0, 0);
  /* 4 MACs: slower still. */
  const char *m4[] = {"pim.macs_per_col=4"};
  CU_ASSERT_FATAL(decode_ms("gpt2-m", 1, m4, 1, &asic, NULL) > 0);
  CU_ASSERT(g_last_pim_ps > 1.5 * pim);
  /* ASIC at 500 MHz: its time doubles exactly; the banks' moves only by
   * the refreshes that now fall inside their ops (the token is longer:
   * more refresh intervals pass; 0.8 %). */
  const char *ac[] = {"pim.asic.clock_mhz=500"};
  CU_ASSERT_FATAL(decode_ms("gpt2-m", 1, ac, 1, &asic, NULL) > 0);
  fprintf(stderr, "[ASIC 1000 -> 500 MHz: ASIC x%.3f, PIM x%.3f] ",
          asic / asic0, g_last_pim_ps / pim0);
  CU_ASSERT_DOUBLE_EQUAL(asic, 2 * asic0, 1e-6 * asic0);
  CU_ASSERT_DOUBLE_EQUAL(g_last_pim_ps, pim0, 0.02 * pim0);
  /* PIM clock and data rate halved (tCK 0.5 -> 1 ns; the timing table is
   * in cycles): the banks' time about doubles, the ASIC's does not. */
  const char *ck[] = {"pim.dram.timing.tCK_ps=1000"};
  CU_ASSERT_FATAL(decode_ms("gpt2-m", 1, ck, 1, &asic, NULL) > 0);
  fprintf(stderr, "[tCK 500 -> 1000 ps: PIM x%.3f] ", g_last_pim_ps / pim0);
  CU_ASSERT(g_last_pim_ps > 1.9 * pim0 && g_last_pim_ps < 2.05 * pim0);
  CU_ASSERT_DOUBLE_EQUAL(asic, asic0, 1e-9 * asic0);
  /* Fewer MACs stay exact: bundled equals per command, checker on. */
  const char *b8[] = {"pim.check=true", "pim.bundled=true",
                      "pim.dram.org.channels=2", "pim.macs_per_col=8"};
  const char *c8[] = {"pim.check=true", "pim.bundled=false",
                      "pim.dram.org.channels=2", "pim.macs_per_col=8"};
  uint64_t cb, cc;
  CU_ASSERT_FATAL(decode_ms("gpt2-s", 2, b8, 4, NULL, &cb) > 0);
  CU_ASSERT_FATAL(decode_ms("gpt2-s", 2, c8, 4, NULL, &cc) > 0);
  CU_ASSERT_EQUAL(cb, cc);
}

static void test_determinism(void) {
  uint64_t c1, c2;
  double x = decode_ms("gpt2-s", 3, NULL, 0, NULL, &c1);
  double y = decode_ms("gpt2-s", 3, NULL, 0, NULL, &c2);
  CU_ASSERT_EQUAL(c1, c2);
  CU_ASSERT_EQUAL(memcmp(&x, &y, sizeof x), 0);
}

static void bad(const char *set, const char *want) {
  arch_model m;
  sim_err err = {0};
  const char *sets[] = {set};
  int rc = arch_load(&m, TFSIM_SOURCE_DIR "/arch/configs/pim-gpt.yaml", sets,
                     1, &err);
  CU_ASSERT(rc != 0);
  if (!strstr(err.msg, want)) fprintf(stderr, "\n  got: %s\n", err.msg);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));
  if (!rc) arch_unload(&m);
}

static void test_bad_config(void) {
  bad("pim.dram.org.channels=0", "pim.dram.org.channels");
  bad("pim.macs_per_col=12", "pim.macs_per_col: 12 bf16 MACs per bank do "
      "not divide the 16 bf16 elements of a 32-byte column access");
  bad("pim.macs_per_col=32", "pim.macs_per_col: 32 bf16 MACs per bank");
  bad("pim.asic.lanes=0", "pim.asic.lanes: must be > 0");
  bad("pim.gbuf_bytes=16", "pim.gbuf_bytes: must be >= 32");
}

/* More KV tokens than the reserved space: the error says how many fit. */
static void test_kv_space(void) {
  arch_model am;
  CU_ASSERT_EQUAL_FATAL(load(&am, NULL, 0), 0);
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  wl_model_find("gpt2-xl", &m, &err);
  m.max_pos = 100000;
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = 50000;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL(map_simulate(&am, &m, &o, NULL, &r, NULL, &err),
                  SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "a KV cache of 50001 tokens"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "holds"));
  sim_report_fini(&r);
  arch_unload(&am);
}

static CU_TestInfo tests[] = {
    {"KV cache beyond the reserved space", test_kv_space},
    {"golden: two all-bank row bursts", test_golden_bursts},
    {"bundled equals per command (checker on)",
     test_bundled_equals_per_command},
    {"latency falls with channels, ASIC does not", test_channel_scaling},
    {"MACs per bank, ASIC clock, PIM clock: each moves its part",
     test_exploration},
    {"determinism", test_determinism},
    {"bad configuration names the key", test_bad_config},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"pim", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
