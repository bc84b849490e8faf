/*
 * test_mcu_map.c — the mcu mappers (mappers/mcu.c) on real MCUFormer
 * subnets, planned by the mcu class: the mcuformer mapping of the
 * attention core reproduces MCUFormer's head-by-head arithmetic
 * (3N64h + N^2 + N64h) to the byte plus one head's row sums, the
 * techniques order the peaks (naive > tinyengine > mcuformer), the
 * published 320 KB claim holds for the mcuformer mapping of a D=192, P=16
 * subnet on the STM32F746 and not for the naive one, MACs are conserved,
 * the patch embedding keeps one row of patches of the image, the fused
 * MLP keeps one token's working set, and runs are deterministic.
 */
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/mcu/mcu.h"
#include "mappers/map.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

static arch_model g_f746;

static int setup(void) {
  sim_err err = {0};
  return arch_load(&g_f746, TFSIM_SOURCE_DIR "/arch/configs/stm32f746.yaml",
                   NULL, 0, &err);
}
static int teardown(void) {
  arch_unload(&g_f746);
  return 0;
}

/* Maps `model` at int8 with `mapper` (and options), runs it on the F746. */
static int run(const char *model, wl_scope scope, const char *mapper,
               const char *const *kv, size_t n_kv, sim_sched *s,
               sim_report *r, uint64_t *macs_wl) {
  wl_model m;
  wl_opts o;
  wl_cascade *w = NULL;
  sim_err err = {0};
  int rc = wl_model_find(model, &m, &err);
  if (rc) return rc;
  wl_opts_default(&o);
  o.prec = WL_INT8;
  o.scope = scope;
  o.repeat_layers = 1;
  if ((rc = wl_lower(&m, &o, &w, &err))) return rc;
  wl_totals t;
  wl_cascade_totals(w, &t);
  if (macs_wl) *macs_wl = t.macs;
  rc = map_run(mapper, w, &g_f746, kv, n_kv, s, &err);
  wl_cascade_free(w);
  if (!rc) rc = sim_sched_check(s, &err);
  if (!rc) rc = arch_run(&g_f746, s, r, &err);
  if (rc) fprintf(stderr, "\n%s/%s: %s\n", model, mapper, err.msg);
  return rc;
}

static void test_attention_one_head(void) {
  sim_sched s;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d256-l12-h4-m4-p16-r0.9",
                            WL_SCOPE_ATTENTION, "mcuformer", NULL, 0, &s, &r,
                            NULL), 0);
  const uint64_t n = 226, h = 4;
  uint64_t formula = 3 * n * 64 * h + n * n + n * 64 * h;
  /* The published 275.9 KiB, plus the 226 B row sum of the head being
   * normalised (live with its scores). */
  CU_ASSERT_EQUAL(sim_report_get(&r, "peak_sram_bytes", 0), formula + n);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  /* All heads at once (tinyengine): the scores of every head live. */
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d256-l12-h4-m4-p16-r0.9",
                            WL_SCOPE_ATTENTION, "tinyengine", NULL, 0, &s,
                            &r, NULL), 0);
  CU_ASSERT(sim_report_get(&r, "peak_sram_bytes", 0) >= h * n * n);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

static void test_model_peaks_and_fit(void) {
  static const char *const mappers[] = {"naive", "tinyengine", "mcuformer"};
  double peak[3];
  for (int i = 0; i < 3; i++) {
    sim_sched s;
    sim_report r;
    uint64_t macs = 0;
    sim_report_init(&r);
    CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                              mappers[i], NULL, 0, &s, &r, &macs), 0);
    peak[i] = sim_report_get(&r, "peak_sram_bytes", 0);
    /* Conservation: every MAC of the cascade runs, once. */
    CU_ASSERT_EQUAL(sim_report_get(&r, "macs", 0), (double)macs);
    CU_ASSERT(sim_report_get(&r, "live_peak_bytes", 0) <= peak[i]);
    CU_ASSERT_EQUAL(sim_report_get(&r, "fits_sram", -1), i == 2);
    sim_report_fini(&r);
    sim_sched_fini(&s);
  }
  CU_ASSERT(peak[0] > peak[1]);
  CU_ASSERT(peak[1] > peak[2]);
  /* MCUFormer's claim: within 320 KB on the F746. */
  CU_ASSERT(peak[2] <= 320 * 1024);
}

static const sim_tensor *find_tensor(const sim_sched *s, const char *name) {
  for (size_t t = 0; t < s->n_tensors; t++)
    if (strcmp(s->tensors[t].name, name) == 0) return &s->tensors[t];
  return NULL;
}

