/*
 * spatial_validate.c — `tfsim validate --suite spatial`: FuseMax (Nayak
 * et al., MICRO 2024) and its FLAT baseline on the `spatial` class,
 * simulated through the mappers of spatial_attn.c on the executor, row
 * by row against the paper's published figures.
 *
 * Hardware: the presets arch/configs/fusemax.yaml and flat.yaml, copied
 * below as text (the suite must not depend on the working directory);
 * the test `spatial presets equal the suite's` checks the copies.
 * Fill/drain off, as in the paper's analytical model; a few rows show
 * the same points with it on (informational).
 *
 * Published figures (copied from the paper's abstract and its public
 * artifact, FPSG-UIUC micro24-fusemax-artifact / accelerator-zoo
 * fusemax.ipynb, whose generated tables reproduce the abstract):
 *   BERT (batch 64) attention latency of Unfused and speedups over it,
 *   2D / 1D utilisation of each design, FuseMax 2D busy fraction per
 *   einsum at 1K, DRAM traffic; headline means over 4 models x 6
 *   lengths (attention 6.7x FLAT at 79 % of its energy; one block 5.3x
 *   at 83 %); BERT one block at 1K: 2.19x FLAT at 0.934 of its energy.
 * Informational rows (published = NAN): FuseMax against FLAT (speedup,
 * energy) for every model, length and scope; the fill/drain picture.
 * Tolerances (issue 8): speedups and latency 10 %, utilisation 3 points,
 * busy fractions 2 points, DRAM traffic 10 %; energy ratios 10 % (no
 * stated tolerance: our energy table is Horowitz-class, not the
 * artifact's Accelergy run).
 *
 * Model shapes (d_model, heads, head dim, FFN): BERT 768/12/64/3072
 * (zoo bert-base), TrXL 1024/16/64/4096 (zoo trxl-wt103), XLM
 * 2048/16/128/8192 (zoo xlm), T5 512/8/64/2048 (T5-small; built here on
 * BERT's block structure: only the attention and GEMM shapes matter).
 * Attention is unmasked (the paper's cascade), batch 64, fp16.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "map_spatial.h"

const char *const map_sp_models[MAP_SP_N_MODELS] = {"bert", "trxl", "t5",
                                                    "xlm"};
const char *const map_sp_designs[MAP_SP_N_DESIGNS] = {
    "unfused", "flat", "fusemax-cascade", "fusemax-arch", "fusemax"};

#define SRC "FuseMax MICRO 2024 + artifact (shared fusemax.md)"

/* The presets' values (arch/configs/fusemax.yaml, flat.yaml). */
static const char g_fusemax_yaml[] =
    "name: fusemax\nclass: spatial\nspatial:\n"
    "  clock_mhz: 940\n  rows: 256\n  cols: 256\n  pe1d: 256\n"
    "  exp2d: mac\n  exp1d: mac\n  div2d: false\n  div1d: true\n"
    "  exp_mac_cycles: 6\n  exp_add_cycles: 1\n  regs2d: 16\n"
    "  regs1d: 32\n  gbuf_bytes: 16777216\n  gbuf_banks: 32\n"
    "  gbuf_gbps: 0\n  dram_gbps: 429.4967296\n  fill_drain: false\n"
    "  tile_bubble_cycles: 0\n  word_bytes: 2\n  energy:\n"
    "    mac_pj: 1.5\n    add_pj: 0.4\n    max_pj: 0.4\n"
    "    exp_unit_pj: 9.4\n    div_pj: 4.4\n    reg_pj: 0.375\n"
    "    gbuf_rd_pj_per_byte: 8.8\n    gbuf_wr_pj_per_byte: 8.8\n"
    "    dram_pj_per_byte: 31.2\n";
static const char g_flat_yaml[] =
    "name: flat\nclass: spatial\nspatial:\n"
    "  clock_mhz: 940\n  rows: 256\n  cols: 256\n  pe1d: 256\n"
    "  exp2d: none\n  exp1d: unit\n  div2d: false\n  div1d: true\n"
    "  exp_mac_cycles: 6\n  exp_add_cycles: 1\n  regs2d: 4\n"
    "  regs1d: 32\n  gbuf_bytes: 33554432\n  gbuf_banks: 32\n"
    "  gbuf_gbps: 0\n  dram_gbps: 429.4967296\n  fill_drain: false\n"
    "  tile_bubble_cycles: 0\n  word_bytes: 2\n  energy:\n"
    "    mac_pj: 1.5\n    add_pj: 0.4\n    max_pj: 0.4\n"
    "    exp_unit_pj: 9.4\n    div_pj: 4.4\n    reg_pj: 0.19\n"
    "    gbuf_rd_pj_per_byte: 12.5\n    gbuf_wr_pj_per_byte: 12.5\n"
    "    dram_pj_per_byte: 31.2\n";

