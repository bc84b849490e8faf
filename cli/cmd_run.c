/*
 * cmd_run.c — `tfsim run` and `tfsim map`: the pipeline of DESIGN.md
 * section 1, as thin glue over the libraries.
 *
 *   load arch YAML (+ --set)  ->  build workload (zoo or config.json)
 *   -> map_simulate (mappers/simulate.c: lower and map once, run every
 *      step on the executor) -> report -> SQLite (--db) and/or --json
 *
 * `run --schedule FILE` runs a stored (possibly hand-edited) schedule
 * instead of mapping a model, the way Timeloop users hand in a mapping.
 * `map` stops after mapping and prints the schedule as JSON.
 *
 * The database is opened before any work, so an unwritable path fails
 * fast; the run is written in one transaction only after it succeeded.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/mcu/mcu.h"
#include "cli.h"
#include "mappers/map.h"
#include "results/res.h"
#include "sweep/sweep.h"
#include "workloads/wl.h"

static char *run_params_json(const wl_model *m, const wl_opts *o,
                             const cli_opt *sets, const cli_opt *map_opt) {
  return sweep_params_json(m, o, sets->multi, (size_t)sets->n_multi,
                           map_opt->multi, (size_t)map_opt->n_multi);
}

/* The options `run` and `map` share (the workload and the mapping). */
#define RUN_WORKLOAD_OPTS                                                  \
  {.name = "--arch", .kind = CLI_STR, .meta = "FILE|PRESET",               \
   .help = "architecture YAML or preset name (see tfsim list archs)"},     \
  {.name = "--model", .kind = CLI_STR, .meta = "NAME|config.json|DIR",     \
   .help = "zoo model (tfsim list models), a Hugging Face config.json "    \
           "or a model folder holding one, or one GEMM gemm:MxNxK "        \
           "(C[m,n] = A[m,k] W[k,n])"},                                    \
  {.name = "--mapper", .kind = CLI_STR, .meta = "NAME",                    \
   .help = "mapper (default: the class's default; tfsim list mappers)"},   \
  {.name = "--map-opt", .kind = CLI_MULTI, .meta = "KEY=VALUE",            \
   .help = "a mapper option (repeatable; tfsim list mappers)"},            \
  {.name = "--phase", .kind = CLI_STR, .meta = "prefill|decode",           \
   .help = "inference phase (default prefill)"},                           \
  {.name = "--batch", .kind = CLI_INT, .meta = "B",                        \
   .help = "sequences per batch (default 1)"},                             \
  {.name = "--seq", .kind = CLI_INT, .meta = "N",                          \
   .help = "prompt length (default 1024, or the model's positions if "     \
           "fewer); not for a ViT or decode"},                             \
  {.name = "--kv", .kind = CLI_STR, .meta = "N",                           \
   .help = "decode: tokens already in the KV cache (default 0)"},          \
  {.name = "--gen", .kind = CLI_INT, .meta = "T",                          \
   .help = "decode: tokens to generate, one step each (default 1)"},       \
  {.name = "--scope", .kind = CLI_STR, .meta = "attention|block|model",    \
   .help = "what to simulate (default model)"},                            \
  {.name = "--precision", .kind = CLI_STR, .meta = "P",                    \
   .help = "fp32|fp16|bf16|int8|int4 (default fp16)"},                     \
  {.name = "--attn", .kind = CLI_STR, .meta = "3pass|1pass",               \
   .help = "attention cascade form (default 3pass)"},                      \
  {.name = "--set", .kind = CLI_MULTI, .meta = "KEY=VALUE",                \
   .help = "override an arch config value (repeatable)"}

