/*
 * cmd_sweep.c — `tfsim sweep` and `tfsim merge`: the command line over
 * sweep/ (docs/sweeps.md).
 *
 * sweep: loads the sweep file (bad input: one line, exit 2), runs the
 * points of the shard that are not in the database yet, draws progress
 * (a bar with rate and ETA on a terminal, one plain line per point when
 * stderr is not one) and prints a summary.  Exit status: 0 when every
 * point run now succeeded, 1 when some failed (their errors are stored
 * with them) or were lost, 2 for bad input.
 *
 * merge: copies the runs of shard databases into one, skipping runs it
 * already holds (res_merge_dedup), so merging twice changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "results/res.h"
#include "sweep/sweep.h"

typedef struct sw_prog {
  int tty;
  struct timespec t0;
  double last_draw;
  size_t failed;
} sw_prog;

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) +
         (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void fmt_dur(char *buf, size_t n, double s) {
  if (!isfinite(s) || s < 0) {
    snprintf(buf, n, "?");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
                          t % 60);
  else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void sweep_progress(void *ctx, const sweep_point *p, int status,
                           const char *msg, size_t done, size_t total) {
  sw_prog *g = ctx;
  double el = since(&g->t0);
  double rate = el > 0 ? (double)done / el : 0;
  char eta[32];
  fmt_dur(eta, sizeof eta, rate > 0 ? (double)(total - done) / rate : NAN);
  if (status) g->failed++;
  if (!g->tty) {
    fprintf(stderr, "sweep: %zu/%zu %s %s arch=%s model=%s%s%s\n", done,
            total, status == 0 ? "ok" : status == 1 ? "FAILED" : "LOST",
            p->hash, p->val[SWEEP_P_ARCH], p->val[SWEEP_P_MODEL],
            status ? ": " : "", status ? msg : "");
    return;
  }
  if (status) /* a failure gets its own line above the bar */
    fprintf(stderr, "\r\033[Ksweep: point %s (arch=%s model=%s) %s: %s\n",
            p->hash, p->val[SWEEP_P_ARCH], p->val[SWEEP_P_MODEL],
            status == 1 ? "failed" : "not stored", msg);
  if (done < total && el - g->last_draw < 0.1 && !status) return;
  g->last_draw = el;
  enum { W = 30 };
  char bar[W + 1];
  size_t fill = total ? done * W / total : W;
  for (size_t i = 0; i < W; i++) bar[i] = i < fill ? '#' : '.';
  bar[W] = '\0';
  char failed[48] = "";
  if (g->failed) snprintf(failed, sizeof failed, "  (%zu failed)", g->failed);
  fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.1f points/s  ETA %s%s%s", bar,
          done, total, rate, eta, failed, done == total ? "\n" : "");
  fflush(stderr);
}