static int get_model(const char *name, wl_model *m, sim_err *err) {
  if (!strcmp(name, "bert")) return wl_model_find("bert-base", m, err);
  if (!strcmp(name, "trxl")) return wl_model_find("trxl-wt103", m, err);
  if (!strcmp(name, "xlm")) return wl_model_find("xlm", m, err);
  if (!strcmp(name, "t5")) {
    int rc = wl_model_find("bert-base", m, err);
    if (rc) return rc;
    snprintf(m->name, sizeof m->name, "t5-small-shapes");
    m->d_model = 512;
    m->n_heads = 8;
    m->n_kv_heads = 8;
    m->head_dim = 64;
    m->d_ff = 2048;
    return wl_check(m, err);
  }
  return sim_err_set(err, SIM_ENOENT, "spatial evaluation: unknown model "
                     "'%s' (bert, trxl, t5, xlm)", name);
}

static int load_arch(const char *design, int fill_drain, arch_model *am,
                     sim_err *err) {
  memset(am, 0, sizeof *am);
  int fm = !strcmp(design, "fusemax") || !strcmp(design, "fusemax-arch");
  am->ops = arch_find("spatial");
  if (!am->ops) return sim_err_set(err, SIM_EINTERNAL, "no spatial class");
  int rc = sim_cfg_load_string(&am->cfg, fm ? "fusemax" : "flat",
                               fm ? g_fusemax_yaml : g_flat_yaml,
                               am->ops->schema, err);
  if (!rc && fill_drain)
    rc = sim_cfg_set(&am->cfg, "spatial.fill_drain=true", err);
  if (!rc) rc = am->ops->init(&am->cfg, &am->state, err);
  if (rc) {
    sim_cfg_close(&am->cfg);
    memset(am, 0, sizeof *am);
  }
  return rc;
}

