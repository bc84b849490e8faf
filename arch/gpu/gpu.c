/*
 * gpu.c — the `gpu` class: an NVIDIA-style GPU at thread-block
 * granularity on the generic executor (sim/exec.c).
 *
 * What is modelled
 * ----------------
 *  - SMs hold resident thread blocks.  Occupancy (blocks per SM) is the
 *    least of four limits (gpu_occupancy): max_blocks_per_sm,
 *    max_threads_per_sm / threads, regs_per_sm / (regs x threads),
 *    smem_per_sm / smem per block.  The executor's unit kind "sm" has
 *    sms x K slots, K the largest occupancy among the schedule's kernels;
 *    an op's `count` is its grid (blocks), dispatched in waves onto free
 *    slots, so wave quantisation and tails emerge from the executor.
 *  - A block's compute time comes from four SM pipes, in SM clocks at the
 *    full SM rate:
 *        tc   = MACs / (tensor MACs per clock per SM x eff[class])
 *        fp   = CUDA-core ops / fp32 lanes
 *        sfu  = exp (and reciprocal) ops / SFU lanes
 *        ls   = shared-memory bytes / shared-memory bytes per clock
 *    A block runs its main loop through the pipes in order (load tiles,
 *    mma, softmax, mma), so one block alone takes S = tc + fp + sfu + ls.
 *    k blocks resident on one SM interleave: the SM serves k stage-visits
 *    per loop, so a block's time is T(k) = max(S, k x max stage) (the
 *    cycle time of k jobs circulating through single-server stations, a
 *    closed form exact for deterministic round-robin).  A slot of an op
 *    whose occupancy k is below K takes T(k) x K / k, which keeps each
 *    SM's throughput right.
 *  - HBM and L2 are levels with a shared bandwidth ("hbm", "l2"); the
 *    executor splits them max-min fair among the blocks in flight and a
 *    block takes max(compute, bytes / share).  The mapper decides what
 *    hits L2 (working sets that fit) and writes the traffic per level.
 *  - Kernel launches are ops on the unit "host" (one CPU thread): each
 *    costs launch_us + framework_us (the CUDA launch, and the eager
 *    framework's own work per op: Python, dispatcher, allocator; 0
 *    unless a run models a framework loop); a kernel depends on its
 *    launch, so launches overlap the previous kernel (CUDA's asynchronous
 *    launch) and dominate only when kernels are short (a token loop).
 *  - MACs run on the tensor cores at their precision's rate; fp32 without
 *    a tensor-core rate runs on the CUDA cores (fp32_per_clk FMAs), as
 *    cuBLAS does with TF32 off; any other missing precision is refused.
 *  - Tensor-core efficiency eff[class] is the one calibration constant:
 *    physical (the fraction of the tensor-core peak a kernel class
 *    sustains, set once per GPU and kernel class in the preset, with its
 *    source), never fitted per figure.
 *  - Ideal mode (gpu.ideal: true): 100 % of every peak (eff = 1), the
 *    pipes overlap perfectly (T = k x max stage), no launch overhead: the
 *    peak-performance analysis of Fu (arXiv 2405.08944).
 *  - Capacity: the schedule's resident tensors (weights and KV cache)
 *    must fit gpu.hbm_gb; otherwise the run is refused with the shortfall
 *    and how many GPUs (--map-opt tp=N) would hold it.
 *  - A tensor-parallel group's link is the level "link" (one direction
 *    of NVLink, or PCIe), shared like HBM.
 *  - Energy per action: tensor MACs, CUDA-core and SFU ops, bytes per
 *    level, static power x latency (gpu.energy, with sources in the
 *    presets); the total is the sum of the components.
 *
 * Numbers: every preset (arch/configs/gpu-*.yaml) carries its source
 * beside each value (NVIDIA architecture whitepapers and datasheets, the
 * CUDA C Programming Guide's throughput table).
 */
#include "gpu.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gpu_prec_tab {
  double *fp32, *tf32, *fp16, *bf16, *int8, *int4, *fp8;
} gpu_prec_tab;

typedef struct gpu_eff_tab {
  double gemm, attention, elementwise;
} gpu_eff_tab;

typedef struct gpu_energy {
  double mac_pj;       /* one tensor-core MAC */
  double fp32_op_pj;   /* one CUDA-core or SFU op */
  double hbm_byte_pj;
  double l2_byte_pj;
  double smem_byte_pj;
  double static_w;
} gpu_energy;

