/*
 * bench_mcu.c — the mcu class (DESIGN.md section 9: "MCUFormer search
 * space for one MCU under 10 s").
 *
 * For each STM32 preset: the whole T space (2,160 subnets) lowered,
 * mapped with mcuformer and run, timed; how many subnets fit the SRAM,
 * the internal flash, internal + external flash; how often the released
 * code's NAS proxy agrees with the planner; the largest subnet that fits;
 * the search of `tfsim search` (three mappers at 320 KiB), timed.
 * Then the three mappers on the D=192, P=16 subnet on each MCU (peak
 * SRAM, flash, latency), and the simulator's cost against depth with
 * layers unrolled (linear in layers).  Prints figures; never fails on a
 * time.  Usage: bench_mcu [preset ...] (default: all three).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "mappers/mcu_space.h"
#include "workloads/wl.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int space(arch_model *a, const char *name) {
  sim_err err = {0};
  map_mcu_space_result r;
  double t0 = now_s();
  if (map_mcu_space(a, NULL, &r, &err)) {
    fprintf(stderr, "bench_mcu: %s\n", err.msg);
    return 1;
  }
  double dt = now_s() - t0;
  printf("%-10s %5llu subnets in %.2f s (%.2f ms each): fit SRAM %llu, "
         "internal flash %llu, int+ext flash %llu, all (internal) %llu, "
         "all (int+ext) %llu; proxy fits %llu, agrees with planner %llu\n",
         name, (unsigned long long)r.n, dt, 1e3 * dt / (double)r.n,
         (unsigned long long)r.fits_sram,
         (unsigned long long)r.fits_int_flash,
         (unsigned long long)r.fits_flash,
         (unsigned long long)r.fits_all_int, (unsigned long long)r.fits_all,
         (unsigned long long)r.proxy_fits,
         (unsigned long long)r.proxy_agrees);
  if (r.found)
    printf("           largest that fits: D%u L%u H%u m%g P%u r%g, %.2f M "
           "params, peak %.1f KiB, flash %.2f MB, %.2f s\n",
           r.best.cfg.embed_dim, r.best.cfg.depth, r.best.cfg.heads,
           r.best.cfg.mlp_ratio, r.best.cfg.patch, r.best.cfg.rank_ratio,
           (double)r.best.params * 1e-6,
           (double)r.best.peak_sram_bytes / 1024,
           (double)r.best.flash_bytes * 1e-6, r.best.latency_s);
  return 0;
}

static int mappers(arch_model *a, const char *name, int unroll,
                   const char *model) {
  static const char *const ms[] = {"naive", "tinyengine", "mcuformer"};
  wl_model m;
  wl_opts o;
  sim_err err = {0};
  if (wl_model_find(model, &m, &err)) return 1;
  wl_opts_default(&o);
  o.prec = WL_INT8;
  for (int i = 0; i < 3; i++) {
    map_sim_opts so = {0};
    so.mapper = ms[i];
    so.unroll_layers = unroll;
    sim_report r;
    sim_report_init(&r);
    double t0 = now_s();
    int rc = map_simulate(a, &m, &o, &so, &r, NULL, &err);
    double dt = now_s() - t0;
    if (!rc)
      printf("%-10s %-34s %-10s peak %6.1f KiB  flash %5.2f MB  ext %5.2f "
             "MB  %8.3f s  %s  (%.2f ms to simulate%s)\n",
             name, model, ms[i],
             sim_report_get(&r, "peak_sram_bytes", 0) / 1024,
             sim_report_get(&r, "flash_bytes", 0) * 1e-6,
             sim_report_get(&r, "ext_flash_bytes", 0) * 1e-6,
             (double)r.latency_ps * 1e-12,
             sim_report_get(&r, "fits", 0) ? "fits" : "does not fit",
             1e3 * dt, unroll ? ", unrolled" : "");
    else
      fprintf(stderr, "bench_mcu: %s\n", err.msg);
    sim_report_fini(&r);
    if (rc) return 1;
  }
  return 0;
}

/* The search a user runs (tfsim search): the whole space under the three
 * mappers at 320 KiB. */
static int search(arch_model *a, const char *name) {
  sim_err err = {0};
  map_mcu_search_opts o = {0};
  o.budget_bytes = 320 * 1024;
  map_mcu_search_result r;
  double t0 = now_s();
  int rc = map_mcu_search(a, &o, &r, &err);
  double dt = now_s() - t0;
  if (rc) {
    fprintf(stderr, "bench_mcu: %s\n", err.msg);
    map_mcu_search_fini(&r);
    return 1;
  }
  printf("%-10s search at 320 KiB, 3 mappers x %llu subnets in %.2f s:",
         name, (unsigned long long)(r.n_m ? r.m[0].n : 0), dt);
  for (size_t i = 0; i < r.n_m; i++)
    printf(" %s %zu fit%s", r.m[i].mapper, r.m[i].n_fit,
           i + 1 < r.n_m ? "," : "\n");
  map_mcu_search_fini(&r);
  return 0;
}

int main(int argc, char **argv) {
  static const char *const dflt[] = {"stm32f427", "stm32f746", "stm32h743"};
  int n = argc > 1 ? argc - 1 : 3;
  int bad = 0;
  for (int i = 0; i < n; i++) {
    const char *name = argc > 1 ? argv[i + 1] : dflt[i];
    char path[512];
    snprintf(path, sizeof path, "%s/arch/configs/%s.yaml", TFSIM_SOURCE_DIR,
             name);
    arch_model a;
    sim_err err = {0};
    if (arch_load(&a, path, NULL, 0, &err)) {
      fprintf(stderr, "bench_mcu: %s\n", err.msg);
      return 1;
    }
    bad |= space(&a, name);
    bad |= search(&a, name);
    bad |= mappers(&a, name, 0, "mcuformer-d192-p16");
    bad |= mappers(&a, name, 0, "mcuformer-t-min");
    arch_unload(&a);
  }
  /* Simulation cost against depth, layers unrolled. */
  arch_model a;
  sim_err err = {0};
  if (arch_load(&a, TFSIM_SOURCE_DIR "/arch/configs/stm32h743.yaml", NULL,
                0, &err) == 0) {
    bad |= mappers(&a, "stm32h743", 1, "mcuformer-d192-l12-h3-m4-p16-r0.9");
    bad |= mappers(&a, "stm32h743", 1, "mcuformer-d192-l24-h3-m4-p16-r0.9");
    bad |= mappers(&a, "stm32h743", 1, "mcuformer-d192-l48-h3-m4-p16-r0.9");
    arch_unload(&a);
  }
  return bad;
}