int cmd_sweep(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--jobs", .kind = CLI_INT, .meta = "N",
       .help = "run points in N processes (default 1)"},
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "results database (default: NAME.db, NAME the sweep's name)"},
      {.name = "--shard", .kind = CLI_STR, .meta = "I/N",
       .help = "run shard I of N (1 <= I <= N, by design-point hash)"},
      {.name = "--retry-failed", .kind = CLI_FLAG,
       .help = "run again the points whose runs all failed"},
      {.name = "--list", .kind = CLI_FLAG,
       .help = "print the design points (hash and parameters) and stop"},
      {0}};
  cli_cmd c = {.name = "sweep",
               .usage = "sweep SWEEP.yaml [--jobs N] [--db FILE] "
                        "[--shard I/N] [--retry-failed] [--list]",
               .summary = "Runs every design point of a sweep file "
                          "(docs/sweeps.md) that the database does not "
                          "hold yet; resumable, parallel, sharded.",
               .opts = opts, .n_pos_max = 1};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (c.n_pos != 1) return cli_usage_error(&c, "give one sweep file");
  sweep_opts o = {0};
  cli_opt *oj = cli_get(&c, "--jobs");
  if (oj->seen && (oj->num < 1 || oj->num > 1024))
    return cli_usage_error(&c, "--jobs: %lld is not between 1 and 1024",
                           oj->num);
  o.jobs = oj->seen ? (unsigned)oj->num : 1;
  if (cli_get(&c, "--shard")->seen &&
      sweep_shard_parse(cli_get(&c, "--shard")->str, &o.shard_i, &o.shard_n,
                        &err))
    return cli_fail(&err);
  o.retry_failed = cli_get(&c, "--retry-failed")->seen;
  sweep_spec s;
  if ((rc = sweep_load(c.pos[0], &s, &err))) return cli_fail(&err);
  if (cli_get(&c, "--list")->seen) {
    for (size_t i = 0; i < s.n; i++)
      if (sweep_in_shard(&s.pts[i], o.shard_i, o.shard_n))
        printf("%s %s\n", s.pts[i].hash, s.pts[i].canon);
    sweep_spec_fini(&s);
    return 0;
  }
  char dbdef[512];
  snprintf(dbdef, sizeof dbdef, "%s.db", s.name);
  o.db_path = cli_get(&c, "--db")->seen ? cli_get(&c, "--db")->str : dbdef;
  sw_prog g = {.tty = isatty(STDERR_FILENO)};
  clock_gettime(CLOCK_MONOTONIC, &g.t0);
  o.progress = sweep_progress;
  o.ctx = &g;
  sweep_summary sum;
  rc = sweep_run(&s, &o, &sum, &err);
  if (rc) {
    sweep_spec_fini(&s);
    return cli_fail(&err);
  }
  size_t ran = sum.ok + sum.failed + sum.lost;
  printf("sweep %s: %zu points", s.name, sum.points);
  if (o.shard_n) printf(", %zu in shard %u/%u", sum.in_shard, o.shard_i,
                        o.shard_n);
  if (s.n_dup) printf(" (%zu duplicates dropped)", s.n_dup);
  printf("; %zu already done; %zu run: %zu ok, %zu failed", sum.skipped,
         ran, sum.ok, sum.failed);
  if (sum.lost) printf(", %zu lost (run the sweep again)", sum.lost);
  printf("; %.2f s, %.1f points/s; database %s\n", sum.seconds,
         sum.seconds > 0 ? (double)ran / sum.seconds : 0.0, o.db_path);
  if (sum.failed)
    printf("failed points: sqlite3 %s \"SELECT point_hash, arch_name, "
           "workload, error FROM runs WHERE status = 'failed'\"\n",
           o.db_path);
  sweep_spec_fini(&s);
  return sum.failed || sum.lost ? 1 : 0;
}

int cmd_merge(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--db", .kind = CLI_STR, .meta = "OUT",
       .help = "database to merge into (created if missing; required)"},
      {0}};
  cli_cmd c = {.name = "merge", .usage = "merge --db OUT SHARD.db...",
               .summary = "Copies the runs of shard databases into OUT, "
                          "skipping runs OUT already holds (the same "
                          "design point and status).",
               .opts = opts, .n_pos_max = CLI_MAX_POS};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--db")->seen) return cli_usage_error(&c, "--db is required");
  if (c.n_pos < 1) return cli_usage_error(&c, "give one or more shard databases");
  res_db *db = NULL;
  if ((rc = res_db_open(cli_get(&c, "--db")->str, &db, &err)))
    return cli_fail(&err);
  int64_t tot = 0, totdup = 0;
  for (int i = 0; i < c.n_pos; i++) {
    int64_t n = 0, dup = 0;
    if ((rc = res_merge_dedup(db, c.pos[i], &n, &dup, &err))) {
      res_db_close(db);
      return cli_fail(&err);
    }
    printf("%s: %lld runs copied, %lld already there\n", c.pos[i],
           (long long)n, (long long)dup);
    tot += n;
    totdup += dup;
  }
  res_db_close(db);
  printf("merged %d databases into %s: %lld runs copied, %lld duplicates "
         "skipped\n", c.n_pos, cli_get(&c, "--db")->str, (long long)tot,
         (long long)totdup);
  return 0;
}
