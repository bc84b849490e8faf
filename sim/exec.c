/*
 * exec.c — the generic executor: runs a schedule v2 (sim_sched) on the
 * event engine for any architecture model (DESIGN.md section 1, "The
 * schedule and the executor").  The model supplies unit counts, level
 * bandwidths and a cost callback (or simulates ops itself); everything
 * about *when* an op runs is decided here, once, for every model.
 *
 * Design.
 *
 *   task    one op in one iteration of its group (ops outside groups have
 *           one iteration).  Its state lives in a slot: pending deps,
 *           instances not yet dispatched, waves in flight, done flag.
 *           Group g has `window` slots per op; iteration i uses slot
 *           (i + off[g]) % window.  Iterations are instantiated in order
 *           while a slot is free, so at most `window` are in flight.
 *   queue   one per unit kind of ready tasks, ordered by (iteration, op
 *           index): the schedule's order is the priority among ready
 *           work, and earlier iterations go first.  The head task is
 *           dispatched in waves: k = min(instances left, free units).
 *   job     one wave: k instances started together on k units.  Compute
 *           time t_c is the model's cost of one instance; its bytes per
 *           level are k instances' traffic.  At the current bandwidth
 *           shares its duration is T = max(t_c, max_l bytes_l / share_l)
 *           and it progresses at 1/T; `f` is the fraction left.  When the
 *           set of jobs changes, every job's f is brought up to date and
 *           shares are recomputed (water-filling per level, weighted by
 *           instances, demand capped at bytes_l / t_c); a job whose T did
 *           not change keeps its end time to the picosecond.
 *   fold    when the only job in flight has just started and its task has
 *           more full waves left, those waves are folded into it (see
 *           fold_waves): one event for a task of any instance count.
 *   events  one engine event pending at the earliest job end; its handler
 *           ends every job due then, in job-index order, so the order of
 *           same-time events never matters.
 *
 * Extrapolation.  When an iteration of group g completes while nothing
 * outside g is ready or running, the executor serialises its state
 * relative to now and to that iteration (jobs with f, T and times, queues,
 * slots, free units, the overlap tracker).  If it equals the snapshot
 * taken at the previous completion of g, the evolution from here is the
 * previous one shifted by P = now - then and by one iteration (the
 * executor is a deterministic function of that state and the cost is
 * time-invariant), so the S remaining iterations are skipped: every job
 * and the pending event move by S * P, iteration numbers by S, and every
 * counter gains S times its change over the last period.  Models that
 * simulate ops themselves (`start`) have state of their own, so their runs
 * are never extrapolated.
 *
 * Cost: O(jobs + levels x jobs log jobs) per event; memory O(ops x window
 * + jobs), independent of the number of iterations.
 */
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define EXEC_PRIO 0
#define EXEC_DEFAULT_WINDOW 8

typedef struct slot {
  uint64_t iter;
  uint64_t left;     /* instances not dispatched */
  uint64_t running;  /* waves in flight */
  uint32_t pend;     /* unsatisfied dependencies */
  uint8_t active, done, queued;
} slot;

typedef struct job {
  uint32_t op;
  uint8_t active, model;
  uint64_t iter, n_inst;
  uint64_t reps;                /* identical waves this job stands for */
  double t_c;                   /* compute time of one instance, ps */
  double bytes[SIM_LEVEL_MAX];  /* the wave's bytes per level */
  double f;                     /* fraction left */
  double T;                     /* duration at the current shares */
  uint64_t t_start, t_last, t_end;
} job;

typedef struct qent {
  uint32_t op;
  uint64_t iter;
} qent;

typedef struct queue {
  qent *v;
  size_t head, n, cap;
} queue;

typedef struct gstate {
  uint64_t next_inst;  /* next iteration to instantiate */
  uint64_t done_iters;
  uint32_t off;        /* slot rotation */
  uint32_t *ops_left;  /* per window slot: ops not finished */
  uint64_t *slot_iter; /* per window slot: iteration held, or UINT64_MAX */
  unsigned char *snap; /* state at the last completion */
  size_t snap_n, snap_cap;
  uint64_t snap_t, snap_iter;
  int snap_ok, extrapolated;
  sim_exec_opstat *snap_ops; /* per op of the group */
  double snap_busy[SIM_UNIT_MAX];
  uint64_t snap_overlap, snap_jobs;
} gstate;

