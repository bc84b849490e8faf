/*
 * test_engine.c — the event engine (sim/engine.c): order, ties, events
 * scheduled from handlers, cancellation, stale ids and the zombie sweep,
 * far-future times up to UINT64_MAX - 1, rejected times, run/step/stop/
 * until/next_time, bursts that spill the sorted run, bounded runs before
 * far buckets, clock registration, and independent engines.  The randomized comparison against a reference
 * model and the OOM injection are in test_engine_model.c.
 */
#include "sim/sim.h"
#include "tfsim_test.h"

#include <limits.h>
#include <string.h>

/* A log of executed events: (time, arg). */
#define LOG_MAX 4096
typedef struct evlog {
  uint64_t t[LOG_MAX];
  uint64_t arg[LOG_MAX];
  size_t n;
} evlog;

static void log_ev(sim_engine *e, void *ctx, uint64_t arg) {
  evlog *l = ctx;
  if (l->n < LOG_MAX) {
    l->t[l->n] = sim_now(e);
    l->arg[l->n] = arg;
  }
  l->n++;
}

static evlog g_log; /* tests run one at a time; reset by each */

static void log_reset(void) { memset(&g_log, 0, sizeof g_log); }

static void expect_args(const uint64_t *want, size_t n) {
  CU_ASSERT_EQUAL_FATAL(g_log.n, n);
  for (size_t i = 0; i < n; i++) CU_ASSERT_EQUAL(g_log.arg[i], want[i]);
}

/* ---------------------------------------------------------------------- */

static void test_order_by_time(void) {
  sim_engine *e = sim_engine_new();
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  log_reset();
  static const uint64_t t[] = {50, 10, 30, 20, 40, 0, 255, 256, 65535,
                               65536, 1};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    CU_ASSERT_EQUAL(sim_schedule(e, t[i], 0, log_ev, &g_log, t[i], NULL), 0);
  CU_ASSERT_EQUAL(sim_pending(e), 11);
  CU_ASSERT_EQUAL(sim_next_time(e), 0);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 11);
  static const uint64_t want[] = {0, 1, 10, 20, 30, 40, 50, 255, 256,
                                  65535, 65536};
  expect_args(want, 11);
  for (size_t i = 0; i < 11; i++) CU_ASSERT_EQUAL(g_log.t[i], want[i]);
  CU_ASSERT_EQUAL(sim_now(e), 65536);
  CU_ASSERT_EQUAL(sim_pending(e), 0);
  CU_ASSERT_EQUAL(sim_events_executed(e), 11);
  CU_ASSERT_EQUAL(sim_next_time(e), SIM_T_NEVER);
  sim_engine_free(e);
}

static void test_ties_prio_then_seq(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  /* (prio, arg) at one time; expected: by prio, then insertion order. */
  static const int prio[] = {2, 1, 2, 0, 1, INT_MAX, INT_MIN, -1, 0, 2};
  for (int i = 0; i < 10; i++)
    sim_schedule(e, 1000, prio[i], log_ev, &g_log, (uint64_t)i, NULL);
  /* A different time in between must not disturb the tie. */
  sim_schedule(e, 999, 100, log_ev, &g_log, 99, NULL);
  sim_run(e, SIM_T_NEVER);
  static const uint64_t want[] = {99, 6, 7, 3, 8, 1, 4, 0, 2, 9, 5};
  expect_args(want, 11);
  sim_engine_free(e);
}

/* Many events at one picosecond with mixed priorities (the sorted path),
 * and a bucket larger than a run (the cascade path) with ties. */
static void test_ties_large_groups(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  enum { N = 3000 };
  for (int i = 0; i < N; i++)
    sim_schedule(e, 777777, (i * 7) % 5 - 2, log_ev, &g_log, (uint64_t)i,
                 NULL);
  for (int i = 0; i < N / 3; i++) /* 1000 events over 250 ps, ties */
    sim_schedule(e, 1000000 + (uint64_t)(i % 250), i % 3, log_ev, &g_log,
                 (uint64_t)(N + i), NULL);
  sim_run(e, SIM_T_NEVER);
  CU_ASSERT_EQUAL_FATAL(g_log.n, N + N / 3);
  size_t k = 0;
  for (int p = -2; p <= 2; p++)
    for (int i = 0; i < N; i++)
      if ((i * 7) % 5 - 2 == p) CU_ASSERT_EQUAL(g_log.arg[k++], (uint64_t)i);
  for (int dt = 0; dt < 250; dt++)
    for (int p = 0; p < 3; p++)
      for (int i = 0; i < N / 3; i++)
        if (i % 250 == dt && i % 3 == p) {
          CU_ASSERT_EQUAL(g_log.arg[k], (uint64_t)(N + i));
          CU_ASSERT_EQUAL(g_log.t[k], 1000000 + (uint64_t)dt);
          k++;
        }
  CU_ASSERT_EQUAL(k, N + N / 3);
  sim_engine_free(e);
}

