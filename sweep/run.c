/*
 * run.c — running design points: one point through the libraries
 * (sweep_run_point), and a whole sweep in --jobs processes (sweep_run).
 *
 * A point is the pipeline of `tfsim run` without the command line:
 *   arch_load(arch, set...) -> wl_model_find -> options -> map_simulate
 *   -> res_write_run (status ok, the schedule's hash, the point's hash).
 * Any error before the write is stored as a run with status "failed" and
 * the message (runs.error), so a sweep records what went wrong where and
 * goes on.  Runs are stored without per-op rows (RES_F_DB_NO_OPS): a
 * sweep wants the totals, and the write stays well under a millisecond.
 *
 * Parallel runs (jobs > 1): the parent forks the workers, each opens its
 * own database handle (SQLite handles do not cross fork) and takes the
 * next point index from a counter in a MAP_SHARED page (an atomic
 * fetch-add, so slow points do not hold up a static slice).  A worker
 * writes one record per finished point to a pipe: the point index and
 * its status; the parent reads them and reports progress.  Workers set
 * PR_SET_PDEATHSIG (Linux), so when the parent is killed (SIGKILL
 * included) they die too; whatever was committed stays, a run in flight
 * is rolled back by SQLite, and the next sweep re-runs exactly the
 * points without a row.
 *
 * Resume: the hashes already in the database (any status; with
 * retry_failed, ok runs only) are read once at the start and the points
 * found there skipped.
 */
#define _GNU_SOURCE
#include "sweep.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "arch/arch.h"
#include "mappers/map.h"
#include "workloads/wl.h"

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *sw_sorted_array(const char *const *v, size_t n) {
  json_t *a = json_array();
  const char **s = malloc((n ? n : 1) * sizeof *s);
  if (!a || !s) {
    json_decref(a);
    free(s);
    return NULL;
  }
  memcpy(s, v, n * sizeof *s);
  if (n) qsort(s, n, sizeof *s, cmp_cstr);
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(s[i]));
  free(s);
  return a;
}

char *sweep_params_json(const wl_model *m, const wl_opts *o,
                        const char *const *sets, size_t n_sets,
                        const char *const *mopts, size_t n_mopts) {
  json_t *j = json_object();
  json_t *js = sw_sorted_array(sets, n_sets);
  if (!j || !js) {
    json_decref(j);
    json_decref(js);
    return NULL;
  }
  json_object_set_new(j, "model", json_string(m->name));
  json_object_set_new(j, "phase", json_string(wl_phase_name(o->phase)));
  json_object_set_new(j, "batch", json_integer((json_int_t)o->batch));
  /* Only the options that define this design point: a decode step has no
   * prompt (unless encoder-decoder), a prefill no generation, a ViT no
   * sequence option. */
  if (m->arch != WL_ARCH_VIT &&
      (o->phase == WL_PREFILL || m->arch == WL_ARCH_ENCDEC))
    json_object_set_new(j, "seq", json_integer((json_int_t)o->seq));
  json_object_set_new(j, "kv", json_integer((json_int_t)o->kv));
  if (o->phase == WL_DECODE)
    json_object_set_new(j, "gen", json_integer((json_int_t)o->gen));
  json_object_set_new(j, "scope", json_string(wl_scope_name(o->scope)));
  json_object_set_new(j, "precision", json_string(wl_precision_name(o->prec)));
  json_object_set_new(j, "attention", json_string(wl_attn_form_name(o->form)));
  /* Sorted, so the same overrides in another order are the same design
   * point (results/ keys runs by their options). */
  json_object_set_new(j, "set", js);
  /* Mapper options define the design point too; absent when none is
   * given, so runs without them keep their parameters. */
  if (n_mopts) {
    json_t *jm = sw_sorted_array(mopts, n_mopts);
    if (!jm) {
      json_decref(j);
      return NULL;
    }
    json_object_set_new(j, "map_opt", jm);
  }
  char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(j);
  return s;
}

/* An integer parameter >= lo. */
static int sw_uint(const char *name, const char *s, uint64_t lo,
                   uint64_t *out, sim_err *err) {
  char *end;
  errno = 0;
  unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10)
                                                     : (end = (char *)s, 0);
  if (!s || !*s || *end || end == s || errno == ERANGE || v > UINT32_MAX ||
      v < lo)
    return sim_err_set(err, SIM_EINVAL, "%s: '%s' is not an integer >= %llu",
                       name, s ? s : "", (unsigned long long)lo);
  *out = v;
  return 0;
}