int map_spatial_eval(const char *model, uint64_t seq, const char *design,
                     int block, int fill_drain, const char *mopt,
                     map_sp_result *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  wl_model m;
  int rc = get_model(model, &m, err);
  if (rc) return rc;
  wl_opts o;
  wl_opts_default(&o);
  o.batch = 64;
  o.seq = seq;
  o.causal = 0;
  o.prec = WL_FP16;
  o.scope = block ? WL_SCOPE_BLOCK : WL_SCOPE_ATTENTION;
  arch_model am;
  if ((rc = load_arch(design, fill_drain, &am, err))) return rc;
  sim_sched s;
  sim_report rep;
  sim_report_init(&rep);
  const char *kv[1] = {mopt};
  rc = map_lower_and_map(&m, &o, &am, design, kv, mopt ? 1 : 0, &s, err);
  if (!rc) rc = arch_run(&am, &s, &rep, err);
  if (!rc) {
    out->latency_s = (double)rep.latency_ps * 1e-12;
    out->energy_j = sim_report_energy_pj(&rep) * 1e-12;
    out->util_2d = sim_report_get(&rep, "util_2d", 0);
    out->util_1d = sim_report_get(&rep, "util_1d", 0);
    out->dram_bytes = (double)rep.dram_bytes;
    out->gbuf_need_bytes = sim_report_get(&rep, "gbuf_need_bytes", 0);
    static const char *const bn[5] = {"busy.attn.QK", "busy.attn.LM",
                                      "busy.attn.SLN", "busy.attn.SLD",
                                      "busy.attn.SLNV"};
    for (int i = 0; i < 5; i++) out->busy[i] = sim_report_get(&rep, bn[i], 0);
  }
  sim_report_fini(&rep);
  sim_sched_fini(&s);
  arch_unload(&am);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Published figures                                                      */
/* ---------------------------------------------------------------------- */

#define N_L 4
static const uint64_t g_len[6] = {1024, 4096, 16384, 65536, 262144,
                                  1048576};
static const char *const g_len_name[6] = {"1K", "4K", "16K", "64K", "256K",
                                          "1M"};
/* BERT attention: Unfused latency (s), speedups over it (FLAT,
 * +Cascade, +Arch, FuseMax). */
static const double g_unfused_s[N_L] = {0.02182, 0.3379, 5.362, 85.61};
static const double g_speedup[4][N_L] = {{1.63, 1.58, 1.56, 1.56},
                                         {1.42, 1.39, 1.38, 1.38},
                                         {3.65, 3.53, 3.50, 3.49},
                                         {10.84, 11.38, 11.53, 11.56}};
static const double g_fusemax_s[2] = {0.002013, 0.02970};
/* 2D / 1D utilisation per design (Unfused, FLAT, +Cascade, +Arch,
 * FuseMax) and length. */
static const double g_util[5][N_L][2] = {
    {{0.077, 0.613}, {0.079, 0.634}, {0.080, 0.639}, {0.080, 0.640}},
    {{0.125, 1.000}, {0.125, 1.000}, {0.125, 1.000}, {0.125, 1.000}},
    {{0.109, 1.000}, {0.110, 1.000}, {0.111, 1.000}, {0.111, 1.000}},
    {{0.299, 0.336}, {0.299, 0.310}, {0.299, 0.303}, {0.299, 0.302}},
    {{0.890, 1.000}, {0.965, 1.000}, {0.986, 1.000}, {0.991, 1.000}}};
static const double g_busy[5] = {0.4156, 0.0065, 0.0455, 0.0065, 0.4156};
static const char *const g_busy_name[5] = {"QK", "LM", "SLN", "SLD",
                                           "SLNV"};
/* DRAM bytes: Unfused, FLAT, FuseMax at 1K, 4K, 16K. */
static const double g_traffic[3][3] = {{6.845e9, 1.047e11, 1.656e12},
                                       {1.309e9, 2.113e10, 3.332e11},
                                       {4.027e8, 1.611e9, 6.442e9}};

/* Why a row misses, by what it measures (explained in docs/spatial.md). */
#define WHY_ARCH                                                          \
  "+Arch: ours serialises tiles (RNV(i)->QK(i+1)); the artifact's 458 "   \
  "cyc/tile = 5 x 64 (each 2D einsum's tile via the global buffer) + "    \
  "138 1D: buffer port bandwidth not published, not fitted"
#define WHY_FLAT_TRAFFIC                                                  \
  "FLAT: ours reads K,V once per 256-query row tile (Q+O+(K+V)P/256); "   \
  "the artifact's FLAT tiling (13/52.5/207 x Q per head) is not known"

static int add(sim_val_table *t, const char *item, const char *metric,
               double pub, double ours, double tol, int tol_abs,
               const char *why, sim_err *err) {
  sim_val_row r;
  memset(&r, 0, sizeof r);
  snprintf(r.suite, sizeof r.suite, "spatial");
  snprintf(r.item, sizeof r.item, "%s", item);
  snprintf(r.metric, sizeof r.metric, "%s", metric);
  r.published = pub;
  r.ours = ours;
  r.tol = tol;
  r.tol_abs = tol_abs;
  snprintf(r.source, sizeof r.source, "%s", SRC);
  if (why && sim_val_check(&r) == SIM_VAL_MISS)
    snprintf(r.note, sizeof r.note, "%s", why);
  int rc = sim_val_add(t, &r);
  return rc ? sim_err_set(err, rc, "out of memory") : 0;
}

int map_spatial_validate(sim_val_table *t, sim_err *err) {
  int rc = 0;
  char item[64], metric[48];
  /* BERT attention, all designs, 1K..64K. */
  map_sp_result r[MAP_SP_N_DESIGNS][N_L];
  for (int d = 0; d < MAP_SP_N_DESIGNS && !rc; d++)
    for (int l = 0; l < N_L && !rc; l++)
      rc = map_spatial_eval("bert", g_len[l], map_sp_designs[d], 0, 0, NULL,
                            &r[d][l], err);
  if (rc) return rc;
  for (int l = 0; l < N_L && !rc; l++) {
    snprintf(item, sizeof item, "bert-attn/%s/unfused", g_len_name[l]);
    rc = add(t, item, "latency_s", g_unfused_s[l], r[0][l].latency_s, 0.10,
             0, NULL, err);
  }
  for (int d = 1; d < MAP_SP_N_DESIGNS && !rc; d++)
    for (int l = 0; l < N_L && !rc; l++) {
      snprintf(item, sizeof item, "bert-attn/%s/%s", g_len_name[l],
               map_sp_designs[d]);
      rc = add(t, item, "speedup_vs_unfused", g_speedup[d - 1][l],
               r[0][l].latency_s / r[d][l].latency_s, 0.10, 0,
               d == 3 ? WHY_ARCH : NULL, err);
    }
  for (int l = 0; l < 2 && !rc; l++) {
    snprintf(item, sizeof item, "bert-attn/%s/fusemax", g_len_name[l]);
    rc = add(t, item, "latency_s", g_fusemax_s[l], r[4][l].latency_s, 0.10,
             0, NULL, err);
  }
  for (int d = 0; d < MAP_SP_N_DESIGNS && !rc; d++)
    for (int l = 0; l < N_L && !rc; l++) {
      snprintf(item, sizeof item, "bert-attn/%s/%s", g_len_name[l],
               map_sp_designs[d]);
      rc = add(t, item, "util_2d", g_util[d][l][0], r[d][l].util_2d, 0.03, 1,
               d == 3 ? WHY_ARCH : NULL, err);
      if (!rc)
        rc = add(t, item, "util_1d", g_util[d][l][1], r[d][l].util_1d, 0.03,
                 1, d == 3 ? WHY_ARCH : NULL, err);
    }
  for (int k = 0; k < 5 && !rc; k++) {
    snprintf(metric, sizeof metric, "busy_%s", g_busy_name[k]);
    rc = add(t, "bert-attn/1K/fusemax", metric, g_busy[k], r[4][0].busy[k],
             0.02, 1, NULL, err);
  }
  static const int tr_design[3] = {0, 1, 4};
  for (int d = 0; d < 3 && !rc; d++)
    for (int l = 0; l < 3 && !rc; l++) {
      snprintf(item, sizeof item, "bert-attn/%s/%s", g_len_name[l],
               map_sp_designs[tr_design[d]]);
      rc = add(t, item, "dram_bytes", g_traffic[d][l],
               r[tr_design[d]][l].dram_bytes, 0.10, 0,
               d == 1 ? WHY_FLAT_TRAFFIC : NULL, err);
    }
  if (rc) return rc;
  /* Headline: FuseMax over FLAT, mean over 4 models x 6 lengths, for
   * attention and one block; BERT block at 1K. */
  double sp[2] = {0, 0}, en[2] = {0, 0}, bert_blk_sp = 0, bert_blk_en = 0;
  for (int blk = 0; blk < 2 && !rc; blk++)
    for (int mi = 0; mi < MAP_SP_N_MODELS && !rc; mi++)
      for (int l = 0; l < 6 && !rc; l++) {
        map_sp_result fl, fm;
        rc = map_spatial_eval(map_sp_models[mi], g_len[l], "flat", blk, 0,
                              NULL, &fl, err);
        if (!rc)
          rc = map_spatial_eval(map_sp_models[mi], g_len[l], "fusemax", blk,
                                0, NULL, &fm, err);
        if (rc) break;
        sp[blk] += fl.latency_s / fm.latency_s / 24;
        en[blk] += fm.energy_j / fl.energy_j / 24;
        /* Every point, informational: the paper's other figures (per
         * model and length) can be checked against these. */
        snprintf(item, sizeof item, "%s-%s/%s/fusemax", map_sp_models[mi],
                 blk ? "block" : "attn", g_len_name[l]);
        if ((rc = add(t, item, "speedup_vs_flat", NAN,
                      fl.latency_s / fm.latency_s, 0, 0, NULL, err)) ||
            (rc = add(t, item, "energy_vs_flat", NAN,
                      fm.energy_j / fl.energy_j, 0, 0, NULL, err)))
          break;
        if (blk && mi == 0 && l == 0) {
          bert_blk_sp = fl.latency_s / fm.latency_s;
          bert_blk_en = fm.energy_j / fl.energy_j;
        }
      }
  if (rc) return rc;
  if ((rc = add(t, "mean24-attn/fusemax", "speedup_vs_flat", 6.7, sp[0],
                0.10, 0, NULL, err)) ||
      (rc = add(t, "mean24-attn/fusemax", "energy_vs_flat", 0.79, en[0],
                0.10, 0, "energy table: Horowitz 45 nm class, not the "
                "artifact's Accelergy tables (divider, exp, buffers differ)",
                err)) ||
      (rc = add(t, "mean24-block/fusemax", "speedup_vs_flat", 5.3, sp[1],
                0.10, 0, NULL, err)) ||
      (rc = add(t, "mean24-block/fusemax", "energy_vs_flat", 0.83, en[1],
                0.10, 0, "energy table: Horowitz 45 nm class, not the "
                "artifact's Accelergy tables", err)) ||
      (rc = add(t, "bert-block/1K/fusemax", "speedup_vs_flat", 2.19,
                bert_blk_sp, 0.10, 0, NULL, err)) ||
      (rc = add(t, "bert-block/1K/fusemax", "energy_vs_flat", 0.934,
                bert_blk_en, 0.10, 0, "energy table: Horowitz 45 nm class",
                err)))
    return rc;
  /* Fill/drain on (informational): how much the picture changes. */
  for (int d = 1; d < MAP_SP_N_DESIGNS && !rc; d++) {
    map_sp_result u, x;
    rc = map_spatial_eval("bert", 1024, "unfused", 0, 1, NULL, &u, err);
    if (!rc)
      rc = map_spatial_eval("bert", 1024, map_sp_designs[d], 0, 1, NULL, &x,
                            err);
    if (rc) break;
    snprintf(item, sizeof item, "bert-attn/1K/%s/filldrain",
             map_sp_designs[d]);
    if (!(rc = add(t, item, "speedup_vs_unfused", NAN,
                   u.latency_s / x.latency_s, 0, 0, NULL, err)))
      rc = add(t, item, "util_2d", NAN, x.util_2d, 0, 1, NULL, err);
  }
  return rc;
}
