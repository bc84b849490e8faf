/*
 * test_ideal.c — golden analytic tests of the `ideal` roofline model and
 * the `roofline` mapper: a compute-bound op takes exactly MACs / peak, a
 * memory-bound op bytes / bandwidth, utilisation is 100 % when compute-
 * bound, energy is the sum of its parts, runs are bit-identical, and the
 * mapper conserves the workload's MACs and bytes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
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

static void push(sim_sched *s, const char *name, uint64_t macs,
                 uint64_t elem, uint64_t rd, uint64_t wr, uint64_t repeat) {
  sim_sched_op op;
  int lv = sim_sched_level(s, "dram");
  sim_sched_op_init(&op, name, macs ? SIM_FN_MAC : SIM_FN_EXP, SIM_P_FP16,
                    sim_sched_unit(s, "core"));
  op.macs = macs;
  op.elem_ops = elem;
  op.rd_bytes[lv] = rd;
  op.wr_bytes[lv] = wr;
  op.count = repeat; /* identical instances: one core runs them in turn */
  sim_sched_push(s, &op);
}

static void test_compute_bound(void) {
  sim_sched s;
  sim_report r;
  sim_err err = {0};
  sim_sched_init(&s, "test");
  /* 1e6 MACs at 1 MAC/ps = 1e6 ps; 1000 bytes at 0.002 B/ps = 5e5 ps. */
  push(&s, "gemm", 1000000, 0, 600, 400, 1);
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&g_m, &s, &r, &err), 0);
  CU_ASSERT_EQUAL(r.latency_ps, 1000000);
  CU_ASSERT_EQUAL(r.cycles, 1000);
  CU_ASSERT_DOUBLE_EQUAL(r.util, 1.0, 1e-12);
  CU_ASSERT_EQUAL(r.dram_bytes, 1000);
  CU_ASSERT_STRING_EQUAL(r.ops[0].bound, "compute");
  /* Energy: 1e6*0.5 + 1000*10 + 0.25 W * 1e6 ps (= 2.5e5 pJ). */
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r), 5e5 + 1e4 + 2.5e5, 1e-6);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

static void test_memory_bound_and_repeat(void) {
  sim_sched s;
  sim_report r;
  sim_err err = {0};
  sim_sched_init(&s, "test");
  /* 2e6 bytes / 0.002 = 1e9 ps; compute 1e3 MACs = 1e3 ps.  Repeat 3. */
  push(&s, "stream", 1000, 0, 1500000, 500000, 3);
  /* Elementwise: 1e5 ops at 0.1 op/ps = 1e6 ps. */
  push(&s, "exp", 0, 100000, 0, 0, 1);
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&g_m, &s, &r, &err), 0);
  CU_ASSERT_EQUAL(r.latency_ps, 3000000000ull + 1000000ull);
  CU_ASSERT_STRING_EQUAL(r.ops[0].bound, "memory");
  CU_ASSERT_EQUAL(r.ops[1].start_ps, 3000000000ull);
  CU_ASSERT_EQUAL(r.dram_bytes, 6000000);
  /* util = 3000 MACs / (1 MAC/ps * latency) */
  CU_ASSERT_DOUBLE_EQUAL(r.util, 3000.0 / 3001000000.0, 1e-15);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

static void test_time_overflow(void) {
  sim_sched s;
  sim_report r;
  sim_err err = {0};
  sim_sched_init(&s, "test");
  /* Counts whose total overflows: refused by the schedule check. */
  push(&s, "huge", UINT64_MAX / 2, 0, 0, 0, 1000);
  sim_report_init(&r);
  CU_ASSERT_EQUAL(arch_run(&g_m, &s, &r, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "op 'huge' (#0): macs"));
  sim_report_fini(&r);
  sim_sched_fini(&s);
  /* Counts that fit but whose time does not fit 64-bit picoseconds. */
  sim_sched_init(&s, "test");
  push(&s, "long1", UINT64_MAX / 2 + 10, 0, 0, 0, 1);
  push(&s, "long", UINT64_MAX / 2 + 10, 0, 0, 0, 1);
  sim_report_init(&r);
  CU_ASSERT_EQUAL(arch_run(&g_m, &s, &r, &err), SIM_ERANGE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "long"));
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