typedef struct gpu_sec {
  unsigned sms;
  double clock_mhz;
  double sustained_clock_mhz;
  double smem_per_sm_kb;
  double smem_per_block_kb;
  unsigned regs_per_sm;
  unsigned max_threads_per_sm;
  unsigned max_blocks_per_sm;
  unsigned smem_bytes_per_clk;
  unsigned sfu_per_clk;
  unsigned fp32_per_clk;
  gpu_prec_tab *cuda_ops_per_clk;
  double l1_per_sm_kb;
  double l2_mb;
  double l2_gbps;
  double hbm_gb;
  double hbm_gbps;
  double pcie_gbps;
  double nvlink_gbps;
  gpu_prec_tab *tensor_macs_per_clk;
  double launch_us;
  double framework_us;
  gpu_eff_tab *efficiency;
  gpu_energy *energy;
  bool ideal;
  bool *hbm_check;
} gpu_sec;

typedef struct gpu_file {
  ARCH_HEADER_FIELDS;
  gpu_sec *gpu;
} gpu_file;

#define PREC_FIELD(n)                                                      \
  CYAML_FIELD_FLOAT_PTR(#n, CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,    \
                        gpu_prec_tab, n)
static const cyaml_schema_field_t prec_fields[] = {
    PREC_FIELD(fp32), PREC_FIELD(tf32), PREC_FIELD(fp16), PREC_FIELD(bf16),
    PREC_FIELD(int8), PREC_FIELD(int4), PREC_FIELD(fp8), CYAML_FIELD_END};

static const cyaml_schema_field_t eff_fields[] = {
    CYAML_FIELD_FLOAT("gemm", CYAML_FLAG_DEFAULT, gpu_eff_tab, gemm),
    CYAML_FIELD_FLOAT("attention", CYAML_FLAG_DEFAULT, gpu_eff_tab,
                      attention),
    CYAML_FIELD_FLOAT("elementwise", CYAML_FLAG_DEFAULT, gpu_eff_tab,
                      elementwise),
    CYAML_FIELD_END};

#define E_FLOAT(k) CYAML_FIELD_FLOAT(#k, CYAML_FLAG_DEFAULT, gpu_energy, k)
static const cyaml_schema_field_t energy_fields[] = {
    E_FLOAT(mac_pj),       E_FLOAT(fp32_op_pj),  E_FLOAT(hbm_byte_pj),
    E_FLOAT(l2_byte_pj),   E_FLOAT(smem_byte_pj), E_FLOAT(static_w),
    CYAML_FIELD_END};

#define F_FLOAT(k) CYAML_FIELD_FLOAT(#k, CYAML_FLAG_DEFAULT, gpu_sec, k)
#define F_UINT(k) CYAML_FIELD_UINT(#k, CYAML_FLAG_DEFAULT, gpu_sec, k)
static const cyaml_schema_field_t sec_fields[] = {
    F_UINT(sms),
    F_FLOAT(clock_mhz),
    CYAML_FIELD_FLOAT("sustained_clock_mhz", CYAML_FLAG_OPTIONAL, gpu_sec,
                      sustained_clock_mhz),
    F_FLOAT(smem_per_sm_kb),
    F_FLOAT(smem_per_block_kb),
    F_UINT(regs_per_sm),
    F_UINT(max_threads_per_sm),
    F_UINT(max_blocks_per_sm),
    F_UINT(smem_bytes_per_clk),
    F_UINT(sfu_per_clk),
    F_UINT(fp32_per_clk),
    CYAML_FIELD_MAPPING_PTR("cuda_ops_per_clk",
                            CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            gpu_sec, cuda_ops_per_clk, prec_fields),
    F_FLOAT(l1_per_sm_kb),
    F_FLOAT(l2_mb),
    F_FLOAT(l2_gbps),
    F_FLOAT(hbm_gb),
    F_FLOAT(hbm_gbps),
    F_FLOAT(pcie_gbps),
    CYAML_FIELD_FLOAT("nvlink_gbps", CYAML_FLAG_OPTIONAL, gpu_sec,
                      nvlink_gbps),
    CYAML_FIELD_MAPPING_PTR("tensor_macs_per_clk", CYAML_FLAG_POINTER,
                            gpu_sec, tensor_macs_per_clk, prec_fields),
    F_FLOAT(launch_us),
    CYAML_FIELD_FLOAT("framework_us", CYAML_FLAG_OPTIONAL, gpu_sec,
                      framework_us),
    CYAML_FIELD_MAPPING_PTR("efficiency", CYAML_FLAG_POINTER, gpu_sec,
                            efficiency, eff_fields),
    CYAML_FIELD_MAPPING_PTR("energy", CYAML_FLAG_POINTER, gpu_sec, energy,
                            energy_fields),
    CYAML_FIELD_BOOL("ideal", CYAML_FLAG_OPTIONAL, gpu_sec, ideal),
    CYAML_FIELD_BOOL_PTR("hbm_check",
                         CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, gpu_sec,
                         hbm_check),
    CYAML_FIELD_END};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(gpu_file),
    CYAML_FIELD_MAPPING_PTR("gpu", CYAML_FLAG_POINTER, gpu_file, gpu,
                            sec_fields),
    CYAML_FIELD_END};

