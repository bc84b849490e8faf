/*
 * sweep.h — design-space sweeps (the sweep/ folder): a YAML sweep file
 * expanded into design points, each run through the libraries (arch_load,
 * map_simulate, res_write_run) and stored with its hash, so a sweep
 * resumes, shards and merges (DESIGN.md sections 8 and 10; the file
 * format and the guarantees are in docs/sweeps.md).
 *
 * Design:
 *  - A design point is plain data (sweep_point): the arch (preset or file)
 *    with its --set overrides, the model, the mapper with its --map-opt
 *    options and the workload parameters.  Its canonical JSON (sorted
 *    keys, only what the sweep file gave) is hashed (res_hash_hex); the
 *    hash names the point in the database (runs.point_hash), picks its
 *    shard and tells a re-run which points are done.
 *  - Running a point never exits: an error (bad key, model that does not
 *    fit, ...) is stored as a run with status "failed" and its message,
 *    and the sweep goes on.
 *  - sweep_run forks --jobs workers that take the next point from a
 *    counter in shared memory and write each run in one transaction; the
 *    parent only counts and draws progress.  A worker dies with its
 *    parent (PR_SET_PDEATHSIG), so a sweep killed with SIGKILL leaves
 *    whole runs only, and the next run skips them.
 *
 * The folder sits above mappers/ and results/ (it runs whole points) and
 * below cli/ (which parses the command line and prints).
 *
 * Ownership: sweep_load fills a sweep_spec that sweep_spec_fini frees;
 * every string in it is owned by the spec.
 */
#ifndef TFSIM_SWEEP_H
#define TFSIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results/res.h"
#include "sim/sim.h"

/* The parameters a sweep file may vary (besides set.KEY, map_opt.KEY). */
typedef enum sweep_param {
  SWEEP_P_ARCH = 0,
  SWEEP_P_MODEL,
  SWEEP_P_MAPPER,
  SWEEP_P_PHASE,
  SWEEP_P_BATCH,
  SWEEP_P_SEQ,
  SWEEP_P_KV,
  SWEEP_P_GEN,
  SWEEP_P_PRECISION,
  SWEEP_P_SCOPE,
  SWEEP_P_ATTN,
  SWEEP_P_COUNT
} sweep_param;

/* Name of a parameter as written in a sweep file ("seq"). */
const char *sweep_param_name(sweep_param p);

typedef struct sweep_point {
  char *val[SWEEP_P_COUNT]; /* NULL: not given (the run's default)       */
  char **sets;              /* "key=value", sorted                       */
  size_t n_sets;
  char **map_opts;          /* "key=value", sorted                       */
  size_t n_map_opts;
  char *canon;              /* canonical JSON of the above               */
  char hash[RES_HASH_LEN + 1];
  int line;                 /* line of the sweep file it came from       */
} sweep_point;

typedef struct sweep_spec {
  char *path;
  char *name;       /* `name:`, else the file's stem                     */
  sweep_point *pts; /* in file order, duplicates removed                 */
  size_t n;
  size_t n_dup;     /* points given twice (same hash), dropped           */
  void *arena;      /* the points' strings and arrays (spec.c)           */
} sweep_spec;

/* Loads and expands a sweep file.  Every error is one line naming the
 * file and line: "s.yaml:7: product.sequence: unknown parameter ...".
 * Errors: SIM_ENOENT (no file), SIM_EINVAL (bad YAML, unknown key, empty
 * product, a point without arch or model, zip lists of unequal length,
 * a parameter given twice for one point), SIM_ENOMEM. */
int sweep_load(const char *path, sweep_spec *out, sim_err *err);
/* The same from text in memory (tests); path names it in messages. */
int sweep_load_text(const char *path, const char *text, size_t len,
                    sweep_spec *out, sim_err *err);
void sweep_spec_fini(sweep_spec *s);

/* "I/N" with 1 <= I <= N into *i, *n.  SIM_EINVAL otherwise ("3/2"). */
int sweep_shard_parse(const char *s, unsigned *i, unsigned *n, sim_err *err);
/* Whether point p belongs to shard i of n (by its hash); n == 0: all. */
int sweep_in_shard(const sweep_point *p, unsigned i, unsigned n);

/* Runs one point and stores it in db (one transaction): status "ok" with
 * its report, or "failed" with the error (then *failed = 1 and msg holds
 * the error).  Returns 0 when the run was stored either way, or an error
 * when the database could not take it. */
int sweep_run_point(const sweep_point *p, const char *sweep_name, res_db *db,
                    int *failed, sim_err *msg, sim_err *err);

typedef struct sweep_opts {
  const char *db_path;   /* required                                      */
  unsigned jobs;         /* processes; 0 or 1: in this process            */
  unsigned shard_i, shard_n; /* shard_n 0: every point                    */
  int retry_failed;      /* re-run points whose runs all failed           */
  /* Called in the parent after each point (status 0 ok, 1 failed, 2 the
   * database refused it); may be NULL. */
  void (*progress)(void *ctx, const sweep_point *p, int status,
                   const char *msg, size_t done, size_t total);
  void *ctx;
} sweep_opts;

typedef struct sweep_summary {
  size_t points;   /* in the file                                         */
  size_t in_shard; /* in this shard                                       */
  size_t skipped;  /* already in the database                             */
  size_t ok, failed, lost; /* run now; lost: a worker died or the database
                              refused the run                              */
  double seconds;
} sweep_summary;

/* Runs the points of s that belong to the shard and are not done yet. */
int sweep_run(const sweep_spec *s, const sweep_opts *o, sweep_summary *sum,
              sim_err *err);

/* The parameters JSON stored in runs.params for a model run (shared with
 * `tfsim run`, so a sweep point and the same run by hand are one design
 * point): model, phase, batch, seq, kv, gen, scope, precision, attention,
 * set (sorted), map_opt (sorted, when any).  malloc'd (free), NULL when
 * out of memory.  m and o are a wl_model and wl_opts. */
struct wl_model;
struct wl_opts;
char *sweep_params_json(const struct wl_model *m, const struct wl_opts *o,
                        const char *const *sets, size_t n_sets,
                        const char *const *mopts, size_t n_mopts);

#endif /* TFSIM_SWEEP_H */
