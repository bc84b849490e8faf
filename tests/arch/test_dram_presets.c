/*
 * test_dram_presets.c — every DRAM preset in arch/configs/ (class: dram)
 * loads through the public API and carries numbers that agree with the
 * standard it claims.  A wrong number in a preset (ns written where nCK is
 * meant, a BL/tBL mismatch, a capacity off by a power of two, a swapped
 * _S/_L pair) breaks a derived figure here.
 *
 * What is checked, per preset:
 *   - it loads with arch_load() (class dram) and dram_spec_load();
 *   - derived figures against a table of expectations (below) for the
 *     presets this project ships: data rate (MT/s) from tCK, BL and tBL,
 *     peak bandwidth per channel (bus width x data rate), capacity,
 *     channel count, and tRC - (tRAS + tRP) (0 unless documented);
 *   - JEDEC relations every standard here obeys: tRC >= tRAS + tRP,
 *     tFAW >= 4 tRRD_S (unless documented as non-binding), tCCD_L >=
 *     tCCD_S, tRRD_L >= tRRD_S, tWTR_L >= tWTR_S, tRAS >= tRCD, CWL <= CL,
 *     tRFC < tREFI, tRFCpb < tRFC, tREFIpb < tREFI and tPBR2PBR <=
 *     tREFIpb where given;
 *   - absolute times in ns in the ranges every DDR4 / LPDDR5 / GDDR6 /
 *     HBM2 / HBM3 part has (tRCD, tRP 10-30 ns, tRAS 25-50 ns, tRFC
 *     50-600 ns, tREFI 1.5-8 us), which catch a value given in ns or ps
 *     where nCK is meant;
 *   - energy per command in the physical range (read and write 0.5-10
 *     pJ/bit, activate 0.05-3 pJ per byte of the rank's row), which
 *     catches mA/A or per-device/per-rank slips;
 *   - running: one read to a closed bank returns between tRCD + RL + tBL
 *     and 10 cycles later (the controller's pipeline), and a short mixed
 *     trace runs under the protocol checker with no violation, every read
 *     returned and every write retired.
 *
 * Numbers and their sources: docs/dram-standards.md and the comments in
 * each preset.  New DRAM presets are picked up automatically and get the
 * relation, range and run checks; add a row to k_expect to pin their
 * derived figures.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/dram/dram.h"
#include "tfsim_test.h"

#define CONFIG_DIR TFSIM_SOURCE_DIR "/arch/configs"
#define MAX_PRESETS 64

/* Expected derived figures of the shipped presets. */
typedef struct expect {
  const char *name;     /* preset `name:` */
  double rate_mts;      /* data rate per pin */
  double peak_gbs;      /* per channel: bus width / 8 x rate */
  double capacity_gib;  /* all channels */
  unsigned channels;
  int trc_extra;        /* tRC - (tRAS + tRP), documented in the preset */
  int faw_nonbinding;   /* tFAW < 4 tRRD_S in the source table */
} expect;

static const expect k_expect[] = {
    /* DDR4-3200 x8, 1 rank: DRAMsim3 validation config */
    {"ddr4-3200-8gb-x8-1ch1r", 3200, 25.6, 8, 1, 0, 0},
    /* DDR4-2400 x8: 0.833 ns gives 2401 MT/s, within the tolerance */
    {"ddr4-2400-8gb-x8", 2400, 19.2, 8, 1, 0, 0},
    {"ddr4-3200-8gb-x16", 3200, 25.6, 8, 1, 0, 0},
    /* LPDDR5 x16, 8 beats per 1.25 ns CK */
    {"lpddr5-6400-16gb-x16", 6400, 12.8, 2, 1, 0, 0},
    /* GDDR6-AiM: tRC 89 = tRAS 54 + tRP 32 + 3 (AiM table); tFAW 42 <
     * 4 x tRRD 44 (AiM table: tFAW never binds) */
    {"gddr6-16gbps-8gb-x16", 16000, 32.0, 1, 2, 3, 1},
    /* HBM2 2 Gb/s x128 */
    {"hbm2-8gb-x128-1ch", 2000, 32.0, 1, 1, 0, 0},
    {"hbm2-8gb-x128-8ch", 2000, 32.0, 8, 8, 0, 0},
    /* HBM3 6.4 Gb/s, 32-bit pseudo channels */
    {"hbm3-6400-16gb", 6400, 25.6, 16, 32, 0, 0},
};

typedef struct preset {
  char path[512];
  char name[SIM_NAME_MAX];
  dram_spec spec;
  int loaded;
} preset;

static preset g_p[MAX_PRESETS];
static int g_n;