struct sim_exec {
  sim_engine *e;
  const sim_sched *s;
  const sim_exec_arch *a;
  uint32_t window;
  int no_extrapolate;
  int unit_of[SIM_UNIT_MAX];   /* schedule unit -> arch unit */
  int level_of[SIM_LEVEL_MAX]; /* schedule level -> arch level */
  double lvl_gbps[SIM_LEVEL_MAX]; /* per schedule level, 0: free */
  uint32_t free_units[SIM_UNIT_MAX];
  uint32_t busy_units[SIM_UNIT_MAX];
  queue q[SIM_UNIT_MAX];
  /* per op */
  size_t *slot_base;           /* index of the op's first slot */
  uint8_t *op_done;            /* every iteration finished */
  uint32_t *succ_off, *succ;   /* CSR successors */
  slot *slots;
  size_t n_slots;
  gstate *g;
  job *jobs;
  size_t n_jobs, cap_jobs, active_jobs;
  size_t ops_left;             /* ops not done */
  uint64_t ev_t;
  sim_event_id ev_id;
  int ev_pending;
  uint64_t t_prev;             /* overlap tracker */
  uint64_t jump_to;            /* extrapolation: resume at this time */
  int rc;
  sim_err *err;
  sim_exec_result *r;
  /* scratch for water-filling */
  uint32_t *order;
  double *key, *alloc;
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static void exec_fail(sim_exec *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void exec_fail(sim_exec *x, int code, const char *fmt, ...) {
  if (x->rc) return;
  va_list ap;
  va_start(ap, fmt);
  x->rc = sim_err_vset(x->err, code, fmt, ap);
  va_end(ap);
  sim_stop(x->e);
}

void sim_exec_fail(sim_exec *x, int code, const char *msg) {
  if (x->err && msg == x->err->msg) {
    /* the model set the run's own error already: formatting it into
     * itself would overlap (an empty message) */
    x->err->code = code ? code : SIM_EINTERNAL;
    x->rc = x->err->code;
    sim_stop(x->e);
    return;
  }
  exec_fail(x, code ? code : SIM_EINTERNAL, "%s", msg);
}

static slot *slot_of(sim_exec *x, uint32_t op, uint64_t iter) {
  const sim_sched_op *o = &x->s->ops[op];
  if (o->group < 0) return &x->slots[x->slot_base[op]];
  const gstate *g = &x->g[o->group];
  uint64_t w = (iter + g->off) % x->window;
  return &x->slots[x->slot_base[op] + w];
}

/* The slot holding (op, iter) if that iteration is instantiated. */
static slot *slot_if(sim_exec *x, uint32_t op, uint64_t iter) {
  slot *sl = slot_of(x, op, iter);
  return sl->active && sl->iter == iter ? sl : NULL;
}

static int q_push(queue *q, uint32_t op, uint64_t iter) {
  if (q->head + q->n == q->cap) {
    if (q->head > 0) {
      memmove(q->v, q->v + q->head, q->n * sizeof *q->v);
      q->head = 0;
    } else {
      size_t cap = q->cap ? q->cap * 2 : 32;
      qent *v = sim_realloc(q->v, cap * sizeof *v);
      if (!v) return SIM_ENOMEM;
      q->v = v;
      q->cap = cap;
    }
  }
  /* Sorted by (iteration, op index): the mapper's order is the priority
   * among ready tasks.  Usually the new task goes last. */
  size_t k = q->head + q->n;
  while (k > q->head && (q->v[k - 1].iter > iter ||
                         (q->v[k - 1].iter == iter && q->v[k - 1].op > op))) {
    q->v[k] = q->v[k - 1];
    k--;
  }
  q->v[k].op = op;
  q->v[k].iter = iter;
  q->n++;
  return 0;
}

static void make_ready(sim_exec *x, uint32_t op, uint64_t iter, slot *sl) {
  sl->queued = 1;
  int rc = q_push(&x->q[x->s->ops[op].unit], op, iter);
  if (rc) exec_fail(x, rc, "out of memory");
}

static void dep_done(sim_exec *x, uint32_t op, uint64_t iter) {
  slot *sl = slot_if(x, op, iter);
  if (!sl) return;
  if (sl->pend == 0) {
    exec_fail(x, SIM_EINTERNAL, "executor: op %u iteration %llu released "
              "twice", op, (unsigned long long)iter);
    return;
  }
  if (--sl->pend == 0) make_ready(x, op, iter, sl);
}

/* An op outside s's group (or outside any group) finished all its
 * iterations: release dependents in every instantiated iteration. */
static void release_external(sim_exec *x, uint32_t succ) {
  const sim_sched_op *o = &x->s->ops[succ];
  if (o->group < 0) {
    dep_done(x, succ, 0);
    return;
  }
  for (uint32_t w = 0; w < x->window; w++) {
    slot *sl = &x->slots[x->slot_base[succ] + w];
    if (sl->active) dep_done(x, succ, sl->iter);
  }
}

/* Instantiates iteration `iter` of group gi (its slots must be free). */
static void instantiate(sim_exec *x, size_t gi, uint64_t iter) {
  const sim_sched_group *gr = &x->s->groups[gi];
  gstate *g = &x->g[gi];
  uint32_t w = (uint32_t)((iter + g->off) % x->window);
  g->slot_iter[w] = iter;
  g->ops_left[w] = gr->n;
  for (uint32_t j = gr->first; j < gr->first + gr->n; j++) {
    slot *sl = &x->slots[x->slot_base[j] + w];
    memset(sl, 0, sizeof *sl);
    sl->active = 1;
    sl->iter = iter;
    sl->left = x->s->ops[j].count;
  }
  for (uint32_t j = gr->first; j < gr->first + gr->n; j++) {
    const sim_sched_op *o = &x->s->ops[j];
    slot *sl = &x->slots[x->slot_base[j] + w];
    for (uint32_t d = 0; d < o->n_deps; d++) {
      uint32_t p = o->deps[d];
      if (p >= gr->first) sl->pend++;          /* same iteration */
      else if (!x->op_done[p]) sl->pend++;     /* before the group */
    }
    if (iter > 0)
      for (uint32_t c = 0; c < gr->n_carry; c++) {
        if (gr->carry[c].to != j) continue;
        slot *prev = slot_if(x, gr->carry[c].from, iter - 1);
        if (prev && !prev->done) sl->pend++;
      }
  }
  for (uint32_t j = gr->first; j < gr->first + gr->n; j++) {
    slot *sl = &x->slots[x->slot_base[j] + w];
    if (sl->pend == 0) make_ready(x, j, iter, sl);
  }
  g->next_inst = iter + 1;
}

static void instantiate_more(sim_exec *x, size_t gi) {
  gstate *g = &x->g[gi];
  const sim_sched_group *gr = &x->s->groups[gi];
  while (g->next_inst < gr->iters) {
    uint32_t w = (uint32_t)((g->next_inst + g->off) % x->window);
    if (g->slot_iter[w] != UINT64_MAX) break;
    instantiate(x, gi, g->next_inst);
  }
}

/* ---------------------------------------------------------------------- */
/* Bandwidth shares                                                       */
/* ---------------------------------------------------------------------- */

static uint64_t ceil_ps(double t) {
  if (!(t > 0)) return 0;
  double c = ceil(t);
  return c >= 1.8e19 ? SIM_T_NEVER : (uint64_t)c;
}

/* Brings every running job's progress up to now. */
static void progress_to(sim_exec *x, uint64_t now) {
  for (size_t i = 0; i < x->n_jobs; i++) {
    job *j = &x->jobs[i];
    if (!j->active || j->model || now == j->t_last) continue;
    if (j->T > 0) j->f -= (double)(now - j->t_last) / j->T;
    if (j->f < 0) j->f = 0;
    j->t_last = now;
  }
}

static int cmp_key(const void *a, const void *b, void *k) {
  const double *key = k;
  double x = key[*(const uint32_t *)a], y = key[*(const uint32_t *)b];
  if (x < y) return -1;
  if (x > y) return 1;
  return (int)*(const uint32_t *)a - (int)*(const uint32_t *)b;
}

/* Insertion sort by key (stable, ties by index): jobs in flight are few. */
static void sort_by_key(uint32_t *ord, size_t n, const double *key) {
  for (size_t i = 1; i < n; i++) {
    uint32_t v = ord[i];
    size_t k = i;
    while (k > 0 && cmp_key(&ord[k - 1], &v, (void *)key) > 0) {
      ord[k] = ord[k - 1];
      k--;
    }
    ord[k] = v;
  }
}

/* Recomputes every job's T from the shares and moves end times of the
 * jobs whose T changed.  Returns the earliest end among them. */
static uint64_t reshare(sim_exec *x, uint64_t now) {
  size_t nj = x->n_jobs;
  double *Tn = x->alloc + nj; /* second half of scratch */
  for (size_t i = 0; i < nj; i++) {
    job *j = &x->jobs[i];
    Tn[i] = j->active && !j->model ? j->t_c : 0;
  }
  for (int l = 0; l < x->s->n_levels; l++) {
    double B = x->lvl_gbps[l];
    if (!(B > 0)) continue;
    size_t n = 0;
    double wsum = 0;
    for (size_t i = 0; i < nj; i++) {
      job *j = &x->jobs[i];
      if (!j->active || j->model || !(j->bytes[l] > 0)) continue;
      /* demand in GB/s per instance: bytes / t_c (ps) * 1e3 */
      double d = j->t_c > 0 ? j->bytes[l] * 1e3 / j->t_c : INFINITY;
      x->key[i] = d / (double)j->n_inst;
      x->order[n++] = (uint32_t)i;
      wsum += (double)j->n_inst;
    }
    sort_by_key(x->order, n, x->key);
    double rem = B;
    for (size_t k = 0; k < n; k++) {
      job *j = &x->jobs[x->order[k]];
      double w = (double)j->n_inst;
      double fair = rem * w / wsum;
      double demand = x->key[x->order[k]] * w;
      double a, Tl;
      if (demand <= fair) {
        a = demand;
        Tl = j->t_c; /* demand met: the level does not slow it */
      } else {
        a = fair;
        Tl = j->bytes[l] * 1e3 / a;
      }
      rem -= a;
      wsum -= w;
      if (Tl > Tn[x->order[k]]) Tn[x->order[k]] = Tl;
    }
  }
  uint64_t first = SIM_T_NEVER;
  for (size_t i = 0; i < nj; i++) {
    job *j = &x->jobs[i];
    if (!j->active || j->model) continue;
    /* A folded job (reps > 1) is alone until it ends: its shares cannot
     * change, and its end is the sum of its waves, not f * T. */
    if (Tn[i] != j->T && j->reps == 1) {
      j->T = Tn[i];
      uint64_t d = ceil_ps(j->f * j->T);
      uint64_t t;
      if (sim_add_u64(now, d, &t) || d == SIM_T_NEVER) {
        exec_fail(x, SIM_ERANGE, "op %s: simulated time overflows 64-bit "
                  "picoseconds", x->s->ops[j->op].name);
        return SIM_T_NEVER;
      }
      j->t_end = t;
    }
    if (j->t_end < first) first = j->t_end;
  }
  return first;
}

static void on_event(sim_engine *e, void *ctx, uint64_t arg);

static void arm(sim_exec *x, uint64_t t) {
  if (x->rc) return;
  if (x->ev_pending && x->ev_t == t) return;
  if (x->ev_pending) {
    sim_cancel(x->e, x->ev_id);
    x->ev_pending = 0;
  }
  if (t == SIM_T_NEVER) return;
  int rc = sim_schedule(x->e, t, EXEC_PRIO, on_event, x, 0, &x->ev_id);
  if (rc) {
    exec_fail(x, rc, "executor: %s", sim_strerror(rc));
    return;
  }
  x->ev_pending = 1;
  x->ev_t = t;
}

/* ---------------------------------------------------------------------- */
/* Dispatch and completion                                                */
/* ---------------------------------------------------------------------- */

static void overlap_to(sim_exec *x, uint64_t now) {
  int kinds = 0;
  for (int u = 0; u < x->s->n_units; u++) kinds += x->busy_units[u] > 0;
  if (kinds >= 2) x->r->overlap_ps += now - x->t_prev;
  x->t_prev = now;
}

static size_t job_alloc(sim_exec *x) {
  for (size_t i = 0; i < x->n_jobs; i++)
    if (!x->jobs[i].active) return i;
  if (x->n_jobs == x->cap_jobs) {
    size_t cap = x->cap_jobs ? x->cap_jobs * 2 : 16;
    job *j = sim_realloc(x->jobs, cap * sizeof *j);
    uint32_t *o = sim_realloc(x->order, cap * sizeof *o);
    if (o) x->order = o;
    double *k = sim_realloc(x->key, cap * sizeof *k);
    if (k) x->key = k;
    double *al = sim_realloc(x->alloc, 2 * cap * sizeof *al);
    if (al) x->alloc = al;
    if (j) x->jobs = j;
    if (!j || !o || !k || !al) return SIZE_MAX;
    x->cap_jobs = cap;
  }
  memset(&x->jobs[x->n_jobs], 0, sizeof x->jobs[0]);
  return x->n_jobs++;
}

static void start_job(sim_exec *x, uint32_t op, uint64_t iter, uint64_t k,
                      uint64_t now) {
  const sim_sched_op *o = &x->s->ops[op];
  size_t ji = job_alloc(x);
  if (ji == SIZE_MAX) {
    exec_fail(x, SIM_ENOMEM, "out of memory");
    return;
  }
  job *j = &x->jobs[ji];
  memset(j, 0, sizeof *j);
  j->op = op;
  j->iter = iter;
  j->n_inst = k;
  j->reps = 1;
  j->t_start = j->t_last = now;
  j->f = 1;
  j->active = 1;
  x->active_jobs++;
  x->r->jobs++;
  sim_exec_opstat *st = &x->r->ops[op];
  if (now < st->first_ps) st->first_ps = now;
  if (x->a->start) {
    int rc = x->a->start(x->a->ctx, x, x->s, op, iter, k, (uint64_t)ji,
                         x->err);
    if (rc < 0) {
      x->rc = rc;
      sim_stop(x->e);
      return;
    }
    if (rc == 0) {
      j = &x->jobs[ji]; /* start may not grow jobs, but be safe */
      j->model = 1;
      return;
    }
  }
  double t_c = 0;
  int rc = x->a->cost(x->a->ctx, x->s, op, &t_c, x->err);
  if (rc) {
    x->rc = rc;
    sim_stop(x->e);
    return;
  }
  if (!(t_c >= 0) || !isfinite(t_c)) {
    exec_fail(x, SIM_EINTERNAL, "op %s: the model's cost is %g ps", o->name,
              t_c);
    return;
  }
  j = &x->jobs[ji];
  j->t_c = t_c;
  for (int l = 0; l < x->s->n_levels; l++)
    j->bytes[l] = (double)(o->rd_bytes[l] + o->wr_bytes[l]) * (double)k;
  j->T = -1; /* forces reshare to set t_end */
}

static int dispatch(sim_exec *x, uint64_t now) {
  int started = 0;
  for (int u = 0; u < x->s->n_units && !x->rc; u++) {
    queue *q = &x->q[u];
    while (q->n && x->free_units[u] && !x->rc) {
      qent *h = &q->v[q->head];
      slot *sl = slot_if(x, h->op, h->iter);
      if (!sl) {
        exec_fail(x, SIM_EINTERNAL, "executor: queued task lost");
        return started;
      }
      uint64_t k = sl->left < x->free_units[u] ? sl->left
                                               : x->free_units[u];
      sl->left -= k;
      sl->running++;
      x->free_units[u] -= (uint32_t)k;
      x->busy_units[u] += (uint32_t)k;
      uint32_t op = h->op;
      uint64_t iter = h->iter;
      if (sl->left == 0) {
        q->head++;
        q->n--;
        if (q->n == 0) q->head = 0;
      }
      start_job(x, op, iter, k, now);
      started = 1;
    }
  }
  return started;
}

static void try_extrapolate(sim_exec *x, size_t gi, uint64_t iter,
                            uint64_t now);

/* (op, iter) has no waves left in flight and none to dispatch. */
static void task_done(sim_exec *x, uint32_t op, uint64_t iter, slot *sl,
                      uint64_t now) {
  const sim_sched *s = x->s;
  const sim_sched_op *o = &s->ops[op];
  sl->done = 1;
  if (o->group < 0) {
    x->op_done[op] = 1;
    x->ops_left--;
    for (uint32_t k = x->succ_off[op]; k < x->succ_off[op + 1]; k++)
      release_external(x, x->succ[k]);
    return;
  }
  size_t gi = (size_t)o->group;
  const sim_sched_group *gr = &s->groups[gi];
  gstate *g = &x->g[gi];
  int last = iter + 1 == gr->iters;
  for (uint32_t k = x->succ_off[op]; k < x->succ_off[op + 1]; k++) {
    uint32_t su = x->succ[k];
    if (su < gr->first + gr->n) dep_done(x, su, iter);
    else if (last) release_external(x, su);
  }
  for (uint32_t c = 0; c < gr->n_carry; c++)
    if (gr->carry[c].from == op) dep_done(x, gr->carry[c].to, iter + 1);
  if (last) {
    x->op_done[op] = 1;
    x->ops_left--;
  }
  uint32_t w = (uint32_t)((iter + g->off) % x->window);
  if (--g->ops_left[w] == 0) {
    for (uint32_t j = gr->first; j < gr->first + gr->n; j++)
      x->slots[x->slot_base[j] + w].active = 0;
    g->slot_iter[w] = UINT64_MAX;
    g->done_iters++;
    instantiate_more(x, gi);
    try_extrapolate(x, gi, iter, now);
  }
}

static void finish_job(sim_exec *x, size_t ji, uint64_t now) {
  job *j = &x->jobs[ji];
  const sim_sched_op *o = &x->s->ops[j->op];
  sim_exec_opstat *st = &x->r->ops[j->op];
  double dur = (double)(now - j->t_start);
  st->inst += j->n_inst * j->reps;
  st->waves += j->reps;
  st->busy_ps += dur * (double)j->n_inst;
  st->compute_ps += j->t_c * (double)j->n_inst * (double)j->reps;
  if (!j->model && (now - j->t_start) / j->reps > ceil_ps(j->t_c))
    st->mem_bound += j->reps;
  if (now > st->last_ps) st->last_ps = now;
  x->r->unit_busy_ps[o->unit] += dur * (double)j->n_inst;
  x->free_units[o->unit] += (uint32_t)j->n_inst;
  x->busy_units[o->unit] -= (uint32_t)j->n_inst;
  j->active = 0;
  x->active_jobs--;
  if (now > x->r->end_ps) x->r->end_ps = now;
  slot *sl = slot_if(x, j->op, j->iter);
  if (!sl) {
    exec_fail(x, SIM_EINTERNAL, "executor: job of a task not in flight");
    return;
  }
  sl->running--;
  if (sl->running == 0 && sl->left == 0) task_done(x, j->op, j->iter, sl, now);
}

/* Wave folding.  When the one job in flight is a wave that has just
 * started and its task has at least another full wave left, nothing can
 * change until the task's last wave: no other job ends, so no task
 * becomes ready and no share moves, and each next wave takes the same k
 * units for the same duration D (the cost is time-invariant, the premise
 * of extrapolation too).  So the n full waves that follow, all but the
 * last, are folded into this job: it ends at now + (n + 1) D and counts
 * n + 1 waves.  Exact, and
 * it turns a task of 10^10 instances on one unit into one event instead
 * of 10^10.  Models that simulate ops themselves (`start`) keep state of
 * their own and are never folded. */
static void fold_waves(sim_exec *x, uint64_t now, uint64_t *first) {
  if (x->a->start || x->active_jobs != 1 || x->rc) return;
  job *j = NULL;
  for (size_t i = 0; i < x->n_jobs && !j; i++)
    if (x->jobs[i].active) j = &x->jobs[i];
  if (!j || j->model || j->reps != 1 || j->t_start != now ||
      j->t_end == SIM_T_NEVER)
    return;
  slot *sl = slot_if(x, j->op, j->iter);
  /* At least one instance stays undispatched, so the task stays at the
   * head of its queue and its last wave dispatches as before. */
  if (!sl || j->n_inst == 0 || sl->left <= j->n_inst) return;
  uint64_t n = (sl->left - 1) / j->n_inst, D = j->t_end - now, span, end;
  if (sim_mul_u64(n + 1, D, &span) || sim_add_u64(now, span, &end) ||
      end == SIM_T_NEVER) {
    exec_fail(x, SIM_ERANGE, "op %s: simulated time overflows 64-bit "
              "picoseconds", x->s->ops[j->op].name);
    return;
  }
  sl->left -= n * j->n_inst;
  j->reps = n + 1;
  j->t_end = end;
  x->r->jobs += n;
  *first = end;
}

/* After any change at `now`: dispatch, reshare, arm the next event. */
static void settle(sim_exec *x, uint64_t now) {
  if (x->rc) return;
  if (x->jump_to > now) {
    /* The state was moved S periods ahead: it resumes there, as it would
     * have been at this point of the period (ready tasks dispatch then). */
    uint64_t t = x->jump_to;
    x->jump_to = 0;
    arm(x, t);
    return;
  }
  dispatch(x, now);
  if (x->rc) return;
  uint64_t first = reshare(x, now);
  fold_waves(x, now, &first);
  if (x->rc) return;
  if (x->ops_left == 0) {
    arm(x, SIM_T_NEVER);
    sim_stop(x->e); /* models may keep events of their own (refresh) */
    return;
  }
  arm(x, first);
}

static void on_event(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  sim_exec *x = ctx;
  uint64_t now = sim_now(e);
  x->ev_pending = 0;
  overlap_to(x, now);
  progress_to(x, now);
  for (size_t i = 0; i < x->n_jobs && !x->rc; i++) {
    job *j = &x->jobs[i];
    if (j->active && !j->model && j->t_end <= now) finish_job(x, i, now);
  }
  settle(x, now);
}

void sim_exec_done(sim_exec *x, uint64_t token) {
  if (x->rc) return;
  if (token >= x->n_jobs || !x->jobs[token].active ||
      !x->jobs[token].model) {
    exec_fail(x, SIM_EINTERNAL, "executor: sim_exec_done(%llu) names no "
              "model job in flight", (unsigned long long)token);
    return;
  }
  uint64_t now = sim_now(x->e);
  overlap_to(x, now);
  progress_to(x, now);
  finish_job(x, (size_t)token, now);
  settle(x, now);
}

/* ---------------------------------------------------------------------- */
/* Extrapolation                                                          */
/* ---------------------------------------------------------------------- */

typedef struct buf {
  unsigned char *p;
  size_t n, cap;
  int oom;
} buf;

static void put(buf *b, const void *v, size_t n) {
  if (b->oom) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + n) cap *= 2;
    unsigned char *p = sim_realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, v, n);
  b->n += n;
}
#define PUT(b, v) put(b, &(v), sizeof(v))

