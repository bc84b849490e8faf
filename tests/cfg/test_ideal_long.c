/*
 * test_ideal_long.c — the `ideal` class's longer golden tests (label
 * golden, not unit: too slow for the sanitizer pass): decode lowered once
 * equals re-lowering every step and unrolled layers (GPT-2 S, LLaMA-2 7B,
 * T5); the DRAM back end delivers trace mode's streaming bandwidth and
 * runs a decode on a persistent memory.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/dram/dram.h"
#include "mappers/map.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

/* 1000 MHz (period 1000 ps), 1000 MAC/cycle = 1 MAC/ps, 100 elem/cycle,
 * 2 GB/s = 0.002 B/ps. */
static const char *k_arch =
    "name: golden\nclass: ideal\nideal:\n  clock_mhz: 1000\n"
    "  macs_per_cycle: 1000\n  elem_ops_per_cycle: 100\n"
    "  mem_bw_gbps: 2\n  energy:\n    mac_pj: 0.5\n    elem_op_pj: 2\n"
    "    dram_byte_pj: 10\n    static_w: 0.25\n";

static arch_model g_m;
static char g_path[128];

static int setup(void) {
  snprintf(g_path, sizeof g_path, "/tmp/tfsim_ideal_%d.yaml", (int)getpid());
  FILE *f = fopen(g_path, "w");
  fputs(k_arch, f);
  fclose(f);
  sim_err err = {0};
  return arch_load(&g_m, g_path, NULL, 0, &err);
}
static int teardown(void) {
  arch_unload(&g_m);
  unlink(g_path);
  return 0;
}

/* Decode in the library: lowering and mapping once (affine per-token
 * counts) gives the result of re-lowering every step, and layers as
 * groups give the result of unrolled layers. */
static void decode_case(const char *name, uint64_t kv, uint64_t gen) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find(name, &m, &err), 0);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = kv;
  o.gen = gen;
  sim_report r[3];
  map_sim_opts so[3];
  memset(so, 0, sizeof so);
  so[1].relower_every_step = 1;
  so[2].relower_every_step = 1;
  so[2].unroll_layers = 1;
  for (int k = 0; k < 3; k++) {
    sim_report_init(&r[k]);
    int rc = map_simulate(&g_m, &m, &o, &so[k], &r[k], NULL, &err);
    if (rc) fprintf(stderr, "\n  %s: %s\n", name, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
  }
  CU_ASSERT_EQUAL(sim_report_get(&r[0], "decode_affine", -1), 1);
  CU_ASSERT_EQUAL(sim_report_get(&r[1], "decode_affine", -1), 0);
  for (int k = 1; k < 3; k++) {
    CU_ASSERT_EQUAL(r[0].latency_ps, r[k].latency_ps);
    CU_ASSERT_EQUAL(r[0].dram_bytes, r[k].dram_bytes);
    CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r[0]),
                           sim_report_energy_pj(&r[k]),
                           1e-9 * sim_report_energy_pj(&r[0]));
    CU_ASSERT_DOUBLE_EQUAL(r[0].util, r[k].util, 1e-12);
    CU_ASSERT_EQUAL(sim_report_get(&r[0], "macs", 0),
                    sim_report_get(&r[k], "macs", -1));
  }
  /* The timeline does not grow with the steps: one record per op. */
  CU_ASSERT_EQUAL(r[0].n_ops, r[1].n_ops);
  CU_ASSERT(r[2].n_ops > r[0].n_ops); /* unrolled: one per layer op */
  for (int k = 0; k < 3; k++) sim_report_fini(&r[k]);
}

static void test_decode_equals_relowering(void) {
  decode_case("gpt2-s", 100, 9);
  decode_case("llama2-7b", 3, 5);
  decode_case("t5-base", 10, 4);
}

/* Detailed memory: a streaming op on `ideal` with ideal.dram set gets the
 * bandwidth the DRAM model delivers in trace mode for the same stream
 * (within 2 %), and its DRAM energy comes from the model. */
