/*
 * cmd_results.c — `tfsim report` and `tfsim regress` (`tfsim sweep` and
 * `tfsim merge` are in cmd_sweep.c).
 */
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "results/res.h"

int cmd_report(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "results database (required)"},
      {.name = "--out", .kind = CLI_STR, .meta = "DIR",
       .help = "output directory for PNG/SVG plots (required)"},
      {0}};
  cli_cmd c = {.name = "report", .usage = "report --db FILE --out DIR",
               .summary = "Draws latency, energy-breakdown, utilisation and "
                          "Pareto plots (gnuplot) from a results database.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--db")->seen) return cli_usage_error(&c, "--db is required");
  if (!cli_get(&c, "--out")->seen)
    return cli_usage_error(&c, "--out is required");
  rc = res_report(cli_get(&c, "--db")->str, cli_get(&c, "--out")->str, &err);
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
      {0}};
  cli_cmd c = {.name = "regress",
               .usage = "regress --db FILE --baseline FILE [--tol PCT]",
               .summary = "Compares cycles, latency and energy of the latest "
                          "run of each design point with a baseline "
                          "database; exits 1 on a regression.",
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
  int n_reg = 0;
  rc = res_regress(cli_get(&c, "--db")->str, cli_get(&c, "--baseline")->str,
                   tol, stdout, &n_reg, &err);
  if (rc) return cli_fail(&err);
  return n_reg ? 1 : 0;
}
