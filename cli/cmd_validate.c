/*
 * cmd_validate.c — `tfsim validate [--suite NAME] [--json] [--db FILE]`:
 * runs the validation suites (published results against ours) and prints
 * one table row per figure: published, ours, error, tolerance, verdict,
 * source, and the note that explains a miss.  Exit 1 if a row misses.
 * A row without a published figure (published = NAN, sim_val_check's
 * SIM_VAL_INFO) is ours for information: it prints "-" where a figure
 * would be and "info" as its verdict, is "verdict": "info" with null
 * published/error/pass in --json, and never counts as a miss.
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
#include "mappers/map.h"
#include "cli.h"
#include "results/res.h"

/* The suites are the architecture classes that have one (arch_ops.
 * validate): each model keeps its published figures, with sources, next
 * to the model. */

static const char *verdict_name(sim_val_verdict v) {
  return v == SIM_VAL_INFO ? "info" : v == SIM_VAL_PASS ? "pass" : "miss";
}

static void print_table(const sim_val_table *t) {
  printf("%-6s %-24s %-26s %14s %14s %8s %7s  %s\n", "SUITE", "ITEM",
         "METRIC", "PUBLISHED", "OURS", "ERROR", "TOL", "RESULT");
  for (size_t i = 0; i < t->n; i++) {
    const sim_val_row *r = &t->rows[i];
    char e[32], tol[32], pub[32];
    sim_val_verdict v = sim_val_check(r);
    int info = v == SIM_VAL_INFO;
    if (info) {
      snprintf(pub, sizeof pub, "-");
      snprintf(e, sizeof e, "-");
      snprintf(tol, sizeof tol, "-");
    } else if (r->tol_abs) {
      snprintf(e, sizeof e, "%.4g", sim_val_error(r));
      snprintf(tol, sizeof tol, "%.4g", r->tol);
    } else {
      snprintf(e, sizeof e, "%.2f%%", 100 * sim_val_error(r));
      snprintf(tol, sizeof tol, "%.1f%%", 100 * r->tol);
    }
    if (!info) snprintf(pub, sizeof pub, "%.6g", r->published);
    printf("%-6s %-24s %-26s %14s %14.6g %8s %7s  %s\n", r->suite, r->item,
           r->metric, pub, r->ours, e, tol,
           v == SIM_VAL_MISS ? "MISS" : verdict_name(v));
    if (r->note[0]) printf("       note: %s\n", r->note);
  }
}

static int print_json(const sim_val_table *t) {
  json_t *arr = json_array();
  for (size_t i = 0; i < t->n; i++) {
    const sim_val_row *r = &t->rows[i];
    sim_val_verdict v = sim_val_check(r);
    json_t *o = json_object();
    json_object_set_new(o, "suite", json_string(r->suite));
    json_object_set_new(o, "item", json_string(r->item));
    json_object_set_new(o, "metric", json_string(r->metric));
    int info = v == SIM_VAL_INFO;
    json_object_set_new(o, "published",
                        info ? json_null() : json_real(r->published));
    json_object_set_new(o, "ours", json_real(r->ours));
    json_object_set_new(o, "error",
                        info ? json_null() : json_real(sim_val_error(r)));
    json_object_set_new(o, "tol", json_real(r->tol));
    json_object_set_new(o, "tol_abs", json_boolean(r->tol_abs));
    json_object_set_new(o, "pass",
                        info ? json_null() : json_boolean(v == SIM_VAL_PASS));
    json_object_set_new(o, "verdict", json_string(verdict_name(v)));
    json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "note", json_string(r->note));
    json_array_append_new(arr, o);
  }
  size_t n[3] = {0, 0, 0};
  for (size_t i = 0; i < t->n; i++) n[sim_val_check(&t->rows[i])]++;
  json_t *top = json_pack("{s:o, s:I, s:I, s:I}", "rows", arr, "pass",
                          (json_int_t)n[SIM_VAL_PASS], "miss",
                          (json_int_t)n[SIM_VAL_MISS], "info",
                          (json_int_t)n[SIM_VAL_INFO]);
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
  /* Every suite, once: a class's own and the mapper-level ones (a
   * mapper-level suite may add rows to a class's suite of its name). */
  char known[256] = "";
  size_t kl = 0, n_suites = 0, k = 0;
  const arch_ops *const *cls = arch_classes();
  const map_suite *const *ms = map_suites();
  for (size_t i = 0; cls[i]; i++)
    if (cls[i]->validate) {
      int w = snprintf(known + kl, sizeof known - kl, "%s%s",
                       n_suites ? ", " : "", cls[i]->cls);
      if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
      n_suites++;
    }
  for (size_t i = 0; ms[i]; i++) {
    int dup = 0;
    for (size_t j = 0; cls[j]; j++)
      dup |= cls[j]->validate && !strcmp(cls[j]->cls, ms[i]->name);
    n_suites++; /* progress counts every part */
    if (dup) continue;
    int w = snprintf(known + kl, sizeof known - kl, "%s%s", kl ? ", " : "",
                     ms[i]->name);
    if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
  }
  char summary[512];
  snprintf(summary, sizeof summary, "Compares published results (papers, "
           "peer simulators) with tfsim's, figure by figure.  Suites: %s.",
           known);
  cli_cmd c = {.name = "validate",
               .usage = "validate [--suite NAME] [--json] [--db FILE]",
               .summary = summary,
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
  for (size_t i = 0; ms[i]; i++) {
    if (want && strcmp(want, ms[i]->name)) continue;
    found = 1;
    cli_progress("validate", k++, n_suites);
    if ((rc = ms[i]->run(&t, &err))) {
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
  size_t n[3] = {0, 0, 0}; /* by sim_val_verdict */
  for (size_t i = 0; i < t.n; i++) n[sim_val_check(&t.rows[i])]++;
  size_t miss = n[SIM_VAL_MISS];
  if (!cli_get(&c, "--json")->seen)
    printf("\n%zu rows: %zu pass, %zu miss, %zu info (no published "
           "figure)\n", t.n, n[SIM_VAL_PASS], miss, n[SIM_VAL_INFO]);
  sim_val_free(&t);
  return miss ? 1 : 0;
}
