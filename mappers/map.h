/*
 * map.h — the mappers' public API: the registry of mappers (workload x
 * architecture -> schedule), their options, and the mapping-space search
 * they share.
 *
 * A mapper is an ops table (iVersion grows at the end only).  It reads the
 * workload's einsum cascade and the loaded architecture, and emits a
 * sim_sched: plain data, serialisable (res_sched_write_json), testable
 * without running any model.  Each mapper names the architecture class it
 * targets; `tfsim run` picks the class's default mapper when none is
 * given.
 *
 * Options (opts.c).  A mapper declares its options as a table of
 * map_opt_def (key, type, default, range or allowed values, help).  The
 * user's `--map-opt key=value` strings are parsed and checked against that
 * table by map_opts_new before the mapper runs, so a mapper only ever sees
 * valid, typed values, read with map_opt_int/_float/_bool/_enum.  An
 * unknown key or a bad value is SIM_EINVAL (exit status 2) with one line
 * naming the key and what is allowed.
 *
 * Search (search.c, DESIGN.md section 5).  A mapper that has choices
 * declares a mapping space (discrete dimensions, each a list of candidate
 * values, and an optional validity predicate), a fast estimate of a
 * point's cost and, optionally, a lower bound on it; map_search explores
 * the space with the strategy the user chose (exhaustive, random, greedy
 * with pruning) through the shared options MAP_SEARCH_OPTS.  Searches are
 * deterministic: the same space, options and seed give the same point.
 * docs/mappers.md shows a mapper declaring a tile space.
 */
#ifndef TFSIM_MAP_H
#define TFSIM_MAP_H

#include "arch/arch.h"
#include "sim/sim.h"
#include "workloads/wl.h"

/* ---------------------------------------------------------------------- */
/* Options                                                                */
/* ---------------------------------------------------------------------- */

typedef enum map_opt_type {
  MAP_OPT_INT = 0, /* int64, within imin..imax                    */
  MAP_OPT_FLOAT,   /* finite double, within fmin..fmax             */
  MAP_OPT_BOOL,    /* true|false (also 1|0, yes|no, on|off)        */
  MAP_OPT_ENUM     /* one of `values` (a loop order, a strategy)   */
} map_opt_type;

/* One declared option.  A table ends with an entry whose key is NULL.
 * Ranges are inclusive; imin == imax == 0 (or fmin == fmax == 0) means
 * unbounded.  The default is written as a user would write the value and
 * is parsed by the same rules (a default that does not parse is a bug in
 * the table: SIM_EINTERNAL). */
typedef struct map_opt_def {
  const char *key;           /* "block_m" */
  map_opt_type type;
  const char *dflt;          /* "64" */
  int64_t imin, imax;        /* INT */
  double fmin, fmax;         /* FLOAT */
  const char *const *values; /* ENUM: allowed values, NULL-terminated */
  const char *help;          /* one line for `tfsim list mappers` */
} map_opt_def;

/* Parsed, validated options of one mapper (opaque; owned by the caller of
 * map_opts_new, freed with map_opts_free). */
typedef struct map_opts map_opts;

/* What values a declared option allows, as text: "1..100000000", "any
 * integer", "0.5..2", "true|false", "exhaustive|random|greedy". */
void map_opt_domain(const map_opt_def *d, char *buf, size_t n);

/* ---------------------------------------------------------------------- */
/* Mappers                                                                */
/* ---------------------------------------------------------------------- */

/* iVersion history.
 *   1: name, arch_cls, summary, is_default, map (without options).
 *   2: map takes the parsed options (its signature changed in place: all
 *      mappers live in this tree and were updated together, so no v1
 *      entry point is kept); `opts` added at the end.  map_run reads
 *      `opts` only from iVersion >= 2 tables. */
typedef struct map_ops {
  int iVersion;           /* 2 */
  const char *name;       /* "roofline" */
  const char *arch_cls;   /* class it maps onto: "ideal", "pim", ... */
  const char *summary;    /* one line for `tfsim list mappers` */
  int is_default;         /* the class's default mapper */
  int (*map)(const wl_cascade *w, const arch_model *a, const map_opts *o,
             sim_sched *out, sim_err *err);
  /* iVersion >= 2 */
  const map_opt_def *opts; /* declared options, ended by key == NULL;
                              NULL or an empty table: none */
} map_ops;

