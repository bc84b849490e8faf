/*
 * sim.h — the public API of tfsim's engine (the sim/ folder, libc only).
 *
 * Everything a model or mapper needs from the core: error codes and
 * messages, the allocation hook, seeded random streams, the discrete-event
 * engine with clock domains, the statistics registry, and the schedule (the plain-data hand-
 * off from a mapper to an architecture model).
 *
 * Design (DESIGN.md section 2):
 *  - Time is uint64_t picoseconds (`t_ps`).  SIM_T_NEVER marks "no time".
 *  - Events are totally ordered by (time, priority, insertion sequence);
 *    lower priority values run first at equal time.  The order never
 *    depends on pointers, hashes or the wall clock, so the same inputs give
 *    bit-identical runs.
 *  - Events live in a pool owned by the engine; scheduling does not call
 *    malloc except to grow the pool (amortised, bounded by the peak number
 *    of events in flight).
 *  - There is no global mutable state except the allocation hook, which
 *    tests install before anything runs; two engines in one process are
 *    independent.
 *
 * Errors: functions return 0 or a negative SIM_E* code.  Where a sim_err
 * is passed, its msg holds one line naming the file, line and key at fault
 * ("arch/configs/x.yaml:12: dram.timing.tRCD: must be > 0").
 *
 * Ownership: x_new/x_free pairs; x_free(NULL) is a no-op.
 */
#ifndef TFSIM_SIM_H
#define TFSIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

enum {
  SIM_OK = 0,
  SIM_EINVAL = -1,   /* bad input: config value, argument, trace line   */
  SIM_ENOENT = -2,   /* missing file, unknown name                       */
  SIM_ERANGE = -3,   /* a value out of range (time overflows 64-bit ps) */
  SIM_ENOMEM = -4,   /* allocation failed                                */
  SIM_EIO = -5,      /* I/O or database error                            */
  SIM_ESCHEMA = -6,  /* database schema version not supported            */
  SIM_EUNSUP = -7,   /* not built yet / not supported                     */
  SIM_EINTERNAL = -8 /* a bug: broken invariant                          */
};

#define SIM_ERR_MSG_MAX 512

typedef struct sim_err {
  int code;                  /* 0 or a SIM_E* code */
  char msg[SIM_ERR_MSG_MAX]; /* one line, no trailing newline */
} sim_err;