/* Reads the workload options into m and o; returns 0 or an exit status. */
static int parse_workload(cli_cmd *c, wl_model *model, wl_opts *o) {
  sim_err err = {0};
  int rc;
  if ((rc = wl_model_find(cli_get(c, "--model")->str, model, &err)))
    return cli_fail(&err);
  /* Default seq: min(1024, the model's positions). */
  wl_opts_default_for(model, o);
  if (cli_get(c, "--phase")->seen &&
      (rc = wl_phase_parse(cli_get(c, "--phase")->str, &o->phase, &err)))
    return cli_fail(&err);
  if (cli_get(c, "--scope")->seen &&
      (rc = wl_scope_parse(cli_get(c, "--scope")->str, &o->scope, &err)))
    return cli_usage_error(c, "--%s", err.msg);
  if (cli_get(c, "--precision")->seen &&
      (rc = wl_precision_parse(cli_get(c, "--precision")->str, &o->prec,
                               &err)))
    return cli_fail(&err);
  if (cli_get(c, "--attn")->seen &&
      (rc = wl_attn_form_parse(cli_get(c, "--attn")->str, &o->form, &err)))
    return cli_fail(&err);
  if (cli_get(c, "--batch")->seen) o->batch = (uint64_t)cli_get(c, "--batch")->num;
  if (cli_get(c, "--seq")->seen) o->seq = (uint64_t)cli_get(c, "--seq")->num;
  if (cli_get(c, "--gen")->seen) o->gen = (uint64_t)cli_get(c, "--gen")->num;
  if (cli_get(c, "--kv")->seen) {
    const char *s = cli_get(c, "--kv")->str;
    char *end;
    errno = 0;
    unsigned long long v = s[0] >= '0' && s[0] <= '9'
                               ? strtoull(s, &end, 10) : (end = (char *)s, 0);
    if (!*s || *end || end == s)
      return cli_usage_error(c, "--kv: '%s' is not an integer >= 0", s);
    if (errno == ERANGE || v > UINT32_MAX)
      return cli_usage_error(c, "--kv: '%s' is out of range", s);
    o->kv = v;
  }
  if (o->phase == WL_PREFILL && cli_get(c, "--gen")->seen)
    return cli_usage_error(c, "--gen applies to --phase decode");
  /* Options that would change nothing are refused, not ignored. */
  if (cli_get(c, "--seq")->seen && model->arch == WL_ARCH_VIT)
    return cli_usage_error(c, "--seq does not apply to %s, a ViT (its "
                           "tokens come from the image size)", model->name);
  if (cli_get(c, "--seq")->seen && o->phase == WL_DECODE &&
      model->arch != WL_ARCH_ENCDEC)
    return cli_usage_error(c, "--seq does not apply to --phase decode of "
                           "%s (the context is --kv; --seq is the encoder "
                           "length of an encoder-decoder only)", model->name);
  if ((rc = wl_opts_check(model, o, &err))) return cli_fail(&err);
  if (o->phase == WL_DECODE && o->gen > 1) {
    /* The last step must fit too: check before simulating any. */
    wl_opts last = *o;
    last.kv = o->kv + o->gen - 1;
    if ((rc = wl_opts_check(model, &last, &err))) {
      fprintf(stderr, "tfsim: --kv %llu + --gen %llu: %s\n",
              (unsigned long long)o->kv, (unsigned long long)o->gen,
              err.msg);
      return sim_err_exit_status(rc);
    }
  }
  return 0;
}

static void run_progress(void *ctx, uint64_t done, uint64_t total) {
  (void)ctx;
  if (total > 16) cli_progress("decode", (size_t)done, (size_t)total);
}

/* Says on stderr when the resident data does not fit the memory. */
static void note_capacity(const sim_report *rep) {
  if (sim_report_get(rep, "fits_memory", 1) != 0) return;
  double need = sim_report_get(rep, "resident_bytes", 0);
  double short_b = sim_report_get(rep, "memory_shortfall_bytes", 0);
  fprintf(stderr, "tfsim: note: weights and KV cache need %.4g GB, %.4g GB "
          "more than the memory holds (fits_memory: false)\n", need * 1e-9,
          short_b * 1e-9);
}