const map_ops *const *map_list(void); /* NULL-terminated */

/* Building blocks for mappers that start from the cascade (roofline.c):
 * the schedule function of a cascade op, the tensor kind of a cascade
 * tensor, the cascade's tensors as the schedule's tensor table (home
 * `level`), op i as a schedule op on `unit` with its traffic on `level`,
 * and layers lowered with repeat = depth as groups (see roofline.c). */
sim_fn map_fn_of(const wl_op *op);
sim_tensor_kind map_tensor_kind_of(wl_tensor_kind k);
int map_cascade_tensors(const wl_cascade *w, sim_sched *out, int level,
                        sim_err *err);
int map_cascade_op(const wl_cascade *w, size_t i, int unit, int level,
                   sim_sched_op *out);
int map_cascade_groups(const wl_cascade *w, sim_sched *out, sim_err *err);
const map_ops *map_find(const char *name);
const map_ops *map_default_for(const char *arch_cls);

/* Finds the mapper (or the class default if name is NULL), checks it
 * targets the arch's class, parses the n_kv "key=value" strings of kv
 * against its options (map_opts_new), and runs it.  *out is initialised
 * by the call and owned by the caller (sim_sched_fini) even on error. */
int map_run(const char *name, const wl_cascade *w, const arch_model *a,
            const char *const *kv, size_t n_kv, sim_sched *out,
            sim_err *err);

/* Parses "key=value" strings against m's declared options; every option
 * not given takes its default.  Errors (SIM_EINVAL unless noted), one
 * line each:
 *   --map-opt: 'x' is not key=value
 *   --map-opt: mapper 'X' has no option 'k' (allowed: a, b, c)
 *   --map-opt: k=v: not an integer; allowed: 1..64
 *   --map-opt: k given twice (k=1, k=2)
 *   a default that does not parse: SIM_EINTERNAL; out of memory:
 *   SIM_ENOMEM.
 * *out is set to NULL first, and stays NULL on error. */
int map_opts_new(const map_ops *m, const char *const *kv, size_t n_kv,
                 map_opts **out, sim_err *err);
void map_opts_free(map_opts *o); /* NULL: no-op */

/* Typed reads.  Asking for a key the mapper did not declare, or with the
 * wrong type, is a bug in the mapper: sim_panic. */
int64_t map_opt_int(const map_opts *o, const char *key);
double map_opt_float(const map_opts *o, const char *key);
int map_opt_bool(const map_opts *o, const char *key);
const char *map_opt_enum(const map_opts *o, const char *key);
/* The index of the enum's value in its `values` list. */
int map_opt_enum_index(const map_opts *o, const char *key);
/* 1 if the user gave the key, 0 if it holds its default. */
int map_opt_given(const map_opts *o, const char *key);

/* ---------------------------------------------------------------------- */
/* Mapping space and search (search.c)                                    */
/* ---------------------------------------------------------------------- */

#define MAP_DIM_MAX 12 /* dimensions of a mapping space */

/* One discrete dimension: a name and its candidate values, either numbers
 * (tile sizes) or names (loop orders, stationarity), in the order the
 * mapper wants ties broken (earlier wins). */
typedef struct map_dim {
  const char *name;         /* "tile_m" */
  uint32_t n;               /* number of candidates, >= 1 */
  const int64_t *ivals;     /* numeric candidates, or NULL ...  */
  const char *const *svals; /* ... named candidates (exactly one is set) */
} map_dim;

/* A point: the index of the chosen candidate in each dimension.  Points
 * are ordered as an odometer with the last dimension fastest (dimension 0
 * is the outermost loop); that order enumerates exhaustive search and
 * breaks ties in every strategy. */
typedef struct map_point {
  uint32_t idx[MAP_DIM_MAX];
} map_point;