/* Everything the future depends on, relative to now and iteration base. */
static int snapshot(sim_exec *x, size_t gi, uint64_t base, uint64_t now,
                    buf *b) {
  const sim_sched_group *gr = &x->s->groups[gi];
  const gstate *g = &x->g[gi];
  uint64_t v = g->next_inst - base;
  PUT(b, v);
  for (size_t i = 0; i < x->n_jobs; i++) {
    const job *j = &x->jobs[i];
    uint8_t a = j->active;
    PUT(b, a);
    if (!a) continue;
    if (j->model || (int32_t)gi != x->s->ops[j->op].group) return 0;
    uint64_t t[4] = {j->iter - base, j->t_start - now, j->t_last - now,
                     j->t_end - now};
    PUT(b, j->op);
    PUT(b, j->n_inst);
    PUT(b, j->reps);
    put(b, t, sizeof t);
    PUT(b, j->f);
    PUT(b, j->T);
    PUT(b, j->t_c);
  }
  for (int u = 0; u < x->s->n_units; u++) {
    const queue *q = &x->q[u];
    PUT(b, x->free_units[u]);
    PUT(b, q->n);
    for (size_t k = 0; k < q->n; k++) {
      const qent *e = &q->v[q->head + k];
      if ((int32_t)gi != x->s->ops[e->op].group) return 0;
      uint64_t it = e->iter - base;
      PUT(b, e->op);
      PUT(b, it);
    }
  }
  for (uint32_t w = 0; w < x->window; w++) {
    uint64_t it = (uint64_t)w + base + 1; /* iterations after base */
    uint32_t ws = (uint32_t)((it + g->off) % x->window);
    uint64_t held = g->slot_iter[ws];
    uint8_t live = held == it;
    PUT(b, live);
    if (!live) continue;
    PUT(b, g->ops_left[ws]);
    for (uint32_t j = gr->first; j < gr->first + gr->n; j++) {
      const slot *sl = &x->slots[x->slot_base[j] + ws];
      uint64_t f[3] = {sl->left, sl->running, sl->pend};
      uint8_t fl[2] = {sl->done, sl->queued};
      put(b, f, sizeof f);
      put(b, fl, sizeof fl);
    }
  }
  /* In-flight iterations at or before base besides those above: none
   * may exist (iterations complete in order in a periodic state). */
  for (uint32_t w = 0; w < x->window; w++)
    if (g->slot_iter[w] != UINT64_MAX && g->slot_iter[w] <= base) return 0;
  uint64_t tp = now - x->t_prev;
  PUT(b, tp);
  for (int u = 0; u < x->s->n_units; u++) PUT(b, x->busy_units[u]);
  return !b->oom;
}