int cmd_run(int argc, char **argv) {
  cli_opt opts[] = {
      RUN_WORKLOAD_OPTS,
      {.name = "--schedule", .kind = CLI_STR, .meta = "FILE",
       .help = "run this schedule JSON (from tfsim map) instead of --model"},
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "store the run in this SQLite database"},
      {.name = "--json", .kind = CLI_FLAG, .help = "print one JSON object"},
      {.name = "--ops", .kind = CLI_FLAG,
       .help = "with --json: include the per-op timeline (--db stores "
               "it anyway)"},
      {.name = "--step-ops", .kind = CLI_FLAG,
       .help = "decode: one op record per step (default: per op, summed)"},
      {.name = "--no-ops", .kind = CLI_FLAG,
       .help = "with --db: do not store per-op rows"},
      {.name = "--timeline", .kind = CLI_STR, .meta = "FILE.png|FILE.svg",
       .help = "draw the memory timeline (live bytes per op, stacked by "
               "buffer; classes with a planner: mcu); FILE.dat and FILE.gp "
               "are left beside it"},
      {0}};
  cli_cmd c = {.name = "run",
               .usage = "run --arch FILE|PRESET (--model NAME|config.json|DIR "
                        "| --schedule FILE) [--mapper NAME] [--map-opt k=v]... "
                        "[--phase prefill|decode] [--batch B] [--seq N] [--kv "
                        "N] [--gen T] [--scope attention|block|model] [--set "
                        "k=v]... [--db FILE] [--json] [--timeline FILE.png]",
               .summary = "Runs a transformer model (or a stored schedule) "
                          "on an architecture: cycles, latency, energy, "
                          "utilisation.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  cli_opt *o_arch = cli_get(&c, "--arch"), *o_model = cli_get(&c, "--model");
  cli_opt *o_set = cli_get(&c, "--set"), *o_db = cli_get(&c, "--db");
  cli_opt *o_sched = cli_get(&c, "--schedule");
  if (!o_arch->seen) return cli_usage_error(&c, "--arch is required");
  if (!o_model->seen && !o_sched->seen)
    return cli_usage_error(&c, "--model (or --schedule) is required");
  if (o_model->seen && o_sched->seen)
    return cli_usage_error(&c, "--schedule replaces --model and the "
                           "workload options; give one of them");

  wl_model model;
  wl_opts o;
  memset(&model, 0, sizeof model);
  wl_opts_default(&o);
  if (o_model->seen && (rc = parse_workload(&c, &model, &o))) return rc;
  if (cli_get(&c, "--ops")->seen && !cli_get(&c, "--json")->seen &&
      !o_db->seen)
    return cli_usage_error(&c, "--ops applies with --json (or --db, which "
                           "stores per-op rows anyway)");
  if (cli_get(&c, "--no-ops")->seen && !o_db->seen)
    return cli_usage_error(&c, "--no-ops applies with --db");
  if (cli_get(&c, "--step-ops")->seen && o.phase != WL_DECODE)
    return cli_usage_error(&c, "--step-ops applies to --phase decode");

  arch_model am;
  res_db *db = NULL;
  sim_report rep;
  sim_sched sched;
  char *yaml = NULL, *params = NULL;
  int status = 0;
  memset(&rep, 0, sizeof rep);
  sim_sched_init(&sched, NULL);
  if ((rc = arch_load(&am, o_arch->str, o_set->multi, o_set->n_multi, &err)))
    return cli_fail(&err);
  if (o_db->seen && (rc = res_db_open(o_db->str, &db, &err))) goto fail;
  if ((rc = sim_report_init(&rep))) {
    sim_err_set(&err, rc, "out of memory");
    goto fail;
  }
  const char *mapper = cli_get(&c, "--mapper")->str;
  const char *used_mapper = mapper;
  if (o_sched->seen) {
    if ((rc = res_sched_read_json(o_sched->str, &sched, &err))) goto fail;
    if ((rc = arch_run(&am, &sched, &rep, &err))) goto fail;
    used_mapper = sched.mapper;
  } else {
    map_sim_opts so = {0};
    so.mapper = mapper;
    so.kv_opts = cli_get(&c, "--map-opt")->multi;
    so.n_kv_opts = (size_t)cli_get(&c, "--map-opt")->n_multi;
    so.step_ops = cli_get(&c, "--step-ops")->seen;
    so.progress = run_progress;
    if ((rc = map_simulate(&am, &model, &o, &so, &rep, &sched, &err)))
      goto fail;
    if (!used_mapper) used_mapper = sched.mapper;
    if ((rc = sim_report_metric(&rep, "params",
                                (double)wl_model_params(&model)))) {
      sim_err_set(&err, rc, "out of memory");
      goto fail;
    }
  }
  /* Weights with no flash to live in are bad input, not a result. */
  if (!strcmp(am.ops->cls, "mcu") &&
      (rc = mcu_check_flash(&rep, am.cfg.path, &err)))
    goto fail;
  if ((rc = sim_cfg_dump(&am.cfg, &yaml, &err))) goto fail;
  char sched_hash[RES_HASH_LEN + 1];
  if ((rc = res_sched_hash(&sched, sched_hash, &err))) goto fail;
  if (o_sched->seen) {
    json_t *j = json_pack("{s:s}", "schedule", o_sched->str);
    params = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(j);
  } else {
    params = run_params_json(&model, &o, o_set, cli_get(&c, "--map-opt"));
  }
  char cmdline[4096];
  cli_join_argv(cli_argc, cli_argv, cmdline, sizeof cmdline);
  res_run_meta meta = {0};
  meta.arch_name = arch_header_of(&am)->name;
  meta.arch_class = am.ops->cls;
  meta.arch_yaml = yaml;
  meta.workload = o_sched->seen ? o_sched->str : model.name;
  meta.mapper = used_mapper;
  meta.params_json = params;
  meta.cmdline = cmdline;
  meta.sched_hash = sched_hash;
  if (cli_get(&c, "--ops")->seen) meta.flags |= RES_F_JSON_OPS;
  if (cli_get(&c, "--no-ops")->seen) meta.flags |= RES_F_DB_NO_OPS;
  if (db && (rc = res_write_run(db, &meta, &rep, &meta.run_id, &err)))
    goto fail;
  note_capacity(&rep);
  char fit[2048];
  if (res_fit_note(&rep, fit, sizeof fit))
    fprintf(stderr, "tfsim: note: %s\n", fit);
  if (cli_get(&c, "--timeline")->seen) {
    char title[256];
    snprintf(title, sizeof title, "Memory timeline: %s on %s, %s",
             meta.workload, meta.arch_name, used_mapper ? used_mapper : "");
    res_timeline_info ti;
    if ((rc = res_timeline_plot(&rep, cli_get(&c, "--timeline")->str, title,
                                &ti, &err)))
      goto fail;
  }
  if (cli_get(&c, "--json")->seen) {
    if ((rc = res_report_json(stdout, &meta, &rep, &err))) goto fail;
  } else {
    if (o_sched->seen)
      printf("schedule  %s (mapper %s)\n", o_sched->str, sched.mapper);
    else
      printf("model     %s (%s, %.4g B params)\n", model.name,
             wl_arch_kind_name(model.arch),
             (double)wl_model_params(&model) * 1e-9);
    printf("arch      %s (class %s, %s)\n", meta.arch_name, am.ops->cls,
           am.cfg.path);
    printf("mapper    %s, %zu ops, %zu groups%s%s%s\n", used_mapper,
           sched.n_ops, sched.n_groups,
           o.phase == WL_DECODE && o.gen > 1 ? " per step" : "",
           rep.schedule[0] ? "; " : "", rep.schedule);
    if (o_sched->seen)
      ;
    else if (o.phase == WL_DECODE)
      printf("phase     decode, batch %llu, kv %llu, %llu step%s\n",
             (unsigned long long)o.batch, (unsigned long long)o.kv,
             (unsigned long long)o.gen, o.gen > 1 ? "s" : "");
    else
      printf("phase     prefill, batch %llu, seq %llu\n",
             (unsigned long long)o.batch,
             (unsigned long long)(model.arch == WL_ARCH_VIT
                                      ? wl_model_vit_tokens(&model)
                                      : o.seq));
    cli_print_report(&rep);
    if (db)
      printf("stored    run %lld in %s\n", (long long)meta.run_id, o_db->str);
  }
  goto out;
fail:
  status = cli_fail(&err);
out:
  free(params);
  sim_free(yaml);
  sim_report_fini(&rep);
  sim_sched_fini(&sched);
  res_db_close(db);
  arch_unload(&am);
  return status;
}

