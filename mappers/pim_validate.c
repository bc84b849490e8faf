/*
 * pim_validate.c — `tfsim validate --suite pim`: PIM-GPT's headline
 * figures (npj Unconventional Computing 1, 4 (2024), abstract and body)
 * against the pim class on arch/configs/pim-gpt.yaml, with the baselines
 * computed in the same tool, not quoted:
 *
 *   GPU  the gpu class on arch/configs/gpu-t4.yaml in its eager-framework
 *        mode: the `standard` mapper (one kernel per op, attention
 *        unfused), batch 1, fp32 (Hugging Face transformers' default
 *        dtype; fp32 GEMMs on the CUDA cores), and every kernel preceded
 *        by its host work, the CUDA launch (gpu.launch_us, 5 us) plus the
 *        framework's own per-op time gpu.framework_us = T4_FRAMEWORK_US
 *        (below: one constant for a T4 host running PyTorch eager,
 *        derived once from an independent measurement, never from the
 *        paper); energy = the T4's 70 W board power x time.
 *   CPU  the ideal class on arch/configs/cpu-xeon-gold-6154.yaml (a
 *        roofline of 18 AVX-512 cores and 6 DDR4-2666 channels) at fp32,
 *        as a CPU framework runs GPT; energy = its 200 W TDP x time.
 *
 * Every model is timed for one decode step at a context of PIM_VAL_KV
 * tokens (the middle of a 1024-token generation): speedups and energy
 * ratios are per token.  The published bands are the paper's ranges
 * widened by 25 % (the tolerance): speedup over the GPU 33-171x,
 * over the CPU 505-1343x, energy efficiency over the GPU 98-479x; off-chip
 * data 110-259x less than the GPU's (82.5-324x); row-hit rate >= 95 %;
 * non-VMM share of GPT-3 XL latency < 3 %.  Rows that miss
 * say why in their note (docs/pim.md discusses them).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "map.h"

#define PIM_VAL_KV 512

static const struct {
  const char *model, *label;
} k_models[] = {
    {"gpt2-s", "GPT-2 S"},       {"gpt2-m", "GPT-2 M"},
    {"gpt2-l", "GPT-2 L"},       {"gpt2-xl", "GPT-2 XL"},
    {"gpt3-125m", "GPT-3 S"},    {"gpt3-350m", "GPT-3 M"},
    {"gpt3-760m", "GPT-3 L"},    {"gpt3-1.3b", "GPT-3 XL"},
};

#define T4_BOARD_W 70.0    /* NVIDIA T4 datasheet: 70 W */
/* PyTorch eager's host time per op on a T4 machine, beyond the CUDA
 * launch.  Derived from one measurement, not from PIM-GPT: Hugging Face
 * GPT-2 small, model.generate, greedy, batch 1, fp32, on a T4, 9.0 ms per
 * generated token (prompt 512, 256 new tokens: 2305.8 ms; prompt 128, 64
 * new: 577 ms), from github.com/JingyaHuang/onnxruntime-inference-benchmark
 * (benchmarks/onnxruntime, t4_res_ort_gpt2_greedy.pkl, commit 4437567,
 * 2022-11-25).  Our T4 runs that step as 443 host-bound kernels (12
 * layers x 36 + 11), so 9.0 ms = 2.70 ms (the framework-free run at fp32)
 * + 443 x framework_us gives 14.2 us; with the 5 us launch, 19.2 us per
 * op, inside the 5-25 us that write-ups of PyTorch's dispatch path give.
 * The same constant serves every model: the 8 speedups are predictions. */
#define T4_FRAMEWORK_US "14.2"
#define T4_CALIB_MS 9.0    /* the measurement above, GPT-2 S */
#define XEON_TDP_W 200.0   /* Intel ARK, Xeon Gold 6154: TDP 200 W */

/* One decode step on a loaded arch: seconds, joules (from the model, or
 * power x time when power_w > 0), and the report for extra metrics. */
static int step(arch_model *am, const char *model, const char *mapper,
                wl_precision prec, double power_w, double *t_s, double *e_j,
                sim_report *keep, sim_err *err) {
  wl_model m;
  wl_opts o;
  int rc = wl_model_find(model, &m, err);
  if (rc) return rc;
  wl_opts_default(&o);
  o.phase = WL_DECODE;
  o.kv = PIM_VAL_KV;
  o.prec = prec;
  map_sim_opts so = {0};
  so.mapper = mapper;
  sim_report r;
  sim_report_init(&r);
  rc = map_simulate(am, &m, &o, &so, &r, NULL, err);
  if (!rc) {
    *t_s = (double)r.latency_ps * 1e-12;
    *e_j = power_w > 0 ? power_w * *t_s : sim_report_energy_pj(&r) * 1e-12;
  }
  if (!rc && keep) {
    *keep = r;
    return 0;
  }
  sim_report_fini(&r);
  return rc;
}

static int row(sim_val_table *t, const char *item, const char *metric,
               double lo, double hi, double ours, const char *source,
               const char *note) {
  /* A band: published is its middle, tolerance its half-width. */
  sim_val_row v;
  memset(&v, 0, sizeof v);
  snprintf(v.suite, sizeof v.suite, "pim");
  snprintf(v.item, sizeof v.item, "%s", item);
  snprintf(v.metric, sizeof v.metric, "%s", metric);
  v.published = (lo + hi) / 2;
  v.ours = ours;
  v.tol = (hi - lo) / 2;
  v.tol_abs = 1;
  snprintf(v.source, sizeof v.source, "%s", source);
  if (sim_val_check(&v) == SIM_VAL_MISS)
    snprintf(v.note, sizeof v.note, "%s", note);
  return sim_val_add(t, &v);
}