/* A handler at time 10 schedules more events at time 10. */
static void sched_at_now(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg == 'A') {
    sim_schedule(e, sim_now(e), 0, log_ev, ctx, 'D', NULL);
    sim_schedule_in(e, 0, -1, log_ev, ctx, 'E', NULL);
    sim_schedule(e, sim_now(e), 5, log_ev, ctx, 'F', NULL);
    sim_schedule(e, sim_now(e) + 1, -9, log_ev, ctx, 'G', NULL);
  }
}

static void test_same_time_from_handler(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  sim_schedule(e, 10, 0, sched_at_now, &g_log, 'A', NULL);
  sim_schedule(e, 10, 0, sched_at_now, &g_log, 'B', NULL);
  sim_schedule(e, 10, 5, sched_at_now, &g_log, 'C', NULL);
  sim_schedule(e, 11, 0, sched_at_now, &g_log, 'H', NULL);
  sim_run(e, SIM_T_NEVER);
  /* After A: E(-1) first, then B before D (same prio, B older), then C
   * before F; at 11 G's prio -9 beats the older H. */
  static const uint64_t want[] = {'A', 'E', 'B', 'D', 'C', 'F', 'G', 'H'};
  expect_args(want, 8);
  sim_engine_free(e);
}

/* ---------------------------------------------------------------------- */
/* Cancellation                                                           */
/* ---------------------------------------------------------------------- */

static void test_cancel(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  sim_event_id a, b, c;
  CU_ASSERT_EQUAL(sim_schedule(e, 10, 0, log_ev, &g_log, 1, &a), 0);
  CU_ASSERT_EQUAL(sim_schedule(e, 20, 0, log_ev, &g_log, 2, &b), 0);
  CU_ASSERT_EQUAL(sim_schedule(e, 30, 0, log_ev, &g_log, 3, &c), 0);
  CU_ASSERT(a && b && c && a != b && b != c && a != c);
  CU_ASSERT_EQUAL(sim_cancel(e, b), 0);
  CU_ASSERT_EQUAL(sim_pending(e), 2);
  CU_ASSERT_EQUAL(sim_cancel(e, b), SIM_ENOENT); /* double cancel */
  CU_ASSERT_EQUAL(sim_cancel(e, 0), SIM_ENOENT);
  CU_ASSERT_EQUAL(sim_cancel(e, ~0ull), SIM_ENOENT);
  CU_ASSERT_EQUAL(sim_cancel(e, (a & 0xffffffffu) | (777ull << 32)),
                  SIM_ENOENT); /* right slot, wrong generation */
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 2);
  static const uint64_t want[] = {1, 3};
  expect_args(want, 2);
  CU_ASSERT_EQUAL(sim_cancel(e, a), SIM_ENOENT); /* already ran */
  CU_ASSERT_EQUAL(sim_cancel(e, c), SIM_ENOENT);
  CU_ASSERT_EQUAL(sim_events_executed(e), 2);
  sim_engine_free(e);
}

static void test_cancel_stale_after_reuse(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  sim_event_id old, fresh;
  /* Cancelled, reaped, and its handle reused by the next event. */
  sim_schedule(e, 5, 0, log_ev, &g_log, 1, &old);
  CU_ASSERT_EQUAL(sim_cancel(e, old), 0);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 0);
  sim_schedule(e, 9, 0, log_ev, &g_log, 2, &fresh);
  CU_ASSERT_EQUAL((uint32_t)fresh, (uint32_t)old); /* same slot reused */
  CU_ASSERT_NOT_EQUAL(fresh, old);
  CU_ASSERT_EQUAL(sim_cancel(e, old), SIM_ENOENT); /* stale: must not hit */
  CU_ASSERT_EQUAL(sim_pending(e), 1);
  /* Ran, and its handle reused. */
  sim_run(e, SIM_T_NEVER);
  sim_event_id again;
  sim_schedule(e, 20, 0, log_ev, &g_log, 3, &again);
  CU_ASSERT_EQUAL((uint32_t)again, (uint32_t)fresh);
  CU_ASSERT_EQUAL(sim_cancel(e, fresh), SIM_ENOENT);
  CU_ASSERT_EQUAL(sim_cancel(e, old), SIM_ENOENT);
  sim_run(e, SIM_T_NEVER);
  static const uint64_t want[] = {2, 3};
  expect_args(want, 2);
  sim_engine_free(e);
}

