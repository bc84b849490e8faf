/*
 * test_engine_model.c — the engine against a reference model, determinism
 * and out-of-memory injection.
 *
 * The reference model is the definition of the order: every event ever
 * scheduled is kept in an array with its (time, priority, sequence); the
 * next event is the pending one with the smallest triple, found by a
 * linear scan.  Random workloads (seeded splitmix64, several delay
 * profiles from "many ties at one picosecond" to "jumps to UINT64_MAX -
 * 1") drive the engine through handlers that schedule and cancel, and
 * through the caller (step, bounded runs, schedules and cancels between
 * runs, sim_next_time); every executed event, every cancel result, every
 * pending count and every next time must match the model exactly.
 */
#include "sim/sim.h"
#include "tfsim_test.h"

#include <limits.h>
#include <string.h>

static uint64_t below(uint64_t *s, uint64_t n) {
  return n ? sim_splitmix64(s) % n : 0;
}

/* ---------------------------------------------------------------------- */
/* Reference model                                                        */
/* ---------------------------------------------------------------------- */

enum { R_PENDING, R_RAN, R_CANCELLED };
enum { P_MIX, P_HUGE, P_TIES, P_FAR, P_COUNT };

typedef struct rev {
  uint64_t t, seq;
  sim_event_id id; /* 0: scheduled without one */
  int prio;
  int state;
} rev;

typedef struct world {
  sim_engine *e;
  rev *ev;
  size_t n_ev, budget;
  uint32_t *pend; /* indices of pending events, unordered */
  size_t n_pend;
  uint64_t seq, rng, hash, executed;
  int profile;
  int bad; /* first mismatch seen: stop */
} world;

static void on_ev(sim_engine *e, void *ctx, uint64_t arg);

static int rev_less(const rev *a, const rev *b) {
  if (a->t != b->t) return a->t < b->t;
  if (a->prio != b->prio) return a->prio < b->prio;
  return a->seq < b->seq;
}

static size_t ref_min(const world *w) { /* position in pend, or n_pend */
  size_t best = w->n_pend;
  for (size_t i = 0; i < w->n_pend; i++)
    if (best == w->n_pend || rev_less(&w->ev[w->pend[i]], &w->ev[w->pend[best]]))
      best = i;
  return best;
}

static void pend_remove(world *w, uint32_t idx) {
  for (size_t i = 0; i < w->n_pend; i++)
    if (w->pend[i] == idx) {
      w->pend[i] = w->pend[--w->n_pend];
      return;
    }
  w->bad = 1;
}

static uint64_t rand_time(world *w) {
  uint64_t now = sim_now(w->e), room = SIM_T_NEVER - 1 - now, d;
  uint64_t r = below(&w->rng, 1000);
  switch (w->profile) {
  case P_TIES: {
    static const uint64_t dd[] = {0, 0, 1, 2, 255, 256, 257, 65536};
    d = dd[below(&w->rng, 8)];
    break;
  }
  case P_FAR: d = below(&w->rng, 1ull << 41); break;
  default:
    if (r < 150) d = 0;
    else if (r < 500) d = 1 + below(&w->rng, 300);
    else if (r < 750) d = below(&w->rng, 1ull << 17);
    else if (r < 900) d = below(&w->rng, 1ull << 31);
    else if (r < 995 || w->profile != P_HUGE) d = below(&w->rng, 1ull << 45);
    else d = room - below(&w->rng, 1000); /* towards UINT64_MAX - 1 */
    break;
  }
  if (d > room) d = room - below(&w->rng, room < 100 ? room + 1 : 100);
  return now + d;
}

static int rand_prio(world *w) {
  uint64_t r = below(&w->rng, 100);
  if (r == 0) return INT_MIN;
  if (r == 1) return INT_MAX;
  return w->profile == P_TIES ? (int)below(&w->rng, 3) - 1
                              : (int)below(&w->rng, 5) - 2;
}

static void sched_one(world *w) {
  if (w->n_ev == w->budget) return;
  rev *r = &w->ev[w->n_ev];
  r->t = rand_time(w);
  r->prio = rand_prio(w);
  int want_id = below(&w->rng, 2) == 0;
  int rc = sim_schedule(w->e, r->t, r->prio, on_ev, w, w->n_ev,
                        want_id ? &r->id : NULL);
  CU_ASSERT_EQUAL(rc, 0);
  if (rc) {
    w->bad = 1;
    return;
  }
  r->seq = w->seq++;
  r->state = R_PENDING;
  w->pend[w->n_pend++] = (uint32_t)w->n_ev++;
}