static void save_counters(sim_exec *x, size_t gi, uint64_t now,
                          uint64_t iter) {
  const sim_sched_group *gr = &x->s->groups[gi];
  gstate *g = &x->g[gi];
  memcpy(g->snap_ops, &x->r->ops[gr->first], gr->n * sizeof *g->snap_ops);
  memcpy(g->snap_busy, x->r->unit_busy_ps, sizeof g->snap_busy);
  g->snap_overlap = x->r->overlap_ps;
  g->snap_jobs = x->r->jobs;
  g->snap_t = now;
  g->snap_iter = iter;
}

static void try_extrapolate(sim_exec *x, size_t gi, uint64_t iter,
                            uint64_t now) {
  gstate *g = &x->g[gi];
  const sim_sched_group *gr = &x->s->groups[gi];
  if (x->no_extrapolate || x->a->start || g->extrapolated || x->rc) return;
  if (g->next_inst >= gr->iters) return; /* nothing left to skip */
  /* Ops outside the group that are ready are in the queues (checked by
   * snapshot); outside jobs make it refuse too. */
  buf b = {0};
  int ok = snapshot(x, gi, iter, now, &b);
  if (!ok) {
    sim_free(b.p);
    g->snap_ok = 0;
    return;
  }
  if (g->snap_ok && g->snap_iter + 1 == iter && b.n == g->snap_n &&
      memcmp(b.p, g->snap, b.n) == 0) {
    uint64_t P = now - g->snap_t;
    uint64_t S = gr->iters - g->next_inst;
    uint64_t shift;
    if (P > 0 && !sim_mul_u64(S, P, &shift) &&
        !sim_add_u64(now, shift, &(uint64_t){0})) {
      double Sd = (double)S;
      for (uint32_t j = 0; j < gr->n; j++) {
        sim_exec_opstat *st = &x->r->ops[gr->first + j];
        const sim_exec_opstat *p = &g->snap_ops[j];
        st->inst += S * (st->inst - p->inst);
        st->waves += S * (st->waves - p->waves);
        st->mem_bound += S * (st->mem_bound - p->mem_bound);
        st->busy_ps += Sd * (st->busy_ps - p->busy_ps);
        st->compute_ps += Sd * (st->compute_ps - p->compute_ps);
        if (st->last_ps >= now - P) st->last_ps += shift;
      }
      for (int u = 0; u < SIM_UNIT_MAX; u++)
        x->r->unit_busy_ps[u] += Sd * (x->r->unit_busy_ps[u] - g->snap_busy[u]);
      x->r->overlap_ps += S * (x->r->overlap_ps - g->snap_overlap);
      x->r->iters_skipped += S;
      for (size_t i = 0; i < x->n_jobs; i++) {
        job *j = &x->jobs[i];
        if (!j->active) continue;
        j->iter += S;
        j->t_start += shift;
        j->t_last += shift;
        j->t_end += shift;
      }
      for (int u = 0; u < x->s->n_units; u++)
        for (size_t k = 0; k < x->q[u].n; k++)
          x->q[u].v[x->q[u].head + k].iter += S;
      /* Renumber in-flight iterations: slot of (it + S) = slot of it. */
      uint32_t W = x->window;
      g->off = (uint32_t)((g->off + W - (uint32_t)(S % W)) % W);
      for (uint32_t w = 0; w < W; w++)
        if (g->slot_iter[w] != UINT64_MAX) g->slot_iter[w] += S;
      for (uint32_t j = gr->first; j < gr->first + gr->n; j++)
        for (uint32_t w = 0; w < W; w++) {
          slot *sl = &x->slots[x->slot_base[j] + w];
          if (sl->active) sl->iter += S;
        }
      g->next_inst += S;
      g->done_iters += S;
      x->t_prev += shift;
      x->jump_to = now + shift;
      g->extrapolated = 1;
      /* The pending event moves with the jobs (settle() re-arms it). */
      if (x->ev_pending) {
        sim_cancel(x->e, x->ev_id);
        x->ev_pending = 0;
      }
      /* progress_to must not see the jump as elapsed time: t_last moved. */
      sim_free(b.p);
      return;
    }
  }
  sim_free(g->snap);
  g->snap = b.p;
  g->snap_n = b.n;
  g->snap_ok = 1;
  save_counters(x, gi, now, iter);
}

