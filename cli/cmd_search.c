/*
 * cmd_search.c — `tfsim search`: the MCUFormer search space on one MCU
 * under a memory budget (issue 11).  Thin glue over map_mcu_search
 * (mappers/mcu_space.c), which enumerates the T space (embed dim, depth,
 * heads, MLP ratio, patch size, rank ratio: 2,160 subnets), maps and runs
 * every subnet under each mapper, and keeps those whose planned SRAM is
 * under the budget and whose weights fit the flash (internal + external).
 *
 *   tfsim search --arch FILE|PRESET [--budget 320KB] [--mapper NAME]...
 *                [--map-opt k=v]... [--top N | --all] [--patch P] [--embed D]
 *                [--json]
 *
 * Prints per mapper the fitting subnets fastest first (MACs, parameters,
 * flash, peak SRAM, latency; --top N, default 10, or --all) and the share
 * that fits per (rank ratio, patch size), the table to hold against the
 * paper's search-space evolution.  KB is 1024 bytes, as in ST's
 * datasheets and the presets.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arch/arch.h"
#include "cli.h"
#include "mappers/mcu_space.h"

/* "320KB", "320KiB", "0.5MB", "327680" -> bytes; -1 if not a size. */
static double parse_bytes(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !isfinite(v) || v <= 0) return -1;
  double mul = 1;
  if (!*end || !strcasecmp(end, "B")) mul = 1;
  else if (!strcasecmp(end, "KB") || !strcasecmp(end, "KiB") ||
           !strcasecmp(end, "K"))
    mul = 1024;
  else if (!strcasecmp(end, "MB") || !strcasecmp(end, "MiB") ||
           !strcasecmp(end, "M"))
    mul = 1024 * 1024;
  else
    return -1;
  return v * mul;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static json_t *point_json(const map_mcu_point *p) {
  return json_pack("{s:i,s:i,s:i,s:f,s:i,s:f,s:I,s:I,s:I,s:I,s:f}",
                   "embed", (int)p->cfg.embed_dim, "depth", (int)p->cfg.depth,
                   "heads", (int)p->cfg.heads, "mlp_ratio", p->cfg.mlp_ratio,
                   "patch", (int)p->cfg.patch, "rank_ratio",
                   p->cfg.rank_ratio, "macs", (json_int_t)p->macs, "params",
                   (json_int_t)p->params, "flash_bytes",
                   (json_int_t)p->flash_bytes, "peak_sram_bytes",
                   (json_int_t)p->peak_sram_bytes, "latency_s",
                   p->latency_s);
}

static int print_json(const map_mcu_search_result *r, const char *arch,
                      double secs, size_t top) {
  json_t *o = json_object(), *ms = json_array();
  json_object_set_new(o, "arch", json_string(arch));
  json_object_set_new(o, "budget_bytes", json_integer((json_int_t)r->budget_bytes));
  json_object_set_new(o, "seconds", json_real(secs));
  for (size_t i = 0; i < r->n_m; i++) {
    const map_mcu_mapper_result *m = &r->m[i];
    json_t *jm = json_object(), *cf = json_array(), *sh = json_array();
    json_object_set_new(jm, "mapper", json_string(m->mapper));
    json_object_set_new(jm, "subnets", json_integer((json_int_t)m->n));
    json_object_set_new(jm, "fit", json_integer((json_int_t)m->n_fit));
    for (size_t k = 0; k < m->n_fit && (!top || k < top); k++)
      json_array_append_new(cf, point_json(&m->fit[k]));
    json_object_set_new(jm, "configs", cf);
    for (size_t a = 0; a < MAP_MCU_N_RANK; a++)
      for (size_t b = 0; b < MAP_MCU_N_PATCH; b++) {
        if (!m->cell_n[a][b]) continue;
        json_array_append_new(
            sh, json_pack("{s:f,s:i,s:I,s:I,s:f}", "rank_ratio",
                          map_mcu_rank_ratio(a), "patch",
                          (int)map_mcu_patch(b), "subnets",
                          (json_int_t)m->cell_n[a][b], "fit",
                          (json_int_t)m->cell_fit[a][b], "share",
                          (double)m->cell_fit[a][b] /
                              (double)m->cell_n[a][b]));
        json_object_set_new(json_array_get(sh, json_array_size(sh) - 1),
                            "proxy_share",
                            json_real((double)m->cell_proxy_fit[a][b] /
                                      (double)m->cell_n[a][b]));
      }
    json_object_set_new(jm, "share", sh);
    json_array_append_new(ms, jm);
  }
  json_object_set_new(o, "mappers", ms);
  int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  putchar('\n');
  json_decref(o);
  return rc ? 1 : 0;
}