static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, gpu_file, file_fields)};

typedef struct gpu_state {
  gpu_params p;
  gpu_energy e;
  uint64_t period_ps;
  int hbm_check;
} gpu_state;

static int gpu_init(const sim_cfg *c, void **state, sim_err *err) {
  const gpu_file *f = c->data;
  const gpu_sec *s = f->gpu;
  int rc;
  *state = NULL;
  if ((rc = sim_cfg_check_pos(c, err, "gpu.sms", s->sms)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.clock_mhz", s->clock_mhz)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.smem_per_sm_kb", s->smem_per_sm_kb)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.smem_per_block_kb", s->smem_per_block_kb)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.regs_per_sm", s->regs_per_sm)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.max_threads_per_sm", s->max_threads_per_sm)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.max_blocks_per_sm", s->max_blocks_per_sm)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.smem_bytes_per_clk", s->smem_bytes_per_clk)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.sfu_per_clk", s->sfu_per_clk)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.fp32_per_clk", s->fp32_per_clk)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.l1_per_sm_kb", s->l1_per_sm_kb)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.l2_mb", s->l2_mb)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.l2_gbps", s->l2_gbps)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.hbm_gb", s->hbm_gb)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.hbm_gbps", s->hbm_gbps)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.pcie_gbps", s->pcie_gbps)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.efficiency.gemm", s->efficiency->gemm)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.efficiency.attention",
                s->efficiency->attention)) ||
      (rc = sim_cfg_check_pos(c, err, "gpu.efficiency.elementwise",
                s->efficiency->elementwise)))
    return rc;
  if (!isfinite(s->sustained_clock_mhz) || s->sustained_clock_mhz < 0 ||
      s->sustained_clock_mhz > s->clock_mhz)
    return sim_cfg_fail(c, err, "gpu.sustained_clock_mhz", "must be in "
                        "0..gpu.clock_mhz (%g), 0 meaning the boost clock "
                        "(got %g)", s->clock_mhz, s->sustained_clock_mhz);
  if (s->smem_per_sm_kb > s->l1_per_sm_kb)
    return sim_cfg_fail(c, err, "gpu.smem_per_sm_kb", "%g KB exceeds the "
                        "L1/shared array gpu.l1_per_sm_kb (%g KB)",
                        s->smem_per_sm_kb, s->l1_per_sm_kb);
  if (s->smem_per_block_kb > s->smem_per_sm_kb)
    return sim_cfg_fail(c, err, "gpu.smem_per_block_kb", "%g KB exceeds "
                        "gpu.smem_per_sm_kb (%g KB)", s->smem_per_block_kb,
                        s->smem_per_sm_kb);
  /* Both are kept in bytes as uint32 (gpu_params): from 1 byte to 4 GB
   * (fuzz_arch: 2.9e129 KB converted out of range, undefined). */
  static const double smem_max_kb = (double)UINT32_MAX / 1024;
  if (s->smem_per_sm_kb > smem_max_kb)
    return sim_cfg_fail(c, err, "gpu.smem_per_sm_kb", "must be at most %.0f "
                        "KB (got %g)", smem_max_kb, s->smem_per_sm_kb);
  if (s->smem_per_block_kb * 1024 < 1)
    return sim_cfg_fail(c, err, "gpu.smem_per_block_kb", "must be at least "
                        "1 byte (got %g KB)", s->smem_per_block_kb);
  const double *effs[] = {&s->efficiency->gemm, &s->efficiency->attention,
                          &s->efficiency->elementwise};
  static const char *const eff_keys[] = {"gpu.efficiency.gemm",
                                         "gpu.efficiency.attention",
                                         "gpu.efficiency.elementwise"};
  for (int k = 0; k < GPU_K_COUNT; k++)
    if (*effs[k] > 1)
      return sim_cfg_fail(c, err, eff_keys[k], "an efficiency is a "
                          "fraction of peak: must be <= 1 (got %g)",
                          *effs[k]);
  static const char *const ek[] = {
      "gpu.energy.mac_pj", "gpu.energy.fp32_op_pj", "gpu.energy.hbm_byte_pj",
      "gpu.energy.l2_byte_pj", "gpu.energy.smem_byte_pj",
      "gpu.energy.static_w"};
  const double ev[] = {s->energy->mac_pj, s->energy->fp32_op_pj,
                       s->energy->hbm_byte_pj, s->energy->l2_byte_pj,
                       s->energy->smem_byte_pj, s->energy->static_w};
  for (int i = 0; i < 6; i++)
    if (!isfinite(ev[i]) || ev[i] < 0)
      return sim_cfg_fail(c, err, ek[i], "must be >= 0 (got %g)", ev[i]);
  if (!isfinite(s->launch_us) || s->launch_us < 0)
    return sim_cfg_fail(c, err, "gpu.launch_us", "must be >= 0 (got %g)",
                        s->launch_us);
  if (!isfinite(s->framework_us) || s->framework_us < 0)
    return sim_cfg_fail(c, err, "gpu.framework_us", "must be >= 0 (got %g)",
                        s->framework_us);
  if (!isfinite(s->nvlink_gbps) || s->nvlink_gbps < 0)
    return sim_cfg_fail(c, err, "gpu.nvlink_gbps", "must be >= 0");
  gpu_state *st = sim_calloc(1, sizeof *st);
  if (!st) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  gpu_params *p = &st->p;
  p->sms = s->sms;
  p->clock_mhz = s->clock_mhz;
  /* Realistic mode computes at the sustained clock; ideal at boost. */
  p->run_clock_mhz = s->ideal || !(s->sustained_clock_mhz > 0)
                         ? s->clock_mhz : s->sustained_clock_mhz;
  p->smem_per_sm_b = (uint32_t)(s->smem_per_sm_kb * 1024);
  p->smem_per_block_b = (uint32_t)(s->smem_per_block_kb * 1024);
  p->regs_per_sm = s->regs_per_sm;
  p->max_threads_per_sm = s->max_threads_per_sm;
  p->max_blocks_per_sm = s->max_blocks_per_sm;
  p->smem_bytes_per_clk = s->smem_bytes_per_clk;
  p->sfu_per_clk = s->sfu_per_clk;
  p->fp32_per_clk = s->fp32_per_clk;
  p->l1_per_sm_b = (uint32_t)(s->l1_per_sm_kb * 1024);
  for (int q = 0; q < SIM_PREC_COUNT; q++) p->cuda_ops_per_clk[q] = 0;
  p->cuda_ops_per_clk[SIM_P_FP32] = s->fp32_per_clk;
  p->l2_b = s->l2_mb * 1048576.0;
  p->l2_gbps = s->l2_gbps;
  p->hbm_b = s->hbm_gb * 1e9;
  p->hbm_gbps = s->hbm_gbps;
  p->pcie_gbps = s->pcie_gbps;
  p->nvlink_gbps = s->nvlink_gbps;
  p->launch_us = s->ideal ? 0 : s->launch_us + s->framework_us;
  p->ideal = s->ideal;
  p->eff[GPU_K_GEMM] = s->ideal ? 1 : s->efficiency->gemm;
  p->eff[GPU_K_ATTN] = s->ideal ? 1 : s->efficiency->attention;
  p->eff[GPU_K_ELEM] = s->ideal ? 1 : s->efficiency->elementwise;
  st->hbm_check = s->hbm_check ? *s->hbm_check : 1;
  st->e = *s->energy;
  static const struct { const char *name; sim_prec p; size_t off; } tab[] = {
      {"fp32", SIM_P_FP32, offsetof(gpu_prec_tab, fp32)},
      {"tf32", SIM_P_TF32, offsetof(gpu_prec_tab, tf32)},
      {"fp16", SIM_P_FP16, offsetof(gpu_prec_tab, fp16)},
      {"bf16", SIM_P_BF16, offsetof(gpu_prec_tab, bf16)},
      {"int8", SIM_P_INT8, offsetof(gpu_prec_tab, int8)},
      {"int4", SIM_P_INT4, offsetof(gpu_prec_tab, int4)},
      {"fp8", SIM_P_FP8, offsetof(gpu_prec_tab, fp8)}};
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    const double *cv =
        s->cuda_ops_per_clk
            ? *(double *const *)((const char *)s->cuda_ops_per_clk +
                                 tab[i].off)
            : NULL;
    if (cv) {
      char ckey[64];
      snprintf(ckey, sizeof ckey, "gpu.cuda_ops_per_clk.%s", tab[i].name);
      if ((rc = sim_cfg_check_pos(c, err, ckey, *cv))) {
        sim_free(st);
        return rc;
      }
      p->cuda_ops_per_clk[tab[i].p] = *cv;
    }
    const double *v = *(double *const *)((const char *)s->tensor_macs_per_clk +
                                         tab[i].off);
    if (!v) continue;
    char key[64];
    snprintf(key, sizeof key, "gpu.tensor_macs_per_clk.%s", tab[i].name);
    if ((rc = sim_cfg_check_pos(c, err, key, *v))) {
      sim_free(st);
      return rc;
    }
    p->tc_macs_per_clk[tab[i].p] = *v;
  }
  if (!(p->tc_macs_per_clk[SIM_P_FP16] > 0)) {
    sim_free(st);
    return sim_cfg_fail(c, err, "gpu.tensor_macs_per_clk.fp16",
                        "missing: every GPU preset needs its fp16 rate");
  }
  if (sim_s_to_ps(1e-6 / s->clock_mhz, &st->period_ps) || !st->period_ps) {
    sim_free(st);
    return sim_cfg_failc(c, err, SIM_ERANGE, "gpu.clock_mhz",
                         "clock period is not representable in ps");
  }
  *state = st;
  return 0;
}