/* The workload of p into m and o, with `tfsim run`'s checks. */
static int sw_workload(const sweep_point *p, wl_model *m, wl_opts *o,
                       sim_err *err) {
  int rc = wl_model_find(p->val[SWEEP_P_MODEL], m, err);
  if (rc) return rc;
  wl_opts_default_for(m, o);
  const char *v;
  if ((v = p->val[SWEEP_P_PHASE]) && (rc = wl_phase_parse(v, &o->phase, err)))
    return rc;
  if ((v = p->val[SWEEP_P_SCOPE]) && (rc = wl_scope_parse(v, &o->scope, err)))
    return rc;
  if ((v = p->val[SWEEP_P_PRECISION]) &&
      (rc = wl_precision_parse(v, &o->prec, err)))
    return rc;
  if ((v = p->val[SWEEP_P_ATTN]) && (rc = wl_attn_form_parse(v, &o->form, err)))
    return rc;
  if ((v = p->val[SWEEP_P_BATCH]) && (rc = sw_uint("batch", v, 1, &o->batch,
                                                   err)))
    return rc;
  if ((v = p->val[SWEEP_P_SEQ]) && (rc = sw_uint("seq", v, 1, &o->seq, err)))
    return rc;
  if ((v = p->val[SWEEP_P_KV]) && (rc = sw_uint("kv", v, 0, &o->kv, err)))
    return rc;
  if ((v = p->val[SWEEP_P_GEN]) && (rc = sw_uint("gen", v, 1, &o->gen, err)))
    return rc;
  if (o->phase == WL_PREFILL && p->val[SWEEP_P_GEN])
    return sim_err_set(err, SIM_EINVAL, "gen applies to phase decode");
  if (p->val[SWEEP_P_SEQ] && m->arch == WL_ARCH_VIT)
    return sim_err_set(err, SIM_EINVAL, "seq does not apply to %s, a ViT",
                       m->name);
  if (p->val[SWEEP_P_SEQ] && o->phase == WL_DECODE &&
      m->arch != WL_ARCH_ENCDEC)
    return sim_err_set(err, SIM_EINVAL, "seq does not apply to phase decode "
                       "of %s (the context is kv)", m->name);
  if ((rc = wl_opts_check(m, o, err))) return rc;
  if (o->phase == WL_DECODE && o->gen > 1) {
    wl_opts last = *o;
    last.kv = o->kv + o->gen - 1;
    if ((rc = wl_opts_check(m, &last, err))) return rc;
  }
  return 0;
}

/* Simulates p; on success fills rep, *yaml, *params, sched_hash and the
 * names the runs row needs. */
static int sw_simulate(const sweep_point *p, arch_model *am, sim_report *rep,
                       char **yaml, char **params, char *sched_hash,
                       const char **mapper_used, sim_err *err) {
  wl_model model;
  wl_opts o;
  sim_sched sched;
  sim_sched_init(&sched, NULL);
  int rc = sw_workload(p, &model, &o, err);
  if (rc) goto done;
  map_sim_opts so = {0};
  so.mapper = p->val[SWEEP_P_MAPPER];
  so.kv_opts = (const char *const *)p->map_opts;
  so.n_kv_opts = p->n_map_opts;
  if ((rc = map_simulate(am, &model, &o, &so, rep, &sched, err))) goto done;
  if ((rc = sim_report_metric(rep, "params",
                              (double)wl_model_params(&model)))) {
    sim_err_set(err, rc, "out of memory");
    goto done;
  }
  if ((rc = res_sched_hash(&sched, sched_hash, err))) goto done;
  *mapper_used = p->val[SWEEP_P_MAPPER] ? p->val[SWEEP_P_MAPPER]
                                        : sched.mapper;
  /* sched.mapper dies with sched: keep a copy in a static-lifetime
   * registry name instead (mappers' names are static strings). */
  if (!p->val[SWEEP_P_MAPPER]) {
    const map_ops *mo = map_find(sched.mapper);
    *mapper_used = mo ? mo->name : "";
  }
  if ((rc = sim_cfg_dump(&am->cfg, yaml, err))) goto done;
  *params = sweep_params_json(&model, &o, (const char *const *)p->sets,
                              p->n_sets, (const char *const *)p->map_opts,
                              p->n_map_opts);
  if (!*params) rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
done:
  sim_sched_fini(&sched);
  return rc;
}

