/*
 * test_mcu_cli.c — the mcu class through the tfsim command, end to end:
 * the memory timeline (`run --timeline`, `report` on a database of mcu
 * runs) checked by what the plot's data holds (one stacked series per
 * planned buffer, one point per schedule op, the stacked maximum equal
 * to the planner's live peak), the note and the JSON of a run that does
 * not fit (by how many bytes, which buffers are live at the peak), the
 * search command, and bad input (exit 2, one line naming the key).
 *
 * Expected figures come from the library in-process (the same planner),
 * or are the golden numbers of docs/mcu.md.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "results/res.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

static char g_dir[256];
static char g_out[1 << 18], g_errb[1 << 14];

static void slurp(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  size_t r = f ? fread(buf, 1, n - 1, f) : 0;
  buf[r] = '\0';
  if (f) fclose(f);
}

/* Runs "tfsim <args>" in g_dir; returns the exit status. */
static int tfsim(const char *args) {
  char cmd[4096], o[300], e[300];
  snprintf(o, sizeof o, "%s/stdout", g_dir);
  snprintf(e, sizeof e, "%s/stderr", g_dir);
  snprintf(cmd, sizeof cmd, "cd %s && %s %s >%s 2>%s </dev/null", g_dir,
           TFSIM_BIN, args, o, e);
  int st = system(cmd);
  slurp(o, g_out, sizeof g_out);
  slurp(e, g_errb, sizeof g_errb);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int setup(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/tfsim_mcu_cli_%d", (int)getpid());
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", g_dir, g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* What the timeline data file holds. */
typedef struct dat {
  size_t cols, rows;
  unsigned long long max_total;
  int ok;
} dat;

static dat read_dat(const char *path) {
  dat d = {0};
  FILE *f = fopen(path, "r");
  if (!f) return d;
  static char line[1 << 16];
  if (!fgets(line, sizeof line, f)) {
    fclose(f);
    return d;
  }
  for (char *t = strtok(line, " \n"); t; t = strtok(NULL, " \n")) d.cols++;
  d.ok = 1;
  while (fgets(line, sizeof line, f)) {
    unsigned long long tot = 0;
    size_t c = 0;
    for (char *t = strtok(line, " \n"); t; t = strtok(NULL, " \n"), c++)
      if (c) tot += strtoull(t, NULL, 10);
    if (c != d.cols) d.ok = 0;
    if (tot > d.max_total) d.max_total = tot;
    d.rows++;
  }
  fclose(f);
  return d;
}

/* The buffers the library plans for the run, in-process. */
static void expect_bufs(const char *mapper, size_t *n_bufs, size_t *n_ops,
                        double *live_peak) {
  sim_err err;
  arch_model am;
  wl_model m;
  wl_opts o;
  sim_report rep;
  sim_sched s;
  *n_bufs = *n_ops = 0;
  CU_ASSERT_EQUAL_FATAL(arch_load(&am, "stm32f746", NULL, 0, &err), 0);
  CU_ASSERT_EQUAL_FATAL(wl_model_find("mcuformer-d192-p16", &m, &err), 0);
  wl_opts_default_for(&m, &o);
  o.prec = WL_INT8;
  sim_report_init(&rep);
  map_sim_opts so = {0};
  so.mapper = mapper;
  CU_ASSERT_EQUAL_FATAL(map_simulate(&am, &m, &o, &so, &rep, &s, &err), 0);
  for (size_t i = 0; i < rep.n_bufs; i++) *n_bufs += rep.bufs[i].bytes > 0;
  for (size_t i = 0; i < rep.n_bufs; i++)
    if (rep.bufs[i].last_op + 1 > *n_ops) *n_ops = rep.bufs[i].last_op + 1;
  *live_peak = sim_report_get(&rep, "live_peak_bytes", -1);
  sim_report_fini(&rep);
  sim_sched_fini(&s);
  arch_unload(&am);
}

static int is_png(const char *path) {
  unsigned char h[8] = {0};
  FILE *f = fopen(path, "rb");
  size_t r = f ? fread(h, 1, 8, f) : 0;
  if (f) fclose(f);
  return r == 8 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G';
}

static void test_timeline_run(void) {
  size_t nb, nops;
  double peak;
  expect_bufs("tinyengine", &nb, &nops, &peak);
  CU_ASSERT(nb > 20);
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-d192-p16 "
                        "--precision int8 --mapper tinyengine --timeline "
                        "te.png --db runs.db"), 0);
  char p[400];
  snprintf(p, sizeof p, "%s/te.dat", g_dir);
  dat d = read_dat(p);
  CU_ASSERT(d.ok);
  CU_ASSERT_EQUAL(d.cols, nb + 1); /* op index + one series per buffer */
  CU_ASSERT_EQUAL(d.rows, nops);
  CU_ASSERT_EQUAL((double)d.max_total, peak);
  snprintf(p, sizeof p, "%s/te.png", g_dir);
  CU_ASSERT(is_png(p));
  /* The capacity line is drawn at the SRAM size. */
  snprintf(p, sizeof p, "%s/te.gp", g_dir);
  static char gp[4096];
  slurp(p, gp, sizeof gp);
  CU_ASSERT_PTR_NOT_NULL(strstr(gp, "cap = 327680;"));
  /* A class without a planner has nothing to draw: exit 2, one line. */
  CU_ASSERT_EQUAL(tfsim("run --arch ideal --model gpt2 --seq 8 --timeline "
                        "x.png"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "no planned buffers"));
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-t-min "
                        "--precision int8 --timeline x.pdf"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "must end in .png or .svg"));
}

