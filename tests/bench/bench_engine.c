/*
 * bench_engine.c — event-engine throughput (DESIGN.md section 9: at least
 * 25 M events/s on one core).
 *
 * The classic hold model: N events are in flight; each handler schedules
 * one new event at now + delay, so the queue size stays N.  After a warm-up
 * of max(N, 10^6) events (so the pool and the wheel reach steady state)
 * the run of `events` events is timed with CLOCK_MONOTONIC.  Delays:
 *
 *   near  uniform 1..4000 ps       (a few cycles of a 1 GHz clock)
 *   cyc   1..4 whole 1000 ps cycles (many events share a picosecond)
 *   far   uniform 1..2^40 ps       (spread over ~1.1 simulated seconds)
 *
 * The handler's own cost (an LCG draw and the sim_schedule_in call) is
 * included, as it would be in a model.  Prints a table; never fails on a
 * time.  Usage: bench_engine [events per row, default 10^7]
 */
#include "sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct hold {
  uint64_t rng;  /* 64-bit LCG (Knuth MMIX): one multiply per draw */
  uint64_t left; /* events still to run before sim_stop */
  int err;
} hold;

enum { D_NEAR, D_CYC, D_FAR, D_COUNT };
static const char *const dist_name[D_COUNT] = {"near", "cyc", "far"};

static inline uint64_t draw(hold *h) {
  return h->rng = h->rng * 6364136223846793005ull + 1442695040888963407ull;
}

/* Delays from the top bits of the draw (the good ones of an LCG); no
 * division, so the handler costs little next to the engine. */
static inline uint64_t delay_near(hold *h) { /* 1..4000 ps */
  return 1 + (((draw(h) >> 32) * 4000) >> 32);
}
static inline uint64_t delay_cyc(hold *h) { /* 1..4 cycles of 1000 ps */
  return 1000 * (1 + (draw(h) >> 62));
}
static inline uint64_t delay_far(hold *h) { /* 1..2^40 ps (1.1e12) */
  return 1 + (draw(h) >> 24);
}

#define HOLD_HANDLER(name, delay_fn)                                          \
  static void name(sim_engine *e, void *ctx, uint64_t arg) {                  \
    hold *h = ctx;                                                            \
    if (sim_schedule_in(e, delay_fn(h), 0, name, h, arg + 1, NULL))          \
      h->err = 1;                                                             \
    if (--h->left == 0) sim_stop(e);                                          \
  }
HOLD_HANDLER(on_near, delay_near)
HOLD_HANDLER(on_cyc, delay_cyc)
HOLD_HANDLER(on_far, delay_far)

static const sim_event_fn handler[D_COUNT] = {on_near, on_cyc, on_far};

static uint64_t delay(hold *h, int dist) {
  switch (dist) {
  case D_NEAR: return delay_near(h);
  case D_CYC: return delay_cyc(h);
  default: return delay_far(h);
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Returns events/s, or a negative value on an engine error. */
static double run_row(size_t in_flight, int dist, uint64_t events) {
  sim_engine *e = sim_engine_new();
  if (!e) return -1;
  hold h = {0x5eed0000u + (uint64_t)dist * 7919 + in_flight, 0, 0};
  for (size_t i = 0; i < in_flight; i++)
    if (sim_schedule(e, delay(&h, dist), 0, handler[dist], &h, 0, NULL))
      h.err = 1;
  h.left = in_flight > 1000000 ? in_flight : 1000000;
  sim_run(e, SIM_T_NEVER);
  h.left = events;
  double t0 = now_s();
  uint64_t n = sim_run(e, SIM_T_NEVER);
  double dt = now_s() - t0;
  if (n != events || sim_pending(e) != in_flight) h.err = 1;
  sim_engine_free(e);
  return h.err ? -1 : (double)n / dt;
}

int main(int argc, char **argv) {
  uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ull;
  if (events == 0) events = 1;
  static const size_t sizes[] = {1000, 10000, 100000, 1000000};
  int bad = 0;
  printf("%9s  %-4s  %10s  %8s  %7s\n", "in_flight", "dist", "events",
         "seconds", "Mev/s");
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    for (int d = 0; d < D_COUNT; d++) {
      double r = run_row(sizes[i], d, events);
      if (r < 0) {
        printf("%9zu  %-4s  engine error\n", sizes[i], dist_name[d]);
        bad = 1;
        continue;
      }
      printf("%9zu  %-4s  %10llu  %8.3f  %7.1f\n", sizes[i], dist_name[d],
             (unsigned long long)events, (double)events / r, r / 1e6);
      fflush(stdout);
    }
  return bad; /* an engine error, never a time */
}