int cmd_map(int argc, char **argv) {
  cli_opt opts[] = {
      RUN_WORKLOAD_OPTS,
      {.name = "--out", .kind = CLI_STR, .meta = "FILE",
       .help = "write the schedule here (default: standard output)"},
      {0}};
  cli_cmd c = {.name = "map",
               .usage = "map --arch FILE|PRESET --model NAME|config.json "
                        "[--mapper NAME] [--map-opt k=v]... [workload "
                        "options as for run] [--out FILE]",
               .summary = "Maps a model onto an architecture and prints the "
                          "schedule as JSON (docs/schedule.md); tfsim run "
                          "--schedule runs it.  Decode maps one step (--kv).",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--arch")->seen)
    return cli_usage_error(&c, "--arch is required");
  if (!cli_get(&c, "--model")->seen)
    return cli_usage_error(&c, "--model is required");
  if (cli_get(&c, "--gen")->seen)
    return cli_usage_error(&c, "--gen: map writes one step's schedule "
                           "(use --kv for the step)");
  wl_model model;
  wl_opts o;
  if ((rc = parse_workload(&c, &model, &o))) return rc;
  cli_opt *o_set = cli_get(&c, "--set");
  arch_model am;
  if ((rc = arch_load(&am, cli_get(&c, "--arch")->str, o_set->multi,
                      o_set->n_multi, &err)))
    return cli_fail(&err);
  sim_sched s;
  o.repeat_layers = 1;
  rc = map_lower_and_map(&model, &o, &am, cli_get(&c, "--mapper")->str,
                         cli_get(&c, "--map-opt")->multi,
                         (size_t)cli_get(&c, "--map-opt")->n_multi, &s, &err);
  FILE *out = stdout;
  const char *path = cli_get(&c, "--out")->str;
  if (!rc && path && !(out = fopen(path, "w")))
    rc = sim_err_set(&err, SIM_EIO, "--out: %s: %s", path, strerror(errno));
  if (!rc) rc = res_sched_write_json(out, &s, &err);
  if (out && out != stdout && fclose(out) != 0 && !rc)
    rc = sim_err_set(&err, SIM_EIO, "--out: %s: %s", path, strerror(errno));
  sim_sched_fini(&s);
  arch_unload(&am);
  return rc ? cli_fail(&err) : 0;
}