static void test_timeline_report(void) {
  size_t nb, nops;
  double peak;
  expect_bufs("mcuformer", &nb, &nops, &peak);
  /* runs.db holds the tinyengine run of the test before; add mcuformer. */
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-d192-p16 "
                        "--precision int8 --mapper mcuformer --db runs.db"),
                  0);
  CU_ASSERT_EQUAL(tfsim("report --db runs.db --out rep"), 0);
  char p[400];
  snprintf(p, sizeof p, "%s/rep/timeline-2.dat", g_dir);
  dat d = read_dat(p);
  CU_ASSERT(d.ok);
  CU_ASSERT_EQUAL(d.cols, nb + 1);
  CU_ASSERT_EQUAL(d.rows, nops);
  CU_ASSERT_EQUAL((double)d.max_total, peak);
  snprintf(p, sizeof p, "%s/rep/timeline-1.png", g_dir);
  CU_ASSERT(is_png(p));
  snprintf(p, sizeof p, "%s/rep/timeline-2.png", g_dir);
  CU_ASSERT(is_png(p));
  static char md[1 << 15];
  snprintf(p, sizeof p, "%s/rep/report.md", g_dir);
  slurp(p, md, sizeof md);
  CU_ASSERT_PTR_NOT_NULL(strstr(md, "Memory timeline, run 2"));
}

/* mcuformer-d192-p16 under tinyengine on the F746 (docs/mcu.md): the
 * placement peaks at 387,590 B, 59,910 B over 320 KiB; the live peak is
 * at QK of layer 0: the scores of all heads and Q, K, V, the tokens. */