/* The `class:` of a YAML file, by a line scan (0 when not found). */
static int yaml_class(const char *path, char *out, size_t n) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[256];
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "class:", 6) != 0) continue;
    char *p = line + 6;
    while (*p == ' ' || *p == '\t') p++;
    size_t len = strcspn(p, " \t\r\n#");
    if (len >= n) len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
    found = 1;
    break;
  }
  fclose(f);
  return found;
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(((const preset *)a)->path, ((const preset *)b)->path);
}

/* Finds every class-dram YAML in arch/configs, sorted by path. */
static int setup(void) {
  DIR *d = opendir(CONFIG_DIR);
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && g_n < MAX_PRESETS) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
    char path[512], cls[32];
    snprintf(path, sizeof path, "%s/%s", CONFIG_DIR, e->d_name);
    if (!yaml_class(path, cls, sizeof cls) || strcmp(cls, "dram") != 0)
      continue;
    memset(&g_p[g_n], 0, sizeof g_p[g_n]);
    snprintf(g_p[g_n].path, sizeof g_p[g_n].path, "%s", path);
    g_n++;
  }
  closedir(d);
  qsort(g_p, (size_t)g_n, sizeof g_p[0], cmp_path);
  return 0;
}

static int teardown(void) {
  for (int i = 0; i < g_n; i++)
    if (g_p[i].loaded) dram_spec_fini(&g_p[i].spec);
  g_n = 0;
  return 0;
}

static const expect *expect_of(const char *name) {
  for (size_t i = 0; i < sizeof k_expect / sizeof k_expect[0]; i++)
    if (strcmp(k_expect[i].name, name) == 0) return &k_expect[i];
  return NULL;
}

#define T(s, p) ((s)->t[DRAM_T_##p])
/* ns of n cycles */
static double ns(const dram_spec *s, int64_t n) {
  return (double)n * (double)s->tck_ps / 1000.0;
}

/* Reports which preset and which relation failed, then asserts. */
#define CHECK(p, cond)                                                      \
  do {                                                                      \
    if (!(cond))                                                            \
      fprintf(stderr, "\n  %s: %s\n", (p)->name, #cond);                    \
    CU_ASSERT(cond);                                                        \
  } while (0)

static void test_load(void) {
  /* the six presets of this suite plus the two validation presets */
  CU_ASSERT(g_n >= 6);
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    arch_model m;
    sim_err err = {0};
    memset(&m, 0, sizeof m);
    int rc = arch_load(&m, p->path, NULL, 0, &err);
    if (rc) fprintf(stderr, "\n  %s: arch_load: %s\n", p->path, err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc == 0) {
      const arch_header *h = arch_header_of(&m);
      CU_ASSERT_PTR_NOT_NULL(h);
      if (h) {
        CU_ASSERT_STRING_EQUAL(h->cls, "dram");
        snprintf(p->name, sizeof p->name, "%s", h->name ? h->name : "");
      }
      arch_unload(&m);
    }
    memset(&err, 0, sizeof err);
    rc = dram_spec_load(p->path, &p->spec, &err);
    if (rc) fprintf(stderr, "\n  %s: dram_spec_load: %s\n", p->path, err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    p->loaded = rc == 0;
    if (p->loaded && !p->name[0]) {
      char tmp[sizeof p->name]; /* (gcc -Wrestrict sees one object) */
      snprintf(tmp, sizeof tmp, "%s", p->spec.name);
      memcpy(p->name, tmp, sizeof tmp);
    }
  }
  /* every shipped preset is present */
  for (size_t k = 0; k < sizeof k_expect / sizeof k_expect[0]; k++) {
    int seen = 0;
    for (int i = 0; i < g_n; i++)
      if (g_p[i].loaded && strcmp(g_p[i].name, k_expect[k].name) == 0)
        seen = 1;
    if (!seen) fprintf(stderr, "\n  missing preset %s\n", k_expect[k].name);
    CU_ASSERT(seen);
  }
}

/* Data rate, peak bandwidth, capacity, channels, tRC against k_expect. */
static void test_derived_figures(void) {
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    /* beats per command clock, from the burst and its bus occupancy */
    double beats = (double)s->BL / (double)T(s, BL_CYC);
    double rate_mts = beats * 1e6 / (double)s->tck_ps;
    /* peak = one line every tBL cycles = bus width x data rate */
    double peak_line = (double)s->line_bytes /
                       ((double)T(s, BL_CYC) * (double)s->tck_ps) * 1e3;
    double peak_pins = (double)s->bus_width / 8.0 * rate_mts / 1e3;
    CHECK(p, fabs(peak_line - peak_pins) < 1e-9 * peak_pins);
    CHECK(p, s->line_bytes == s->bus_width / 8 * s->BL);
    /* capacity = channels x ranks x banks x rows x row bytes */
    double row_bytes = (double)s->columns * s->device_width / 8.0 *
                       s->devices_per_rank;
    double cap = (double)s->channels * s->ranks * s->banks * s->rows *
                 row_bytes;
    CHECK(p, fabs(cap - (double)s->capacity_bytes) < 0.5);
    const expect *x = expect_of(p->name);
    if (!x) continue;
    CHECK(p, fabs(rate_mts - x->rate_mts) < 0.001 * x->rate_mts);
    CHECK(p, fabs(peak_pins - x->peak_gbs) < 0.001 * x->peak_gbs);
    CHECK(p, fabs((double)s->capacity_bytes / 1073741824.0 -
                  x->capacity_gib) < 1e-9);
    CHECK(p, s->channels == x->channels);
    CHECK(p, T(s, RC) - (T(s, RAS) + T(s, RP)) == x->trc_extra);
  }
}

