/*
 * cmd_results.c — `tfsim report` and `tfsim regress` (`tfsim sweep` and
 * `tfsim merge` are in cmd_sweep.c).
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "results/res.h"

int cmd_report(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "results database (required)"},
      {.name = "--out", .kind = CLI_STR, .meta = "DIR",
       .help = "output directory for PNG/SVG plots (required)"},
      {.name = "--baseline", .kind = CLI_STR, .meta = "NAME",
       .help = "draw each run's speedup over the run of the same workload "
               "and parameters whose mapper or arch is NAME"},
      {0}};
  cli_cmd c = {.name = "report",
               .usage = "report --db FILE --out DIR [--baseline NAME]",
               .summary = "Draws latency, energy-breakdown, utilisation, "
                          "Pareto, roofline-plane and (with --baseline) "
                          "speedup plots (gnuplot) from a results database, "
                          "with an index.html.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--db")->seen) return cli_usage_error(&c, "--db is required");
  if (!cli_get(&c, "--out")->seen)
    return cli_usage_error(&c, "--out is required");
  rc = res_report_ex(cli_get(&c, "--db")->str, cli_get(&c, "--out")->str,
                     cli_get(&c, "--baseline")->str, &err);
  if (rc) return cli_fail(&err);
  printf("report written to %s\n", cli_get(&c, "--out")->str);
  return 0;
}

int cmd_regress(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "results database to check (required)"},
      {.name = "--baseline", .kind = CLI_STR, .meta = "FILE",
       .help = "baseline database (required)"},
      {.name = "--tol", .kind = CLI_STR, .meta = "PCT",
       .help = "tolerance in percent (default 1)"},
      {.name = "--update", .kind = CLI_FLAG,
       .help = "after printing what changed, replace the baseline with "
               "a copy of --db (deliberately accept the changes)"},
      {0}};
  cli_cmd c = {.name = "regress",
               .usage = "regress --db FILE --baseline FILE [--tol PCT] "
                        "[--update]",
               .summary = "Compares every metric and the schedule of the "
                          "latest run of each design point (matched by "
                          "hash) with a baseline database; exits 1 on a "
                          "regression or when nothing could be compared.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--db")->seen) return cli_usage_error(&c, "--db is required");
  if (!cli_get(&c, "--baseline")->seen)
    return cli_usage_error(&c, "--baseline is required");
  double tol = 1.0;
  if (cli_get(&c, "--tol")->seen) {
    char *end;
    const char *ts = cli_get(&c, "--tol")->str;
    tol = strtod(ts, &end);
    if (end == ts || *end || !(tol >= 0) || !isfinite(tol))
      return cli_usage_error(&c, "--tol: '%s' is not a percentage >= 0",
                             cli_get(&c, "--tol")->str);
  }
  const char *db = cli_get(&c, "--db")->str;
  const char *bl = cli_get(&c, "--baseline")->str;
  int update = cli_get(&c, "--update")->seen;
  if (update && access(bl, F_OK) != 0) {
    if ((rc = res_snapshot(db, bl, &err))) return cli_fail(&err);
    printf("baseline %s created from %s\n", bl, db);
    return 0;
  }
  res_regress_result r;
  rc = res_regress_ex(db, bl, tol, stdout, &r, &err);
  if (rc) return cli_fail(&err);
  if (update) {
    if ((rc = res_snapshot(db, bl, &err))) return cli_fail(&err);
    printf("baseline %s updated from %s: %d regressed points accepted (%d "
           "moved, %d mapping changed, %d failed), %d new points added, %d "
           "missing points dropped\n",
           bl, db, r.regressed, r.moved, r.mapping_changed, r.failed_now,
           r.n_new, r.n_missing);
    return 0;
  }
  if (r.compared == 0) {
    fprintf(stderr, "tfsim: regress: nothing to compare: no design point "
            "of %s is in %s\n", db, bl);
    return 1;
  }
  return r.regressed ? 1 : 0;
}