/* A handler cancels an event at the same time and one later, and its own
 * id (already running: stale). */
static sim_event_id g_ids[8];
static void cancel_others(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg == 0) {
    CU_ASSERT_EQUAL(sim_cancel(e, g_ids[0]), SIM_ENOENT);
    CU_ASSERT_EQUAL(sim_cancel(e, g_ids[1]), 0);
    CU_ASSERT_EQUAL(sim_cancel(e, g_ids[3]), 0);
  }
}

static void test_cancel_from_handler(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  for (int i = 0; i < 4; i++)
    sim_schedule(e, i < 2 ? 100 : 100 + (uint64_t)i * 1000000, 0,
                 cancel_others, &g_log, (uint64_t)i, &g_ids[i]);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 2);
  static const uint64_t want[] = {0, 2};
  expect_args(want, 2);
  sim_engine_free(e);
}

/* Enough cancellations to trigger the zombie sweep; the survivors still
 * run in order and the handles are recycled. */
static void test_cancel_many(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  enum { N = 3000 };
  static sim_event_id id[N];
  for (int i = 0; i < N; i++)
    sim_schedule(e, 1000 + (uint64_t)(i * 7919 % N) * 1000003, i % 2,
                 log_ev, &g_log, (uint64_t)i, &id[i]);
  size_t kept = 0;
  for (int i = 0; i < N; i++) {
    if (i % 10 == 3) {
      kept++;
      continue;
    }
    CU_ASSERT_EQUAL(sim_cancel(e, id[i]), 0);
  }
  CU_ASSERT_EQUAL(sim_pending(e), kept);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), kept);
  CU_ASSERT_EQUAL_FATAL(g_log.n, kept);
  for (size_t i = 0; i < kept; i++) {
    CU_ASSERT_EQUAL(g_log.arg[i] % 10, 3);
    if (i) CU_ASSERT(g_log.t[i] > g_log.t[i - 1]);
  }
  for (int i = 0; i < N; i++) CU_ASSERT_EQUAL(sim_cancel(e, id[i]), SIM_ENOENT);
  sim_engine_free(e);
}


/* A handler cancels most of the events queued at its own time: the sweep
 * then filters the run itself. */
static sim_event_id g_run_ids[300];
static void cancel_run(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg == 0)
    for (int i = 1; i <= 250; i++)
      CU_ASSERT_EQUAL(sim_cancel(e, g_run_ids[i]), 0);
}

static void test_cancel_in_run(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  for (uint64_t i = 0; i < 300; i++)
    sim_schedule(e, 50, 0, cancel_run, &g_log, i, &g_run_ids[i]);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 50);
  CU_ASSERT_EQUAL_FATAL(g_log.n, 50);
  CU_ASSERT_EQUAL(g_log.arg[0], 0);
  for (size_t i = 1; i < 50; i++) CU_ASSERT_EQUAL(g_log.arg[i], 250 + i);
  sim_engine_free(e);
}

/* The sweep filters a bucket several chunks long and frees its tail. */
static void test_cancel_big_bucket(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  enum { N = 500 };
  static sim_event_id id[N];
  for (uint64_t i = 0; i < N; i++) /* one level-3 bucket */
    sim_schedule(e, 1000000000ull + i * 1000, 0, log_ev, &g_log, i, &id[i]);
  for (int i = 0; i < N; i++)
    if (i % 5) CU_ASSERT_EQUAL(sim_cancel(e, id[i]), 0);
  CU_ASSERT_EQUAL(sim_pending(e), N / 5);
  for (uint64_t i = 0; i < 10; i++) /* the bucket keeps working */
    sim_schedule(e, 1000000000ull + i * 1000 + 1, 0, log_ev, &g_log,
                 1000 + i, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), N / 5 + 10);
  CU_ASSERT_EQUAL_FATAL(g_log.n, N / 5 + 10);
  size_t k = 0;
  for (uint64_t i = 0; i < N; i++) {
    if (i % 5 == 0) CU_ASSERT_EQUAL(g_log.arg[k++], i);
    if (i < 10) CU_ASSERT_EQUAL(g_log.arg[k++], 1000 + i);
  }
  sim_engine_free(e);
}

