/*
 * cmd_run.c — `tfsim run`: the whole pipeline of DESIGN.md section 1.
 *
 *   load arch YAML (+ --set)  ->  build workload (zoo or config.json)
 *   -> mapper emits a schedule -> the arch model runs it on the engine
 *   -> report -> SQLite row set (--db) and/or JSON on stdout (--json)
 *
 * Decode with --gen T simulates T steps, the KV cache growing from --kv
 * by one token a step, and reports ms_per_token = latency / T.
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
#include "cli.h"
#include "mappers/map.h"
#include "results/res.h"
#include "workloads/wl.h"

/* One step: lower, map, run; appended to rep. */
static int run_step(const wl_model *m, const wl_opts *o, arch_model *am,
                    const char *mapper, sim_report *rep, size_t *n_sched_ops,
                    sim_err *err) {
  wl_cascade *w = NULL;
  sim_sched s;
  sim_report step;
  int rc = wl_lower(m, o, &w, err);
  if (rc) return rc;
  sim_sched_init(&s, NULL);
  memset(&step, 0, sizeof step);
  if ((rc = map_run(mapper, w, am, &s, err))) goto out;
  *n_sched_ops = s.n_ops;
  if ((rc = sim_report_init(&step))) {
    sim_err_set(err, rc, "out of memory");
    goto out;
  }
  if ((rc = arch_run(am, &s, &step, err))) goto out;
  /* Statistics add up; each metric combines by its own sim_agg. */
  if ((rc = sim_report_append(rep, &step))) {
    sim_err_set(err, rc, "out of memory");
    goto out;
  }
out:
  sim_report_fini(&step);
  sim_sched_fini(&s);
  wl_cascade_free(w);
  return rc;
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *run_params_json(const wl_model *m, const wl_opts *o,
                             const cli_opt *sets) {
  json_t *j = json_object();
  json_t *js = json_array();
  if (!j || !js) {
    json_decref(j);
    json_decref(js);
    return NULL;
  }
  json_object_set_new(j, "model", json_string(m->name));
  json_object_set_new(j, "phase", json_string(wl_phase_name(o->phase)));
  json_object_set_new(j, "batch", json_integer((json_int_t)o->batch));
  /* Only the options that define this design point: a decode step has no
   * prompt (unless encoder-decoder), a prefill no generation, a ViT no
   * sequence option. */
  if (m->arch != WL_ARCH_VIT &&
      (o->phase == WL_PREFILL || m->arch == WL_ARCH_ENCDEC))
    json_object_set_new(j, "seq", json_integer((json_int_t)o->seq));
  json_object_set_new(j, "kv", json_integer((json_int_t)o->kv));
  if (o->phase == WL_DECODE)
    json_object_set_new(j, "gen", json_integer((json_int_t)o->gen));
  json_object_set_new(j, "scope", json_string(wl_scope_name(o->scope)));
  json_object_set_new(j, "precision", json_string(wl_precision_name(o->prec)));
  json_object_set_new(j, "attention", json_string(wl_attn_form_name(o->form)));
  /* Sorted, so the same overrides in another order are the same design
   * point (results/ keys runs by their options). */
  const char *sorted[CLI_MAX_MULTI];
  int ns = sets->n_multi;
  memcpy(sorted, sets->multi, (size_t)ns * sizeof sorted[0]);
  qsort(sorted, (size_t)ns, sizeof sorted[0], cmp_cstr);
  for (int i = 0; i < ns; i++) json_array_append_new(js, json_string(sorted[i]));
  json_object_set_new(j, "set", js);
  char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(j);
  return s;
}

int cmd_run(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--arch", .kind = CLI_STR, .meta = "FILE|PRESET",
       .help = "architecture YAML, or a preset name (tfsim list archs)"},
      {.name = "--model", .kind = CLI_STR, .meta = "NAME|config.json|DIR",
       .help = "zoo model (tfsim list models), a Hugging Face config.json "
               "or a model folder holding one"},
      {.name = "--mapper", .kind = CLI_STR, .meta = "NAME",
       .help = "mapper (default: the class's default; tfsim list mappers)"},
      {.name = "--phase", .kind = CLI_STR, .meta = "prefill|decode",
       .help = "inference phase (default prefill)"},
      {.name = "--batch", .kind = CLI_INT, .meta = "B",
       .help = "sequences per batch (default 1)"},
      {.name = "--seq", .kind = CLI_INT, .meta = "N",
       .help = "prompt length (default 1024, or the model's positions if "
               "fewer); not for a ViT or decode"},
      {.name = "--kv", .kind = CLI_STR, .meta = "N",
       .help = "decode: tokens already in the KV cache (default 0)"},
      {.name = "--gen", .kind = CLI_INT, .meta = "T",
       .help = "decode: tokens to generate, one step each (default 1)"},
      {.name = "--scope", .kind = CLI_STR, .meta = "attention|block|model",
       .help = "what to simulate (default model)"},
      {.name = "--precision", .kind = CLI_STR, .meta = "P",
       .help = "fp32|fp16|bf16|int8|int4 (default fp16)"},
      {.name = "--attn", .kind = CLI_STR, .meta = "3pass|1pass",
       .help = "attention cascade form (default 3pass)"},
      {.name = "--set", .kind = CLI_MULTI, .meta = "KEY=VALUE",
       .help = "override an arch config value (repeatable)"},
      {.name = "--db", .kind = CLI_STR, .meta = "FILE",
       .help = "store the run in this SQLite database"},
      {.name = "--json", .kind = CLI_FLAG, .help = "print one JSON object"},
      {.name = "--ops", .kind = CLI_FLAG,
       .help = "with --json: include the per-op timeline (--db stores "
               "it anyway)"},
      {.name = "--no-ops", .kind = CLI_FLAG,
       .help = "with --db: do not store per-op rows (long decode runs)"},
      {0}};
  cli_cmd c = {.name = "run",
               .usage = "run --arch FILE|PRESET --model NAME|config.json|DIR "
                        "[--mapper NAME] [--phase prefill|decode] [--batch B] [--seq "
                        "N] [--kv N] [--gen T] [--scope attention|block|"
                        "model] [--set k=v]... [--db FILE] [--json]",
               .summary = "Runs a transformer model on an architecture: "
                          "cycles, latency, energy, utilisation.",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  cli_opt *o_arch = cli_get(&c, "--arch"), *o_model = cli_get(&c, "--model");
  cli_opt *o_set = cli_get(&c, "--set"), *o_db = cli_get(&c, "--db");
  if (!o_arch->seen) return cli_usage_error(&c, "--arch is required");
  if (!o_model->seen) return cli_usage_error(&c, "--model is required");

  wl_model model;
  wl_opts o;
  if ((rc = wl_model_find(o_model->str, &model, &err))) return cli_fail(&err);
  /* Default seq: min(1024, the model's positions). */
  wl_opts_default_for(&model, &o);
  if (cli_get(&c, "--phase")->seen &&
      (rc = wl_phase_parse(cli_get(&c, "--phase")->str, &o.phase, &err)))
    return cli_fail(&err);
  if (cli_get(&c, "--scope")->seen &&
      (rc = wl_scope_parse(cli_get(&c, "--scope")->str, &o.scope, &err)))
    return cli_usage_error(&c, "--%s", err.msg);
  if (cli_get(&c, "--precision")->seen &&
      (rc = wl_precision_parse(cli_get(&c, "--precision")->str, &o.prec,
                               &err)))
    return cli_fail(&err);
  if (cli_get(&c, "--attn")->seen &&
      (rc = wl_attn_form_parse(cli_get(&c, "--attn")->str, &o.form, &err)))
    return cli_fail(&err);
  if (cli_get(&c, "--batch")->seen) o.batch = (uint64_t)cli_get(&c, "--batch")->num;
  if (cli_get(&c, "--seq")->seen) o.seq = (uint64_t)cli_get(&c, "--seq")->num;
  if (cli_get(&c, "--gen")->seen) o.gen = (uint64_t)cli_get(&c, "--gen")->num;
  if (cli_get(&c, "--kv")->seen) {
    const char *s = cli_get(&c, "--kv")->str;
    char *end;
    errno = 0;
    unsigned long long v = s[0] >= '0' && s[0] <= '9'
                               ? strtoull(s, &end, 10) : (end = (char *)s, 0);
    if (!*s || *end || end == s)
      return cli_usage_error(&c, "--kv: '%s' is not an integer >= 0", s);
    if (errno == ERANGE || v > UINT32_MAX)
      return cli_usage_error(&c, "--kv: '%s' is out of range", s);
    o.kv = v;
  }
  if (o.phase == WL_PREFILL && cli_get(&c, "--gen")->seen)
    return cli_usage_error(&c, "--gen applies to --phase decode");
  /* Options that would change nothing are refused, not ignored. */
  if (cli_get(&c, "--seq")->seen && model.arch == WL_ARCH_VIT)
    return cli_usage_error(&c, "--seq does not apply to %s, a ViT (its "
                           "tokens come from the image size)", model.name);
  if (cli_get(&c, "--seq")->seen && o.phase == WL_DECODE &&
      model.arch != WL_ARCH_ENCDEC)
    return cli_usage_error(&c, "--seq does not apply to --phase decode of "
                           "%s (the context is --kv; --seq is the encoder "
                           "length of an encoder-decoder only)", model.name);
  if (cli_get(&c, "--ops")->seen && !cli_get(&c, "--json")->seen &&
      !o_db->seen)
    return cli_usage_error(&c, "--ops applies with --json (or --db, which "
                           "stores per-op rows anyway)");
  if (cli_get(&c, "--no-ops")->seen && !o_db->seen)
    return cli_usage_error(&c, "--no-ops applies with --db");
  if ((rc = wl_opts_check(&model, &o, &err))) return cli_fail(&err);
  if (o.phase == WL_DECODE && o.gen > 1) {
    /* The last step must fit too: check before simulating any. */
    wl_opts last = o;
    last.kv = o.kv + o.gen - 1;
    if ((rc = wl_opts_check(&model, &last, &err))) {
      fprintf(stderr, "tfsim: --kv %llu + --gen %llu: %s\n",
              (unsigned long long)o.kv, (unsigned long long)o.gen, err.msg);
      return sim_err_exit_status(rc);
    }
  }

  arch_model am;
  res_db *db = NULL;
  sim_report rep;
  char *yaml = NULL, *params = NULL;
  int status = 0;
  size_t n_sched_ops = 0;
  memset(&rep, 0, sizeof rep);
  if ((rc = arch_load(&am, o_arch->str, o_set->multi, o_set->n_multi, &err)))
    return cli_fail(&err);
  if (o_db->seen && (rc = res_db_open(o_db->str, &db, &err))) goto fail;
  if ((rc = sim_report_init(&rep))) {
    sim_err_set(&err, rc, "out of memory");
    goto fail;
  }
  const char *mapper = cli_get(&c, "--mapper")->str;
  uint64_t steps = o.phase == WL_DECODE ? o.gen : 1;
  wl_opts so = o;
  for (uint64_t i = 0; i < steps; i++) {
    so.kv = o.kv + i;
    if ((rc = run_step(&model, &so, &am, mapper, &rep, &n_sched_ops, &err)))
      goto fail;
    if (steps > 16) cli_progress("decode", (size_t)(i + 1), (size_t)steps);
  }
  double lat_s = (double)rep.latency_ps * 1e-12;
  if (o.phase == WL_DECODE) {
    sim_report_metric(&rep, "ms_per_token", lat_s * 1e3 / (double)steps);
    sim_report_metric(&rep, "tokens_per_s",
                      lat_s > 0 ? (double)(steps * o.batch) / lat_s : 0);
  }
  sim_report_metric(&rep, "params", (double)wl_model_params(&model));
  if ((rc = sim_cfg_dump(&am.cfg, &yaml, &err))) goto fail;
  params = run_params_json(&model, &o, o_set);
  char cmdline[4096];
  cli_join_argv(cli_argc, cli_argv, cmdline, sizeof cmdline);
  const char *used_mapper = mapper;
  if (!used_mapper) {
    const map_ops *mo = map_default_for(am.ops->cls);
    used_mapper = mo ? mo->name : "";
  }
  res_run_meta meta = {0};
  meta.arch_name = arch_header_of(&am)->name;
  meta.arch_class = am.ops->cls;
  meta.arch_yaml = yaml;
  meta.workload = model.name;
  meta.mapper = used_mapper;
  meta.params_json = params;
  meta.cmdline = cmdline;
  if (cli_get(&c, "--ops")->seen) meta.flags |= RES_F_JSON_OPS;
  if (cli_get(&c, "--no-ops")->seen) meta.flags |= RES_F_DB_NO_OPS;
  if (db && (rc = res_write_run(db, &meta, &rep, &meta.run_id, &err)))
    goto fail;
  if (cli_get(&c, "--json")->seen) {
    if ((rc = res_report_json(stdout, &meta, &rep, &err))) goto fail;
  } else {
    printf("model     %s (%s, %.4g B params)\n", model.name,
           wl_arch_kind_name(model.arch),
           (double)wl_model_params(&model) * 1e-9);
    printf("arch      %s (class %s, %s)\n", meta.arch_name, am.ops->cls,
           o_arch->str);
    printf("mapper    %s, %zu ops%s\n", used_mapper, n_sched_ops,
           steps > 1 ? " per step" : "");
    if (o.phase == WL_DECODE)
      printf("phase     decode, batch %llu, kv %llu, %llu step%s\n",
             (unsigned long long)o.batch, (unsigned long long)o.kv,
             (unsigned long long)steps, steps > 1 ? "s" : "");
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
  res_db_close(db);
  arch_unload(&am);
  return status;
}
