/*
 * cmd_trace.c — `tfsim trace --arch FILE --trace FILE [--json]`: replays a
 * DRAMsim3 or Ramulator memory trace on an architecture whose class has a
 * trace mode (dram), prints the figures or one JSON object, and stores the
 * run with --db.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli.h"
#include "results/res.h"

int cmd_trace(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--arch", .kind = CLI_STR, .meta = "FILE|PRESET",
       .help = "architecture YAML or preset with a trace mode (class dram)"},
      {.name = "--trace", .kind = CLI_STR, .meta = "FILE",
       .help = "DRAMsim3 (0xADDR READ|WRITE CYCLE) or Ramulator (LD|ST "
               "0xADDR) trace"},
      {.name = "--set", .kind = CLI_MULTI, .meta = "KEY=VALUE",
       .help = "override an arch config value (repeatable)"},
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "store the run in this SQLite database"},
      {.name = "--json", .kind = CLI_FLAG, .help = "print one JSON object"},
      {0}};
  cli_cmd c = {.name = "trace",
               .usage = "trace --arch FILE|PRESET --trace FILE [--set k=v]... "
                        "[--db FILE] [--json]",
               .summary = "Replays a memory request trace on a DRAM model: "
                          "cycles, latency, row hits, bandwidth, energy.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  cli_opt *o_arch = cli_get(&c, "--arch"), *o_tr = cli_get(&c, "--trace");
  cli_opt *o_set = cli_get(&c, "--set"), *o_db = cli_get(&c, "--db");
  if (!o_arch->seen) return cli_usage_error(&c, "--arch is required");
  if (!o_tr->seen) return cli_usage_error(&c, "--trace is required");

  arch_model am;
  sim_report rep;
  res_db *db = NULL;
  char *yaml = NULL, *params = NULL;
  int status = 0;
  memset(&rep, 0, sizeof rep);
  rc = arch_load(&am, o_arch->str, o_set->multi, o_set->n_multi, &err);
  if (rc) return cli_fail(&err);
  if (!am.ops->trace) {
    sim_err_set(&err, SIM_EINVAL, "%s: class '%s' has no trace mode "
                "(trace needs class dram)", o_arch->str, am.ops->cls);
    status = cli_fail(&err);
    goto out;
  }
  /* Open the database first: an unwritable path fails before the work. */
  if (o_db->seen && (rc = res_db_open(o_db->str, &db, &err))) {
    status = cli_fail(&err);
    goto out;
  }
  if ((rc = sim_report_init(&rep)) ||
      (rc = am.ops->trace(am.state, &am.cfg, o_tr->str, &rep, &err)) ||
      (rc = sim_cfg_dump(&am.cfg, &yaml, &err))) {
    if (!err.msg[0]) sim_err_set(&err, rc, "%s", sim_strerror(rc));
    status = cli_fail(&err);
    goto out;
  }
  char cmdline[2048];
  cli_join_argv(cli_argc, cli_argv, cmdline, sizeof cmdline);
  json_t *pj = json_pack("{s:s}", "trace", o_tr->str);
  params = pj ? json_dumps(pj, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
  json_decref(pj);
  res_run_meta meta = {0};
  meta.arch_name = arch_header_of(&am)->name;
  meta.arch_class = am.ops->cls;
  meta.arch_yaml = yaml;
  meta.workload = o_tr->str;
  meta.mapper = "trace";
  meta.params_json = params;
  meta.cmdline = cmdline;
  if (db) {
    if ((rc = res_write_run(db, &meta, &rep, &meta.run_id, &err))) {
      status = cli_fail(&err);
      goto out;
    }
  }
  if (cli_get(&c, "--json")->seen) {
    if ((rc = res_report_json(stdout, &meta, &rep, &err))) {
      status = cli_fail(&err);
      goto out;
    }
  } else {
    printf("arch      %s (%s)\n", meta.arch_name, o_arch->str);
    printf("trace     %s\n", o_tr->str);
    cli_print_report(&rep);
    if (db) printf("stored    run %lld in %s\n", (long long)meta.run_id,
                   o_db->str);
  }
out:
  free(params);
  sim_free(yaml);
  res_db_close(db);
  sim_report_fini(&rep);
  arch_unload(&am);
  return status;
}