int sweep_run_point(const sweep_point *p, const char *sweep_name, res_db *db,
                    int *failed, sim_err *msg, sim_err *err) {
  *failed = 0;
  memset(msg, 0, sizeof *msg);
  arch_model am;
  sim_report rep;
  char *yaml = NULL, *params = NULL;
  char sched_hash[RES_HASH_LEN + 1] = "";
  const char *mapper = p->val[SWEEP_P_MAPPER];
  int loaded = 0, have_rep = 0;
  memset(&am, 0, sizeof am);
  int rc = arch_load(&am, p->val[SWEEP_P_ARCH], (const char *const *)p->sets,
                     (int)p->n_sets, msg);
  loaded = rc == 0;
  if (!rc && (rc = sim_report_init(&rep)))
    sim_err_set(msg, rc, "out of memory");
  have_rep = loaded && !rc;
  if (!rc)
    rc = sw_simulate(p, &am, &rep, &yaml, &params, sched_hash, &mapper, msg);
  char cmdline[512];
  snprintf(cmdline, sizeof cmdline, "tfsim sweep %s (point %s)",
           sweep_name ? sweep_name : "", p->hash);
  res_run_meta meta = {0};
  meta.arch_name = loaded ? arch_header_of(&am)->name : p->val[SWEEP_P_ARCH];
  meta.arch_class = loaded ? am.ops->cls : "";
  meta.arch_yaml = yaml;
  meta.workload = p->val[SWEEP_P_MODEL];
  meta.mapper = mapper;
  meta.params_json = params ? params : p->canon;
  meta.cmdline = cmdline;
  meta.point_hash = p->hash;
  meta.sched_hash = sched_hash;
  meta.flags = RES_F_DB_NO_OPS;
  if (rc) {
    *failed = 1;
    meta.status = "failed";
    meta.error = msg->msg;
  }
  rc = res_write_run(db, &meta, rc ? NULL : &rep, NULL, err);
  free(params);
  sim_free(yaml);
  if (have_rep) sim_report_fini(&rep);
  if (loaded) arch_unload(&am);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* A whole sweep                                                          */
/* ---------------------------------------------------------------------- */

static double sw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int sw_hash_cmp(const void *key, const void *elt) {
  return strcmp((const char *)key, (const char *)elt);
}

/* What a worker tells the parent about one point. */
typedef struct sw_rec {
  uint32_t idx;    /* index into the todo list */
  int32_t status;  /* 0 ok, 1 failed, 2 not stored */
  char msg[SIM_ERR_MSG_MAX]; /* the error (the record stays under PIPE_BUF,
                                so one write is atomic) */
} sw_rec;

/* Runs one point in this process and describes it in *r. */
static void sw_one(const sweep_spec *s, const sweep_point *p, res_db *db,
                   sw_rec *r) {
  sim_err msg, err = {0};
  int failed = 0;
  int rc = sweep_run_point(p, s->name, db, &failed, &msg, &err);
  r->status = rc ? 2 : failed;
  snprintf(r->msg, sizeof r->msg, "%s", rc ? err.msg : failed ? msg.msg : "");
}

/* A worker: takes points until none is left, reports each on fd. */
static int sw_worker(const sweep_spec *s, const sweep_opts *o,
                     const size_t *todo, size_t n_todo, size_t *next, int fd) {
  res_db *db = NULL;
  sim_err err;
  if (res_db_open(o->db_path, &db, &err)) {
    sw_rec r = {.status = 2};
    snprintf(r.msg, sizeof r.msg, "%s", err.msg);
    /* Report the failure once for the point it would have taken. */
    size_t k = __atomic_fetch_add(next, 1, __ATOMIC_SEQ_CST);
    if (k < n_todo) {
      r.idx = (uint32_t)k;
      if (write(fd, &r, sizeof r) < 0) return 1;
    }
    return 1;
  }
  for (;;) {
    size_t k = __atomic_fetch_add(next, 1, __ATOMIC_SEQ_CST);
    if (k >= n_todo) break;
    sw_rec r = {.idx = (uint32_t)k};
    sw_one(s, &s->pts[todo[k]], db, &r);
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r) break;
  }
  res_db_close(db);
  return 0;
}

