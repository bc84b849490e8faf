/*
 * resInt.h — internals of the results store shared by the files of
 * results/ (prefix res__).  Not part of the public API (that is res.h).
 *
 * Design
 * ------
 * One SQLite database holds every run.  The schema (version 1, below and
 * in docs/results.md) is five STRICT tables and two views:
 *
 *   runs        one row per run: when, which tfsim, which arch (name,
 *               class, full resolved YAML), workload, mapper, params
 *               (canonical JSON), command line, status, main clock name
 *   metrics     (run_id, key) -> value: headline numbers (cycles,
 *               latency_s, energy_j, util, dram_bytes), report metrics
 *               (row_hit_rate, ms_per_token, ...), every statistic as
 *               "component.name", validation counts
 *   ops         (run_id, idx) -> the per-op timeline of the report
 *   components  (run_id, component, name) -> every statistic with its
 *               unit and kind; the "pJ"/sum rows are the energy breakdown
 *   validation  (run_id, idx) -> one published figure against ours
 *   run_summary view: one row per run with the headline numbers as columns
 *   energy_breakdown view: (run_id, component, energy_pj)
 *
 * The "key" of a design point, used by report and regress, is
 * (arch_name, workload, mapper, params); params is stored canonical
 * (sorted keys, compact) so equal options are equal text.
 *
 * Invariants
 *  - user_version is 0 (empty file, schema not yet created) or the schema
 *    version; application_id is RES_APPLICATION_ID once created.  Schema
 *    creation runs inside BEGIN IMMEDIATE and re-reads user_version, so
 *    two processes creating one file race safely.
 *  - Every write is one BEGIN IMMEDIATE ... COMMIT; every error path runs
 *    res__rollback before returning, so no partial run is ever visible.
 *  - Unsigned 64-bit values go to INTEGER columns only when they fit
 *    2^63-1 (SIM_ERANGE otherwise); metrics are REAL (exact to 2^53).
 *    Non-finite values are stored as NULL.
 *
 * Ownership: res_db owns the sqlite3 handle, a copy of the path and the
 * cached prepared statements; res_db_close finalises them all.
 *
 * Memory: tfsim's own buffers come from sim_malloc (so the allocation
 * hook can fail them in tests); SQLite and jansson use their own
 * allocators.
 */
#ifndef TFSIM_RES_INT_H
#define TFSIM_RES_INT_H

#include <sqlite3.h>

#include "res.h"

/* How long a writer waits for another process's transaction (ms). */
#define RES_BUSY_TIMEOUT_MS 60000

/* Cached prepared statements (res__stmt). */
typedef enum res__sid {
  RES_ST_INS_RUN = 0,
  RES_ST_INS_METRIC,
  RES_ST_INS_OP,
  RES_ST_INS_COMP,
  RES_ST_INS_VAL,
  RES_ST_INS_BUF,
  RES_ST_COUNT
} res__sid;

struct res_db {
  sqlite3 *h;
  char *path;
  int readonly;
  int version; /* schema version of the file (1 only when read-only) */
  sqlite3_stmt *st[RES_ST_COUNT];
};

/* Open modes of res__open. */
enum { RES__RW = 0, RES__RO = 1 };

/* Opens path: RES__RW creates the file and schema if needed; RES__RO
 * requires an existing tfsim database (SIM_ENOENT if the file is absent)
 * and never writes. */
int res__open(const char *path, int mode, res_db **out, sim_err *err);

/* Sets err from the handle's last SQLite error: "<path>: <what>: <msg>";
 * returns the mapped SIM_E* code (SIM_ENOMEM, SIM_EIO). */
int res__sqlerr(res_db *db, int rc, sim_err *err, const char *what);
/* Maps an SQLite result code to a SIM_E* code. */
int res__code(int rc);

/* Runs SQL with no result rows. */
int res__exec(res_db *db, const char *sql, sim_err *err, const char *what);
/* The cached statement for id, reset and with bindings cleared. */
int res__stmt(res_db *db, res__sid id, sqlite3_stmt **out, sim_err *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback ignores errors and is a
 * no-op outside a transaction). */
int res__begin(res_db *db, sim_err *err);
int res__commit(res_db *db, sim_err *err);
void res__rollback(res_db *db);

/* Binds a double, or NULL when it is not finite. */
int res__bind_real(sqlite3_stmt *st, int i, double v);
/* Binds a uint64; SQLITE_RANGE when v > INT64_MAX (callers report it). */
int res__bind_u64(sqlite3_stmt *st, int i, uint64_t v);
/* Binds s, or "" when s is NULL (static). */
int res__bind_text(sqlite3_stmt *st, int i, const char *s);

