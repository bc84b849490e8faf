/*
 * test_mcu.c — golden tests of the `mcu` class: the planner's placement
 * and peaks on hand-built schedules (first fit, in place, fragmentation,
 * a mapper's own placement, flash x iterations), the cost of an op
 * (MACs / rate + element-wise cycles, external-flash stalls), energy as
 * run power x time, the fit verdicts, bad configs naming the key and
 * line, and determinism.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/mcu/mcu.h"
#include "tfsim_test.h"

/* 100 MHz (period 10,000 ps), 0.5 MAC/cycle, 2 cycles per element op,
 * 1 KB SRAM, 1 KB flash + 1 KB external at 1 MB/s, 100 mW. */
static const char *k_arch =
    "name: golden\nclass: mcu\nmcu:\n  core: cortex-m7\n"
    "  clock_mhz: 100\n  sram_kb: 1\n  flash_kb: 1\n  ext_flash_kb: 1\n"
    "  ext_flash_mbps: 1\n  macs_per_cycle: 0.5\n  elem_cycles: 2\n"
    "  energy:\n    run_mw: 100\n    ext_flash_byte_pj: 10\n";

static char g_path[128];

static int write_cfg(const char *text) {
  snprintf(g_path, sizeof g_path, "/tmp/tfsim_mcu_%d.yaml", (int)getpid());
  FILE *f = fopen(g_path, "w");
  if (!f) return -1;
  fputs(text, f);
  fclose(f);
  return 0;
}

static int load(arch_model *m, const char *text, sim_err *err) {
  if (write_cfg(text)) return -1;
  int rc = arch_load(m, g_path, NULL, 0, err);
  unlink(g_path);
  return rc;
}

typedef struct b {
  sim_sched s;
  int core, sram, flash;
} b;

static void b_init(b *x) {
  sim_sched_init(&x->s, "test");
  x->core = sim_sched_unit(&x->s, "core");
  x->sram = sim_sched_level(&x->s, "sram");
  x->flash = sim_sched_level(&x->s, "flash");
}

static int t(b *x, const char *name, uint64_t bytes, sim_tensor_kind k) {
  sim_tensor tn;
  sim_tensor_init(&tn, name, bytes, SIM_P_INT8, k);
  return sim_sched_push_tensor(&x->s, &tn);
}

static int op(b *x, const char *name, int in0, int in1, int out,
              uint64_t macs, uint64_t elem) {
  sim_sched_op o;
  sim_sched_op_init(&o, name, macs ? SIM_FN_MAC : SIM_FN_ADD, SIM_P_INT8,
                    x->core);
  if (in0 >= 0) o.in[o.n_in++] = in0;
  if (in1 >= 0) o.in[o.n_in++] = in1;
  if (out >= 0) o.out[o.n_out++] = out;
  o.macs = macs;
  o.elem_ops = elem;
  if (x->s.n_ops) o.deps[o.n_deps++] = (uint32_t)(x->s.n_ops - 1);
  return sim_sched_push(&x->s, &o);
}

static void test_plan_first_fit(void) {
  b x;
  b_init(&x);
  /* A(100) -> B(50) -> C(100): A dies when B is made, C takes A's
   * place; peak 150. */
  int a = t(&x, "A", 100, SIM_T_ACT), bb = t(&x, "B", 50, SIM_T_ACT),
      c = t(&x, "C", 100, SIM_T_ACT), w = t(&x, "W", 40, SIM_T_WEIGHT);
  op(&x, "ab", a, w, bb, 0, 0);
  op(&x, "bc", bb, -1, c, 0, 0);
  mcu_plan p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(mcu_plan_run(&x.s, &p, &err), 0);
  CU_ASSERT_EQUAL(p.peak_sram_bytes, 150);
  CU_ASSERT_EQUAL(p.live_peak_bytes, 150);
  CU_ASSERT_EQUAL(p.addr[a], 0);
  CU_ASSERT_EQUAL(p.addr[bb], 100);
  CU_ASSERT_EQUAL(p.addr[c], 0);
  CU_ASSERT_EQUAL(p.addr[w], -1); /* weights stay in flash */
  CU_ASSERT_EQUAL(p.flash_bytes, 40);
  mcu_plan_fini(&p);
  sim_sched_fini(&x.s);
}