static void cancel_one(world *w) {
  if (!w->n_ev) return;
  size_t i = below(&w->rng, 2) && w->n_pend ? w->pend[below(&w->rng, w->n_pend)]
                                            : below(&w->rng, w->n_ev);
  rev *r = &w->ev[i];
  if (!r->id) return;
  int want = r->state == R_PENDING ? 0 : SIM_ENOENT;
  int rc = sim_cancel(w->e, r->id);
  CU_ASSERT_EQUAL(rc, want);
  if (rc != want) w->bad = 1;
  if (want == 0) {
    r->state = R_CANCELLED;
    pend_remove(w, (uint32_t)i);
  }
}

static void on_ev(sim_engine *e, void *ctx, uint64_t arg) {
  world *w = ctx;
  size_t m = ref_min(w);
  if (w->bad || m == w->n_pend || w->pend[m] != arg ||
      w->ev[arg].t != sim_now(e)) {
    CU_FAIL("event out of order");
    w->bad = 1;
    sim_stop(e);
    return;
  }
  w->ev[arg].state = R_RAN;
  w->pend[m] = w->pend[--w->n_pend];
  w->executed++;
  uint64_t x[2] = {sim_now(e), arg};
  for (size_t i = 0; i < sizeof x; i++) /* FNV-1a over (time, arg) */
    w->hash = (w->hash ^ ((const unsigned char *)x)[i]) * 1099511628211ull;
  uint64_t kids = below(&w->rng, 3);
  for (uint64_t k = 0; k < kids; k++) sched_one(w);
  if (below(&w->rng, 4) == 0) cancel_one(w);
}

/* Runs one random workload; returns 0 if every check passed. */
static int run_world(world *w, uint64_t seed, int profile, size_t initial,
                     size_t budget) {
  memset(w, 0, sizeof *w);
  w->e = sim_engine_new();
  w->ev = calloc(budget, sizeof *w->ev);
  w->pend = calloc(budget, sizeof *w->pend);
  if (!w->e || !w->ev || !w->pend) return -1;
  w->budget = budget;
  w->rng = seed;
  w->profile = profile;
  w->hash = 1469598103934665603ull;
  for (size_t i = 0; i < initial; i++) sched_one(w);
  while (!w->bad && w->n_ev < w->budget) {
    uint64_t op = below(&w->rng, 100), now = sim_now(w->e);
    if (op < 40) {
      int want = w->n_pend > 0;
      int got = sim_step(w->e);
      CU_ASSERT(got == want || w->bad);
    } else if (op < 55) {
      uint64_t until = op < 52 ? rand_time(w) : now - below(&w->rng, now + 1);
      sim_run(w->e, until);
      if (w->bad) break;
      size_t m = ref_min(w);
      CU_ASSERT(m == w->n_pend || w->ev[w->pend[m]].t > until);
      CU_ASSERT_EQUAL(sim_now(w->e), until > now ? until : now);
    } else if (op < 75) {
      sched_one(w);
    } else if (op < 88) {
      cancel_one(w);
    } else {
      size_t m = ref_min(w);
      uint64_t want = m == w->n_pend ? SIM_T_NEVER : w->ev[w->pend[m]].t;
      CU_ASSERT_EQUAL(sim_next_time(w->e), want);
      if (sim_next_time(w->e) != want) w->bad = 1;
    }
    CU_ASSERT_EQUAL(sim_pending(w->e), w->n_pend);
    if (sim_pending(w->e) != w->n_pend) w->bad = 1;
  }
  sim_run(w->e, SIM_T_NEVER);
  CU_ASSERT_EQUAL(w->n_pend, 0);
  CU_ASSERT_EQUAL(sim_pending(w->e), 0);
  CU_ASSERT_EQUAL(sim_events_executed(w->e), w->executed);
  int rc = w->bad || w->n_pend ? 1 : 0;
  sim_engine_free(w->e);
  free(w->ev);
  free(w->pend);
  w->e = NULL;
  return rc;
}

static void test_reference_model(void) {
  static const struct {
    int profile;
    size_t initial;
  } cfg[] = {{P_MIX, 50},    {P_MIX, 1500}, {P_HUGE, 200}, {P_TIES, 20},
             {P_TIES, 2000}, {P_FAR, 30},   {P_FAR, 3000}};
  for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++)
    for (uint64_t seed = 1; seed <= 4; seed++) {
      world w;
      int rc = run_world(&w, seed * 1000003 + c, cfg[c].profile,
                         cfg[c].initial, 20000);
      CU_ASSERT_EQUAL(rc, 0);
      CU_ASSERT(w.executed > 1000);
      if (rc) {
        fprintf(stderr, "\nreference mismatch: profile %d seed %llu\n",
                cfg[c].profile, (unsigned long long)seed);
        return;
      }
    }
}

