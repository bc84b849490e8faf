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
  uint64_t macs;
  uint64_t sram_bytes;     /* the architecture's SRAM */
} map_mcu_point;

typedef struct map_mcu_space_opts {
  const char *mapper;        /* NULL: mcuformer */
  const char *const *kv;     /* its --map-opt strings */
  size_t n_kv;
  /* Optional: called for every subnet, in space order. */
  void (*each)(void *ud, const map_mcu_point *p);
  void *ud;
  /* Optional: only subnets with this patch size / embed dim (0: all). */
  uint32_t only_patch, only_embed;
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

/* ---------------------------------------------------------------------- */
/* The search a user asks for (`tfsim search`): every subnet of the T     */
/* space under each mapper, against a memory budget.                      */
/* ---------------------------------------------------------------------- */

#define MAP_MCU_N_RANK 12  /* rank ratio 0.40 .. 0.95 step 0.05 */
#define MAP_MCU_N_PATCH 5  /* patch 16, 20, 24, 28, 32 */

/* The dimension values, for tables: rank ratio of row i, patch of
 * column j. */
double map_mcu_rank_ratio(size_t i);
uint32_t map_mcu_patch(size_t j);

typedef struct map_mcu_search_opts {
  const char *const *mappers; /* names; NULL / 0: naive, tinyengine,
                                 mcuformer */
  size_t n_mappers;
  const char *const *kv;      /* --map-opt strings, for mappers that take
                                 them (the mcuformer mapper) */
  size_t n_kv;
  uint64_t budget_bytes;      /* SRAM budget; 0: the architecture's SRAM */
  uint32_t only_patch, only_embed; /* 0: all */
  /* Optional: called after each subnet run, done of total (subnets x
   * mappers, the filtered ones included as they are passed over). */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} map_mcu_search_opts;

typedef struct map_mcu_mapper_result {
  char mapper[32];
  uint64_t n;                 /* subnets run */
  map_mcu_point *fit;         /* those under the budget whose weights fit
                                 the flash (internal + external), fastest
                                 first (ties: space order) */
  size_t n_fit;
  /* Per (rank ratio, patch): subnets and those that fit. */
  uint64_t cell_n[MAP_MCU_N_RANK][MAP_MCU_N_PATCH];
  uint64_t cell_fit[MAP_MCU_N_RANK][MAP_MCU_N_PATCH];
  /* Those the released NAS memory proxy (mcu_nas_proxy_bytes) puts under
   * the budget: the paper's own estimate, the same for every mapper. */
  uint64_t cell_proxy_fit[MAP_MCU_N_RANK][MAP_MCU_N_PATCH];
} map_mcu_mapper_result;

typedef struct map_mcu_search_result {
  uint64_t budget_bytes;      /* the budget used */
  map_mcu_mapper_result *m;   /* one per mapper, in the order asked */
  size_t n_m;
} map_mcu_search_result;

/* Runs the search.  out is initialised by the call and freed by
 * map_mcu_search_fini (also on error).  Errors: a class that is not mcu,
 * an unknown mapper or one of another class (named), a mapper failure. */
int map_mcu_search(arch_model *a, const map_mcu_search_opts *o,
                   map_mcu_search_result *out, sim_err *err);
void map_mcu_search_fini(map_mcu_search_result *r);

#endif /* TFSIM_MAP_MCU_SPACE_H */