static void test_plan_inplace_and_unused(void) {
  b x;
  b_init(&x);
  /* X is updated in place twice; Y is never touched: one buffer. */
  int xx = t(&x, "X", 300, SIM_T_ACT);
  t(&x, "Y", 1000, SIM_T_SCRATCH);
  op(&x, "add", xx, -1, xx, 0, 300);
  op(&x, "gelu", xx, -1, xx, 0, 300);
  mcu_plan p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(mcu_plan_run(&x.s, &p, &err), 0);
  CU_ASSERT_EQUAL(p.peak_sram_bytes, 300);
  CU_ASSERT_EQUAL(p.addr[1], -1);
  mcu_plan_fini(&p);
  sim_sched_fini(&x.s);
}

static void test_plan_fragmentation(void) {
  b x;
  b_init(&x);
  /* A(100) [0,1], B(100) [0,2]; A dies, C(150) born at 2 cannot use A's
   * 100-byte hole: placed at 200, peak 350 while the live peak is 250. */
  int a = t(&x, "A", 100, SIM_T_ACT), bb = t(&x, "B", 100, SIM_T_ACT),
      c = t(&x, "C", 150, SIM_T_ACT);
  op(&x, "mk", -1, -1, a, 0, 0);
  x.s.ops[0].out[x.s.ops[0].n_out++] = bb;
  op(&x, "useA", a, -1, -1, 0, 0);
  op(&x, "mkC", bb, -1, c, 0, 0);
  mcu_plan p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(mcu_plan_run(&x.s, &p, &err), 0);
  CU_ASSERT_EQUAL(p.live_peak_bytes, 250);
  CU_ASSERT_EQUAL(p.live_peak_op, 2);
  CU_ASSERT_EQUAL(p.peak_sram_bytes, 350);
  CU_ASSERT_EQUAL(p.addr[c], 200);
  mcu_plan_fini(&p);
  sim_sched_fini(&x.s);
}

static void test_plan_fixed_and_collision(void) {
  b x;
  b_init(&x);
  int a = t(&x, "A", 100, SIM_T_ACT), bb = t(&x, "B", 100, SIM_T_ACT);
  x.s.tensors[a].addr = 500; /* the mapper's own placement */
  op(&x, "ab", a, -1, bb, 0, 0);
  mcu_plan p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(mcu_plan_run(&x.s, &p, &err), 0);
  CU_ASSERT_EQUAL(p.addr[a], 500);
  CU_ASSERT_EQUAL(p.addr[bb], 0);
  CU_ASSERT_EQUAL(p.peak_sram_bytes, 600);
  mcu_plan_fini(&p);
  x.s.tensors[bb].addr = 550;
  CU_ASSERT_EQUAL(mcu_plan_run(&x.s, &p, &err), SIM_EINVAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'B' and 'A'"));
  mcu_plan_fini(&p);
  sim_sched_fini(&x.s);
}

static void test_plan_group_flash(void) {
  b x;
  b_init(&x);
  /* A layer of two ops repeated 12 times: its weight counts 12 times in
   * flash, its activations once in SRAM. */
  int in = t(&x, "in", 10, SIM_T_ACT), h = t(&x, "h", 20, SIM_T_SCRATCH),
      w = t(&x, "W", 7, SIM_T_WEIGHT);
  op(&x, "l.a", in, w, h, 0, 0);
  op(&x, "l.b", h, -1, in, 0, 0);
  sim_sched_group g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "layers");
  g.first = 0;
  g.n = 2;
  g.iters = 12;
  g.n_carry = 1;
  g.carry[0].from = 1;
  g.carry[0].to = 0;
  CU_ASSERT_FATAL(sim_sched_push_group(&x.s, &g) >= 0);
  mcu_plan p;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(mcu_plan_run(&x.s, &p, &err), 0);
  CU_ASSERT_EQUAL(p.flash_bytes, 84);
  CU_ASSERT_EQUAL(p.peak_sram_bytes, 30);
  mcu_plan_fini(&p);
  sim_sched_fini(&x.s);
}