static void gpu_fini(void *state) { sim_free(state); }

int gpu_params_of(const arch_model *a, const gpu_params **out,
                  sim_err *err) {
  *out = NULL;
  if (!a || !a->ops || strcmp(a->ops->cls, "gpu") != 0)
    return sim_err_set(err, SIM_EINVAL, "%s: class '%s' is not a gpu",
                       a ? a->cfg.path : "?", a && a->ops ? a->ops->cls
                                                          : "?");
  *out = &((const gpu_state *)a->state)->p;
  return 0;
}

int gpu_occupancy(const gpu_params *p, uint32_t threads, uint32_t regs,
                  uint32_t smem_b, uint32_t *blocks, sim_err *err) {
  *blocks = 0;
  if (threads == 0) threads = 128;
  if (regs == 0) regs = 32;
  uint64_t k = p->max_blocks_per_sm;
  const char *lim = "max_blocks_per_sm";
  uint64_t kt = p->max_threads_per_sm / threads;
  if (kt < k) k = kt, lim = "max_threads_per_sm";
  uint64_t kr = p->regs_per_sm / ((uint64_t)regs * threads);
  if (kr < k) k = kr, lim = "regs_per_sm";
  if (smem_b > p->smem_per_block_b)
    return sim_err_set(err, SIM_EINVAL, "a block needs %.1f KB of shared "
                       "memory, more than the %.1f KB one block may use "
                       "(gpu.smem_per_block_kb)", smem_b / 1024.0,
                       p->smem_per_block_b / 1024.0);
  if (smem_b) {
    uint64_t ks = p->smem_per_sm_b / smem_b;
    if (ks < k) k = ks, lim = "smem_per_sm_kb";
  }
  if (k == 0)
    return sim_err_set(err, SIM_EINVAL, "a block of %u threads x %u "
                       "registers does not fit one SM (gpu.%s)", threads,
                       regs, lim);
  *blocks = (uint32_t)k;
  return 0;
}