static void test_no_fit_message(void) {
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-d192-p16 "
                        "--precision int8 --mapper tinyengine --json"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "peak SRAM 387590 B is 59910 B "
                                        "over the 327680 B SRAM"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "live at the peak (op 21, 326796 "
                                        "B): L0.attn.QK 153228 B,"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "L0.attn.V.mm 43392 B"));
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT(json_is_false(json_object_get(j, "fits")));
  CU_ASSERT(json_is_false(json_object_get(j, "fits_sram")));
  CU_ASSERT(json_is_true(json_object_get(j, "fits_flash")));
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j,
                                                     "sram_shortfall_bytes")),
                  59910);
  json_t *lp = json_object_get(j, "live_at_peak");
  CU_ASSERT_EQUAL(json_array_size(lp), 5);
  json_int_t sum = 0;
  for (size_t i = 0; i < json_array_size(lp); i++)
    sum += json_integer_value(json_object_get(json_array_get(lp, i),
                                              "bytes"));
  CU_ASSERT_EQUAL(sum, 326796); /* = live_peak_bytes */
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                             json_array_get(lp, 0), "name")),
                         "L0.attn.QK");
  json_decref(j);
  /* The text report prints the booleans as true/false. */
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-d192-p16 "
                        "--precision int8 --mapper tinyengine"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "fits                    false"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "fits_flash              true"));
  /* A run that fits says nothing. */
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model mcuformer-d192-p16 "
                        "--precision int8 --json"), 0);
  CU_ASSERT_PTR_NULL(strstr(g_errb, "does not fit"));
  j = json_loads(g_out, 0, NULL);
  CU_ASSERT(json_is_true(json_object_get(j, "fits")));
  json_decref(j);
}

/* The search on a slice of the space (patch 32, embed 168: 144 subnets
 * per mapper), end to end through --json. */
static void test_search(void) {
  CU_ASSERT_EQUAL(tfsim("search --arch stm32f746 --budget 100KB --patch 32 "
                        "--embed 168 --all --json"), 0);
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "budget_bytes")),
                  102400);
  json_t *ms = json_object_get(j, "mappers");
  CU_ASSERT_EQUAL_FATAL(json_array_size(ms), 3);
  static const char *const names[] = {"naive", "tinyengine", "mcuformer"};
  json_int_t fit[3] = {0};
  for (size_t i = 0; i < 3; i++) {
    json_t *m = json_array_get(ms, i);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "mapper")),
                           names[i]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "subnets")), 144);
    fit[i] = json_integer_value(json_object_get(m, "fit"));
    json_t *cf = json_object_get(m, "configs");
    CU_ASSERT_EQUAL((json_int_t)json_array_size(cf), fit[i]);
    double prev = 0;
    for (size_t k = 0; k < json_array_size(cf); k++) {
      json_t *p = json_array_get(cf, k);
      double lat = json_real_value(json_object_get(p, "latency_s"));
      CU_ASSERT(lat >= prev); /* fastest first */
      prev = lat;
      CU_ASSERT(json_integer_value(json_object_get(p, "peak_sram_bytes")) <=
                102400);
      /* int8: one byte per parameter in flash. */
      CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "flash_bytes")),
                      json_integer_value(json_object_get(p, "params")));
      CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "patch")), 32);
    }
    /* One share cell per rank ratio at patch 32, adding up to the fits. */
    json_t *sh = json_object_get(m, "share");
    CU_ASSERT_EQUAL(json_array_size(sh), 12);
    json_int_t sum = 0;
    for (size_t k = 0; k < json_array_size(sh); k++) {
      json_t *c = json_array_get(sh, k);
      CU_ASSERT_EQUAL(json_integer_value(json_object_get(c, "subnets")), 12);
      sum += json_integer_value(json_object_get(c, "fit"));
      /* The released proxy, D * ((240/P)^2 + 1)(1 + m) + D^2 m r at
       * D = 168, P = 32: 93,248 B at m 4, r 0.40 (all fit 100 KiB);
       * 137,093 B at m 3.5, r 0.95 (none). */
      double r = json_real_value(json_object_get(c, "rank_ratio"));
      double ps = json_real_value(json_object_get(c, "proxy_share"));
      if (r < 0.41) CU_ASSERT_DOUBLE_EQUAL(ps, 1.0, 1e-12);
      if (r > 0.94) CU_ASSERT_DOUBLE_EQUAL(ps, 0.0, 1e-12);
    }
    CU_ASSERT_EQUAL(sum, fit[i]);
  }
  /* 100 KiB: only MCUFormer's schedule fits (its smallest subnet plans
   * to 72,936 B; naive and tinyengine need 207,360 B). */
  CU_ASSERT_EQUAL(fit[0], 0);
  CU_ASSERT_EQUAL(fit[1], 0);
  CU_ASSERT(fit[2] > 0);
  json_decref(j);
  /* The text form names the table to compare with the paper. */
  CU_ASSERT_EQUAL(tfsim("search --arch stm32f746 --patch 32 --embed 168 "
                        "--mapper mcuformer --top 3"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "share that fits per (rank ratio, "
                                       "patch)"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "mapper mcuformer: 144 of 144 fit"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "by the released NAS memory proxy"));
  /* Bad input: exit 2, one line naming the option. */
  CU_ASSERT_EQUAL(tfsim("search --arch stm32f746 --budget lots"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "--budget: 'lots' is not a size"));
  CU_ASSERT_EQUAL(tfsim("search --arch stm32f746 --patch 17"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "--patch: 17 is not in the T "
                                        "space"));
  CU_ASSERT_EQUAL(tfsim("search --arch stm32f746 --mapper flash"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "'flash' maps class 'gpu'"));
  CU_ASSERT_EQUAL(tfsim("--help"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "  search "));
}