/* ---------------------------------------------------------------------- */
/* Run                                                                    */
/* ---------------------------------------------------------------------- */

void sim_exec_result_fini(sim_exec_result *r) {
  if (!r) return;
  sim_free(r->ops);
  memset(r, 0, sizeof *r);
}

static void exec_free(sim_exec *x) {
  for (int u = 0; u < SIM_UNIT_MAX; u++) sim_free(x->q[u].v);
  sim_free(x->slot_base);
  sim_free(x->op_done);
  sim_free(x->succ_off);
  sim_free(x->succ);
  sim_free(x->slots);
  if (x->g)
    for (size_t i = 0; i < x->s->n_groups; i++) {
      sim_free(x->g[i].ops_left);
      sim_free(x->g[i].slot_iter);
      sim_free(x->g[i].snap);
      sim_free(x->g[i].snap_ops);
    }
  sim_free(x->g);
  sim_free(x->jobs);
  sim_free(x->order);
  sim_free(x->key);
  sim_free(x->alloc);
}

/* Binds the schedule's unit kinds and levels to the architecture's. */
static int bind(sim_exec *x, sim_err *err) {
  const sim_sched *s = x->s;
  const sim_exec_arch *a = x->a;
  for (int u = 0; u < s->n_units; u++) {
    x->unit_of[u] = -1;
    for (int k = 0; k < a->n_units; k++)
      if (strcmp(a->units[k].kind, s->units[u]) == 0) x->unit_of[u] = k;
    if (x->unit_of[u] < 0) {
      char have[128] = "";
      for (int k = 0; k < a->n_units; k++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
                 k ? ", " : "", a->units[k].kind);
      return sim_err_set(err, SIM_EINVAL, "units[%d]: unit kind '%s' is "
                         "not one of this architecture's (%s)", u,
                         s->units[u], have);
    }
    uint32_t c = a->units[x->unit_of[u]].count;
    if (c == 0)
      return sim_err_set(err, SIM_EINVAL, "unit kind '%s' has 0 units",
                         s->units[u]);
    x->free_units[u] = c;
    x->r->unit_count[u] = c;
  }
  for (int l = 0; l < s->n_levels; l++) {
    x->level_of[l] = -1;
    for (int k = 0; k < a->n_levels; k++)
      if (strcmp(a->levels[k].name, s->levels[l]) == 0) x->level_of[l] = k;
    if (x->level_of[l] < 0) {
      char have[128] = "";
      for (int k = 0; k < a->n_levels; k++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
                 k ? ", " : "", a->levels[k].name);
      return sim_err_set(err, SIM_EINVAL, "levels[%d]: memory level '%s' "
                         "is not one of this architecture's (%s)", l,
                         s->levels[l], have);
    }
    x->lvl_gbps[l] = a->levels[x->level_of[l]].gbps;
  }
  return 0;
}