static void test_jedec_relations(void) {
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    const expect *x = expect_of(p->name);
    CHECK(p, T(s, RC) >= T(s, RAS) + T(s, RP));
    if (!(x && x->faw_nonbinding)) CHECK(p, T(s, FAW) >= 4 * T(s, RRD_S));
    CHECK(p, T(s, CCD_L) >= T(s, CCD_S));
    CHECK(p, T(s, RRD_L) >= T(s, RRD_S));
    CHECK(p, T(s, WTR_L) >= T(s, WTR_S));
    CHECK(p, T(s, RAS) >= T(s, RCD));
    CHECK(p, T(s, RAS) >= T(s, RCDWR));
    CHECK(p, T(s, CWL) <= T(s, CL));
    CHECK(p, T(s, CCD_S) >= 1);
    CHECK(p, T(s, BL_CYC) >= 1);
    CHECK(p, T(s, RFC) > 0 && T(s, RFC) < T(s, REFI));
    if (T(s, RFCPB) > 0) CHECK(p, T(s, RFCPB) < T(s, RFC));
    /* per-bank refresh: REFpb to different banks may overlap (HBM3:
     * tRFCsb 200 ns > tREFIsb 122 ns), so the bound is the spacing of
     * successive REFpb, not their duration */
    if (T(s, REFIPB) > 0) {
      CHECK(p, T(s, REFIPB) < T(s, REFI));
      CHECK(p, T(s, RFCPB) > 0 && T(s, RFCPB) < T(s, REFI));
      CHECK(p, T(s, PBR2PBR) > 0 && T(s, PBR2PBR) <= T(s, REFIPB));
    }
    /* a burst is a whole number of command clocks */
    CHECK(p, s->BL % T(s, BL_CYC) == 0);
    /* organisation: powers of two the address mapping needs */
    CHECK(p, s->columns % s->BL == 0);
    CHECK(p, s->bus_width % s->device_width == 0);
  }
}

/* Times in ns: catches ns/ps written where nCK is meant. */
static void test_absolute_times(void) {
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    CHECK(p, s->tck_ps >= 250 && s->tck_ps <= 2500);
    CHECK(p, ns(s, T(s, RCD)) >= 10 && ns(s, T(s, RCD)) <= 30);
    CHECK(p, ns(s, T(s, RP)) >= 10 && ns(s, T(s, RP)) <= 30);
    CHECK(p, ns(s, T(s, RAS)) >= 25 && ns(s, T(s, RAS)) <= 50);
    CHECK(p, ns(s, T(s, RL)) >= 10 && ns(s, T(s, RL)) <= 30);
    CHECK(p, ns(s, T(s, WR)) >= 10 && ns(s, T(s, WR)) <= 40);
    CHECK(p, ns(s, T(s, FAW)) >= 10 && ns(s, T(s, FAW)) <= 50);
    CHECK(p, ns(s, T(s, RFC)) >= 50 && ns(s, T(s, RFC)) <= 600);
    CHECK(p, ns(s, T(s, REFI)) >= 1500 && ns(s, T(s, REFI)) <= 8000);
  }
}

/* Energies per command in their physical range: catches mA written as A,
 * per-rank currents given per device, a wrong VDD. */