/* The mapper conserves the workload's work and bytes, and two runs are
 * bit-identical. */
static void test_roofline_conserves(void) {
  wl_model m;
  wl_opts o;
  wl_cascade *w = NULL;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("gpt2-s", &m, &err), 0);
  wl_opts_default(&o);
  o.seq = 128;
  CU_ASSERT_EQUAL_FATAL(wl_lower(&m, &o, &w, &err), 0);
  wl_totals t;
  wl_cascade_totals(w, &t);
  sim_report r1, r2;
  sim_sched s;
  CU_ASSERT_EQUAL_FATAL(map_run(NULL, w, &g_m, NULL, 0, &s, &err), 0);
  CU_ASSERT_STRING_EQUAL(s.mapper, "roofline");
  sim_report_init(&r1);
  sim_report_init(&r2);
  CU_ASSERT_EQUAL_FATAL(arch_run(&g_m, &s, &r1, &err), 0);
  CU_ASSERT_EQUAL_FATAL(arch_run(&g_m, &s, &r2, &err), 0);
  int h = sim_stat_find(r1.stats, "compute", "macs");
  CU_ASSERT_EQUAL(sim_stat_u64(r1.stats, h), t.macs);
  CU_ASSERT_EQUAL(r1.dram_bytes, t.in_bytes + t.out_bytes);
  CU_ASSERT_EQUAL(r1.latency_ps, r2.latency_ps);
  CU_ASSERT_EQUAL(r1.n_ops, r2.n_ops);
  CU_ASSERT(memcmp(r1.ops, r2.ops, r1.n_ops * sizeof r1.ops[0]) == 0);
  CU_ASSERT_EQUAL(memcmp(&(double){sim_report_energy_pj(&r1)},
                         &(double){sim_report_energy_pj(&r2)},
                         sizeof(double)), 0);
  /* Per-op records sum to the totals; ops are back to back. */
  uint64_t macs = 0;
  for (size_t i = 0; i < r1.n_ops; i++) {
    macs += r1.ops[i].macs;
    if (i) CU_ASSERT_EQUAL(r1.ops[i].start_ps, r1.ops[i - 1].end_ps);
  }
  CU_ASSERT_EQUAL(macs, t.macs);
  CU_ASSERT_EQUAL(r1.ops[r1.n_ops - 1].end_ps, r1.latency_ps);
  /* An unknown mapper, and a mapper of another class, are refused. */
  sim_sched s2;
  CU_ASSERT_EQUAL(map_run("nope", w, &g_m, NULL, 0, &s2, &err), SIM_ENOENT);
  sim_sched_fini(&s2);
  arch_model dram;
  CU_ASSERT_EQUAL_FATAL(arch_load(&dram, TFSIM_SOURCE_DIR
                                  "/arch/configs/ddr4-3200-8gb-x8-1ch1r.yaml",
                                  NULL, 0, &err), 0);
  CU_ASSERT_EQUAL(map_run("roofline", w, &dram, NULL, 0, &s2, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "targets class 'ideal'"));
  sim_sched_fini(&s2);
  arch_unload(&dram);
  sim_report_fini(&r1);
  sim_report_fini(&r2);
  sim_sched_fini(&s);
  wl_cascade_free(w);
}

static CU_TestInfo tests[] = {
    {"compute-bound op: MACs / peak, util 100 %", test_compute_bound},
    {"memory-bound op, repeat, elementwise", test_memory_bound_and_repeat},
    {"time overflow is an error", test_time_overflow},
    {"roofline mapper conserves work, determinism", test_roofline_conserves},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"ideal", setup, teardown, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