static void share_table(const map_mcu_mapper_result *m,
                        const uint64_t cell[MAP_MCU_N_RANK][MAP_MCU_N_PATCH],
                        const char *title) {
  printf("  %s:\n  %6s", title, "rank");
  for (size_t b = 0; b < MAP_MCU_N_PATCH; b++)
    printf(" %6s%-2u", "P", map_mcu_patch(b));
  putchar('\n');
  for (size_t a = 0; a < MAP_MCU_N_RANK; a++) {
    printf("  %6.2f", map_mcu_rank_ratio(a));
    for (size_t b = 0; b < MAP_MCU_N_PATCH; b++)
      if (m->cell_n[a][b])
        printf(" %8.3f", (double)cell[a][b] / (double)m->cell_n[a][b]);
      else
        printf(" %8s", "-");
    putchar('\n');
  }
}

static void print_text(const map_mcu_search_result *r, const char *arch,
                       double secs, size_t top) {
  uint64_t n = r->n_m ? r->m[0].n : 0;
  printf("search    MCUFormer T space on %s: %llu subnets x %zu mapper%s in "
         "%.2f s\nbudget    %llu B SRAM (%.1f KiB); flash: internal + "
         "external\n",
         arch, (unsigned long long)n, r->n_m, r->n_m == 1 ? "" : "s", secs,
         (unsigned long long)r->budget_bytes, (double)r->budget_bytes / 1024);
  for (size_t i = 0; i < r->n_m; i++) {
    const map_mcu_mapper_result *m = &r->m[i];
    printf("\nmapper %s: %zu of %llu fit (%.1f %%)", m->mapper, m->n_fit,
           (unsigned long long)m->n,
           m->n ? 100.0 * (double)m->n_fit / (double)m->n : 0.0);
    size_t show = top && top < m->n_fit ? top : m->n_fit;
    if (show < m->n_fit) printf(", the %zu fastest:", show);
    putchar('\n');
    if (show)
      printf("  %5s %5s %5s %4s %5s %5s %10s %10s %10s %10s %10s\n", "embed",
             "depth", "heads", "mlp", "patch", "rank", "MACs", "params",
             "flash_B", "sram_B", "latency_s");
    for (size_t k = 0; k < show; k++) {
      const map_mcu_point *p = &m->fit[k];
      printf("  %5u %5u %5u %4.1f %5u %5.2f %10.4g %10.4g %10llu %10llu "
             "%10.4g\n",
             p->cfg.embed_dim, p->cfg.depth, p->cfg.heads, p->cfg.mlp_ratio,
             p->cfg.patch, p->cfg.rank_ratio, (double)p->macs,
             (double)p->params, (unsigned long long)p->flash_bytes,
             (unsigned long long)p->peak_sram_bytes, p->latency_s);
    }
    share_table(m, m->cell_fit, "share that fits per (rank ratio, patch)");
    if (i + 1 == r->n_m)
      share_table(m, m->cell_proxy_fit, "the same by the released NAS "
                  "memory proxy (any mapper; the paper's estimate)");
  }
}

static void search_progress(void *ctx, uint64_t done, uint64_t total) {
  (void)ctx;
  cli_progress("search", (size_t)done, (size_t)total);
}

