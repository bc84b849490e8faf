/*
 * res.h — the public API of tfsim's results store (the results/ folder):
 * the SQLite database of runs, the `--json` object, gnuplot reports and
 * regression checks against a baseline database.
 *
 * Design (DESIGN.md section 7; the schema is in docs/results.md):
 *  - One SQLite file holds any number of runs.  It is opened in WAL mode
 *    with a busy timeout, and every write is one BEGIN IMMEDIATE
 *    transaction, so several processes (a sharded sweep, `--jobs N`) can
 *    write to one file at once and all succeed.
 *  - A run is written in ONE transaction: the runs row, its metrics, its
 *    per-op rows and its per-component rows.  Any failure rolls back, so a
 *    failed write leaves no row at all.
 *  - The schema carries a version (PRAGMA user_version, RES_SCHEMA_VERSION)
 *    and an application id; open refuses a newer version or a database
 *    that is not a tfsim results store, with a message naming the file.
 *  - The store only reads what the engine produced: a sim_report (headline
 *    numbers, class-specific metrics, per-op timeline, statistics) and a
 *    sim_val_table.  Models never touch SQLite.
 *
 * Errors: every function returns 0 or a negative SIM_E* code, and fills
 * err (if non-NULL) with one line that starts with the database path:
 *   "runs.db: schema version 7 is newer than this tfsim supports (2)".
 *
 * Ownership: res_db_open creates a handle that res_db_close frees
 * (res_db_close(NULL) is a no-op).  A handle belongs to one thread; open
 * one per thread or process.  Input structs are only read, never kept.
 *
 * Stability: signatures here do not change; new fields are appended to
 * res_run_meta (zero-initialise it: `res_run_meta m = {0};`), new flags
 * take new bits.
 */
#ifndef TFSIM_RES_H
#define TFSIM_RES_H

#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this build writes and reads (PRAGMA user_version). */
#define RES_SCHEMA_VERSION 2
/* PRAGMA application_id of a tfsim results database: "TFSM". */
#define RES_APPLICATION_ID 0x5446534D

/* ---------------------------------------------------------------------- */
/* Database handle                                                        */
/* ---------------------------------------------------------------------- */

typedef struct res_db res_db;

/* Opens (creating it and the schema if the file is new or empty) the
 * results database at path, read-write, WAL mode, busy timeout.  *out is
 * set to NULL first.  Errors:
 *   SIM_EIO      the path cannot be created or written (names the path),
 *                or the file is not an SQLite database;
 *   SIM_ESCHEMA  the file is a database but not a tfsim results store, or
 *                its schema version is newer than RES_SCHEMA_VERSION;
 *   SIM_ENOMEM   out of memory. */
int res_db_open(const char *path, res_db **out, sim_err *err);
void res_db_close(res_db *db);
/* The path given to res_db_open (owned by db). */
const char *res_db_path(const res_db *db);

/* ---------------------------------------------------------------------- */
/* Runs                                                                   */
/* ---------------------------------------------------------------------- */

/* res_run_meta.flags */
enum {
  RES_F_JSON_OPS = 1u << 0,     /* res_report_json: add the "ops" array   */
  RES_F_JSON_STATS = 1u << 1,   /* res_report_json: add a "stats" object  */
  RES_F_JSON_COMPACT = 1u << 2, /* res_report_json: one line, no indent   */
  RES_F_DB_NO_OPS = 1u << 3     /* res_write_run: skip the per-op rows    */
};

/* What describes a run besides its report.  Every string may be NULL
 * (stored as "" unless said otherwise).  Zero-initialise, then set. */
typedef struct res_run_meta {
  const char *tfsim_version; /* NULL: this build's TFSIM_VERSION          */
  const char *arch_name;     /* "gddr6-aim" (preset name or file stem)    */
  const char *arch_class;    /* "dram", "pim", "spatial", "mcu", "gpu"    */
  const char *arch_yaml;     /* the full resolved arch YAML text          */
  const char *workload;      /* the model: "gpt2-xl", "config.json" path  */
  const char *mapper;        /* "pim-gpt", "fusemax", ...                 */
  const char *params_json;   /* JSON object of the run options (phase,
                                batch, seq, kv, --set k=v ...); NULL: {}.
                                Stored canonical (sorted keys, compact), so
                                equal options compare equal as text.      */
  const char *cmdline;       /* the command line, to reproduce the run    */
  const char *status;        /* NULL: "ok"; else "failed", ...            */
  int64_t run_id;            /* res_report_json prints "run_id" if > 0    */
  unsigned flags;            /* RES_F_*                                   */
  /* Appended with schema version 2 (sweeps). */
  const char *point_hash;    /* the design point's hash (sweep), or NULL  */
  const char *sched_hash;    /* res_sched_hash of the schedule run        */
  const char *error;         /* a failed run: its one-line error          */
} res_run_meta;