static void test_run_cost_energy_fits(void) {
  arch_model m;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(load(&m, k_arch, &err), 0);
  b x;
  b_init(&x);
  int a = t(&x, "A", 512, SIM_T_ACT), o = t(&x, "O", 256, SIM_T_ACT),
      w = t(&x, "W", 1000, SIM_T_WEIGHT);
  /* 1000 MACs at 0.5 = 2000 cycles + 100 elem ops x 2 = 200 cycles:
   * 2200 cycles = 22 us at 100 MHz.  Weights fit the internal flash. */
  op(&x, "mm", a, w, o, 1000, 100);
  x.s.ops[0].rd_bytes[x.flash] = 1000;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&m, &x.s, &r, &err), 0);
  CU_ASSERT_EQUAL(r.latency_ps, 22000000ull);
  CU_ASSERT_EQUAL(r.cycles, 2200);
  CU_ASSERT_DOUBLE_EQUAL(r.util, 2000.0 / 2200.0, 1e-12);
  /* 100 mW x 22 us = 2.2 uJ = 2.2e6 pJ. */
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r), 2.2e6, 1e-3);
  CU_ASSERT_EQUAL(sim_report_get(&r, "peak_sram_bytes", -1), 768);
  CU_ASSERT_EQUAL(sim_report_get(&r, "fits", -1), 1);
  CU_ASSERT_EQUAL(sim_report_get(&r, "ext_flash_bytes", -1), 0);
  sim_report_fini(&r);
  /* 2048 B of weights: 1024 spill to the 1 MB/s external flash; the op
   * reads all 2048 once, half of them off chip: +1024 us, and 10 pJ/B. */
  x.s.tensors[w].bytes = 2048;
  x.s.ops[0].rd_bytes[x.flash] = 2048;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&m, &x.s, &r, &err), 0);
  CU_ASSERT_EQUAL(r.latency_ps, 22000000ull + 1024000000ull);
  CU_ASSERT_EQUAL(sim_report_get(&r, "ext_flash_bytes", -1), 1024);
  CU_ASSERT_DOUBLE_EQUAL(sim_report_energy_pj(&r),
                         100.0 * 1046e6 * 1e-3 + 1024 * 10, 1e-3);
  CU_ASSERT_EQUAL(sim_report_get(&r, "fits", -1), 1);
  sim_report_fini(&r);
  /* SRAM: 1024 + 256 > 1 KB; flash: 3000 > 2 KB. */
  x.s.tensors[a].bytes = 1024;
  x.s.tensors[w].bytes = 3000;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(arch_run(&m, &x.s, &r, &err), 0);
  CU_ASSERT_EQUAL(sim_report_get(&r, "fits", -1), 0);
  CU_ASSERT_EQUAL(sim_report_get(&r, "fits_sram", -1), 0);
  CU_ASSERT_EQUAL(sim_report_get(&r, "fits_flash", -1), 0);
  CU_ASSERT_EQUAL(sim_report_get(&r, "sram_shortfall_bytes", -1), 256);
  CU_ASSERT_EQUAL(sim_report_get(&r, "flash_shortfall_bytes", -1), 952);
  sim_report_fini(&r);
  /* Determinism: the same run twice, bit for bit. */
  sim_report r2;
  sim_report_init(&r);
  sim_report_init(&r2);
  CU_ASSERT_EQUAL(arch_run(&m, &x.s, &r, &err), 0);
  CU_ASSERT_EQUAL(arch_run(&m, &x.s, &r2, &err), 0);
  CU_ASSERT_EQUAL(r.latency_ps, r2.latency_ps);
  CU_ASSERT_EQUAL(memcmp(&r.util, &r2.util, sizeof r.util), 0);
  double e1 = sim_report_energy_pj(&r), e2 = sim_report_energy_pj(&r2);
  CU_ASSERT_EQUAL(memcmp(&e1, &e2, sizeof e1), 0);
  sim_report_fini(&r);
  sim_report_fini(&r2);
  /* An fp16 MAC has no rate on this core. */
  x.s.ops[0].prec = SIM_P_FP16;
  sim_report_init(&r);
  CU_ASSERT_EQUAL(arch_run(&m, &x.s, &r, &err), SIM_EUNSUP);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "precision fp16"));
  sim_report_fini(&r);
  sim_sched_fini(&x.s);
  arch_unload(&m);
}

