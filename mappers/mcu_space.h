/*
 * mcu_space.h — the MCUFormer search space on one MCU (mappers/
 * mcu_space.c): every subnet of the public code's "T" space, lowered,
 * mapped (by default with the mcuformer mapper) and run on an `mcu`
 * architecture, with the verdicts a designer needs: does it fit the SRAM
 * (planned), the internal flash, the internal plus external flash, and
 * does the released code's NAS memory proxy agree.  The search returns
 * the largest subnet (parameters, a stand-in for accuracy, which tfsim
 * does not model) that fits, through the shared search driver.
 *
 * Kept out of map.h so the class's parallel development touches no shared
 * header.
 */
#ifndef TFSIM_MAP_MCU_SPACE_H
#define TFSIM_MAP_MCU_SPACE_H

#include "mappers/map.h"

/* One subnet's figures. */
typedef struct map_mcu_point {
  wl_mcu_cfg cfg;
  uint64_t params;
  double proxy_bytes;      /* mcu_nas_proxy_bytes */
  uint64_t peak_sram_bytes;
  uint64_t flash_bytes;
  int fits_sram;           /* planned peak <= SRAM */
  int fits_int_flash;      /* weights <= internal flash */
  int fits_flash;          /* weights <= internal + external */
  int proxy_fits;          /* proxy <= SRAM */
  double latency_s;
} map_mcu_point;

typedef struct map_mcu_space_opts {
  const char *mapper;        /* NULL: mcuformer */
  const char *const *kv;     /* its --map-opt strings */
  size_t n_kv;
  /* Optional: called for every subnet, in space order. */
  void (*each)(void *ud, const map_mcu_point *p);
  void *ud;
} map_mcu_space_opts;

typedef struct map_mcu_space_result {
  uint64_t n;                /* subnets */
  uint64_t fits_sram, fits_int_flash, fits_flash, fits_all_int, fits_all;
  uint64_t proxy_fits, proxy_agrees;
  int found;                 /* a subnet fits SRAM and flash */
  map_mcu_point best;        /* the largest that fits (params) */
} map_mcu_space_result;

/* The T space: embed 168/192/216, depth 12-14, heads 3-4, MLP ratio 3.5/4,
 * patch 16/20/24/28/32, rank ratio 0.40..0.95 step 0.05 (2,160 subnets).
 * Runs every one on `a` (class mcu).  Errors: a class that is not mcu,
 * a mapper that fails. */
int map_mcu_space(arch_model *a, const map_mcu_space_opts *o,
                  map_mcu_space_result *out, sim_err *err);

#endif /* TFSIM_MAP_MCU_SPACE_H */