/* A hash as stored in runs.point_hash and runs.sched_hash: 16 lower-case
 * hex digits of the 64-bit FNV-1a hash of some bytes, and a NUL. */
#define RES_HASH_LEN 16
void res_hash_hex(const void *data, size_t n, char out[RES_HASH_LEN + 1]);
/* The hash of the schedule's JSON (res_sched_write_json): two runs whose
 * schedules hash equal ran the same mapping. */
int res_sched_hash(const sim_sched *s, char out[RES_HASH_LEN + 1],
                   sim_err *err);
/* The distinct point_hash values of db's runs (ok_only: of its ok runs
 * only), sorted (strcmp), as one sim_malloc'd array of *n entries that the
 * caller frees with sim_free; *out is NULL when there is none.  A sweep
 * skips these points. */
int res_point_hashes(res_db *db, int ok_only,
                     char (**out)[RES_HASH_LEN + 1], size_t *n,
                     sim_err *err);

/* Writes one run: a runs row, metrics rows (headline numbers cycles,
 * latency_s, energy_j, util, dram_bytes; every report metric; every
 * statistic as "component.name"), per-op rows (unless RES_F_DB_NO_OPS)
 * and per-component rows, in ONE transaction.  rep may be NULL (a run
 * recorded without results, e.g. status "failed").  On success *run_id
 * (may be NULL) is the new runs.id; on failure nothing was written.
 * Errors: SIM_EINVAL (params_json is not a JSON object), SIM_ERANGE (a
 * time or counter beyond 2^63-1), SIM_EIO, SIM_ENOMEM. */
int res_write_run(res_db *db, const res_run_meta *meta, const sim_report *rep,
                  int64_t *run_id, sim_err *err);

/* Writes a validation table (tfsim validate) as one run (arch_name
 * "validate", status "pass" when every row passes, else "fail") plus one
 * validation row per entry and the metrics validation.rows,
 * validation.passed, validation.failed.  One transaction. */
int res_write_validation(res_db *db, const sim_val_table *t, int64_t *run_id,
                         sim_err *err);

/* Copies every run of the database at src_path (with its metrics, ops,
 * components and validation rows) into db under new run ids, in one
 * transaction: how shards of a sweep merge.  *n_runs (may be NULL) is the
 * number of runs copied. */
int res_merge(res_db *db, const char *src_path, int64_t *n_runs,
              sim_err *err);
/* res_merge without duplicates: a run of src is skipped (counted in
 * *n_dup, may be NULL) when db already holds a run of the same design
 * point hash and status, or, for a run without a hash, one with the same
 * time, arch, workload, mapper, params and status (the same run merged
 * twice).  res_merge is this function. */
int res_merge_dedup(res_db *db, const char *src_path, int64_t *n_runs,
                    int64_t *n_dup, sim_err *err);

/* ---------------------------------------------------------------------- */
/* JSON (--json)                                                          */
/* ---------------------------------------------------------------------- */

/* Prints one JSON object and a newline to out:
 *   cycles, clock, latency_s, energy_j, energy_breakdown_j {component: J},
 *   util, dram_bytes, every report metric under its own key (row_hit_rate,
 *   ms_per_token, peak_sram_bytes, fits, hbm_bytes, ...), arch,
 *   arch_class, model, mapper, options (object: meta->params_json),
 *   status, tfsim_version, run_id (if meta->run_id > 0), ops (array,
 *   RES_F_JSON_OPS), stats (object "component.name" -> value,
 *   RES_F_JSON_STATS).  A report metric never replaces any of these keys.
 * energy_j is the sum of energy_breakdown_j (the stats with unit "pJ" and
 * kind SUM, grouped by component, in J).  Non-finite numbers print as
 * null.  A headline key is never overwritten by a report metric. */
int res_report_json(FILE *out, const res_run_meta *meta,
                    const sim_report *rep, sim_err *err);

/* The schedule as JSON (mapper, ops with every sim_sched_op field), and
 * back.  read: *out is initialised by the call (sim_sched_init) and owned
 * by the caller (sim_sched_fini) even on error. */
