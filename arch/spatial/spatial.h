/*
 * spatial.h — the public face of the `spatial` architecture class
 * (arch/spatial/spatial.c): a 2D PE array (rows x cols, unit kind
 * "pe2d"), a 1D PE array (unit kind "pe1d"), PE register files, a global
 * buffer (level "gbuf") and off-chip memory (level "dram"), one clock.
 * The design essay and the sources of every number are in spatial.c's
 * header and in docs/spatial.md.
 *
 * Mappers (mappers/spatial_*.c) read the parameters they tile for
 * through spatial_params_of(); the model itself only ever sees a
 * schedule.
 */
#ifndef TFSIM_SPATIAL_H
#define TFSIM_SPATIAL_H

#include "arch/arch.h"

/* How a unit computes exp: not at all, with a pipelined exp unit (1
 * cycle per element), or as a multiply-add sequence on its MAC
 * (exp_mac_cycles + exp_add_cycles per element; FuseMax's 2D PE). */
typedef enum spatial_exp {
  SPATIAL_EXP_NONE = 0,
  SPATIAL_EXP_UNIT,
  SPATIAL_EXP_MAC
} spatial_exp;

typedef struct spatial_params {
  double clock_mhz;
  uint32_t rows, cols;      /* 2D array */
  uint32_t pe1d;            /* 1D array PEs */
  spatial_exp exp2d, exp1d;
  int div2d, div1d;         /* has a divider */
  uint32_t exp_mac_cycles, exp_add_cycles;
  uint32_t regs2d, regs1d;  /* register-file entries per PE */
  uint64_t gbuf_bytes;
  uint32_t gbuf_banks;
  double gbuf_gbps;         /* 0: not a bottleneck */
  double dram_gbps;         /* 1e9 B/s */
  int fill_drain;           /* systolic fill/drain and bubbles modelled */
  uint32_t tile_bubble_cycles;
  uint32_t word_bytes;      /* datapath word (2: fp16) */
} spatial_params;

/* The parameters of a loaded `spatial` model; SIM_EINVAL (with a
 * message) when m is another class. */
int spatial_params_of(const arch_model *m, spatial_params *out,
                      sim_err *err);

#endif /* TFSIM_SPATIAL_H */
