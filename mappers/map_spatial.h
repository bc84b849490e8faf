/*
 * map_spatial.h — the FuseMax / FLAT evaluation on the `spatial` class
 * (mappers/spatial_validate.c): one design point (model, sequence
 * length, design, scope) lowered, mapped and simulated, and the
 * validation suite `tfsim validate --suite spatial` built on it.
 * The benchmark tests/bench/bench_spatial.c runs the full evaluation
 * through map_spatial_eval.
 */
#ifndef TFSIM_MAP_SPATIAL_H
#define TFSIM_MAP_SPATIAL_H

#include "map.h"

/* The paper's four models and five designs. */
#define MAP_SP_N_MODELS 4
#define MAP_SP_N_DESIGNS 5
extern const char *const map_sp_models[MAP_SP_N_MODELS];  /* bert ... */
extern const char *const map_sp_designs[MAP_SP_N_DESIGNS]; /* mappers */

typedef struct map_sp_result {
  double latency_s, energy_j, util_2d, util_1d, dram_bytes;
  double gbuf_need_bytes;
  double busy[5]; /* FuseMax 2D einsums: QK, LM, SLN, SLD, SLNV */
} map_sp_result;

/* Runs one point: model "bert" | "trxl" | "t5" | "xlm" (the paper's
 * shapes), seq tokens, batch 64, design one of map_sp_designs (its
 * preset: fusemax for fusemax and fusemax-arch, flat otherwise), block =
 * 1 for one transformer block, fill_drain = 1 to model it.  mopt is an
 * optional "--map-opt" string (NULL: none). */
int map_spatial_eval(const char *model, uint64_t seq, const char *design,
                     int block, int fill_drain, const char *mopt,
                     map_sp_result *out, sim_err *err);

/* One MAC einsum (cascade op i, already in so as map_cascade_op made it)
 * as output-stationary (ws = 0) or weight-stationary folds of the 2D
 * array (spatial_gemm.c): count = folds, each [rows, cols, T]. */
struct spatial_params;
int map__spatial_gemm_op(const wl_cascade *w, size_t i,
                         const struct spatial_params *hw, int ws, int u2,
                         int dram, int gbuf, sim_sched_op *so, sim_err *err);

/* The validation suite: appends rows (published figures of FuseMax,
 * MICRO 2024, and its artifact) to t. */
int map_spatial_validate(sim_val_table *t, sim_err *err);

#endif /* TFSIM_MAP_SPATIAL_H */
