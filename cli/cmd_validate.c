/*
 * cmd_validate.c — `tfsim validate [--suite NAME] [--json] [--db FILE]`:
 * runs the validation suites (published results against ours) and prints
 * one table row per figure: published, ours, error, tolerance, verdict,
 * source, and the note that explains a miss.  Exit 1 if a row misses.
 *
 * A suite is an architecture class's validate entry (arch_ops): it appends
 * sim_val_rows and keeps its published figures (with sources) in its own
 * code, next to the model.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "mappers/map_spatial.h"
#include "cli.h"
#include "results/res.h"

/* The suites are the architecture classes that have one (arch_ops.
 * validate): each model keeps its published figures, with sources, next
 * to the model. */

/* Suites that run mappers as well as a model live in mappers/ (arch/
 * may not include mappers/); each takes the name of its class. */
static const struct {
  const char *name;
  int (*run)(sim_val_table *t, sim_err *err);
} g_map_suites[] = {{"spatial", map_spatial_validate}};
#define N_MAP_SUITES (sizeof g_map_suites / sizeof g_map_suites[0])

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
           info ? "info" : sim_val_check(r) == SIM_VAL_PASS ? "pass" : "MISS");
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
                          "simulators) with tfsim's, figure by figure; one "
                          "suite per architecture class that has one "
                          "(dram).",
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
  char known[256] = "";
  size_t kl = 0, n_suites = 0, k = 0;
  const arch_ops *const *cls = arch_classes();
  for (size_t i = 0; cls[i]; i++)
    if (cls[i]->validate) {
      int w = snprintf(known + kl, sizeof known - kl, "%s%s",
                       n_suites ? ", " : "", cls[i]->cls);
      if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
      n_suites++;
    }
  for (size_t i = 0; i < N_MAP_SUITES; i++) {
    int w = snprintf(known + kl, sizeof known - kl, "%s%s",
                     n_suites ? ", " : "", g_map_suites[i].name);
    if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
    n_suites++;
  }
  for (size_t i = 0; cls[i]; i++) {
    if (!cls[i]->validate || (want && strcmp(want, cls[i]->cls))) continue;
    found = 1;
    cli_progress("validate", k++, n_suites);
    if ((rc = cls[i]->validate(&t, &err))) {
      sim_val_free(&t);
      res_db_close(db);
      return cli_fail(&err);
    }
  }
  for (size_t i = 0; i < N_MAP_SUITES; i++) {
    if (want && strcmp(want, g_map_suites[i].name)) continue;
    found = 1;
    cli_progress("validate", k++, n_suites);
    if ((rc = g_map_suites[i].run(&t, &err))) {
      sim_val_free(&t);
      res_db_close(db);
      return cli_fail(&err);
    }
  }
  if (!found) {
    res_db_close(db);
    return cli_usage_error(&c, "unknown suite '%s' (known: %s)", want,
                           known);
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
    miss += sim_val_check(&t.rows[i]) == SIM_VAL_MISS;
  if (!cli_get(&c, "--json")->seen)
    printf("\n%zu rows, %d miss\n", t.n, miss);
  sim_val_free(&t);
  return miss ? 1 : 0;
}
