/*
 * gpu.h — the public face of the `gpu` architecture class (arch/gpu/):
 * the parameters a mapper needs to tile for a GPU (SM count, shared
 * memory, registers, occupancy limits, HBM and L2), and the occupancy
 * rule.  The model itself, its design and the sources of its numbers are
 * in gpu.c; docs/gpu.md has the validation table.
 *
 * Schedule contract (what a mapper for this class writes):
 *   units   "sm"   one slot per resident thread block: the class declares
 *                  sms x blocks_per_sm slots, blocks_per_sm from the
 *                  occupancy of the schedule's most occupying kernel;
 *           "host" one CPU thread issuing kernel launches (launch_us each)
 *   levels  "hbm"  shared bandwidth hbm_gbps
 *           "l2"   shared bandwidth l2_gbps
 *           "smem" per-SM shared-memory traffic: priced by the cost
 *                  callback as a pipe of smem_bytes_per_clk per SM
 *           "link" GPU-to-GPU traffic of a tensor-parallel group: one
 *                  direction of NVLink (nvlink_gbps / 2), else PCIe
 *   op      macs = tensor-core MACs of one block, elem_ops = its CUDA-core
 *           (fp32 pipe) operations, traffic per level of one block;
 *           payload (a flat JSON object of integers): "threads", "regs"
 *           (per thread), "smem" (bytes per block), "sfu" (special-
 *           function ops of one block: exp, reciprocal), "class" (a
 *           gpu_kclass: 0 gemm, 1 attention, 2 element-wise).
 *   tensors weights and KV cache are what must fit hbm_gb (per GPU: a
 *           tensor-parallel mapper writes one GPU's share).
 */
#ifndef TFSIM_GPU_H
#define TFSIM_GPU_H

#include "arch/arch.h"

typedef enum gpu_kclass {
  GPU_K_GEMM = 0, /* tensor-core GEMM / GEMV (cuBLAS-like tiles)       */
  GPU_K_ATTN = 1, /* fused attention (FlashAttention family)           */
  GPU_K_ELEM = 2, /* element-wise / reduction kernels on CUDA cores    */
  GPU_K_COUNT
} gpu_kclass;

typedef struct gpu_params {
  uint32_t sms;
  double clock_mhz;           /* boost: the peaks' clock */
  double run_clock_mhz;       /* the clock blocks compute at: the
                                 sustained clock under load, boost when
                                 ideal */
  uint32_t smem_per_sm_b;     /* configurable shared memory per SM */
  uint32_t smem_per_block_b;  /* most one block may allocate */
  uint32_t regs_per_sm;       /* 32-bit registers */
  uint32_t max_threads_per_sm;
  uint32_t max_blocks_per_sm;
  uint32_t smem_bytes_per_clk;/* per SM */
  uint32_t sfu_per_clk;       /* exp/rcp per SM per clock */
  uint32_t fp32_per_clk;      /* fp32 lanes per SM */
  double cuda_ops_per_clk[SIM_PREC_COUNT]; /* CUDA-core ops per clock per
                                 SM by precision (fp32 = fp32_per_clk);
                                 0: none (runs at the fp32 rate) */
  uint32_t l1_per_sm_b;       /* the L1 / shared-memory array per SM */
  double l2_b, l2_gbps;
  double hbm_b, hbm_gbps;
  double pcie_gbps, nvlink_gbps;
  double tc_macs_per_clk[SIM_PREC_COUNT]; /* per SM, dense; 0: none */
  double launch_us;           /* per kernel: gpu.launch_us + framework_us */
  double eff[GPU_K_COUNT];    /* tensor-core efficiency per kernel class */
  int ideal;                  /* 100 % of peak, no launch overhead */
} gpu_params;

/* The parameters of a loaded `gpu` architecture; SIM_EINVAL (naming the
 * file and its class) if a is another class. */
int gpu_params_of(const arch_model *a, const gpu_params **out, sim_err *err);

/* Resident blocks per SM for a kernel of `threads` threads, `regs`
 * registers per thread and `smem_b` bytes of shared memory per block:
 * min over the four limits (blocks, threads, registers, shared memory).
 * SIM_EINVAL, naming the limit, when not even one block fits. */
int gpu_occupancy(const gpu_params *p, uint32_t threads, uint32_t regs,
                  uint32_t smem_b, uint32_t *blocks, sim_err *err);

#endif /* TFSIM_GPU_H */