typedef struct map_space {
  const map_dim *dims;
  size_t n_dims; /* 1..MAP_DIM_MAX */
  /* Optional constraint, cheap, checked before any estimate: 1 if p is
   * legal (the tile fits the buffer), 0 if not.  ctx is map_search's. */
  int (*valid)(void *ctx, const map_point *p);
} map_space;

/* What an estimate or bound hook returns for a point it finds illegal. */
#define MAP_INVALID 1

/* The fast estimate of a point: 0 with *cost set (finite or +inf, lower is
 * better), MAP_INVALID for an illegal point, or a negative SIM_E* code that
 * stops the search.  NaN is a bug (SIM_EINTERNAL). */
typedef int (*map_estimate_fn)(void *ctx, const map_point *p, double *cost);
/* Optional: a lower bound on estimate(p), cheaper than it (e.g. the
 * compute-bound time, ignoring memory).  Same returns.  A point whose
 * bound cannot beat the best so far is pruned: never estimated. */
typedef int (*map_bound_fn)(void *ctx, const map_point *p, double *lb);

typedef enum map_strategy {
  MAP_SEARCH_EXHAUSTIVE = 0, /* every point, in point order            */
  MAP_SEARCH_RANDOM,         /* `budget` distinct points, seeded        */
  MAP_SEARCH_GREEDY          /* coordinate descent from a start point   */
} map_strategy;

/* "exhaustive", "random", "greedy", NULL: indexed by map_strategy. */
extern const char *const map_search_names[];

#define MAP_BUDGET_MAX 100000000 /* random and greedy keep ~16 B a point */

/* The options every searching mapper shares: put this fragment in the
 * mapper's option table, with its default strategy and budget (strings):
 *
 *   static const map_opt_def gemm_opts[] = {
 *       MAP_SEARCH_OPTS("exhaustive", "100000"),
 *       {.key = "dataflow", ...},
 *       {0}};
 *
 * and read them with map_search_cfg_from. */
#define MAP_SEARCH_OPTS(dflt_search, dflt_budget)                           \
  {.key = "search", .type = MAP_OPT_ENUM, .dflt = (dflt_search),            \
   .values = map_search_names,                                              \
   .help = "how to search the mapping space"},                              \
  {.key = "seed", .type = MAP_OPT_INT, .dflt = "1", .imin = 0,              \
   .imax = INT64_MAX,                                                        \
   .help = "search=random: the run seed (stream 'map.search')"},            \
  {.key = "budget", .type = MAP_OPT_INT, .dflt = (dflt_budget), .imin = 1,  \
   .imax = MAP_BUDGET_MAX,                                                   \
   .help = "most points visited: exhaustive refuses a larger space, "       \
           "random draws this many, greedy stops there"}

typedef struct map_search_cfg {
  map_strategy strategy;
  uint64_t seed;          /* random: sim_rng_for(seed, "map.search") */
  uint64_t budget;        /* >= 1: the most distinct points visited */
  const map_point *start; /* greedy: where descent starts; NULL: index 0 in
                             every dimension */
} map_search_cfg;

typedef struct map_search_result {
  map_point best;       /* the winner */
  double cost;          /* its estimate */
  uint64_t n_space;     /* points in the space */
  uint64_t n_visited;   /* distinct points looked at (<= budget) */
  uint64_t n_estimated; /* estimate calls */
  uint64_t n_invalid;   /* rejected by valid(), the bound or the estimate */
  uint64_t n_pruned;    /* skipped: their bound could not beat the best */
  int budget_hit;       /* random/greedy stopped on the budget */
} map_search_result;

/* Reads MAP_SEARCH_OPTS (search, seed, budget) from o; start = NULL. */
void map_search_cfg_from(const map_opts *o, map_search_cfg *cfg);