/* The canonical form of a params JSON object (sorted keys, compact),
 * from jansson's allocator: free with free().  NULL or "" gives "{}".
 * SIM_EINVAL with a message when it is not a JSON object. */
int res__params_canon(const char *db_path, const char *json, char **out,
                      sim_err *err);

/* "a" sep "b" in a fresh sim_malloc buffer, NULL when out of memory. */
char *res__join(const char *a, char sep, const char *b);

/* Metric `key` of run `run`, NAN when absent or NULL (compare, scaling). */
double res__metric(res_db *db, int64_t run, const char *key);

/* The headline keys, in order: cycles latency_s energy_j util dram_bytes.
 * A report metric with one of these keys is never stored or printed. */
extern const char *const res__headline_keys[];
int res__is_headline(const char *key);

/* Kind of a statistic as stored in components.kind. */
const char *res__kind_name(sim_stat_kind k);

/* One design point: the latest ok run of a key (report, regress). */
typedef struct res__point {
  int64_t run_id;
  char *arch, *workload, *mapper, *params; /* sim_malloc'd */
  char *point_hash, *sched_hash;           /* "" when not stored */
  double cycles, latency_s, energy_j, util, dram_bytes; /* NAN if absent */
} res__point;

/* The latest ok (non-validation) run of every key, ordered by (arch,
 * workload, mapper, params) in byte order; *out is a sim_malloc'd array
 * freed with res__points_free. */
int res__latest_points(res_db *db, res__point **out, size_t *n,
                       sim_err *err);
/* The same, grouped by point_hash where runs have one (regress). */
int res__latest_points_by(res_db *db, int by_hash, res__point **out,
                          size_t *n, sim_err *err);
void res__points_free(res__point *p, size_t n);
/* scaling.c: the text of scaling.dat (speedup over mapper unfused and
 * 2D/1D utilisation by seq), sim_malloc'd, or *out = NULL when no point
 * has an unfused baseline. */
int res__scaling_dat(res_db *db, const res__point *pt, size_t n,
                     char **out, sim_err *err);
/* compare.c: the text of speedup.dat (over the run of the same workload
 * and parameters whose mapper or arch is `baseline`) and roofline.dat
 * (FLOP per off-chip byte and FLOP/s of every run with MACs), or *out =
 * NULL when no run qualifies; labels[i] labels pt[i]. */
int res__speedup_dat(res_db *db, const res__point *pt, char *const *labels,
                     size_t n, const char *baseline, char **out,
                     sim_err *err);
int res__roofline_dat(res_db *db, const res__point *pt, char *const *labels,
                      size_t n, char **out, sim_err *err);
/* The planned buffers of run_id (none in a version-1 database), as a
 * sim_malloc'd array; *cap_bytes and *hw_bytes are its sram_bytes and
 * peak_sram_bytes metrics (0 if none). */
int res__load_bufs(res_db *db, int64_t run_id, sim_buf_record **out,
                   size_t *n, double *cap_bytes, double *hw_bytes,
                   sim_err *err);
/* "workload arch mapper k=v,k=v" for plots and tables, with double quotes
 * and control characters replaced (sim_malloc'd; NULL when out of
 * memory).  params is canonical JSON; "{}" adds nothing. */
char *res__label(const char *workload, const char *arch, const char *mapper,
                 const char *params);

/* The gnuplot scripts of results/plots/, embedded at build time (generated
 * res_plots.c); terminated by {NULL, NULL}. */
typedef struct res__plot {
  const char *name; /* "latency.gp" */
  const char *text;
} res__plot;
extern const res__plot res__plots[];

/* Runs gnuplot ($TFSIM_GNUPLOT, else "gnuplot") in dir on script, its
 * output to dir/gnuplot.log. */
int res__gnuplot(const char *dir, const char *script, sim_err *err);
/* Writes dir/stem.dat (res_timeline_dat), dir/timeline.gp and the driver
 * dir/stem.gp, which draws stem.png and stem.svg; cap_bytes (0: none) is
 * the capacity line, hw_bytes (0: none) the placement's high-water mark
 * (peak_sram_bytes: above the live peak when the placement fragments). */
int res__timeline_files(const char *dir, const char *stem,
                        const sim_buf_record *b, size_t n, double cap_bytes,
                        double hw_bytes, const char *title,
                        res_timeline_info *info, sim_err *err);

#endif /* TFSIM_RES_INT_H */