/* Sets err (if non-NULL) and returns code.  printf-style. */
int sim_err_set(sim_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sim_err_vset(sim_err *err, int code, const char *fmt, va_list ap);
void sim_err_clear(sim_err *err);
const char *sim_strerror(int code);
/* Process exit status for an error code: 2 for bad input, 1 otherwise. */
int sim_err_exit_status(int code);

/* A broken model invariant is a bug: print time, component and state, then
 * abort().  Never used for bad input. */
void sim_panic(const char *component, uint64_t t_ps, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* ---------------------------------------------------------------------- */
/* Allocation hook (Lua's lua_Alloc).  All project code allocates through  */
/* these; tests install a hook to fail the N-th allocation.               */
/* ---------------------------------------------------------------------- */

/* ptr == NULL: allocate nsize.  nsize == 0: free ptr, return NULL.
 * Otherwise: resize.  Return NULL on failure. */
typedef void *(*sim_alloc_fn)(void *ud, void *ptr, size_t nsize);

/* Test use only; install before any object is created. NULL restores the
 * default (realloc/free). */
void sim_alloc_set_hook(sim_alloc_fn fn, void *ud);
void *sim_malloc(size_t n);
void *sim_calloc(size_t n, size_t size); /* overflow-checked */
void *sim_realloc(void *p, size_t n);
void sim_free(void *p);
char *sim_strdup(const char *s);

/* ---------------------------------------------------------------------- */
/* Time helpers                                                           */
/* ---------------------------------------------------------------------- */

#define SIM_T_NEVER UINT64_MAX
#define SIM_PS_PER_NS 1000ull
#define SIM_PS_PER_S 1000000000000ull

/* a*b into *out; SIM_ERANGE if it overflows 64 bits. */
int sim_mul_u64(uint64_t a, uint64_t b, uint64_t *out);
int sim_add_u64(uint64_t a, uint64_t b, uint64_t *out);
/* Seconds (double) to picoseconds, rounded to nearest; SIM_ERANGE when the
 * value is negative, not finite or does not fit 64-bit picoseconds. */
int sim_s_to_ps(double s, uint64_t *out_ps);

/* ---------------------------------------------------------------------- */
/* Random streams (rng.c): splitmix64, one stream per component, derived  */
/* from a run seed and the component's name (never from a pointer, a hash */
/* table's order or the clock), so a run is reproducible from its seed.   */
/* ---------------------------------------------------------------------- */

typedef struct sim_rng {
  uint64_t state; /* splitmix64 state; the seed is the initial state */
} sim_rng;

/* The one splitmix64 step: advances *state, returns the next value. */
uint64_t sim_splitmix64(uint64_t *state);
/* The stream whose initial state is `seed` (seed 0 first gives
 * 0xE220A8397B1DCDAF). */
void sim_rng_seed(sim_rng *r, uint64_t seed);
/* The stream of `component` ("map.search", "dram.ch0") in the run of
 * `seed`: a fixed function of both, independent of any other name's. */
void sim_rng_for(sim_rng *r, uint64_t seed, const char *component);
uint64_t sim_rng_u64(sim_rng *r);
/* Uniform in [0, n), unbiased (rejection); n must be > 0 (0 gives 0). */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
/* Uniform in [0, 1): a multiple of 2^-53. */
double sim_rng_unit(sim_rng *r);

/* ---------------------------------------------------------------------- */
/* Engine                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct sim_engine sim_engine;

/* Event handler.  ctx and arg are whatever was passed to sim_schedule. */
typedef void (*sim_event_fn)(sim_engine *e, void *ctx, uint64_t arg);

/* Handle of a scheduled event, for cancellation.  0 is never a valid id.
 * Ids encode a pool slot and a generation, so a stale id is detected. */
typedef uint64_t sim_event_id;

sim_engine *sim_engine_new(void);
void sim_engine_free(sim_engine *e);

uint64_t sim_now(const sim_engine *e); /* current time in ps */

/* Schedule fn(e, ctx, arg) at absolute time t_ps >= now.  prio orders
 * events at equal time (lower first); insertion order breaks the rest.
 * out_id may be NULL.  Returns SIM_EINVAL if t_ps < now or t_ps ==
 * SIM_T_NEVER, SIM_ENOMEM if the pool cannot grow. */
int sim_schedule(sim_engine *e, uint64_t t_ps, int prio, sim_event_fn fn,
                 void *ctx, uint64_t arg, sim_event_id *out_id);
/* Same, delay relative to now; SIM_ERANGE if now + delay overflows. */
int sim_schedule_in(sim_engine *e, uint64_t delay_ps, int prio,
                    sim_event_fn fn, void *ctx, uint64_t arg,
                    sim_event_id *out_id);
/* Cancel a pending event: 0, or SIM_ENOENT if it already ran or was
 * cancelled (stale id). */
int sim_cancel(sim_engine *e, sim_event_id id);

/* Run events in order until none is left, sim_stop() is called, or the
 * next event lies after until_ps (SIM_T_NEVER: no limit).  Returns the
 * number of events executed by this call. */
uint64_t sim_run(sim_engine *e, uint64_t until_ps);
/* Run exactly one event if any; returns 1 if one ran, else 0. */
int sim_step(sim_engine *e);
void sim_stop(sim_engine *e); /* from a handler: return after it */

size_t sim_pending(const sim_engine *e);        /* events in flight */
uint64_t sim_events_executed(const sim_engine *e);
/* Time of the next pending event, or SIM_T_NEVER. */
uint64_t sim_next_time(sim_engine *e);

/* Clock domains.  A domain is a period (and phase) in ps registered with
 * the engine so cycles are reported per domain. */
typedef struct sim_clock {
  uint64_t period_ps; /* > 0 */
  uint64_t phase_ps;  /* first edge */
} sim_clock;

/* Registers a named domain; returns its index (>= 0) or a SIM_E* code. */
int sim_clock_add(sim_engine *e, const char *name, uint64_t period_ps);
const sim_clock *sim_clock_get(const sim_engine *e, int clk);
const char *sim_clock_name(const sim_engine *e, int clk);
int sim_clock_count(const sim_engine *e);
/* Whole cycles of domain clk elapsed at t_ps. */
uint64_t sim_clock_cycles(const sim_clock *c, uint64_t t_ps);
/* First edge at or after t_ps. */
uint64_t sim_clock_next_edge(const sim_clock *c, uint64_t t_ps);
/* Time of cycle n's edge; SIM_T_NEVER on overflow. */
uint64_t sim_clock_time(const sim_clock *c, uint64_t cycle);

/* The engine's statistics registry (owned by the engine). */
typedef struct sim_stats sim_stats;
sim_stats *sim_engine_stats(sim_engine *e);

/* ---------------------------------------------------------------------- */
/* Statistics: registered once, then updated through integer handles.    */
/* ---------------------------------------------------------------------- */

typedef enum sim_stat_kind {
  SIM_STAT_COUNT = 0, /* uint64 counter (commands, bytes, cycles) */
  SIM_STAT_SUM = 1,   /* double accumulator (energy in pJ)        */
  SIM_STAT_MAX = 2,   /* double, keeps the maximum                */
  SIM_STAT_VALUE = 3  /* double, last value set                   */
} sim_stat_kind;

sim_stats *sim_stats_new(void);
void sim_stats_free(sim_stats *s);
void sim_stats_reset(sim_stats *s); /* values to 0, registrations kept */

/* Registers "component.name" (unit e.g. "pJ", "B", "cycles").
 * Registering the same component+name again returns the same handle if the
 * kind matches, SIM_EINVAL otherwise.  Returns a handle >= 0 or an error. */
int sim_stat_register(sim_stats *s, const char *component, const char *name,
                      const char *unit, sim_stat_kind kind);
void sim_stat_add(sim_stats *s, int h, uint64_t v);  /* COUNT */
void sim_stat_addf(sim_stats *s, int h, double v);   /* SUM */
void sim_stat_setf(sim_stats *s, int h, double v);   /* VALUE, MAX */

int sim_stat_count(const sim_stats *s);
int sim_stat_find(const sim_stats *s, const char *component, const char *name);
const char *sim_stat_component(const sim_stats *s, int h);
const char *sim_stat_name(const sim_stats *s, int h);
const char *sim_stat_unit(const sim_stats *s, int h);
sim_stat_kind sim_stat_kind_of(const sim_stats *s, int h);
uint64_t sim_stat_u64(const sim_stats *s, int h);
double sim_stat_f64(const sim_stats *s, int h); /* any kind, as double */

/* ---------------------------------------------------------------------- */
/* Schedule v2: what a mapper hands to an architecture model.  Plain data, */
/* versioned, serialisable (res_sched_write_json / res_sched_read_json in  */
/* results/), testable without a model.  docs/schedule.md is the format.  */
/*                                                                        */
/*  levels   the memory levels the schedule moves data through, by name   */
/*           ("dram", "l2", "gbuf", "smem", "reg"); the architecture      */
/*           declares which it has, the executor checks the names.       */
/*  units    the unit kinds ops are bound to, by name ("core", "pe2d",    */
/*           "pe1d", "sm", "asic", "bank"); counts come from the arch.    */
/*  tensors  id (index), name, bytes, precision, kind, home level and an  */
/*           optional placement (address, channel, bank; -1 = unplaced). */
/*  ops      one einsum (or a fused group) on one unit kind: its shape    */
/*           (ranks and sizes), compute function, precision, the tensors  */
/*           it reads and writes, work and traffic per level PER          */
/*           INSTANCE, and `count` identical instances (thread blocks,   */
/*           tiles) that may run on as many units at once.                */
/*  groups   repetition without expansion: ops [first, first + n) run     */
/*           `iters` times; inside an iteration the ops' deps hold;       */
/*           `carry` edges make iteration i+1 of `to` wait for iteration  */
/*           i of `from` (a software-pipelined tile loop, a decode step,  */
/*           a layer stack, the FuseMax key-tile cascade).                */
/*  payload  an opaque JSON object per schedule and per op, for what only */
/*           one class needs (a PIM command stream, a GPU grid).          */
/*                                                                        */
/* Dependencies (op.deps, indices < own): to an op in the same group, the  */
/* same iteration; from a group op to an op before the group, once; from */
/* an op after a group to a group op, that op's last iteration.           */
/* ---------------------------------------------------------------------- */

#define SIM_SCHED_VERSION 2
#define SIM_NAME_MAX 48
#define SIM_KIND_MAX 16    /* level and unit-kind names */
#define SIM_LEVEL_MAX 6    /* memory levels per schedule */
#define SIM_UNIT_MAX 8     /* unit kinds per schedule */
#define SIM_OP_MAX_RANKS 8
#define SIM_OP_MAX_IN 4
#define SIM_OP_MAX_OUT 2
#define SIM_OP_MAX_DEPS 8  /* == WL_MAX_DEPS: a schedule keeps every edge */
#define SIM_GROUP_MAX_CARRY 8

typedef enum sim_prec {
  SIM_P_FP32 = 0, SIM_P_FP16, SIM_P_BF16, SIM_P_INT8, SIM_P_INT4,
  SIM_P_INT32, SIM_P_FP8, SIM_P_TF32, SIM_PREC_COUNT
} sim_prec;

/* The compute function of an op: what one point of its iteration space
 * does.  MAC is the contraction; MAX/SUM reduce; the rest are
 * element-wise (SUB_EXP = exp(a - b), the softmax numerator). */
typedef enum sim_fn {
  SIM_FN_MAC = 0, SIM_FN_MAX, SIM_FN_SUM, SIM_FN_EXP, SIM_FN_SUB_EXP,
  SIM_FN_SUB, SIM_FN_ADD, SIM_FN_MUL, SIM_FN_DIV, SIM_FN_SCALE,
  SIM_FN_GELU, SIM_FN_SILU, SIM_FN_RELU, SIM_FN_RSQRT, SIM_FN_TANH,
  SIM_FN_COPY, SIM_FN_FILL, SIM_FN_GATHER, SIM_FN_MOVE, SIM_FN_COUNT
} sim_fn;

typedef enum sim_tensor_kind {
  SIM_T_WEIGHT = 0, SIM_T_ACT, SIM_T_KV, SIM_T_SCRATCH, SIM_TKIND_COUNT
} sim_tensor_kind;

const char *sim_prec_name(sim_prec p);   /* "fp16"; "?" out of range */
unsigned sim_prec_bits(sim_prec p);
const char *sim_fn_name(sim_fn f);       /* "mac", "sub_exp", ... */
const char *sim_tensor_kind_name(sim_tensor_kind k); /* "weight", "kv" */
/* Name -> value; SIM_ENOENT if unknown. */
int sim_prec_parse(const char *s, sim_prec *out);
int sim_fn_parse(const char *s, sim_fn *out);
int sim_tensor_kind_parse(const char *s, sim_tensor_kind *out);

typedef struct sim_tensor {
  char name[SIM_NAME_MAX];
  uint64_t bytes;
  uint8_t prec;      /* sim_prec */
  uint8_t kind;      /* sim_tensor_kind */
  int16_t level;     /* home level (index into levels), -1: none */
  int64_t addr;      /* placement, -1: not placed */
  int32_t channel;   /* -1: not placed */
  int32_t bank;      /* -1: not placed */
} sim_tensor;

typedef struct sim_rank {
  char name[SIM_KIND_MAX];
  uint64_t size;
} sim_rank;

typedef struct sim_sched_op {
  char name[SIM_NAME_MAX];    /* "L3.attn.qk" */
  uint8_t fn;                 /* sim_fn */
  uint8_t prec;               /* sim_prec */
  uint8_t unit;               /* unit kind (index into units) */
  uint8_t n_ranks;
  int32_t layer;              /* -1 outside layers */
  int32_t group;              /* -1, or the group whose range holds it */
  sim_rank ranks[SIM_OP_MAX_RANKS]; /* einsum shape, outer first */
  uint64_t count;             /* identical instances, >= 1 */
  uint64_t macs;              /* per instance */
  uint64_t elem_ops;          /* per instance: element-wise + reduction */
  uint64_t rd_bytes[SIM_LEVEL_MAX]; /* per instance, per level */
  uint64_t wr_bytes[SIM_LEVEL_MAX];
  uint8_t n_in, n_out;
  int32_t in[SIM_OP_MAX_IN];  /* tensor ids read */
  int32_t out[SIM_OP_MAX_OUT];/* tensor ids written */
  uint32_t n_deps;
  uint32_t deps[SIM_OP_MAX_DEPS];
  char *payload;              /* JSON object text or NULL (owned) */
} sim_sched_op;

typedef struct sim_carry {
  uint32_t from, to;          /* op indices inside the group */
} sim_carry;

typedef struct sim_sched_group {
  char name[SIM_NAME_MAX];
  uint32_t first, n;          /* ops [first, first + n) */
  uint64_t iters;             /* >= 1 */
  uint32_t n_carry;
  sim_carry carry[SIM_GROUP_MAX_CARRY];
} sim_sched_group;

typedef struct sim_sched {
  int version;                /* SIM_SCHED_VERSION */
  char mapper[SIM_NAME_MAX];
  char levels[SIM_LEVEL_MAX][SIM_KIND_MAX];
  int n_levels;
  char units[SIM_UNIT_MAX][SIM_KIND_MAX];
  int n_units;
  sim_tensor *tensors;
  size_t n_tensors, cap_tensors;
  sim_sched_op *ops;
  size_t n_ops, cap_ops;
  sim_sched_group *groups;
  size_t n_groups, cap_groups;
  char *payload;              /* JSON object text or NULL (owned) */
} sim_sched;

void sim_sched_init(sim_sched *s, const char *mapper);
void sim_sched_fini(sim_sched *s);
/* Index of a level / unit kind by name, adding it if new: >= 0, or
 * SIM_ERANGE when the table is full. */
int sim_sched_level(sim_sched *s, const char *name);
int sim_sched_unit(sim_sched *s, const char *name);
/* Lookup only: index or -1. */
int sim_sched_find_level(const sim_sched *s, const char *name);
int sim_sched_find_unit(const sim_sched *s, const char *name);
/* Appends copies; return the new index (>= 0) or SIM_ENOMEM.  An op's
 * payload string is duplicated; count 0 becomes 1. */
int sim_sched_push_tensor(sim_sched *s, const sim_tensor *t);
int sim_sched_push(sim_sched *s, const sim_sched_op *op);
/* Groups: ops [first, first + n) must exist and not belong to a group
 * yet; sets their `group`.  Returns the group index or an error. */
int sim_sched_push_group(sim_sched *s, const sim_sched_group *g);
/* Replaces the schedule payload (duplicated; NULL clears). */
int sim_sched_set_payload(sim_sched *s, const char *json);
int sim_sched_set_op_payload(sim_sched *s, size_t op, const char *json);
/* A tensor initialiser: everything unplaced, level -1. */
void sim_tensor_init(sim_tensor *t, const char *name, uint64_t bytes,
                     sim_prec prec, sim_tensor_kind kind);
/* An op initialiser: count 1, group -1, layer -1. */
void sim_sched_op_init(sim_sched_op *op, const char *name, sim_fn fn,
                       sim_prec prec, int unit);
/* Deep copy (dst initialised by the call). */
int sim_sched_copy(sim_sched *dst, const sim_sched *src);
/* Checks every reference and count: tensors, levels and units in range,
 * deps pointing backwards, groups contiguous with carries inside,
 * counts >= 1, per-op totals (per instance x count x iterations) within
 * 64 bits.  The message names the op (or tensor, group) and the field:
 * "op 'L0.qk' (#3): deps[1] = 7 is not an earlier op". */
int sim_sched_check(const sim_sched *s, sim_err *err);
/* Op totals over all instances and iterations (iters of its group). */
uint64_t sim_sched_op_iters(const sim_sched *s, const sim_sched_op *op);
uint64_t sim_sched_op_rd(const sim_sched_op *op, int level);
uint64_t sim_sched_op_wr(const sim_sched_op *op, int level);

/* ---------------------------------------------------------------------- */
/* Executor: runs a schedule on the event engine (sim/exec.c).           */
/*                                                                        */
/* An op-iteration becomes ready when its dependencies are done; its      */
/* instances are dispatched in waves onto the free units of its kind     */
/* (FIFO by readiness, then op index); a wave of k instances runs as one  */
/* job whose compute time is the model's cost of one instance and whose   */
/* traffic is k instances' bytes.  Traffic on a level the architecture    */
/* gives a bandwidth is shared among the jobs using it at once: max-min   */
/* fair by instance (water-filling), recomputed whenever a job starts or  */
/* ends; a job's duration at its current shares is max(compute, bytes /   */
/* share) over its levels, and its progress carries over when the shares  */
/* change.  A model that simulates an op itself (the DRAM back end)      */
/* provides `start` and calls sim_exec_done() when the op finishes.       */
/*                                                                        */
/* Repetition: a group's iterations are instantiated in order, at most    */
/* `window` in flight.  When the executor's whole state at the end of     */
/* iteration i equals its state at the end of iteration i-1, shifted by   */
/* one iteration and by the period P in time, the rest of the run is     */
/* periodic: the remaining iterations are skipped by shifting every       */
/* pending job by S x P and adding S periods of every counter.  That is  */
/* exact (the next states are the same function of the same state), and */
/* tests compare it with full expansion.                                  */
/* ---------------------------------------------------------------------- */

typedef struct sim_exec sim_exec;

typedef struct sim_exec_unit {
  char kind[SIM_KIND_MAX];
  uint32_t count;             /* >= 1 */
} sim_exec_unit;

typedef struct sim_exec_level {
  char name[SIM_KIND_MAX];
  double gbps;                /* > 0: a shared bandwidth in 1e9 B/s;
                                 0: free (on chip, or carried by the
                                 model itself) */
} sim_exec_level;

typedef struct sim_exec_arch {
  sim_exec_unit units[SIM_UNIT_MAX];
  int n_units;
  sim_exec_level levels[SIM_LEVEL_MAX];
  int n_levels;
  void *ctx;
  /* Compute time in ps of ONE instance of op on its unit (>= 0, finite).
   * Traffic on bandwidth levels is the executor's. */
  int (*cost)(void *ctx, const sim_sched *s, size_t op, double *t_ps,
              sim_err *err);
  /* Optional: the model runs op (n_inst instances) itself and calls
   * sim_exec_done(x, token) when it is done; return 0 or an error.
   * Return 1 to decline (the executor then uses cost). */
  int (*start)(void *ctx, sim_exec *x, const sim_sched *s, size_t op,
               uint64_t iter, uint64_t n_inst, uint64_t token, sim_err *err);
} sim_exec_arch;

typedef struct sim_exec_opts {
  uint32_t window;            /* iterations in flight per group (0: 8) */
  int no_extrapolate;         /* 1: expand every iteration */
} sim_exec_opts;

/* Per op, over all instances and iterations. */
typedef struct sim_exec_opstat {
  uint64_t first_ps, last_ps; /* first dispatch, last completion */
  uint64_t inst;              /* instances run */
  uint64_t waves;             /* jobs */
  double busy_ps;             /* sum over jobs of duration x instances */
  double compute_ps;          /* sum of the compute part (x instances) */
  uint64_t mem_bound;         /* jobs whose duration exceeded compute */
} sim_exec_opstat;

typedef struct sim_exec_result {
  uint64_t start_ps;          /* engine time when the run began */
  uint64_t end_ps;            /* last completion (absolute) */
  sim_exec_opstat *ops;       /* n_ops, owned */
  size_t n_ops;
  double unit_busy_ps[SIM_UNIT_MAX]; /* unit-ps busy per schedule unit */
  uint32_t unit_count[SIM_UNIT_MAX]; /* units of each schedule kind */
  uint64_t overlap_ps;        /* time with two or more unit kinds busy */
  uint64_t jobs;              /* jobs simulated (not extrapolated) */
  uint64_t iters_skipped;     /* iterations extrapolated */
} sim_exec_result;

void sim_exec_result_fini(sim_exec_result *r);
/* Runs s on engine e from its current time.  The architecture must
 * declare every unit kind and level the schedule names (an unknown one
 * is an error naming it).  out is initialised by the call and owned by
 * the caller (sim_exec_result_fini) even on error. */
int sim_exec_run(sim_engine *e, const sim_sched *s, const sim_exec_arch *a,
                 const sim_exec_opts *o, sim_exec_result *out, sim_err *err);
/* From a model's `start`: the op started with `token` is finished now. */
void sim_exec_done(sim_exec *x, uint64_t token);
/* From a model: the run failed (stops the engine; sim_exec_run returns
 * the error). */
void sim_exec_fail(sim_exec *x, int code, const char *msg);

/* ---------------------------------------------------------------------- */
/* Report: what an architecture model returns from running a schedule,    */
/* and what results/ stores (SQLite) and prints (--json).                 */
/*                                                                        */
/* Energy components: every statistic with unit "pJ" and kind SUM is one  */
/* component of the energy breakdown (its component name is the key), so */
/* total energy = sum of those statistics by construction.               */
/* ---------------------------------------------------------------------- */

typedef struct sim_op_record {
  char name[SIM_NAME_MAX];
  int32_t layer;
  uint64_t start_ps, end_ps;
  uint64_t macs, elem_ops, rd_bytes, wr_bytes;
  double energy_pj;
  char bound[16]; /* "compute", "memory", ... (model-defined) */
} sim_op_record;

/* A buffer a memory planner placed (classes that plan memory: mcu), so a
 * report can say what is live where and when: the memory timeline plot,
 * the tensors live at the peak when a run does not fit. */
typedef struct sim_buf_record {
  char name[SIM_NAME_MAX];  /* the schedule tensor's name */
  char level[16];           /* the memory that holds it: "sram" */
  uint64_t bytes;
  uint64_t addr;            /* offset in that memory */
  uint32_t first_op;        /* live from schedule op first_op ... */
  uint32_t last_op;         /* ... to last_op, inclusive */
  int at_peak;              /* live at the op where live bytes peak */
} sim_buf_record;

/* How a metric combines when runs are appended (sim_report_append). */
typedef enum sim_agg {
  SIM_AGG_MEAN = 0, /* time-weighted mean: rates, ratios (the default) */
  SIM_AGG_SUM,      /* additive: counts (macs, requests)              */
  SIM_AGG_MAX,      /* peaks (peak_sram_bytes)                        */
  SIM_AGG_LAST,     /* the latest run's value                         */
  SIM_AGG_MIN       /* the smallest (a yes/no: all of them yes)       */
} sim_agg;

/* What a metric's value is, for printing: a number, a whole count, or a
 * yes/no (JSON true/false, stored as 1/0 with unit "bool"). */
typedef enum sim_mtype { SIM_MT_NUM = 0, SIM_MT_INT, SIM_MT_BOOL } sim_mtype;

typedef struct sim_metric {
  char key[SIM_NAME_MAX]; /* JSON key, e.g. "row_hit_rate" */
  double value;
  sim_agg agg;
  sim_mtype type;
} sim_metric;

typedef struct sim_report {
  uint64_t latency_ps;          /* end-to-end simulated time          */
  uint64_t cycles;              /* in the main clock domain           */
  char clock[SIM_NAME_MAX];     /* name of that domain                */
  char schedule[96];            /* what kind of schedule ran, in words
                                   ("unfused, op-serial roofline")     */
  double util;                  /* compute utilisation, 0..1          */
  uint64_t dram_bytes;          /* off-chip bytes moved               */
  sim_stats *stats;             /* owned: counters and energy (pJ)    */
  sim_metric *metrics;          /* class-specific headline figures    */
  size_t n_metrics, cap_metrics;
  sim_op_record *ops;           /* per-op timeline                    */
  size_t n_ops, cap_ops;
  sim_buf_record *bufs;         /* planned buffers (may be none)      */
  size_t n_bufs, cap_bufs;
} sim_report;

/* init creates an empty stats registry; fini frees everything. */
int sim_report_init(sim_report *r);
void sim_report_fini(sim_report *r);
/* Sets (or replaces) a headline metric; sim_report_metric combines as
 * SIM_AGG_MEAN, sim_report_metric_agg says how. */
int sim_report_metric(sim_report *r, const char *key, double value);
int sim_report_metric_agg(sim_report *r, const char *key, double value,
                          sim_agg agg);
/* A yes/no metric (SIM_AGG_MIN: combined by AND when appended). */
int sim_report_metric_bool(sim_report *r, const char *key, int yes);
/* A whole-count metric, added up when runs are appended. */
int sim_report_metric_int(sim_report *r, const char *key, uint64_t v);
/* Returns the metric value or `dflt` if absent. */
double sim_report_get(const sim_report *r, const char *key, double dflt);
int sim_report_push_op(sim_report *r, const sim_op_record *op);
int sim_report_push_buf(sim_report *r, const sim_buf_record *b);
/* Sum of all energy components (stats with unit "pJ", kind SUM), in pJ. */
double sim_report_energy_pj(const sim_report *r);
/* The energy breakdown: calls fn(ud, component, joules) once per component
 * (its "pJ" SUM statistics added up, times 1e-12), in order of first
 * registration; fn may be NULL.  Returns the total in J, summed in that
 * order from exactly the values passed to fn, so every writer (JSON, the
 * database, the text report) prints the same total and breakdown. */
double sim_report_energy_breakdown(const sim_report *r,
                                   void (*fn)(void *ud, const char *comp,
                                              double j),
                                   void *ud);
/* Appends run `src` after `dst` in time: latency, cycles, dram_bytes and
 * every statistic add up (registering any dst lacks); ops are copied
 * shifted by dst's latency; each metric combines by its sim_agg (a mean
 * is weighted by the runs' latencies), and so does util (a mean).  The
 * planned buffers are src's when dst has none (one placement serves every
 * step of a run).  Used for multi-step runs (decode of T tokens). */
int sim_report_append(sim_report *dst, const sim_report *src);
/* As sim_report_append, but the op records of src add into dst's records
 * of the same index (counters and energy summed, the end moved to src's
 * shifted end) instead of being appended, so dst does not grow: the
 * aggregate timeline of a decode.  SIM_EINVAL when dst already has
 * records and their count or names differ from src's. */
int sim_report_accumulate(sim_report *dst, const sim_report *src);

/* ---------------------------------------------------------------------- */
/* Validation rows: one published figure against ours (tfsim validate).   */
/* ---------------------------------------------------------------------- */

typedef struct sim_val_row {
  char suite[24];    /* "dram" */
  char item[64];     /* "ddr4-3200/seq" */
  char metric[48];   /* "cycles" */
  double published;  /* the reference figure */
  double ours;       /* what we measured */
  double tol;        /* allowed error: relative (0.02 = 2 %) unless abs */
  int tol_abs;       /* 1: tol is absolute, in the metric's units */
  char source[128];  /* where the published figure comes from */
  char note[192];    /* why, when it misses */
} sim_val_row;

typedef struct sim_val_table {
  sim_val_row *rows;
  size_t n, cap;
} sim_val_table;

int sim_val_add(sim_val_table *t, const sim_val_row *row);
void sim_val_free(sim_val_table *t);
/* Error as used for the tolerance: relative, or absolute if tol_abs. */
double sim_val_error(const sim_val_row *row);
/* A row with published = NAN is informational (ours only, nothing to
 * miss).  sim_val_pass is 1 only for a published figure within tol. */
typedef enum sim_val_verdict {
  SIM_VAL_MISS = 0,
  SIM_VAL_PASS = 1,
  SIM_VAL_INFO = 2
} sim_val_verdict;
sim_val_verdict sim_val_check(const sim_val_row *row);
int sim_val_pass(const sim_val_row *row);

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_SIM_H */
