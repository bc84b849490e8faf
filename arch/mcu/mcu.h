/*
 * mcu.h — the public API of the `mcu` class beyond its ops table: the
 * SRAM memory planner and the MCUFormer NAS memory proxy, which mappers
 * (mappers/mcu.c), tests and benchmarks use directly.
 *
 * The planner works on a schedule only (arch/ never sees a workload):
 * every tensor that is not a weight lives in SRAM from the first op that
 * touches it to the last (op indices, the order one core runs them);
 * weights stay in flash.  Placement is TinyEngine's / MCUNet's: tensors in
 * order of birth are put first-fit in address space among the tensors
 * whose lifetimes overlap; peak SRAM is the high-water mark.  An op that
 * reads and writes the same tensor works in place (a residual add, an
 * overwritten token).  Design notes and invariants: mcuInt.h.
 */
#ifndef TFSIM_ARCH_MCU_H
#define TFSIM_ARCH_MCU_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

typedef struct mcu_plan {
  uint64_t peak_sram_bytes; /* high-water mark of the placement */
  uint64_t live_peak_bytes; /* max over ops of the bytes live at once:
                               a lower bound on any placement */
  size_t live_peak_op;      /* the first op where it occurs */
  uint64_t flash_bytes;     /* weights, each x the iterations of its group */
  size_t n_tensors;
  int64_t *addr;            /* per tensor: SRAM offset; -1 for weights and
                               tensors no op touches */
  uint32_t *first, *last;   /* lifetime in op indices (first > last:
                               unused) */
} mcu_plan;

/* Plans s.  Tensors with addr >= 0 (a mapper's own placement) keep it;
 * a placed tensor that collides with another live one is SIM_EINVAL
 * naming both.  *out is initialised by the call (mcu_plan_fini frees it,
 * also on error). */
int mcu_plan_run(const sim_sched *s, mcu_plan *out, sim_err *err);
void mcu_plan_fini(mcu_plan *p);

/* Bytes of the weights op i reads (its `in` tensors of kind weight). */
uint64_t mcu_op_weight_bytes(const sim_sched *s, size_t i);

/* For a front end (tfsim run): SIM_EINVAL when the weights of a run
 * (report of this class) fit no flash of the MCU, with one line naming
 * each memory, its key and the shortfall; 0 when they fit.  An SRAM
 * overflow is not an error (the run reports fits: false and by how
 * much), but weights with nowhere to live make the latency meaningless. */
int mcu_check_flash(const sim_report *rep, const char *arch_path,
                    sim_err *err);

/* The NAS memory proxy of the released MCUFormer code (int8 bytes):
 *   D * ((image / P)^2 + 1) * (1 + m) + D * D * m * r
 * with float division for image / P: input tokens, the full MLP hidden
 * activation, and one low-rank weight factor taken as resident.  Attention
 * is not counted.  (Liang et al., NeurIPS 2023, public code; the formula
 * as read term by term in docs/mcu.md.) */
double mcu_nas_proxy_bytes(double embed_dim, double mlp_ratio,
                           double patch, double rank_ratio, double image);

#endif /* TFSIM_ARCH_MCU_H */