/* Searches s for the point of least estimate (ties: the earlier point in
 * point order).  Deterministic: the same space, hooks, cfg (and seed)
 * give the same result.  Errors, one line each:
 *   SIM_EINTERNAL  the space is declared wrong (no dims, a dim without
 *                  candidates, ...), a start index out of range, NaN cost;
 *   SIM_ERANGE     the space has 2^64 points or more;
 *   SIM_EINVAL     exhaustive over more points than the budget (names the
 *                  space's size; sample with search=random), or no valid
 *                  point was found (says how many were rejected, how);
 *   a hook's negative code, with the point it failed at (unless the hook
 *   set err itself, reaching it through ctx: err is cleared first). */
int map_search(const map_space *s, map_estimate_fn estimate,
               map_bound_fn bound, void *ctx, const map_search_cfg *cfg,
               map_search_result *best, sim_err *err);

/* The number of points (SIM_ERANGE past 2^64 - 1; SIM_EINTERNAL for a
 * space declared wrong, with err set). */
int map_space_size(const map_space *s, uint64_t *n, sim_err *err);
/* A dimension's index by name, or -1. */
int map_space_dim(const map_space *s, const char *name);
/* The candidate p holds in dimension d (numeric or named dimension). */
int64_t map_point_int(const map_space *s, const map_point *p, size_t d);
const char *map_point_str(const map_space *s, const map_point *p, size_t d);
/* "tile_m=64 tile_n=32 order=mnk" (truncated to n). */
void map_point_format(const map_space *s, const map_point *p, char *buf,
                      size_t n);

/* Lowers the model with o and maps it (mapper NULL: the class default). */
int map_lower_and_map(const wl_model *m, const wl_opts *o,
                      const arch_model *am, const char *mapper,
                      const char *const *kv, size_t n_kv, sim_sched *out,
                      sim_err *err);

/* A whole run (simulate.c): prefill, or o->gen decode steps with the KV
 * cache growing from o->kv, lowered and mapped once (see simulate.c). */
typedef struct map_sim_opts {
  const char *mapper;            /* NULL: the class default */
  const char *const *kv_opts;    /* --map-opt "key=value" */
  size_t n_kv_opts;
  int step_ops;                  /* keep a per-step op timeline */
  int relower_every_step;        /* lower and map each step (tests) */
  int unroll_layers;             /* one op per layer, no groups */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} map_sim_opts;

/* Fills rep (sim_report_init'ed, empty); first (may be NULL) receives a
 * copy of the first step's schedule (initialised by the call). */
int map_simulate(arch_model *am, const wl_model *m, const wl_opts *o,
                 const map_sim_opts *so, sim_report *rep, sim_sched *first,
                 sim_err *err);

/* Validation suites that need mappers (arch/ cannot map a workload):
 * `tfsim validate --suite NAME` runs them beside the classes' own. */
typedef struct map_suite {
  const char *name; /* "gpu" */
  int (*run)(sim_val_table *t, sim_err *err);
} map_suite;
const map_suite *const *map_suites(void); /* NULL-terminated */

/* gpu_validate.c: the gpu suite and its helpers (tests and benchmarks
 * use them).  map_gpu_load loads a preset from arch/configs (ideal: with
 * gpu.ideal=true) with the HBM capacity check off; map_gpu_attn_tflops
 * runs the FlashAttention-2 paper's forward benchmark (16k tokens,
 * hidden 2048, head dim d) and returns TFLOPs/s by its convention. */
int map_gpu_validate(sim_val_table *t, sim_err *err);
int map_gpu_load(arch_model *am, const char *preset, int ideal,
                 sim_err *err);
int map_gpu_attn_tflops(arch_model *am, const char *mapper, uint64_t seq,
                        uint32_t d, int causal, double *tflops,
                        sim_err *err);

/* pim_validate.c: the pim suite (PIM-GPT's speedups and energy ratios
 * against the T4 and Xeon baselines computed by the gpu and ideal
 * classes). */
int map_pim_validate(sim_val_table *t, sim_err *err);

/* mcu_validate.c: the mcu rows that need a run (end-to-end Cortex-M7
 * MAC/cycle against TinyEngine's and CMSIS-NN's published bands); they
 * join the mcu class's own suite. */
int map_mcu_validate(sim_val_table *t, sim_err *err);

#endif /* TFSIM_MAP_H */