int map_pim_validate(sim_val_table *t, sim_err *err) {
  arch_model pim, gpu, cpu;
  memset(&pim, 0, sizeof pim);
  memset(&gpu, 0, sizeof gpu);
  memset(&cpu, 0, sizeof cpu);
  const char *gset[] = {"gpu.hbm_check=false",
                        "gpu.framework_us=" T4_FRAMEWORK_US};
  int rc = arch_load(&pim, "pim-gpt", NULL, 0, err);
  if (!rc) rc = arch_load(&gpu, "gpu-t4", gset, 2, err);
  if (!rc) rc = arch_load(&cpu, "cpu-xeon-gold-6154", NULL, 0, err);
  const char *src = "PIM-GPT, npj Unconv. Comput. 1, 4 (2024), abstract";
  double sp_min = INFINITY, sp_max = 0;
  for (size_t i = 0; !rc && i < sizeof k_models / sizeof k_models[0]; i++) {
    double tp, ep, tg, eg, tc, ec;
    sim_report pr;
    rc = step(&pim, k_models[i].model, NULL, WL_FP16, 0, &tp, &ep, &pr, err);
    if (rc) break;
    double hit = sim_report_get(&pr, "row_hit_rate", 0);
    /* Non-VMM share: time the ASIC works while the banks do not. */
    double asic = sim_report_get(&pr, "util_asic", 0);
    double pim_off = (double)pr.dram_bytes, gpu_off = 0;
    sim_report_fini(&pr);
    sim_report gr;
    if (!(rc = step(&gpu, k_models[i].model, "standard", WL_FP32, T4_BOARD_W,
                    &tg, &eg, &gr, err))) {
      gpu_off = (double)gr.dram_bytes;
      sim_report_fini(&gr);
    }
    if (rc ||
        (rc = step(&cpu, k_models[i].model, NULL, WL_FP32, XEON_TDP_W, &tc,
                   &ec, NULL, err)))
      break;
    char item[64];
    snprintf(item, sizeof item, "%s decode", k_models[i].label);
    double sg = tg / tp, sc = tc / tp;
    if (sg < sp_min) sp_min = sg;
    if (sg > sp_max) sp_max = sg;
    if (!strcmp(k_models[i].model, "gpt2-s")) {
      /* The calibration point, shown, not scored. */
      sim_val_row v;
      memset(&v, 0, sizeof v);
      snprintf(v.suite, sizeof v.suite, "pim");
      snprintf(v.item, sizeof v.item, "T4 baseline, GPT-2 S");
      snprintf(v.metric, sizeof v.metric, "ms_per_token");
      v.published = NAN;
      v.ours = tg * 1e3;
      snprintf(v.source, sizeof v.source, "HF generate fp32 on a T4: "
               "%.1f ms measured (onnxruntime-inference-benchmark)",
               T4_CALIB_MS);
      snprintf(v.note, sizeof v.note, "calibration point: gpu.framework_us "
               "= %s us was derived from this measurement", T4_FRAMEWORK_US);
      if ((rc = sim_val_add(t, &v))) break;
    }
    rc = row(t, item, "speedup_vs_t4", 33, 171, sg, src,
             "our T4 is an HF eager loop calibrated on GPT-2 S (9.0 ms "
             "measured); the paper's GPU times per model are not given; "
             "see docs/pim.md");
    if (!rc)
      rc = row(t, item, "speedup_vs_xeon", 505, 1343, sc, src,
               "CPU baseline is a roofline of the Xeon; the paper's is a "
               "framework measurement; see docs/pim.md");
    if (!rc)
      rc = row(t, item, "energy_eff_vs_t4", 98, 479, eg / ep, src,
               "follows the speedup (70 W x the T4's time per token)");
    if (!rc)
      rc = row(t, item, "offchip_reduction_vs_t4", 82.5, 323.75,
               pim_off > 0 ? gpu_off / pim_off : 0,
               "PIM-GPT body: 110-259x less off-chip data than the GPU",
               "the T4 moves fp32 weights (HF default); at fp16 it would "
               "move half");
    if (!rc)
      rc = row(t, item, "row_hit_rate", 0.95, 1.0, hit,
               "PIM-GPT body: about 98 % row hits", "");
    if (!rc && !strcmp(k_models[i].model, "gpt3-1.3b"))
      rc = row(t, item, "asic_busy_share", 0, 0.03, asic,
               "PIM-GPT body: non-VMM ops 1.16 % of GPT-3 XL latency",
               "our ASIC lanes are an assumption (32): the share scales "
               "with 1/lanes; see docs/pim.md");
  }
  if (!rc)
    rc = row(t, "8 models", "speedup_spread_max_over_min", 2.25, 3.75,
             sp_max / sp_min, src,
             "a launch-bound T4 loop grows with layers, PIM with layers x "
             "width^2: our speedup falls faster with size than the "
             "paper's band allows; see docs/pim.md");
  arch_unload(&pim);
  arch_unload(&gpu);
  arch_unload(&cpu);
  return rc;
}