/* One line on stderr, exit 2. */
static int one_line(void) {
  size_t l = strlen(g_errb);
  return l > 0 && strchr(g_errb, '\n') == g_errb + l - 1;
}

/* Writes g_dir/name as a copy of the F746 preset with `from` replaced by
 * `to`. */
static void preset_edit(const char *name, const char *from, const char *to) {
  static char text[8192];
  slurp(TFSIM_SOURCE_DIR "/arch/configs/stm32f746.yaml", text, sizeof text);
  char *at = strstr(text, from);
  CU_ASSERT_PTR_NOT_NULL_FATAL(at);
  char p[400];
  snprintf(p, sizeof p, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fwrite(text, 1, (size_t)(at - text), f);
  fputs(to, f);
  fputs(at + strlen(from), f);
  fclose(f);
}

/* Bad input of issue 11: each one line naming the key, exit 2. */
static void test_bad_input(void) {
  /* Weights that fit no flash: which memory, how much. */
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f427 --model mcuformer-d192-p16 "
                        "--precision int8"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "the weights (9536584 B) fit no "
                                        "flash: internal flash 1048576 B "
                                        "(mcu.flash_kb) is 8488008 B short "
                                        "and there is no external flash "
                                        "(mcu.ext_flash_kb)"));
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --set mcu.ext_flash_kb=2048 "
                        "--model mcuformer-d192-p16 --precision int8 --db "
                        "bad.db"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "internal flash 1048576 B "
                                        "(mcu.flash_kb) + external flash "
                                        "2097152 B (mcu.ext_flash_kb) = "
                                        "3145728 B, 6390856 B short"));
  /* SRAM regions that overlap: both named, by how much, at the line. */
  preset_edit("overlap.yaml", "base: 0x2004C000", "base: 0x2004B000");
  CU_ASSERT_EQUAL(tfsim("run --arch overlap.yaml --model mcuformer-t-min "
                        "--precision int8"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "overlap.yaml:23: "
                                        "mcu.sram_regions.2.base: region "
                                        "'sram2' [0x2004b000, 0x2004f000) "
                                        "overlaps region 'sram1' "
                                        "[0x20010000, 0x2004c000) by 4096 "
                                        "bytes"));
  preset_edit("big.yaml", "  sram_kb: 320", "  sram_kb: 330");
  CU_ASSERT_EQUAL(tfsim("run --arch big.yaml --model mcuformer-t-min "
                        "--precision int8"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "big.yaml:16: mcu.sram_kb: 330 KB "
                                        "is more than the largest "
                                        "contiguous run"));
  /* A patch size that does not divide the image: what padding would do. */
  char p[400];
  snprintf(p, sizeof p, "%s/vit17.json", g_dir);
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs("{\"model_type\": \"vit\", \"hidden_size\": 192, "
        "\"num_hidden_layers\": 2, \"num_attention_heads\": 3, "
        "\"intermediate_size\": 768, \"image_size\": 240, "
        "\"patch_size\": 17}\n", f);
  fclose(f);
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model vit17.json "
                        "--precision int8"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "patch_size 17 does not divide "
                                        "image_size 240 (+ 2 x pad 0): "
                                        "zero-padding 15 px more (8 + 7 per "
                                        "side) gives a 255-px image of 15 x "
                                        "15 = 225 patches (226 tokens with 1 "
                                        "class token); cropping 2 px gives "
                                        "14 x 14 = 196 patches"));
  CU_ASSERT_EQUAL(tfsim("run --arch stm32f746 --model "
                        "mcuformer-d192-l12-h3-m4-p36-r0.9 --precision "
                        "int8"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "patch 36 does not divide image "
                                        "240 (+ 2 x pad 0): zero-padding 12 "
                                        "px more (6 + 6 per side) gives a "
                                        "252-px image of 7 x 7 = 49 patches "
                                        "(50 tokens"));
}