int cmd_search(int argc, char **argv) {
  cli_opt opts[] = {
      {.name = "--arch", .kind = CLI_STR, .meta = "FILE|PRESET",
       .help = "an mcu architecture (stm32f427, stm32f746, stm32h743)"},
      {.name = "--budget", .kind = CLI_STR, .meta = "BYTES[KB|MB]",
       .help = "SRAM budget (default: the architecture's SRAM; KB = 1024 B)"},
      {.name = "--mapper", .kind = CLI_MULTI, .meta = "NAME",
       .help = "mapper to search under (repeatable; default naive, "
               "tinyengine, mcuformer)"},
      {.name = "--map-opt", .kind = CLI_MULTI, .meta = "KEY=VALUE",
       .help = "option of the mappers that take it (mcuformer)"},
      {.name = "--top", .kind = CLI_INT, .meta = "N",
       .help = "list the N fastest that fit per mapper (default 10)"},
      {.name = "--all", .kind = CLI_FLAG,
       .help = "list every subnet that fits (instead of --top)"},
      {.name = "--patch", .kind = CLI_INT, .meta = "P",
       .help = "only subnets with this patch size (16, 20, 24, 28, 32)"},
      {.name = "--embed", .kind = CLI_INT, .meta = "D",
       .help = "only subnets with this embed dim (168, 192, 216)"},
      {.name = "--json", .kind = CLI_FLAG, .help = "print one JSON object"},
      {0}};
  cli_cmd c = {.name = "search",
               .usage = "search --arch FILE|PRESET [--budget 320KB] "
                        "[--mapper NAME]... [--map-opt k=v]... [--top N | --all] "
                        "[--patch P] [--embed D] [--json]",
               .summary = "Searches the MCUFormer T space (embed dim, depth, "
                          "heads, MLP ratio, patch size, rank ratio) on an "
                          "MCU: the subnets that fit the SRAM budget and the "
                          "flash under each mapper, fastest first, and the "
                          "share that fits per (rank ratio, patch size).",
               .opts = opts};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (!cli_get(&c, "--arch")->seen)
    return cli_usage_error(&c, "--arch is required");
  map_mcu_search_opts so = {0};
  if (cli_get(&c, "--budget")->seen) {
    double b = parse_bytes(cli_get(&c, "--budget")->str);
    if (b < 1 || b > 1e15)
      return cli_usage_error(&c, "--budget: '%s' is not a size (e.g. 320KB, "
                             "0.5MB, 327680)", cli_get(&c, "--budget")->str);
    so.budget_bytes = (uint64_t)llround(b);
  }
  long long top = cli_get(&c, "--top")->seen ? cli_get(&c, "--top")->num : 10;
  if (cli_get(&c, "--all")->seen) {
    if (cli_get(&c, "--top")->seen)
      return cli_usage_error(&c, "--all lists every subnet: give --top or "
                             "--all, not both");
    top = 0; /* no limit */
  }
  if (cli_get(&c, "--patch")->seen) {
    long long p = cli_get(&c, "--patch")->num;
    int ok = 0;
    for (size_t j = 0; j < MAP_MCU_N_PATCH; j++) ok |= p == map_mcu_patch(j);
    if (!ok)
      return cli_usage_error(&c, "--patch: %lld is not in the T space (16, "
                             "20, 24, 28, 32)", p);
    so.only_patch = (uint32_t)p;
  }
  if (cli_get(&c, "--embed")->seen) {
    long long d = cli_get(&c, "--embed")->num;
    if (d != 168 && d != 192 && d != 216)
      return cli_usage_error(&c, "--embed: %lld is not in the T space (168, "
                             "192, 216)", d);
    so.only_embed = (uint32_t)d;
  }
  so.mappers = cli_get(&c, "--mapper")->multi;
  so.n_mappers = (size_t)cli_get(&c, "--mapper")->n_multi;
  so.progress = search_progress;
  so.kv = cli_get(&c, "--map-opt")->multi;
  so.n_kv = (size_t)cli_get(&c, "--map-opt")->n_multi;
  arch_model am;
  if ((rc = arch_load(&am, cli_get(&c, "--arch")->str, NULL, 0, &err)))
    return cli_fail(&err);
  map_mcu_search_result r;
  double t0 = now_s();
  rc = map_mcu_search(&am, &so, &r, &err);
  double secs = now_s() - t0;
  int status = 0;
  if (rc) {
    status = cli_fail(&err);
  } else {
    const char *name = arch_header_of(&am)->name;
    if (cli_get(&c, "--json")->seen)
      status = print_json(&r, name, secs, (size_t)top);
    else
      print_text(&r, name, secs, (size_t)top);
  }
  map_mcu_search_fini(&r);
  arch_unload(&am);
  return status;
}
