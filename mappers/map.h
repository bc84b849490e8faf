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

#endif /* TFSIM_MAP_H */