/* A flat JSON object of integers: the value of "key", or dflt. */
static uint64_t payload_u64(const char *js, const char *key, uint64_t dflt) {
  if (!js) return dflt;
  char pat[40];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *q = strstr(js, pat);
  if (!q) return dflt;
  q += strlen(pat);
  while (*q == ' ' || *q == ':') q++;
  char *end;
  unsigned long long v = strtoull(q, &end, 10);
  return end == q ? dflt : (uint64_t)v;
}

/* What an op's payload says, parsed once per schedule (the cost callback
 * runs per wave). */
typedef struct gpu_opinfo {
  uint32_t k;      /* resident blocks per SM */
  uint32_t kc;     /* gpu_kclass */
  uint64_t sfu;    /* SFU ops per block */
} gpu_opinfo;

typedef struct gpu_ctx {
  const gpu_state *st;
  const sim_cfg *cfg;
  int smem_lvl;    /* schedule level index of "smem", -1 */
  int host_unit;   /* schedule unit index of "host", -1 */
  uint32_t k_max;  /* slots per SM */
  gpu_opinfo *oi;  /* per op, parsed once from its payload */
} gpu_ctx;

/* MACs per SM per clock at prec: the tensor cores' rate, or for fp32
 * without one the CUDA cores' (one FMA per lane per clock: what cuBLAS
 * runs an fp32 GEMM on when TF32 is off, PyTorch's default for matmul);
 * 0: the GPU lacks the precision.  *cuda says which. */
static double mac_rate(const gpu_params *p, int prec, int *cuda) {
  *cuda = 0;
  if (prec < 0 || prec >= SIM_PREC_COUNT) return 0;
  if (p->tc_macs_per_clk[prec] > 0) return p->tc_macs_per_clk[prec];
  if (prec == SIM_P_FP32 && p->fp32_per_clk > 0) {
    *cuda = 1;
    return p->fp32_per_clk;
  }
  return 0;
}