/* ---------------------------------------------------------------------- */
/* Far future and bad times                                               */
/* ---------------------------------------------------------------------- */

static void far_chain(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg == 1) { /* from a near event, schedule a far one and a near one */
    sim_schedule(e, (1ull << 62) + 7, 0, log_ev, ctx, 100, NULL);
    sim_schedule_in(e, 3, 0, log_ev, ctx, 101, NULL);
  }
}

static void test_far_future(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  const uint64_t M = UINT64_MAX;
  sim_schedule(e, M - 1, 1, log_ev, &g_log, 9, NULL);
  sim_schedule(e, M - 1, 0, log_ev, &g_log, 8, NULL);
  sim_schedule(e, M - 2, 5, log_ev, &g_log, 7, NULL);
  sim_schedule(e, 1ull << 63, 0, log_ev, &g_log, 6, NULL);
  sim_schedule(e, (1ull << 40) + 5, 0, log_ev, &g_log, 5, NULL);
  sim_schedule(e, 1000000000000ull, 0, log_ev, &g_log, 4, NULL);
  sim_schedule(e, 3, 0, far_chain, &g_log, 1, NULL);
  sim_schedule(e, 300, 0, log_ev, &g_log, 2, NULL);
  sim_schedule(e, 70000, 0, log_ev, &g_log, 3, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 11);
  static const uint64_t want[] = {1, 101, 2, 3, 4, 5, 100, 6, 7, 8, 9};
  expect_args(want, 11);
  CU_ASSERT_EQUAL(sim_now(e), M - 1);
  /* Nothing fits after UINT64_MAX - 1. */
  CU_ASSERT_EQUAL(sim_schedule_in(e, 1, 0, log_ev, &g_log, 0, NULL),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_schedule_in(e, 2, 0, log_ev, &g_log, 0, NULL),
                  SIM_ERANGE);
  CU_ASSERT_EQUAL(sim_schedule_in(e, 0, 0, log_ev, &g_log, 12, NULL), 0);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 1);
  sim_engine_free(e);
}

static void test_bad_times(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  sim_event_id id = 123;
  CU_ASSERT_EQUAL(sim_schedule(e, SIM_T_NEVER, 0, log_ev, &g_log, 0, &id),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(id, 0);
  id = 123;
  CU_ASSERT_EQUAL(sim_schedule(e, 5, 0, NULL, &g_log, 0, &id), SIM_EINVAL);
  CU_ASSERT_EQUAL(id, 0);
  sim_schedule(e, 100, 0, log_ev, &g_log, 1, NULL);
  sim_run(e, SIM_T_NEVER);
  CU_ASSERT_EQUAL(sim_now(e), 100);
  CU_ASSERT_EQUAL(sim_schedule(e, 99, 0, log_ev, &g_log, 2, NULL),
                  SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_schedule(e, 0, 0, log_ev, &g_log, 2, NULL), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_schedule(e, 100, 0, log_ev, &g_log, 3, NULL), 0);
  id = 123;
  CU_ASSERT_EQUAL(sim_schedule_in(e, UINT64_MAX - 99, 0, log_ev, &g_log, 4,
                                  &id),
                  SIM_ERANGE);
  CU_ASSERT_EQUAL(id, 0);
  CU_ASSERT_EQUAL(sim_schedule_in(e, UINT64_MAX - 100, 0, log_ev, &g_log, 4,
                                  NULL),
                  SIM_EINVAL); /* lands on SIM_T_NEVER */
  CU_ASSERT_EQUAL(sim_pending(e), 1);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 1);
  static const uint64_t want[] = {1, 3};
  expect_args(want, 2);
  sim_engine_free(e);
}

/* ---------------------------------------------------------------------- */
/* run / step / stop / until / next_time                                  */
/* ---------------------------------------------------------------------- */

static void stopper(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg == 3) sim_stop(e);
}

