/*
 * cmd_validate.c — `tfsim validate [--suite NAME] [--json] [--db FILE]`:
 * runs the validation suites (published results against ours) and prints
 * one table row per figure: published, ours, error, tolerance, verdict,
 * source, and the note that explains a miss.  Exit 1 if a row misses.
 *
 * A suite is a function that appends sim_val_rows; each model keeps its
 * published figures (with sources) in its own code, next to the model.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/dram/dram.h"
#include "cli.h"
#include "results/res.h"

static const struct {
  const char *name;
  int (*fn)(sim_val_table *, sim_err *);
  const char *what;
} g_suites[] = {
    {"dram", dram_validate, "DDR4/HBM2 DRAM model vs DRAMsim3 traces"},
};
#define N_SUITES (sizeof g_suites / sizeof g_suites[0])

static void print_table(const sim_val_table *t) {
  printf("%-6s %-24s %-26s %14s %14s %8s %7s  %s\n", "SUITE", "ITEM",
         "METRIC", "PUBLISHED", "OURS", "ERROR", "TOL", "RESULT");
  for (size_t i = 0; i < t->n; i++) {
    const sim_val_row *r = &t->rows[i];
    char e[32], tol[32];
    int info = isnan(r->published);
    if (info) {
      snprintf(e, sizeof e, "-");
      snprintf(tol, sizeof tol, "-");
    } else if (r->tol_abs) {
      snprintf(e, sizeof e, "%.4g", sim_val_error(r));
      snprintf(tol, sizeof tol, "%.4g", r->tol);
    } else {
      snprintf(e, sizeof e, "%.2f%%", 100 * sim_val_error(r));
      snprintf(tol, sizeof tol, "%.1f%%", 100 * r->tol);
    }
    printf("%-6s %-24s %-26s %14.6g %14.6g %8s %7s  %s\n", r->suite, r->item,
           r->metric, r->published, r->ours, e, tol,
           info ? "info" : sim_val_pass(r) ? "pass" : "MISS");
    if (r->note[0]) printf("       note: %s\n", r->note);
  }
}

static int print_json(const sim_val_table *t) {
  json_t *arr = json_array();
  for (size_t i = 0; i < t->n; i++) {
    const sim_val_row *r = &t->rows[i];
    json_t *o = json_object();
    json_object_set_new(o, "suite", json_string(r->suite));
    json_object_set_new(o, "item", json_string(r->item));
    json_object_set_new(o, "metric", json_string(r->metric));
    json_object_set_new(o, "published", isnan(r->published)
                                            ? json_null()
                                            : json_real(r->published));
    json_object_set_new(o, "ours", json_real(r->ours));
    json_object_set_new(o, "error", isnan(r->published)
                                        ? json_null()
                                        : json_real(sim_val_error(r)));
    json_object_set_new(o, "tol", json_real(r->tol));
    json_object_set_new(o, "tol_abs", json_boolean(r->tol_abs));
    json_object_set_new(o, "pass", isnan(r->published)
                                       ? json_null()
                                       : json_boolean(sim_val_pass(r)));
    json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "note", json_string(r->note));
    json_array_append_new(arr, o);
  }
  json_t *top = json_pack("{s:o}", "rows", arr);
  int rc = json_dumpf(top, stdout, JSON_INDENT(2)) ? -1 : 0;
  printf("\n");
  json_decref(top);
  return rc;
}

int cmd_validate(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--suite", .kind = CLI_STR, .meta = "NAME",
       .help = "run one suite (default: all)"},
      {.name = "--json", .kind = CLI_FLAG, .help = "print rows as JSON"},
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "store the validation table in this database"},
      {0}};
  cli_cmd c = {.name = "validate",
               .usage = "validate [--suite NAME] [--json] [--db FILE]",
               .summary = "Compares published results (papers, peer "
                          "simulators) with tfsim's, figure by figure.\n"
                          "Suites: dram.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  const char *want = cli_get(&c, "--suite")->str;
  int found = 0;
  sim_val_table t = {0};
  res_db *db = NULL;
  if (cli_get(&c, "--db")->seen &&
      (rc = res_db_open(cli_get(&c, "--db")->str, &db, &err)))
    return cli_fail(&err);
  for (size_t i = 0; i < N_SUITES; i++) {
    if (want && strcmp(want, g_suites[i].name)) continue;
    found = 1;
    cli_progress("validate", i, N_SUITES);
    if ((rc = g_suites[i].fn(&t, &err))) {
      sim_val_free(&t);
      res_db_close(db);
      return cli_fail(&err);
    }
  }
  if (!found) {
    res_db_close(db);
    return cli_usage_error(&c, "unknown suite '%s' (known: dram)", want);
  }
  if (db && (rc = res_write_validation(db, &t, NULL, &err))) {
    sim_val_free(&t);
    res_db_close(db);
    return cli_fail(&err);
  }
  res_db_close(db);
  if (cli_get(&c, "--json")->seen)
    print_json(&t);
  else
    print_table(&t);
  int miss = 0;
  for (size_t i = 0; i < t.n; i++)
    if (!isnan(t.rows[i].published) && !sim_val_pass(&t.rows[i])) miss++;
  if (!cli_get(&c, "--json")->seen)
    printf("\n%zu rows, %d miss\n", t.n, miss);
  sim_val_free(&t);
  return miss ? 1 : 0;
}