static void test_patch_rows_and_token_mlp(void) {
  sim_sched s;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "mcuformer", NULL, 0, &s, &r, NULL), 0);
  /* One row of 16x16 patches of the 240x240x3 image: 11.25 KiB. */
  const sim_tensor *row = find_tensor(&s, "embed.img.row");
  CU_ASSERT_PTR_NOT_NULL_FATAL(row);
  CU_ASSERT_EQUAL(row->bytes, 16 * 240 * 3);
  /* The fused MLP: one token's hidden (768) and one low-rank factor
   * (r = int(768 x 0.9)... min(D, 4D) x 0.9 = 172), not N of them. */
  const sim_tensor *tok = find_tensor(&s, "L0.mlp.tok");
  CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
  CU_ASSERT_EQUAL(tok->bytes, 768 + 172);
  /* Token overwriting: the fused op writes over its input. */
  int found = 0;
  for (size_t i = 0; i < s.n_ops; i++)
    if (strcmp(s.ops[i].name, "L0.mlp.fused") == 0) {
      found = 1;
      CU_ASSERT_EQUAL(s.ops[i].out[0], s.ops[i].in[0]);
      /* Every token streams the MLP weights from flash again. */
      int fl = sim_sched_find_level(&s, "flash");
      CU_ASSERT_EQUAL(s.ops[i].rd_bytes[fl],
                      find_tensor(&s, "L0.mlp.W")->bytes * 226);
    }
  CU_ASSERT(found);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  /* Without overwriting the output is a buffer of its own. */
  const char *kv[] = {"overwrite=false"};
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "mcuformer", kv, 1, &s, &r, NULL), 0);
  for (size_t i = 0; i < s.n_ops; i++)
    if (strcmp(s.ops[i].name, "L0.mlp.fused") == 0)
      CU_ASSERT_NOT_EQUAL(s.ops[i].out[0], s.ops[i].in[0]);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

static void test_ablation_and_determinism(void) {
  /* Each technique off raises (or keeps) the peak; all off equals
   * tinyengine. */
  const char *off[] = {"head_by_head=false", "fuse_mlp=false",
                       "patch_rows=false"};
  sim_sched s;
  sim_report r;
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "mcuformer", NULL, 0, &s, &r, NULL), 0);
  double best = sim_report_get(&r, "peak_sram_bytes", 0);
  uint64_t lat = r.latency_ps;
  sim_report_fini(&r);
  sim_sched_fini(&s);
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "mcuformer", NULL, 0, &s, &r, NULL), 0);
  CU_ASSERT_EQUAL(r.latency_ps, lat);
  CU_ASSERT_EQUAL(sim_report_get(&r, "peak_sram_bytes", 0), best);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  for (int i = 0; i < 3; i++) {
    sim_report_init(&r);
    CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                              "mcuformer", &off[i], 1, &s, &r, NULL), 0);
    CU_ASSERT(sim_report_get(&r, "peak_sram_bytes", 0) >= best);
    sim_report_fini(&r);
    sim_sched_fini(&s);
  }
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "mcuformer", off, 3, &s, &r, NULL), 0);
  double all_off = sim_report_get(&r, "peak_sram_bytes", 0);
  sim_report_fini(&r);
  sim_sched_fini(&s);
  sim_report_init(&r);
  CU_ASSERT_EQUAL_FATAL(run("mcuformer-d192-p16", WL_SCOPE_MODEL,
                            "tinyengine", NULL, 0, &s, &r, NULL), 0);
  CU_ASSERT_EQUAL(sim_report_get(&r, "peak_sram_bytes", 0), all_off);
  sim_report_fini(&r);
  sim_sched_fini(&s);
}

/* A layer stack grouped (one layer x depth) and unrolled costs the same:
 * the weights' flash split does not depend on the grouping. */
static void test_grouped_equals_unrolled(void) {
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  CU_ASSERT_EQUAL_FATAL(wl_model_find("mcuformer-d192-p16", &m, &err), 0);
  wl_opts_default(&o);
  o.prec = WL_INT8;
  sim_report r[2];
  for (int u = 0; u < 2; u++) {
    map_sim_opts so = {0};
    so.mapper = "mcuformer";
    so.unroll_layers = u;
    sim_report_init(&r[u]);
    CU_ASSERT_EQUAL_FATAL(map_simulate(&g_f746, &m, &o, &so, &r[u], NULL,
                                       &err), 0);
  }
  double d = (double)r[0].latency_ps - (double)r[1].latency_ps;
  CU_ASSERT(d < 1e-9 * (double)r[0].latency_ps &&
            -d < 1e-9 * (double)r[0].latency_ps);
  CU_ASSERT_EQUAL(sim_report_get(&r[0], "peak_sram_bytes", 0),
                  sim_report_get(&r[1], "peak_sram_bytes", 0));
  CU_ASSERT_EQUAL(sim_report_get(&r[0], "flash_bytes", 0),
                  sim_report_get(&r[1], "flash_bytes", 0));
  CU_ASSERT_EQUAL(sim_report_get(&r[0], "ext_flash_bytes", 0),
                  sim_report_get(&r[1], "ext_flash_bytes", 0));
  sim_report_fini(&r[0]);
  sim_report_fini(&r[1]);
}

static CU_TestInfo tests[] = {
    {"grouped layers cost what unrolled layers cost",
     test_grouped_equals_unrolled},
    {"attention one head at a time: the published arithmetic",
     test_attention_one_head},
    {"whole model: naive > tinyengine > mcuformer, 320 KB fit, MACs",
     test_model_peaks_and_fit},
    {"patch rows, token-by-token MLP, overwriting",
     test_patch_rows_and_token_mlp},
    {"ablations and determinism", test_ablation_and_determinism},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"mcu mappers", setup, teardown, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
