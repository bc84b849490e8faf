/*
 * mcuInt.h — design of the `mcu` class (Cortex-M microcontrollers running
 * int8 transformers: MCUFormer, TinyEngine), shared by mcu.c (the class),
 * mcu_plan.c (the SRAM planner) and mcu_validate.c (the validation suite).
 *
 * ======================================================================
 * The machine
 * ======================================================================
 *
 * One in-order core ("core", count 1) at clock_mhz, an SRAM of sram_kb
 * (the contiguous budget a tensor arena may use; KB = 1024 B as in ST's
 * datasheets), an internal flash of flash_kb and optionally an external
 * (QSPI) flash of ext_flash_kb read at ext_flash_mbps.  Schedules name two
 * levels: "sram" (activations, on chip, no bandwidth limit: its cost is in
 * the kernels' cycles) and "flash" (weights).  Internal-flash reads are in
 * the kernels' measured throughput (the ART accelerator / caches stream
 * them), so the level is free; weights that spill to external flash stall
 * the core for their bytes at ext_flash_mbps (execute-in-place, no
 * overlap with compute: a pessimistic, stated choice).
 *
 *   compute(op) = macs / macs_per_cycle(prec) + elem_ops * elem_cycles
 *                 + op_overhead_cycles                      [cycles]
 *   time(op)    = ceil(compute) x period + ext_bytes(op) / ext_flash_mbps
 *
 * (an op takes whole cycles, so the reported cycle count is exact at the
 * clock period rounded to the picosecond).
 * The kernel library (mcu.kernels) picks the int8 MAC rate: tinyengine
 * (macs_per_cycle, the default) or cmsis-nn (macs_per_cycle_cmsis_nn).
 * macs_per_cycle is the throughput of a kernel library's int8 inner loops
 * on that core (a physical efficiency: SMLAD does two 16x16 MACs per
 * instruction, int8 needs SXTB16 unpacking, so the ceiling is 2 and real
 * loops reach 0.2 - 0.6).  It is set once per preset, from a published
 * measurement named beside it, and never fitted to a latency figure.
 * elem_cycles prices an int8 element-wise op (requantise, add, a LUT
 * lookup for exp/GELU); there is one value because a fused op's
 * element-wise work mixes functions.
 *
 * Energy: run_mw (the datasheet's run-mode power at that clock) x time,
 * the component "core"; external flash reads add ext_flash_byte_pj per
 * byte ("ext_flash").  An MCU's energy is dominated by its run power, so
 * nothing finer is claimed.
 *
 * ======================================================================
 * Planner (mcu_plan.c)
 * ======================================================================
 *
 * Lifetimes.  Tensor t is live from the first op that reads or writes it
 * to the last, in op-index order (one core runs ops in schedule order; a
 * group's iterations run one after another, so a tensor used only inside
 * a group is reused by every iteration and counted once).  Weights live
 * in flash, never in SRAM.  A tensor no op touches takes no space.
 *
 * In place.  An op that lists the same tensor in `in` and `out` writes
 * over its input: the residual stream updated in place, TinyEngine's
 * in-place depthwise, MCUFormer's token overwriting.  The planner needs
 * nothing special for it: the tensor simply stays one buffer.
 *
 * Placement.  Tensors in order of birth (then larger first, then id) are
 * placed at the lowest address where they overlap no placed tensor whose
 * lifetime overlaps theirs (first fit, TinyEngine's allocator).  A tensor
 * the mapper placed itself (addr >= 0) is placed first and checked.
 *
 * Invariants (checked with MCU_ASSERT): the live peak (largest sum of
 * bytes live at one op) is <= the placement's high-water mark; births and
 * deaths cancel.  Flash bytes count each weight once per iteration of the
 * group that reads it (a layer stack of 12 holds 12 copies).
 *
 * SRAM regions (optional, mcu.sram_regions: name, base, kb): the address
 * map's SRAM blocks.  They may not overlap (an error naming both and the
 * bytes in common); the tensor arena is one contiguous span, so
 * sram_kb, when given, must fit the largest run of adjacent regions, and
 * is that span when not given.
 *
 * Fits: peak SRAM <= sram_kb and weights <= flash_kb + ext_flash_kb.  The
 * report says which part fails and by how much.
 */
#ifndef TFSIM_ARCH_MCU_INT_H
#define TFSIM_ARCH_MCU_INT_H

#include "arch/arch.h"
#include "arch/mcu/mcu.h"

#define MCU_ASSERT(c)                                                     \
  do {                                                                    \
    if (!(c)) sim_panic("mcu", 0, "%s:%d: invariant %s", __FILE__,        \
                        __LINE__, #c);                                    \
  } while (0)

typedef struct mcu_energy {
  double run_mw;
  double ext_flash_byte_pj;
} mcu_energy;

/* One SRAM region of the address map (DTCM, SRAM1, ...). */
typedef struct mcu_region {
  char *name;
  uint64_t base; /* byte address */
  double kb;
} mcu_region;

typedef struct mcu_sec {
  char *core;
  double clock_mhz;
  double sram_kb;             /* the arena; 0: from sram_regions */
  mcu_region *sram_regions;   /* optional */
  unsigned sram_regions_count; /* libcyaml: <field>_count */
  double flash_kb;
  double ext_flash_kb;
  double ext_flash_mbps;
  double macs_per_cycle;      /* int8, TinyEngine-class kernels */
  double macs_per_cycle_cmsis_nn; /* int8, CMSIS-NN kernels; 0: none */
  char *kernels;              /* "tinyengine" (default) | "cmsis-nn" */
  double macs_per_cycle_fp32; /* 0: none */
  double elem_cycles;
  double op_overhead_cycles;
  mcu_energy *energy;
} mcu_sec;

typedef struct mcu_file {
  ARCH_HEADER_FIELDS;
  mcu_sec *mcu;
} mcu_file;

typedef struct mcu_state {
  uint64_t period_ps;
  double mhz;
  double macs_per_cycle[SIM_PREC_COUNT]; /* 0: this core has no rate */
  double elem_cycles, overhead_cycles;
  uint64_t sram_b, flash_b, ext_b;
  double ext_mbps;
  mcu_energy e;
  char core[32];
  char kernels[16];
} mcu_state;

/* The validation suite (`tfsim validate --suite mcu`). */
int mcu__validate(sim_val_table *t, sim_err *err);

#endif /* TFSIM_ARCH_MCU_INT_H */