static void sw_count(sweep_summary *sum, const sweep_opts *o,
                     const sweep_spec *s, const size_t *todo, const sw_rec *r,
                     size_t done, size_t total) {
  if (r->status == 0) sum->ok++;
  else if (r->status == 1) sum->failed++;
  else sum->lost++;
  if (o->progress)
    o->progress(o->ctx, &s->pts[todo[r->idx]], r->status, r->msg, done,
                total);
}

int sweep_run(const sweep_spec *s, const sweep_opts *o, sweep_summary *sum,
              sim_err *err) {
  memset(sum, 0, sizeof *sum);
  sum->points = s->n;
  double t0 = sw_now();
  /* The points of this shard that are not done yet. */
  res_db *db = NULL;
  int rc = res_db_open(o->db_path, &db, err);
  if (rc) return rc;
  char (*done)[RES_HASH_LEN + 1] = NULL;
  size_t n_done = 0;
  if ((rc = res_point_hashes(db, o->retry_failed, &done, &n_done, err))) {
    res_db_close(db);
    return rc;
  }
  size_t *todo = malloc((s->n ? s->n : 1) * sizeof *todo), n_todo = 0;
  if (!todo) {
    sim_free(done);
    res_db_close(db);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < s->n; i++) {
    if (!sweep_in_shard(&s->pts[i], o->shard_i, o->shard_n)) continue;
    sum->in_shard++;
    if (n_done && bsearch(s->pts[i].hash, done, n_done, sizeof *done,
                          sw_hash_cmp)) {
      sum->skipped++;
      continue;
    }
    todo[n_todo++] = i;
  }
  sim_free(done);

  unsigned jobs = o->jobs ? o->jobs : 1;
  if (jobs > n_todo) jobs = n_todo ? (unsigned)n_todo : 1;
  if (jobs == 1) {
    for (size_t k = 0; k < n_todo; k++) {
      sw_rec r = {.idx = (uint32_t)k};
      sw_one(s, &s->pts[todo[k]], db, &r);
      sw_count(sum, o, s, todo, &r, k + 1, n_todo);
    }
    res_db_close(db);
    goto out;
  }
  /* Workers open their own handles; none may inherit this one. */
  res_db_close(db);
  size_t *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int fds[2] = {-1, -1};
  if (next == MAP_FAILED || pipe(fds) != 0) {
    rc = sim_err_set(err, SIM_EIO, "sweep: cannot start workers: %s",
                     strerror(errno));
    if (next != MAP_FAILED) munmap(next, sizeof *next);
    goto out;
  }
  *next = 0;
  fflush(NULL);
  pid_t *pids = calloc(jobs, sizeof *pids);
  unsigned started = 0;
  pid_t parent = getpid();
  for (unsigned w = 0; pids && w < jobs; w++) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      close(fds[0]);
#ifdef __linux__
      prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
      if (getppid() != parent) _exit(1); /* parent died before prctl */
      _exit(sw_worker(s, o, todo, n_todo, next, fds[1]));
    }
    pids[started++] = pid;
  }
  close(fds[1]);
  size_t got = 0;
  sw_rec r;
  ssize_t nr;
  while (got < n_todo &&
         ((nr = read(fds[0], &r, sizeof r)) == (ssize_t)sizeof r ||
          (nr < 0 && errno == EINTR))) {
    if (nr < 0) continue;
    got++;
    sw_count(sum, o, s, todo, &r, got, n_todo);
  }
  close(fds[0]);
  for (unsigned w = 0; w < started; w++) {
    int st;
    while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR) {
    }
  }
  /* Points no worker reported (a worker died): counted as lost; a re-run
   * runs them. */
  sum->lost += n_todo - got;
  if (!started)
    rc = sim_err_set(err, SIM_EIO, "sweep: cannot fork: %s", strerror(errno));
  free(pids);
  munmap(next, sizeof *next);
out:
  free(todo);
  sum->seconds = sw_now() - t0;
  return rc;
}