/* Compute time of one block in ps (see the file header). */
static int gpu_cost(void *ctx, const sim_sched *s, size_t i, double *t_ps,
                    sim_err *err) {
  const gpu_ctx *c = ctx;
  const gpu_params *p = &c->st->p;
  const sim_sched_op *op = &s->ops[i];
  double clk_ps = 1e6 / p->run_clock_mhz;
  if ((int)op->unit == c->host_unit) {
    *t_ps = p->launch_us * 1e6;
    return 0;
  }
  int cuda;
  double rate = mac_rate(p, op->prec, &cuda);
  if (op->macs && !(rate > 0))
    return sim_err_set(err, SIM_EINVAL, "op %s: %s has no tensor-core "
                       "rate for %s (gpu.tensor_macs_per_clk.%s): this GPU "
                       "lacks the precision", op->name, c->cfg->path,
                       sim_prec_name(op->prec), sim_prec_name(op->prec));
  const gpu_opinfo *oi = &c->oi[i];
  double tc = op->macs ? (double)op->macs / (rate * p->eff[oi->kc]) : 0;
  /* Element-wise kernels compute at their precision's CUDA-core rate
   * (packed fp16/bf16), when the preset gives one; attention's softmax
   * and everything else in fp32. */
  double lanes = p->fp32_per_clk;
  if (oi->kc == GPU_K_ELEM && op->prec < SIM_PREC_COUNT &&
      p->cuda_ops_per_clk[op->prec] > 0)
    lanes = p->cuda_ops_per_clk[op->prec];
  double fp = (double)op->elem_ops / lanes;
  double sfu = (double)oi->sfu / p->sfu_per_clk;
  double ls = 0;
  if (c->smem_lvl >= 0)
    ls = (double)(op->rd_bytes[c->smem_lvl] + op->wr_bytes[c->smem_lvl]) /
         p->smem_bytes_per_clk;
  double mx = fmax(fmax(tc, fp), fmax(sfu, ls));
  double k = oi->k;
  double t = p->ideal ? k * mx : fmax(tc + fp + sfu + ls, k * mx);
  *t_ps = t * clk_ps * (double)c->k_max / k;
  return 0;
}

/* Weights and KV cache the schedule keeps resident (each once, KV times
 * the iterations of the group that reads it). */
static uint64_t resident_bytes(const sim_sched *s, uint64_t *w_b,
                               uint64_t *kv_b) {
  *w_b = *kv_b = 0;
  for (size_t t = 0; t < s->n_tensors; t++) {
    const sim_tensor *tn = &s->tensors[t];
    if (tn->kind != SIM_T_WEIGHT && tn->kind != SIM_T_KV) continue;
    uint64_t it = 1;
    for (size_t i = 0; i < s->n_ops && it == 1; i++)
      for (unsigned k = 0; k < s->ops[i].n_in; k++)
        if ((size_t)s->ops[i].in[k] == t) it = sim_sched_op_iters(s, &s->ops[i]);
    *(tn->kind == SIM_T_WEIGHT ? w_b : kv_b) += tn->bytes * it;
  }
  return *w_b + *kv_b;
}

typedef struct gpu_session {
  gpu_ctx ctx;
  sim_exec_arch a;
  sim_engine *e;
} gpu_session;

static void gpu_end(void *session) {
  gpu_session *ss = session;
  if (!ss) return;
  sim_engine_free(ss->e);
  sim_free(ss->ctx.oi);
  sim_free(ss);
}