static void test_run_until_step_stop(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  sim_schedule(e, 10, 0, log_ev, &g_log, 10, NULL);
  sim_schedule(e, 20, 0, log_ev, &g_log, 20, NULL);
  sim_schedule(e, 30, 0, log_ev, &g_log, 30, NULL);
  CU_ASSERT_EQUAL(sim_run(e, 20), 2); /* until is inclusive */
  CU_ASSERT_EQUAL(sim_now(e), 20);
  CU_ASSERT_EQUAL(sim_next_time(e), 30);
  CU_ASSERT_EQUAL(sim_run(e, 25), 0);
  CU_ASSERT_EQUAL(sim_now(e), 25); /* time advances to until */
  CU_ASSERT_EQUAL(sim_step(e), 1);
  CU_ASSERT_EQUAL(sim_now(e), 30);
  CU_ASSERT_EQUAL(sim_step(e), 0);
  CU_ASSERT_EQUAL(sim_run(e, 10), 0); /* until in the past: nothing */
  CU_ASSERT_EQUAL(sim_now(e), 30);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 0);
  CU_ASSERT_EQUAL(sim_now(e), 30);

  for (uint64_t i = 1; i <= 5; i++)
    sim_schedule(e, 100 + i, 0, stopper, &g_log, i, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 3);
  CU_ASSERT_EQUAL(sim_now(e), 103);
  CU_ASSERT_EQUAL(sim_pending(e), 2);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 2); /* stop flag cleared */
  CU_ASSERT_EQUAL(sim_events_executed(e), 8);
  sim_engine_free(e);
}

/* After a bounded run stops before a far bucket, or after sim_next_time
 * looked at one, an event scheduled in between must still come first. */
static void test_schedule_between(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  for (uint64_t i = 0; i < 40; i++) /* one busy far bucket */
    sim_schedule(e, 5000000000ull + i * 1000, 0, log_ev, &g_log, 100 + i,
                 NULL);
  sim_schedule(e, 10, 0, log_ev, &g_log, 1, NULL);
  CU_ASSERT_EQUAL(sim_run(e, 1000), 1);
  CU_ASSERT_EQUAL(sim_now(e), 1000);
  sim_schedule(e, 1500, 0, log_ev, &g_log, 2, NULL);
  CU_ASSERT_EQUAL(sim_next_time(e), 1500);
  CU_ASSERT_EQUAL(sim_step(e), 1);
  CU_ASSERT_EQUAL(sim_next_time(e), 5000000000ull);
  sim_schedule(e, 1600, 0, log_ev, &g_log, 3, NULL);
  sim_schedule(e, 4999999999ull, 0, log_ev, &g_log, 4, NULL);
  CU_ASSERT_EQUAL(sim_next_time(e), 1600);
  CU_ASSERT_EQUAL(sim_run(e, 5000000000ull + 500), 3);
  CU_ASSERT_EQUAL(sim_now(e), 5000000000ull + 500);
  sim_schedule(e, 5000000000ull + 999, 0, log_ev, &g_log, 5, NULL);
  sim_schedule(e, 5000000000ull + 1000, 0, log_ev, &g_log, 6, NULL);
  sim_run(e, SIM_T_NEVER);
  static const uint64_t head[] = {1, 2, 3, 4, 100, 5, 101, 6, 102};
  CU_ASSERT_EQUAL_FATAL(g_log.n, 46);
  for (size_t i = 0; i < 9; i++) CU_ASSERT_EQUAL(g_log.arg[i], head[i]);
  sim_engine_free(e);
}


/* ---------------------------------------------------------------------- */
/* Windows, spills, bounded runs: every event gets arg = its insertion    */
/* index, so the log must be strictly increasing in (t, prio, arg).       */
/* ---------------------------------------------------------------------- */

static int g_prio[LOG_MAX];
static uint64_t g_seq;
static uint64_t g_rng = 12345;

static uint64_t rnd(uint64_t n) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (g_rng >> 17) % n;
}

static void sched_seq(sim_engine *e, uint64_t t, int prio, sim_event_fn fn,
                      sim_event_id *id) {
  g_prio[g_seq] = prio;
  CU_ASSERT_EQUAL(sim_schedule(e, t, prio, fn, &g_log, g_seq, id), 0);
  g_seq++;
}