static void test_energy_ranges(void) {
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    double line_bits = 8.0 * s->line_bytes;
    double rd_pj_bit = s->e_cmd_pj[DRAM_CMD_RD] / line_bits;
    double wr_pj_bit = s->e_cmd_pj[DRAM_CMD_WR] / line_bits;
    double rank_row = (double)s->columns * s->device_width / 8.0 *
                      s->devices_per_rank;
    double act_pj_byte = s->e_cmd_pj[DRAM_CMD_ACT] / rank_row;
    CHECK(p, rd_pj_bit >= 0.5 && rd_pj_bit <= 10);
    CHECK(p, wr_pj_bit >= 0.5 && wr_pj_bit <= 10);
    CHECK(p, act_pj_byte >= 0.05 && act_pj_byte <= 3);
    CHECK(p, s->e_cmd_pj[DRAM_CMD_REF] > s->e_cmd_pj[DRAM_CMD_ACT]);
    /* active standby costs more than precharge standby */
    CHECK(p, s->e_act_stb_pj >= s->e_pre_stb_pj && s->e_pre_stb_pj > 0);
  }
}

/* One read to a closed bank: ACT, tRCD, RD, RL, tBL of data. */
static void test_unloaded_read(void) {
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    dram_req r = {0, 0, 0};
    dram_run_opts o;
    memset(&o, 0, sizeof o);
    o.check = 1;
    o.max_cycles = 100000;
    dram_counters c;
    sim_report rep;
    sim_err err = {0};
    sim_report_init(&rep);
    int rc = dram_run_reqs(s, &r, 1, &o, &rep, &c, &err);
    if (rc) fprintf(stderr, "\n  %s: %s\n", p->name, err.msg);
    CHECK(p, rc == 0);
    if (rc == 0) {
      int64_t lat = c.reads_done ? (int64_t)(c.rd_lat_sum_cyc / c.reads_done)
                                 : -1;
      int64_t floor_cyc = T(s, RCD) + T(s, RL) + T(s, BL_CYC);
      if (lat < floor_cyc || lat > floor_cyc + 10)
        fprintf(stderr, "\n  %s: closed-bank read %lld cycles, tRCD + RL + "
                "tBL = %lld\n", p->name, (long long)lat,
                (long long)floor_cyc);
      CHECK(p, c.reads_done == 1);
      CHECK(p, lat >= floor_cyc && lat <= floor_cyc + 10);
      CHECK(p, c.cmds[DRAM_CMD_ACT] == 1);
    }
    sim_report_fini(&rep);
  }
}

/* A short mixed trace under the protocol checker. */
static void test_mix_checked(void) {
  dram_req *reqs = NULL;
  sim_err err = {0};
  const size_t n = 3000;
  CU_ASSERT_EQUAL_FATAL(dram_tracegen_fill(DRAM_PAT_MIX, n, &reqs, &err), 0);
  dram_req *run = calloc(n, sizeof *run);
  CU_ASSERT_PTR_NOT_NULL_FATAL(run);
  for (int i = 0; i < g_n; i++) {
    preset *p = &g_p[i];
    if (!p->loaded) continue;
    const dram_spec *s = &p->spec;
    /* the generator's addresses span 1 GiB; fold them into the preset */
    for (size_t k = 0; k < n; k++) {
      run[k] = reqs[k];
      run[k].addr %= s->capacity_bytes;
    }
    dram_run_opts o;
    memset(&o, 0, sizeof o);
    o.check = 1;
    o.max_cycles = 50000000;
    dram_counters c;
    sim_report rep;
    memset(&err, 0, sizeof err);
    sim_report_init(&rep);
    int rc = dram_run_reqs(s, run, n, &o, &rep, &c, &err);
    if (rc) fprintf(stderr, "\n  %s: %s\n", p->name, err.msg);
    CHECK(p, rc == 0);
    if (rc == 0) {
      CHECK(p, c.reads + c.writes == n);
      CHECK(p, c.reads_done == c.reads);
      CHECK(p, c.writes_issued == c.writes);
      /* never faster than the pins: bytes moved <= peak x cycles */
      double bytes = (double)(c.reads + c.writes) * s->line_bytes;
      double peak_per_cyc = (double)s->channels * s->line_bytes /
                            (double)T(s, BL_CYC);
      CHECK(p, c.cycles > 0 && bytes <= peak_per_cyc * (double)c.cycles);
    }
    sim_report_fini(&rep);
  }
  free(run);
  sim_free(reqs);
}

static CU_TestInfo k_tests[] = {
    {"every class-dram preset loads", test_load},
    {"derived figures (rate, peak GB/s, capacity, tRC)",
     test_derived_figures},
    {"JEDEC relations", test_jedec_relations},
    {"absolute times in ns", test_absolute_times},
    {"energy per command in range", test_energy_ranges},
    {"closed-bank read = tRCD + RL + tBL (+ pipeline)", test_unloaded_read},
    {"mixed trace under the protocol checker", test_mix_checked},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo k_suites[] = {
    {"dram_presets", setup, teardown, NULL, NULL, k_tests},
    CU_SUITE_INFO_NULL,
};

TFSIM_TEST_MAIN(k_suites)