static int gpu_begin(void *state, const sim_cfg *cfg, void **session,
                     sim_err *err) {
  const gpu_state *st = state;
  gpu_session *ss = sim_calloc(1, sizeof *ss);
  *session = NULL;
  if (!ss || !(ss->e = sim_engine_new()) ||
      sim_clock_add(ss->e, "sm", st->period_ps) < 0) {
    gpu_end(ss);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  ss->ctx.st = st;
  ss->ctx.cfg = cfg;
  *session = ss;
  return 0;
}

static int gpu_account(const gpu_ctx *c, const sim_sched *s,
                       const sim_exec_result *xr, sim_report *rep,
                       sim_err *err) {
  const gpu_params *p = &c->st->p;
  int hbm = sim_sched_find_level(s, "hbm"), l2 = sim_sched_find_level(s, "l2");
  double t_peak = 0, macs = 0, hbm_b = 0, l2_b = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    double n = (double)xr->ops[i].inst;
    macs += (double)op->macs * n;
    int cuda;
    double rate = mac_rate(p, op->prec, &cuda);
    if (op->macs && rate > 0)
      t_peak += (double)op->macs * n / (rate * p->sms) * 1e6 / p->clock_mhz;
    if (hbm >= 0) hbm_b += n * (double)(op->rd_bytes[hbm] + op->wr_bytes[hbm]);
    if (l2 >= 0) l2_b += n * (double)(op->rd_bytes[l2] + op->wr_bytes[l2]);
  }
  /* SM time per kernel class over all slots: the wall time the class
   * takes when its kernels fill the GPU (no wave tails), for reports
   * that split a run into matmul, attention and element-wise time. */
  double busy[GPU_K_COUNT] = {0}, host = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    if ((int)op->unit == c->host_unit) {
      host += xr->ops[i].busy_ps;
      continue;
    }
    busy[c->oi[i].kc] += xr->ops[i].busy_ps;
  }
  /* Energy per action (DESIGN.md section 6): MACs, CUDA-core and SFU
   * ops, bytes per level, static power x latency. */
  const gpu_energy *en = &c->st->e;
  sim_stats *ss = rep->stats;
  int h_c = sim_stat_register(ss, "compute", "energy", "pJ", SIM_STAT_SUM);
  int h_h = sim_stat_register(ss, "hbm", "energy", "pJ", SIM_STAT_SUM);
  int h_l = sim_stat_register(ss, "l2", "energy", "pJ", SIM_STAT_SUM);
  int h_m = sim_stat_register(ss, "smem", "energy", "pJ", SIM_STAT_SUM);
  int h_s = sim_stat_register(ss, "static", "energy", "pJ", SIM_STAT_SUM);
  if (h_c < 0 || h_h < 0 || h_l < 0 || h_m < 0 || h_s < 0)
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  int smem = sim_sched_find_level(s, "smem");
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    double n = (double)xr->ops[i].inst;
    double sfu = (double)c->oi[i].sfu;
    int cuda;
    (void)mac_rate(p, op->prec, &cuda);
    sim_stat_addf(ss, h_c, n * ((double)op->macs *
                                    (cuda ? en->fp32_op_pj : en->mac_pj) +
                                ((double)op->elem_ops + sfu) *
                                    en->fp32_op_pj));
    if (hbm >= 0)
      sim_stat_addf(ss, h_h, n * en->hbm_byte_pj *
                                 (double)(op->rd_bytes[hbm] +
                                          op->wr_bytes[hbm]));
    if (l2 >= 0)
      sim_stat_addf(ss, h_l, n * en->l2_byte_pj *
                                 (double)(op->rd_bytes[l2] + op->wr_bytes[l2]));
    if (smem >= 0)
      sim_stat_addf(ss, h_m, n * en->smem_byte_pj *
                                 (double)(op->rd_bytes[smem] +
                                          op->wr_bytes[smem]));
  }
  sim_stat_addf(ss, h_s, en->static_w * (double)rep->latency_ps);
  double slots = (double)p->sms * c->k_max;
  static const char *const bk[GPU_K_COUNT] = {"sm_s_gemm", "sm_s_attention",
                                              "sm_s_elementwise"};
  int rc = 0;
  for (int kc = 0; kc < GPU_K_COUNT && !rc; kc++)
    rc = sim_report_metric_agg(rep, bk[kc], busy[kc] / slots * 1e-12,
                               SIM_AGG_SUM);
  if (!rc) rc = sim_report_metric_agg(rep, "host_s_launch", host * 1e-12,
                                      SIM_AGG_SUM);
  double lat = (double)rep->latency_ps;
  rep->util = lat > 0 ? t_peak / lat : 0;
  snprintf(rep->schedule, sizeof rep->schedule, "%s",
           p->ideal ? "gpu, ideal (100 % of peak, no launch overhead)"
                    : "gpu, thread blocks in waves on SMs");
  if (!rc) rc = sim_report_metric_agg(rep, "macs", macs, SIM_AGG_SUM);
  if (!rc) rc = sim_report_metric_agg(rep, "hbm_bytes", hbm_b, SIM_AGG_SUM);
  if (!rc) rc = sim_report_metric_agg(rep, "l2_bytes", l2_b, SIM_AGG_SUM);
  if (!rc)
    rc = sim_report_metric(rep, "tflops",
                           lat > 0 ? 2 * macs / (lat * 1e-12) / 1e12 : 0);
  if (!rc)
    rc = sim_report_metric_agg(rep, "blocks_per_sm", c->k_max, SIM_AGG_MAX);
  uint64_t w_b, kv_b, need = resident_bytes(s, &w_b, &kv_b);
  if (!rc) rc = sim_report_metric_agg(rep, "resident_bytes", (double)need,
                                      SIM_AGG_MAX);
  if (!rc) rc = sim_report_metric_bool(rep, "fits_memory",
                                       (double)need <= p->hbm_b);
  return rc ? sim_err_set(err, SIM_ENOMEM, "out of memory") : 0;
}