/* validate: every suite in --help; the end-to-end Cortex-M7 MAC/cycle
 * rows inside the published bands (TinyEngine 0.46 - 0.57, CMSIS-NN
 * 0.22 - 0.26 on the STM32H743). */
static void test_validate_bands(void) {
  CU_ASSERT_EQUAL(tfsim("validate --help"), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_out, "Suites: dram, mcu, gpu, pim, spatial."));
  CU_ASSERT_EQUAL(tfsim("validate --suite nosuch"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "(known: dram, mcu, gpu, pim, spatial)"));
  CU_ASSERT_EQUAL(tfsim("validate --suite mcu --json"), 1); /* 2 misses */
  json_t *j = json_loads(g_out, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  static const struct {
    const char *item;
    double lo, hi;
  } band[] = {{"m7-e2e/tinyengine/t-min-h743", 0.46, 0.57},
              {"m7-e2e/cmsis-nn/t-min-h743", 0.22, 0.26}};
  int seen = 0;
  json_t *rows = json_object_get(j, "rows");
  for (size_t i = 0; i < json_array_size(rows); i++) {
    json_t *r = json_array_get(rows, i);
    for (int b = 0; b < 2; b++) {
      if (strcmp(json_string_value(json_object_get(r, "item")),
                 band[b].item))
        continue;
      seen++;
      double v = json_real_value(json_object_get(r, "ours"));
      CU_ASSERT(v >= band[b].lo && v <= band[b].hi);
      CU_ASSERT(json_is_true(json_object_get(r, "pass")));
    }
  }
  CU_ASSERT_EQUAL(seen, 2);
  json_decref(j);
  /* The kernel library is a key of its own. */
  CU_ASSERT_EQUAL(tfsim("run --arch stm32h743 --model mcuformer-t-min "
                        "--precision int8 --set mcu.kernels=arm"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_errb, "mcu.kernels: 'arm' is not a "
                                        "kernel library"));
}

static CU_TestInfo tests[] = {
    {"validate: suites listed, M7 MAC/cycle in the published bands",
     test_validate_bands},
    {"bad input: flash, overlapping SRAM regions, patch size",
     test_bad_input},
    {"search: a slice of the T space under three mappers", test_search},
    {"run --timeline: one series per buffer, one point per op",
     test_timeline_run},
    {"report: a timeline per mcu run from the database",
     test_timeline_report},
    {"no fit: shortfall and the buffers live at the peak",
     test_no_fit_message},
    CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"mcu_cli", setup, teardown, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