static void stream_case(const char *preset, uint64_t bytes) {
  char set[512];
  const char *sets[1] = {set};
  snprintf(set, sizeof set, "ideal.dram=%s/arch/configs/%s.yaml",
           TFSIM_SOURCE_DIR, preset);
  arch_model m;
  sim_err err = {0};
  int rc = arch_load(&m, g_path, sets, 1, &err);
  if (rc) fprintf(stderr, "\n  %s\n", err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  sim_sched s;
  sim_sched_init(&s, "test");
  int lv = sim_sched_level(&s, "dram");
  sim_tensor t;
  sim_tensor_init(&t, "x", bytes, SIM_P_FP16, SIM_T_ACT);
  sim_sched_push_tensor(&s, &t);
  sim_sched_op op;
  sim_sched_op_init(&op, "stream", SIM_FN_COPY, SIM_P_FP16,
                    sim_sched_unit(&s, "core"));
  op.rd_bytes[lv] = bytes;
  op.n_in = 1;
  op.in[0] = 0;
  sim_sched_push(&s, &op);
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&m, &s, &r, &err), 0);
  /* The same stream in trace mode: sequential line reads from 0. */
  dram_spec sp;
  snprintf(set, sizeof set, "%s/arch/configs/%s.yaml", TFSIM_SOURCE_DIR,
           preset);
  CU_ASSERT_EQUAL_FATAL(dram_spec_load(set, &sp, &err), 0);
  size_t n = (size_t)(bytes / sp.line_bytes);
  dram_req *q = calloc(n, sizeof *q);
  for (size_t i = 0; i < n; i++) q[i].addr = (uint64_t)i * sp.line_bytes;
  dram_run_opts o = {0};
  dram_counters c;
  CU_ASSERT_EQUAL_FATAL(dram_run_reqs(&sp, q, n, &o, NULL, &c, &err), 0);
  double bw_trace = (double)bytes / ((double)c.cycles * (double)sp.tck_ps);
  double bw_ours = (double)bytes / (double)r.latency_ps;
  fprintf(stderr, " [%s: %.4g vs %.4g B/ps] ", preset, bw_ours, bw_trace);
  CU_ASSERT_DOUBLE_EQUAL(bw_ours / bw_trace, 1.0, 0.02);
  CU_ASSERT(sim_report_get(&r, "row_hit_rate", 0) > 0.9);
  /* DRAM energy is the model's (dram.* components), not dram_byte_pj. */
  CU_ASSERT(sim_stat_find(r.stats, "dram", "energy") < 0);
  CU_ASSERT(sim_stat_find(r.stats, "dram.rd", "energy") >= 0);
  free(q);
  dram_spec_fini(&sp);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  arch_unload(&m);
}

static void test_dram_backend_stream(void) {
  stream_case("ddr4-3200-8gb-x8-1ch1r", 4u << 20);
  stream_case("hbm2-8gb-x128-1ch", 4u << 20);
}

/* A transformer runs on a DRAM preset, prefill and decode; decode lowered
 * once equals re-lowering every step on the same persistent memory. */
static void test_dram_backend_model(void) {
  char set[512];
  const char *sets[1] = {set};
  snprintf(set, sizeof set, "ideal.dram=%s/arch/configs/"
           "hbm2-8gb-x128-8ch.yaml", TFSIM_SOURCE_DIR);
  arch_model am;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(arch_load(&am, g_path, sets, 1, &err), 0);
  wl_model m;
  wl_opts o;
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &err), 0);
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = 64;
  o.gen = 3;
  sim_report r[2];
  map_sim_opts so[2];
  memset(so, 0, sizeof so);
  so[1].relower_every_step = 1;
  for (int k = 0; k < 2; k++) {
    sim_report_init(&r[k]);
    CU_ASSERT_EQUAL_FATAL(map_simulate(&am, &m, &o, &so[k], &r[k], NULL,
                                       &err), 0);
  }
  CU_ASSERT_EQUAL(r[0].latency_ps, r[1].latency_ps);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r[0]),
                         sim_report_energy_pj(&r[1]), 1e-6);
  double hit = sim_report_get(&r[0], "row_hit_rate", -1);
  CU_ASSERT(hit > 0.5 && hit <= 1.0);
  /* Slower than the bandwidth figure would say: the DRAM has its own
   * latency and refresh. */
  sim_report plain;
  sim_report_init(&plain);
  CU_ASSERT_EQUAL_FATAL(map_simulate(&g_m, &m, &o, NULL, &plain, NULL, &err),
                        0);
  CU_ASSERT(r[0].latency_ps != plain.latency_ps);
  sim_report_fini(&plain);
  for (int k = 0; k < 2; k++) sim_report_fini(&r[k]);
  arch_unload(&am);
}

static CU_TestInfo tests[] = {
    {"DRAM back end: streaming gets the trace-mode bandwidth",
     test_dram_backend_stream},
    {"DRAM back end: a transformer decodes on a DRAM preset",
     test_dram_backend_model},
    {"decode lowered once equals re-lowering every step",
     test_decode_equals_relowering},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"ideal-long", setup, teardown, NULL, NULL,
                                 tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