static int gpu_step(void *session, const sim_sched *s, sim_report *rep,
                    sim_err *err) {
  gpu_session *ss = session;
  gpu_ctx *c = &ss->ctx;
  const gpu_params *p = &c->st->p;
  int rc;
  uint64_t w_b, kv_b, need = resident_bytes(s, &w_b, &kv_b);
  if (c->st->hbm_check && (double)need > p->hbm_b) {
    double per = p->hbm_b;
    unsigned n = (unsigned)ceil((double)need / per);
    return sim_err_set(err, SIM_EINVAL, "%s: the model needs %.2f GB of HBM "
                       "(weights %.2f GB + KV cache %.2f GB), %.2f GB more "
                       "than gpu.hbm_gb = %.0f GB; it would fit on %u GPUs "
                       "(--map-opt tp=%u, before activations)",
                       c->cfg->path, need / 1e9, w_b / 1e9, kv_b / 1e9,
                       (need - per) / 1e9, per / 1e9, n, n);
  }
  /* Occupancy, class and SFU work per op from its payload; slots per
   * SM = the largest occupancy. */
  sim_free(c->oi);
  c->oi = sim_calloc(s->n_ops ? s->n_ops : 1, sizeof *c->oi);
  if (!c->oi) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  c->smem_lvl = sim_sched_find_level(s, "smem");
  c->host_unit = sim_sched_find_unit(s, "host");
  c->k_max = 1;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    gpu_opinfo *oi = &c->oi[i];
    uint64_t kc = payload_u64(op->payload, "class", GPU_K_GEMM);
    oi->kc = kc < GPU_K_COUNT ? (uint32_t)kc : GPU_K_GEMM;
    oi->sfu = payload_u64(op->payload, "sfu", 0);
    oi->k = 1;
    if ((int)op->unit == c->host_unit) continue;
    sim_err e2 = {0};
    if (gpu_occupancy(p, (uint32_t)payload_u64(op->payload, "threads", 128),
                      (uint32_t)payload_u64(op->payload, "regs", 32),
                      (uint32_t)payload_u64(op->payload, "smem", 0), &oi->k,
                      &e2))
      return sim_err_set(err, SIM_EINVAL, "op %s: %s", op->name, e2.msg);
    if (oi->k > c->k_max) c->k_max = oi->k;
  }
  sim_exec_arch *a = &ss->a;
  memset(a, 0, sizeof *a);
  snprintf(a->units[0].kind, sizeof a->units[0].kind, "sm");
  a->units[0].count = p->sms * c->k_max;
  snprintf(a->units[1].kind, sizeof a->units[1].kind, "host");
  a->units[1].count = 1;
  a->n_units = 2;
  /* "link": the GPU-to-GPU link of a tensor-parallel group, one
   * direction (NVLink's figure is both directions), PCIe without NVLink. */
  static const char *const lv[] = {"hbm", "l2", "smem", "link"};
  double bw[] = {p->hbm_gbps, p->l2_gbps, 0,
                 p->nvlink_gbps > 0 ? p->nvlink_gbps / 2 : p->pcie_gbps};
  for (int l = 0; l < 4; l++) {
    snprintf(a->levels[l].name, sizeof a->levels[l].name, "%s", lv[l]);
    a->levels[l].gbps = bw[l];
  }
  a->n_levels = 4;
  a->ctx = c;
  a->cost = gpu_cost;
  sim_exec_result xr;
  rc = sim_exec_run(ss->e, s, a, NULL, &xr, err);
  if (!rc)
    rc = arch_exec_report(s, &xr, c->st->period_ps, "sm",
                          sim_sched_find_level(s, "hbm"), NULL, NULL, rep,
                          err);
  if (!rc) rc = gpu_account(c, s, &xr, rep, err);
  sim_exec_result_fini(&xr);
  return rc;
}

const arch_ops gpu_arch_ops = {
    .iVersion = 2,
    .cls = "gpu",
    .summary = "GPU: thread blocks in waves on SMs (occupancy), HBM and L2 "
               "shared bandwidth, tensor/CUDA/SFU/shared-memory pipes",
    .schema = &file_schema,
    .init = gpu_init,
    .fini = gpu_fini,
    .trace = NULL,
    .validate = NULL,
    .begin = gpu_begin,
    .step = gpu_step,
    .end = gpu_end,
};
