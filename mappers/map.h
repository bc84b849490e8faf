/*
 * map.h — the registry of mappers: workload x architecture -> schedule.
 *
 * A mapper is an ops table (iVersion grows at the end only).  It reads the
 * workload's einsum cascade and the loaded architecture, and emits a
 * sim_sched: plain data, serialisable (res_sched_write_json), testable
 * without running any model.  Each mapper names the architecture class it
 * targets; `tfsim run` picks the class's default mapper when none is
 * given.  Mappers that search a mapping space state the space and the
 * search strategy in their file header (DESIGN.md section 5).
 */
#ifndef TFSIM_MAP_H
#define TFSIM_MAP_H

#include "arch/arch.h"
#include "sim/sim.h"
#include "workloads/wl.h"

typedef struct map_ops {
  int iVersion;           /* 1 */
  const char *name;       /* "roofline" */
  const char *arch_cls;   /* class it maps onto: "ideal", "pim", ... */
  const char *summary;    /* one line for `tfsim list mappers` */
  int is_default;         /* the class's default mapper */
  int (*map)(const wl_cascade *w, const arch_model *a, sim_sched *out,
             sim_err *err);
} map_ops;

const map_ops *const *map_list(void); /* NULL-terminated */

/* Building blocks for mappers that start from the cascade (roofline.c):
 * the schedule function of a cascade op, the tensor kind of a cascade
 * tensor, the cascade's tensors as the schedule's tensor table (home
 * `level`), op i as a schedule op on `unit` with its traffic on `level`,
 * and layers lowered with repeat = depth as groups (see roofline.c). */
sim_fn map_fn_of(const wl_op *op);
sim_tensor_kind map_tensor_kind_of(wl_tensor_kind k);
int map_cascade_tensors(const wl_cascade *w, sim_sched *out, int level,
                        sim_err *err);
int map_cascade_op(const wl_cascade *w, size_t i, int unit, int level,
                   sim_sched_op *out);
int map_cascade_groups(const wl_cascade *w, sim_sched *out, sim_err *err);
const map_ops *map_find(const char *name);
const map_ops *map_default_for(const char *arch_cls);

/* Finds the mapper (or the class default if name is NULL), checks it
 * targets the arch's class, and runs it.  *out is initialised by the call
 * and owned by the caller (sim_sched_fini) even on error. */
int map_run(const char *name, const wl_cascade *w, const arch_model *a,
            const char *const *opts, int n_opts, sim_sched *out,
            sim_err *err);

/* Lowers the model with o and maps it (mapper NULL: the class default). */
int map_lower_and_map(const wl_model *m, const wl_opts *o,
                      const arch_model *am, const char *mapper,
                      const char *const *map_opts, int n_map_opts,
                      sim_sched *out, sim_err *err);

/* A whole run (simulate.c): prefill, or o->gen decode steps with the KV
 * cache growing from o->kv, lowered and mapped once (see simulate.c). */
typedef struct map_sim_opts {
  const char *mapper;            /* NULL: the class default */
  const char *const *map_opts;   /* "key=value" */
  int n_map_opts;
  int step_ops;                  /* keep a per-step op timeline */
  int relower_every_step;        /* lower and map each step (tests) */
  int unroll_layers;             /* one op per layer, no groups */
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *progress_ctx;
} map_sim_opts;

/* Fills rep (sim_report_init'ed, empty); first (may be NULL) receives a
 * copy of the first step's schedule (initialised by the call). */
int map_simulate(arch_model *am, const wl_model *m, const wl_opts *o,
                 const map_sim_opts *so, sim_report *rep, sim_sched *first,
                 sim_err *err);

#endif /* TFSIM_MAP_H */