static void test_determinism(void) {
  world a, b, c;
  CU_ASSERT_EQUAL(run_world(&a, 42, P_MIX, 500, 30000), 0);
  CU_ASSERT_EQUAL(run_world(&b, 42, P_MIX, 500, 30000), 0);
  CU_ASSERT_EQUAL(run_world(&c, 43, P_MIX, 500, 30000), 0);
  CU_ASSERT_EQUAL(a.hash, b.hash);
  CU_ASSERT_EQUAL(a.executed, b.executed);
  CU_ASSERT_NOT_EQUAL(a.hash, c.hash);
}

/* ---------------------------------------------------------------------- */
/* Out of memory                                                          */
/* ---------------------------------------------------------------------- */

typedef struct oom {
  long calls, fail_at, live, failed;
} oom;

static void *oom_alloc(void *ud, void *p, size_t n) {
  oom *o = ud;
  if (n == 0) {
    if (p) o->live--;
    free(p);
    return NULL;
  }
  if (++o->calls == o->fail_at) {
    o->failed++;
    return NULL;
  }
  void *q = realloc(p, n);
  if (q && !p) o->live++;
  return q;
}

typedef struct oev {
  uint64_t t;
  int prio;
  uint32_t idx;
  int ok, cancelled;
  sim_event_id id;
} oev;

static int oev_cmp(const void *pa, const void *pb) {
  const oev *a = pa, *b = pb;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  if (a->prio != b->prio) return a->prio < b->prio ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

typedef struct orun {
  uint32_t got[4000];
  size_t n;
} orun;

static void oom_ev(sim_engine *e, void *ctx, uint64_t arg) {
  orun *r = ctx;
  (void)e;
  if (r->n < 4000) r->got[r->n] = (uint32_t)arg;
  r->n++;
}

static void test_oom(void) {
  enum { N = 3000 };
  static oev ev[N], sorted[N];
  static orun run;
  int saw_enomem = 0;
  for (long fail_at = 1;; fail_at++) {
    oom o = {0, fail_at, 0, 0};
    sim_alloc_set_hook(oom_alloc, &o);
    sim_engine *e = sim_engine_new();
    if (!e) {
      sim_alloc_set_hook(NULL, NULL);
      CU_ASSERT_EQUAL(o.live, 0);
      continue;
    }
    uint64_t rng = 99;
    memset(&run, 0, sizeof run);
    for (uint32_t i = 0; i < N; i++) {
      ev[i].idx = i;
      ev[i].t = below(&rng, 4) ? below(&rng, 5000) : below(&rng, 1ull << 44);
      ev[i].prio = (int)below(&rng, 3);
      ev[i].cancelled = 0;
      int rc = sim_schedule(e, ev[i].t, ev[i].prio, oom_ev, &run, i,
                            i % 3 ? NULL : &ev[i].id);
      CU_ASSERT(rc == 0 || rc == SIM_ENOMEM);
      ev[i].ok = rc == 0;
      saw_enomem |= rc == SIM_ENOMEM;
      if (rc) CU_ASSERT_EQUAL(i % 3 ? 0 : ev[i].id, 0);
    }
    size_t n_ok = 0;
    for (uint32_t i = 0; i < N; i++) {
      if (ev[i].ok && i % 3 == 0 && i % 2 == 0) {
        CU_ASSERT_EQUAL(sim_cancel(e, ev[i].id), 0);
        ev[i].cancelled = 1;
      }
      if (ev[i].ok && !ev[i].cancelled) sorted[n_ok++] = ev[i];
    }
    CU_ASSERT_EQUAL(sim_pending(e), n_ok);
    sim_stats *st = sim_engine_stats(e);
    int h = sim_stat_register(st, "oom", "x", "B", SIM_STAT_COUNT);
    CU_ASSERT(h >= 0 || h == SIM_ENOMEM);
    int clk = sim_clock_add(e, "core", 1000);
    CU_ASSERT(clk == 0 || clk == SIM_ENOMEM);
    CU_ASSERT_EQUAL(sim_run(e, SIM_T_NEVER), n_ok);
    qsort(sorted, n_ok, sizeof *sorted, oev_cmp);
    CU_ASSERT_EQUAL_FATAL(run.n, n_ok);
    int same = 1;
    for (size_t i = 0; i < n_ok; i++) same &= run.got[i] == sorted[i].idx;
    CU_ASSERT(same);
    sim_engine_free(e);
    sim_alloc_set_hook(NULL, NULL);
    CU_ASSERT_EQUAL(o.live, 0); /* nothing leaked */
    if (!o.failed) break;       /* the workload ran out of allocations */
  }
  CU_ASSERT(saw_enomem);
}

static CU_TestInfo tests[] = {
    {"reference model, random workloads", test_reference_model},
    {"determinism (order hash)", test_determinism},
    {"OOM injection", test_oom},
    CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {
    {"engine model", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};

TFSIM_TEST_MAIN(suites)