int sim_exec_run(sim_engine *e, const sim_sched *s, const sim_exec_arch *a,
                 const sim_exec_opts *o, sim_exec_result *out,
                 sim_err *err) {
  memset(out, 0, sizeof *out);
  int rc = sim_sched_check(s, err);
  if (rc) return rc;
  if (!a->cost && !a->start)
    return sim_err_set(err, SIM_EINVAL, "executor: the model gives no cost");
  sim_exec x;
  memset(&x, 0, sizeof x);
  x.e = e;
  x.s = s;
  x.a = a;
  x.err = err;
  x.r = out;
  x.window = o && o->window ? o->window : EXEC_DEFAULT_WINDOW;
  x.no_extrapolate = o ? o->no_extrapolate : 0;
  size_t n = s->n_ops;
  out->n_ops = n;
  out->ops = sim_calloc(n ? n : 1, sizeof *out->ops);
  x.slot_base = sim_calloc(n ? n : 1, sizeof *x.slot_base);
  x.op_done = sim_calloc(n ? n : 1, 1);
  x.succ_off = sim_calloc(n + 1, sizeof *x.succ_off);
  x.g = sim_calloc(s->n_groups ? s->n_groups : 1, sizeof *x.g);
  if (!out->ops || !x.slot_base || !x.op_done || !x.succ_off || !x.g) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) out->ops[i].first_ps = SIM_T_NEVER;
  if ((rc = bind(&x, err))) goto done;
  /* Slots: window per group op, one otherwise. */
  size_t ns = 0, ne = 0;
  for (size_t i = 0; i < n; i++) {
    x.slot_base[i] = ns;
    ns += s->ops[i].group >= 0 ? x.window : 1;
    ne += s->ops[i].n_deps;
  }
  x.slots = sim_calloc(ns ? ns : 1, sizeof *x.slots);
  x.succ = sim_calloc(ne ? ne : 1, sizeof *x.succ);
  if (!x.slots || !x.succ) {
    rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    goto done;
  }
  x.n_slots = ns;
  for (size_t i = 0; i < n; i++)
    for (uint32_t d = 0; d < s->ops[i].n_deps; d++)
      x.succ_off[s->ops[i].deps[d] + 1]++;
  for (size_t i = 0; i < n; i++) x.succ_off[i + 1] += x.succ_off[i];
  {
    uint32_t *fill = sim_calloc(n ? n : 1, sizeof *fill);
    if (!fill) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < n; i++)
      for (uint32_t d = 0; d < s->ops[i].n_deps; d++) {
        uint32_t p = s->ops[i].deps[d];
        x.succ[x.succ_off[p] + fill[p]++] = (uint32_t)i;
      }
    sim_free(fill);
  }
  for (size_t gi = 0; gi < s->n_groups; gi++) {
    gstate *g = &x.g[gi];
    g->ops_left = sim_calloc(x.window, sizeof *g->ops_left);
    g->slot_iter = sim_calloc(x.window, sizeof *g->slot_iter);
    g->snap_ops = sim_calloc(s->groups[gi].n, sizeof *g->snap_ops);
    if (!g->ops_left || !g->slot_iter || !g->snap_ops) {
      rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
      goto done;
    }
    for (uint32_t w = 0; w < x.window; w++) g->slot_iter[w] = UINT64_MAX;
  }
  uint64_t now = sim_now(e);
  out->start_ps = out->end_ps = now;
  x.t_prev = now;
  x.ops_left = n;
  /* Ops outside groups: pending = deps; groups: instantiate. */
  for (size_t i = 0; i < n; i++) {
    if (s->ops[i].group >= 0) continue;
    slot *sl = &x.slots[x.slot_base[i]];
    sl->active = 1;
    sl->iter = 0;
    sl->left = s->ops[i].count;
    sl->pend = s->ops[i].n_deps;
  }
  for (size_t i = 0; i < n && !x.rc; i++) {
    const sim_sched_op *op = &s->ops[i];
    if (op->group >= 0) {
      if ((uint32_t)i == s->groups[op->group].first)
        instantiate_more(&x, (size_t)op->group);
    } else if (x.slots[x.slot_base[i]].pend == 0) {
      make_ready(&x, (uint32_t)i, 0, &x.slots[x.slot_base[i]]);
    }
  }
  if (n) settle(&x, now);
  while (!x.rc && x.ops_left > 0) {
    uint64_t ran = sim_run(e, SIM_T_NEVER);
    if (x.rc) break;
    if (x.ops_left > 0 && sim_pending(e) == 0) {
      x.rc = sim_err_set(err, SIM_EINTERNAL, "executor: %zu ops never ran "
                         "(a model job that never signalled done?)",
                         x.ops_left);
      break;
    }
    if (ran == 0 && sim_pending(e) == 0) break;
  }
  rc = x.rc;
done:
  exec_free(&x);
  return rc;
}