static void check_log_sorted(size_t n) {
  CU_ASSERT_EQUAL_FATAL(g_log.n, n);
  int ok = 1;
  for (size_t i = 1; i < n; i++) {
    uint64_t t0 = g_log.t[i - 1], t1 = g_log.t[i];
    int p0 = g_prio[g_log.arg[i - 1]], p1 = g_prio[g_log.arg[i]];
    ok &= t0 < t1 || (t0 == t1 && (p0 < p1 || (p0 == p1 &&
                                                g_log.arg[i - 1] < g_log.arg[i])));
  }
  CU_ASSERT(ok);
}

/* The first event of a sparse run starts a burst inside the run's window:
 * thousands of insertions into the middle of cur spill it to the wheel. */
static void burst(sim_engine *e, void *ctx, uint64_t arg) {
  log_ev(e, ctx, arg);
  if (arg != 0) return;
  for (int i = 0; i < 3000; i++) /* many ties: a spill must keep them */
    sched_seq(e, sim_now(e) + 1000000 * rnd(15), (int)rnd(3), log_ev, NULL);
}

static void test_window_spill(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  g_seq = 0;
  const uint64_t base = 0x3B000000ull; /* one level-3 bucket: 2^24 ps */
  for (uint64_t j = 0; j < 8; j++) /* few: taken whole, a 14 us window */
    sched_seq(e, base + j * 2000000, 0, burst, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 3008);
  check_log_sorted(3008);
  sim_engine_free(e);
}

/* A bounded run stops before a busy far bucket; many events scheduled in
 * between and into it must still come out in order. */
static void test_bounded_run_then_fill(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  g_seq = 0;
  for (uint64_t i = 0; i < 40; i++)
    sched_seq(e, 5000000000ull + i * 1000, 0, log_ev, NULL);
  CU_ASSERT_EQUAL(sim_run(e, 1000), 0);
  for (int i = 0; i < 300; i++)
    sched_seq(e, 1000 + rnd(5000040000ull), (int)rnd(2), log_ev, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 340);
  check_log_sorted(340);
  sim_engine_free(e);
}

/* Cancelled events dropped from a cascaded bucket leave the wheel empty
 * with its reference time ahead of now; later events must not care. */
static void test_empty_after_zombies(void) {
  sim_engine *e = sim_engine_new();
  log_reset();
  g_seq = 0;
  sim_event_id id[40];
  for (uint64_t i = 0; i < 40; i++)
    sched_seq(e, 5000000000ull + i * 1000, 0, log_ev, &id[i]);
  for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(sim_cancel(e, id[i]), 0);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 0);
  CU_ASSERT_EQUAL(sim_now(e), 0);
  sched_seq(e, 100, 0, log_ev, NULL);
  sched_seq(e, 5000000500ull, 0, log_ev, NULL);
  sched_seq(e, 5000100000ull, 0, log_ev, NULL);
  sched_seq(e, 7, 0, log_ev, NULL);
  CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), 4);
  static const uint64_t want[] = {43, 40, 41, 42};
  expect_args(want, 4);
  sim_engine_free(e);
}

/* ---------------------------------------------------------------------- */
/* Two engines                                                            */
/* ---------------------------------------------------------------------- */

typedef struct chain {
  evlog log;
  uint64_t rng, left, step_ps;
} chain;

static void chain_ev(sim_engine *e, void *ctx, uint64_t arg) {
  chain *c = ctx;
  log_ev(e, &c->log, arg);
  c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
  if (c->left) {
    c->left--;
    sim_schedule_in(e, 1 + (c->rng >> 33) % c->step_ps, (int)(c->rng >> 62),
                    chain_ev, c, arg + 1, NULL);
  }
}