int res_sched_write_json(FILE *out, const sim_sched *s, sim_err *err);
int res_sched_read_json(const char *path, sim_sched *out, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Reports and regressions                                                */
/* ---------------------------------------------------------------------- */

/* Writes plots of the database at db_path into out_dir (created if
 * missing): for the latest ok run of each (arch, workload, mapper, params)
 * key, latency bars, energy-breakdown stacked bars, utilisation bars, and
 * over all ok runs a latency/energy plot with each workload's Pareto
 * front; each as PNG (pngcairo) and SVG.  Runs stored without results
 * are left out.  The data (.dat), the gnuplot scripts (.gp, the same as
 * results/plots/) and report.gp, which redraws everything, are left in
 * out_dir, with report.md and index.html listing the files.
 * gnuplot is run as a child process: $TFSIM_GNUPLOT, else "gnuplot" from
 * PATH.  Errors: SIM_ENOENT (no database, gnuplot not found), SIM_EIO
 * (out_dir not writable, gnuplot failed: see out_dir/gnuplot.log),
 * SIM_EINVAL (no ok run to plot). */
int res_report(const char *db_path, const char *out_dir, sim_err *err);
/* The same with a baseline for the speedup figure: the runs whose mapper
 * or arch is `baseline` (NULL: no speedup figure).  SIM_EINVAL when no
 * run has one. */
int res_report_ex(const char *db_path, const char *out_dir,
                  const char *baseline, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Memory plans (classes with a planner: mcu; results/timeline.c)         */
/* ---------------------------------------------------------------------- */

/* The buffers of rep live at the op where live bytes peak, largest first:
 * up to max pointers into rep->bufs in out (may be NULL); returns how
 * many there are. */
size_t res_bufs_at_peak(const sim_report *rep, const sim_buf_record **out,
                        size_t max);
/* When rep says a memory does not fit (sram_shortfall_bytes or
 * flash_shortfall_bytes), one line into buf: by how many bytes, and the
 * buffers live at the SRAM peak with their sizes.  Returns 1 when
 * written, 0 when the run fits (buf is then ""). */
int res_fit_note(const sim_report *rep, char *buf, size_t n);

typedef struct res_timeline_info {
  size_t n_series;     /* buffers drawn (stacked series) */
  size_t n_points;     /* rows: schedule ops */
  uint64_t peak_bytes; /* largest stacked total = the live peak */
} res_timeline_info;

/* The timeline data: a header `op NAME...`, then per schedule op its
 * index and the bytes each buffer (of n) holds there (its size from
 * first_op to last_op, else 0).  Buffers of 0 bytes are left out. */
int res_timeline_dat(FILE *f, const sim_buf_record *b, size_t n,
                     res_timeline_info *info);
/* Draws rep's memory timeline into path (.png or .svg) with gnuplot
 * (results/plots/timeline.gp), the capacity (metric sram_bytes) as a
 * line; leaves STEM.dat, STEM.gp (redraws both formats) and timeline.gp
 * beside it.  info (may be NULL) says what was drawn.  Errors: SIM_EINVAL
 * (another extension; a report without planned buffers), SIM_EIO,
 * SIM_ENOENT (no gnuplot). */
int res_timeline_plot(const sim_report *rep, const char *path,
                      const char *title, res_timeline_info *info,
                      sim_err *err);

/* Compares the latest ok run of each (arch, workload, mapper, params) key
 * in db_path with the latest ok run of the same key in baseline_path.  A
 * metric among cycles, latency_s, energy_j whose relative change exceeds
 * tol_pct percent (either direction), or that the baseline has and the
 * run lacks, is a regression.  Prints a table to out (may be NULL) and
 * sets *n_regressions.  Keys only in one database are listed ("new",
 * "missing") but are not regressions.  Returns 0 whether or not there
 * are regressions; the caller exits non-zero when *n_regressions > 0.
 * Errors: SIM_EINVAL (tol_pct < 0 or not finite), SIM_ENOENT (a database
 * does not exist), SIM_EIO, SIM_ESCHEMA. */
int res_regress(const char *db_path, const char *baseline_path,
                double tol_pct, FILE *out, int *n_regressions, sim_err *err);

/* What res_regress_ex found. */
typedef struct res_regress_result {
  int compared;        /* design points in both databases                 */
  int regressed;       /* points with any of the three below              */
  int moved;           /* ... a metric beyond tolerance (or gone)          */
  int mapping_changed; /* ... a different schedule hash                    */
  int failed_now;      /* ... ok in the baseline, only failed runs now     */
  int n_new, n_missing;
  int metrics_compared; /* metric values compared, over all points         */
} res_regress_result;

/* res_regress over every metric, matching design points by their hash
 * (runs.point_hash; by key where a run has none).  For each point in both:
 * every metric of the baseline run against the same metric of the current
 * one (a change beyond tol_pct, or a metric gone, is a regression), and
 * the schedule hashes (a different mapping is a regression even when its
 * cost did not move).  A baseline point whose current runs all failed is
 * a regression ("FAILED").  Prints the table and the detail of every
 * regression to out (may be NULL); r may be NULL. */
int res_regress_ex(const char *db_path, const char *baseline_path,
                   double tol_pct, FILE *out, res_regress_result *r,
                   sim_err *err);

/* Writes a compact copy of the database at src_path to dst_path
 * (VACUUM INTO a temporary file, then rename: dst is replaced whole or
 * not at all).  How a baseline is refreshed (`regress --update`). */
int res_snapshot(const char *src_path, const char *dst_path, sim_err *err);

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_RES_H */