static void test_bad_configs(void) {
  static const struct {
    const char *from, *to, *want;
  } cases[] = {
      {"macs_per_cycle: 0.5", "macs_per_cycle: 3",
       ":10: mcu.macs_per_cycle: 3 is above the Cortex-M ceiling"},
      {"clock_mhz: 100", "clock_mhz: 0", ":5: mcu.clock_mhz: must be > 0"},
      {"  ext_flash_mbps: 1\n", "", "mcu.ext_flash_mbps: must be > 0 when"},
      {"sram_kb: 1", "sram_kb: -4", ":6: mcu.sram_kb: must be > 0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[1024];
    const char *at = strstr(k_arch, cases[i].from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - k_arch), k_arch,
             cases[i].to, at + strlen(cases[i].from));
    arch_model m;
    sim_err err = {0};
    CU_ASSERT_EQUAL(load(&m, text, &err), SIM_EINVAL);
    if (!strstr(err.msg, cases[i].want))
      fprintf(stderr, "\ncase %zu: got '%s'\n", i, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].want));
  }
}

static void test_presets(void) {
  static const struct {
    const char *file;
    double mhz;
    uint64_t sram, flash;
  } p[] = {{"stm32f427", 180, 256 * 1024, 1024 * 1024},
           {"stm32f746", 216, 320 * 1024, 1024 * 1024},
           {"stm32h743", 480, 512 * 1024, 2048 * 1024}};
  for (size_t i = 0; i < 3; i++) {
    char path[256];
    snprintf(path, sizeof path, "%s/arch/configs/%s.yaml", TFSIM_SOURCE_DIR,
             p[i].file);
    arch_model m;
    sim_err err = {0};
    CU_ASSERT_EQUAL_FATAL(arch_load(&m, path, NULL, 0, &err), 0);
    CU_ASSERT_STRING_EQUAL(m.ops->cls, "mcu");
    /* A one-op schedule reports the preset's SRAM. */
    b x;
    b_init(&x);
    int a = t(&x, "A", 1, SIM_T_ACT);
    op(&x, "nop", a, -1, a, 0, 1);
    sim_report r;
    sim_report_init(&r);
    CU_ASSERT_EQUAL(arch_run(&m, &x.s, &r, &err), 0);
    CU_ASSERT_EQUAL(sim_report_get(&r, "sram_bytes", 0), p[i].sram);
    /* One element op: elem_cycles cycles at the preset clock. */
    CU_ASSERT_EQUAL(r.cycles, 4);
    sim_report_fini(&r);
    sim_sched_fini(&x.s);
    arch_unload(&m);
    (void)p[i].mhz;
    (void)p[i].flash;
  }
}

static void test_nas_proxy(void) {
  /* D=192, m=4, P=16, r=0.9: 192 x (226 x 5 + 192 x 4 x 0.9) bytes. */
  CU_ASSERT_DOUBLE_EQUAL(mcu_nas_proxy_bytes(192, 4, 16, 0.9, 240),
                         192.0 * (226 * 5 + 192 * 4 * 0.9), 1e-6);
  /* Float division: P = 32 gives 7.5^2 + 1 tokens. */
  CU_ASSERT_DOUBLE_EQUAL(mcu_nas_proxy_bytes(100, 1, 32, 0, 240),
                         100.0 * 57.25 * 2, 1e-9);
}

static void test_validation_suite(void) {
  const arch_ops *ops = arch_find("mcu");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
  sim_val_table tb = {0};
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(ops->validate(&tb, &err), 0);
  int miss = 0, pass = 0;
  for (size_t i = 0; i < tb.n; i++) {
    sim_val_verdict v = sim_val_check(&tb.rows[i]);
    if (v == SIM_VAL_MISS) {
      miss++;
      /* Every miss says why. */
      CU_ASSERT(tb.rows[i].note[0] != 0);
      CU_ASSERT_PTR_NOT_NULL(strstr(tb.rows[i].item, "naive-attn"));
    }
    pass += v == SIM_VAL_PASS;
  }
  CU_ASSERT_EQUAL(miss, 2);
  CU_ASSERT(pass >= 14);
  sim_val_free(&tb);
}

static CU_TestInfo tests[] = {
    {"planner: first fit reuses a dead buffer", test_plan_first_fit},
    {"planner: in place, untouched tensors", test_plan_inplace_and_unused},
    {"planner: fragmentation above the live peak", test_plan_fragmentation},
    {"planner: a mapper's placement, collisions", test_plan_fixed_and_collision},
    {"planner: flash x group iterations", test_plan_group_flash},
    {"run: cost, external flash, energy, fits", test_run_cost_energy_fits},
    {"bad configs name key and line", test_bad_configs},
    {"presets load and run", test_presets},
    {"NAS memory proxy", test_nas_proxy},
    {"validation suite: misses explained", test_validation_suite},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {{"mcu", NULL, NULL, NULL, NULL, tests},
                                CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