static void test_two_engines(void) {
  static chain solo[2], duo[2];
  const uint64_t steps[2] = {3000, 70000000000ull};
  for (int i = 0; i < 2; i++) {
    memset(&solo[i], 0, sizeof solo[i]);
    solo[i].rng = 17 + (uint64_t)i;
    solo[i].left = 2000;
    solo[i].step_ps = steps[i];
    duo[i] = solo[i];
  }
  for (int i = 0; i < 2; i++) {
    sim_engine *e = sim_engine_new();
    for (uint64_t j = 0; j < 20; j++)
      sim_schedule(e, j * 13, 0, chain_ev, &solo[i], j * 100000, NULL);
    sim_run(e, SIM_T_NEVER);
    sim_engine_free(e);
  }
  sim_engine *a = sim_engine_new(), *b = sim_engine_new();
  for (uint64_t j = 0; j < 20; j++) {
    sim_schedule(a, j * 13, 0, chain_ev, &duo[0], j * 100000, NULL);
    sim_schedule(b, j * 13, 0, chain_ev, &duo[1], j * 100000, NULL);
  }
  int ra = 1, rb = 1;
  while (ra || rb) { /* interleave: one of a, two of b */
    ra = sim_step(a);
    rb = sim_step(b);
    rb |= sim_step(b);
  }
  for (int i = 0; i < 2; i++) {
    CU_ASSERT_EQUAL_FATAL(duo[i].log.n, solo[i].log.n);
    CU_ASSERT_EQUAL(memcmp(duo[i].log.t, solo[i].log.t, sizeof solo[i].log.t),
                    0);
    CU_ASSERT_EQUAL(
        memcmp(duo[i].log.arg, solo[i].log.arg, sizeof solo[i].log.arg), 0);
  }
  CU_ASSERT_EQUAL(solo[0].log.n, 2020);
  CU_ASSERT_NOT_EQUAL(sim_now(a), sim_now(b));
  sim_engine_free(a);
  sim_engine_free(b);
}

/* ---------------------------------------------------------------------- */
/* Clocks                                                                 */
/* ---------------------------------------------------------------------- */

static void test_clock_registry(void) {
  sim_engine *e = sim_engine_new();
  CU_ASSERT_EQUAL(sim_clock_count(e), 0);
  CU_ASSERT_EQUAL(sim_clock_add(e, "core", 1000), 0);
  CU_ASSERT_EQUAL(sim_clock_add(e, "dram", 625), 1);
  const sim_clock *c = sim_clock_get(e, 0);
  CU_ASSERT_EQUAL(sim_clock_add(e, "core", 1000), 0); /* same again */
  CU_ASSERT_EQUAL(sim_clock_add(e, "core", 500), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_clock_add(e, "x", 0), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_clock_add(e, NULL, 10), SIM_EINVAL);
  CU_ASSERT_EQUAL(sim_clock_add(e, "", 10), SIM_EINVAL);
  char name[16];
  for (int i = 0; i < 20; i++) { /* grow the table: pointers stay valid */
    snprintf(name, sizeof name, "clk%d", i);
    CU_ASSERT_EQUAL(sim_clock_add(e, name, 100 + (uint64_t)i), 2 + i);
  }
  CU_ASSERT_PTR_EQUAL(sim_clock_get(e, 0), c);
  CU_ASSERT_EQUAL(sim_clock_count(e), 22);
  CU_ASSERT_STRING_EQUAL(sim_clock_name(e, 1), "dram");
  CU_ASSERT_EQUAL(sim_clock_get(e, 1)->period_ps, 625);
  CU_ASSERT_EQUAL(sim_clock_get(e, 1)->phase_ps, 0);
  CU_ASSERT_PTR_NULL(sim_clock_get(e, 22));
  CU_ASSERT_PTR_NULL(sim_clock_get(e, -1));
  CU_ASSERT_PTR_NULL(sim_clock_name(e, 99));
  sim_engine_free(e);
}

static CU_TestInfo tests[] = {
    {"order by time", test_order_by_time},
    {"ties: priority, then insertion order", test_ties_prio_then_seq},
    {"ties in large groups", test_ties_large_groups},
    {"same time from a handler", test_same_time_from_handler},
    {"cancel", test_cancel},
    {"stale id after reuse", test_cancel_stale_after_reuse},
    {"cancel from a handler", test_cancel_from_handler},
    {"cancel many (sweep)", test_cancel_many},
    {"cancel most of the running group", test_cancel_in_run},
    {"cancel in a multi-chunk bucket", test_cancel_big_bucket},
    {"far future to UINT64_MAX-1", test_far_future},
    {"past, NEVER, overflow rejected", test_bad_times},
    {"run until, step, stop", test_run_until_step_stop},
    {"schedule between run/next_time and far", test_schedule_between},
    {"burst inside a run's window (spill)", test_window_spill},
    {"bounded run, then fill before a far bucket", test_bounded_run_then_fill},
    {"empty wheel after cancelled bucket", test_empty_after_zombies},
    {"two engines interleaved", test_two_engines},
    {"clock registry", test_clock_registry},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"engine", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
