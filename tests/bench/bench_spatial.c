/*
 * bench_spatial.c — the full FuseMax evaluation (DESIGN.md section 9):
 * 4 models (BERT, TrXL, T5, XLM) x 6 lengths (1K..1M) x 5 designs
 * (unfused, flat, fusemax-cascade, fusemax-arch, fusemax), attention and
 * one block, batch 64, each lowered, mapped and simulated on the
 * executor.  Prints the wall time (budget: under 10 s; the FuseMax
 * authors' Timeloop + Accelergy flow takes minutes to hours), the
 * speedups over unfused and the 2D / 1D utilisation by length (the
 * paper's figures 8-9 shape).  Never a timed test.
 */
#include <stdio.h>
#include <time.h>

#include "mappers/map_spatial.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void) {
  static const uint64_t len[6] = {1024, 4096, 16384, 65536, 262144,
                                  1048576};
  static map_sp_result r[2][MAP_SP_N_MODELS][6][MAP_SP_N_DESIGNS];
  double t0 = now_s(), slowest = 0;
  int points = 0;
  for (int blk = 0; blk < 2; blk++)
    for (int m = 0; m < MAP_SP_N_MODELS; m++)
      for (int l = 0; l < 6; l++)
        for (int d = 0; d < MAP_SP_N_DESIGNS; d++) {
          sim_err err = {0};
          double t1 = now_s();
          if (map_spatial_eval(map_sp_models[m], len[l], map_sp_designs[d],
                               blk, 0, NULL, &r[blk][m][l][d], &err)) {
            fprintf(stderr, "bench_spatial: %s\n", err.msg);
            return 1;
          }
          double dt = now_s() - t1;
          if (dt > slowest) slowest = dt;
          points++;
        }
  double total = now_s() - t0;
  printf("full evaluation: %d design points in %.3f s (slowest point "
         "%.4f s)\n\n", points, total, slowest);
  for (int blk = 0; blk < 2; blk++)
    for (int m = 0; m < MAP_SP_N_MODELS; m++) {
      printf("%s %s: speedup over unfused | util 2D/1D\n", map_sp_models[m],
             blk ? "block" : "attention");
      printf("  %-6s", "L");
      for (int d = 1; d < MAP_SP_N_DESIGNS; d++)
        printf(" %16s", map_sp_designs[d]);
      printf("\n");
      for (int l = 0; l < 6; l++) {
        printf("  %-6llu", (unsigned long long)len[l]);
        for (int d = 1; d < MAP_SP_N_DESIGNS; d++)
          printf("  %6.2f %.2f/%.2f",
                 r[blk][m][l][0].latency_s / r[blk][m][l][d].latency_s,
                 r[blk][m][l][d].util_2d, r[blk][m][l][d].util_1d);
        printf("\n");
      }
    }
  return 0;
}
