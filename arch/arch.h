/*
 * arch.h — the registry of architecture model classes.
 *
 * Each class (ideal, dram, pim, spatial, mcu, gpu) is an ops table with an
 * iVersion that only grows at the end (SQLite's sqlite3_io_methods).  An
 * architecture file is YAML with a common header
 *
 *   name: ideal-a100          # preset name
 *   class: ideal              # selects the ops table below
 *   description: ...          # free text, with sources
 *   <class>: { ... }          # the class's own section, its own schema
 *
 * arch_load() reads `class`, loads the file with that class's schema,
 * applies --set overrides and runs the class's semantic validation, so every
 * error names the file, line and key.  arch_run() executes a schedule (from
 * a mapper) on the model and fills a sim_report.
 */
#ifndef TFSIM_ARCH_H
#define TFSIM_ARCH_H

#include "sim/cfg/cfg.h"
#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Common header fields every class schema must start with.  Use as
 *   struct my_arch_file { ARCH_HEADER_FIELDS; struct my_sec *my; };  */
#define ARCH_HEADER_FIELDS \
  char *name;              \
  char *cls;               \
  char *description

/* cyaml fields for ARCH_HEADER_FIELDS of struct type T. */
#define ARCH_HEADER_SCHEMA(T)                                             \
  CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, T, name, 1,          \
                         CYAML_UNLIMITED),                                \
  CYAML_FIELD_STRING_PTR("class", CYAML_FLAG_POINTER, T, cls, 1,          \
                         CYAML_UNLIMITED),                                \
  CYAML_FIELD_STRING_PTR("description", CYAML_FLAG_POINTER |              \
                         CYAML_FLAG_OPTIONAL, T, description, 0,          \
                         CYAML_UNLIMITED)

typedef struct arch_header { ARCH_HEADER_FIELDS; } arch_header;

typedef struct arch_ops {
  int iVersion;             /* 1 */
  const char *cls;          /* "ideal", "dram", ... */
  const char *summary;      /* one line for `tfsim list archs` */
  const cyaml_schema_value_t *schema; /* whole file, CYAML_FLAG_POINTER */
  /* Semantic checks and derived values after load + overrides.  May
   * allocate model state into *state (freed by fini).  Errors through
   * sim_cfg_fail(). */
  int (*init)(const sim_cfg *cfg, void **state, sim_err *err);
  void (*fini)(void *state);
  /* Executes sched; fills rep (already sim_report_init'ed).  May be
   * NULL for a class with begin/step/end: arch_run then runs one session
   * of one step. */
  int (*run)(void *state, const sim_cfg *cfg, const sim_sched *sched,
             sim_report *rep, sim_err *err);
  /* Optional (NULL if the class has no trace mode): replays a memory
   * request trace file (`tfsim trace`) and fills rep. */
  int (*trace)(void *state, const sim_cfg *cfg, const char *trace_path,
               sim_report *rep, sim_err *err);
  /* Optional: the class's validation suite (`tfsim validate --suite
   * <cls>`): runs the published configurations and appends one row per
   * published figure, with its source. */
  int (*validate)(sim_val_table *t, sim_err *err);
  /* iVersion 2.  Optional: a multi-step run (decode) keeps the model's
   * state across steps: begin creates a session, step runs one schedule
   * on it (its time continues from the previous step; rep holds that
   * step alone), end frees it.  NULL: each step is a fresh run. */
  int (*begin)(void *state, const sim_cfg *cfg, void **session,
               sim_err *err);
  int (*step)(void *session, const sim_sched *sched, sim_report *rep,
              sim_err *err);
  void (*end)(void *session);
  /* Optional: after steps were added up, recompute ratio metrics
   * (row-hit rate, utilisation) from the summed counters. */
  int (*summarize)(void *state, sim_report *rep, sim_err *err);
} arch_ops;

/* A loaded architecture: config + class + model state. */
typedef struct arch_model {
  const arch_ops *ops;
  sim_cfg cfg;
  void *state;
} arch_model;

const arch_ops *arch_find(const char *cls);
/* NULL-terminated list of registered classes. */
const arch_ops *const *arch_classes(void);

/* Presets: the YAML files shipped in arch/configs, installed under
 * <prefix>/share/tfsim/configs.  arch_preset_dir() finds their folder,
 * first match wins:
 *   1. $TFSIM_ARCH_DIR (the folder itself), 2. $TFSIM_DATA_DIR/configs,
 *   3. <folder of the running executable>/TFSIM_DATA_REL/configs (an
 *      installed tfsim: bin/../share/tfsim/configs), when it exists,
 *   4. the source tree this was built from (TFSIM_SOURCE_DIR/arch/configs),
 *      when it exists, 5. arch/configs under the working directory.
 * Writes the folder into buf (n bytes); returns 0, or SIM_ENOENT when the
 * folder chosen does not exist (buf still names it, for the message). */
int arch_preset_dir(char *buf, size_t n);
/* The file of preset `name` into buf: name is the file name without
 * .yaml ("ideal", "ddr4-3200-8gb-x8-1ch1r", as `tfsim list archs` shows)
 * or the preset's `name:` ("ideal-a100").  Returns 0, SIM_ENOENT when no
 * preset has that name, SIM_EINVAL for a name with a '/' or too long. */
int arch_preset_path(const char *name, char *buf, size_t n);

/* Loads path (class from its `class:` key), applies the --set assignments
 * and initialises the model.  path is a YAML file, or a preset name when
 * no such file exists (arch_preset_path).  On error *out is left empty. */
int arch_load(arch_model *out, const char *path, const char *const *sets,
              int n_sets, sim_err *err);
void arch_unload(arch_model *m);
/* The header fields of a loaded model (every class struct starts with
 * them). */
const arch_header *arch_header_of(const arch_model *m);
int arch_run(arch_model *m, const sim_sched *sched, sim_report *rep,
             sim_err *err);

/* Fills the parts of rep every executor-driven class shares, from the
 * executor's result: latency_ps and cycles (period_ps of clock `clk`),
 * one op record per schedule op (aggregated over instances and
 * iterations: first start, last end, totals; bound "memory" when most of
 * its jobs took longer than their compute), utilisation per unit kind
 * ("util_<kind>": busy unit-time / (units x latency)), overlap_ps (time
 * with two or more unit kinds busy), and the off-chip traffic of level
 * `offchip` (-1: none) as dram_bytes next to the schedule's compulsory
 * bytes (compulsory_bytes: every weight, KV-cache and activation tensor
 * that enters or leaves the schedule, once).  op_pj (may be NULL) gives
 * each op's energy for its record. */
int arch_exec_report(const sim_sched *s, const sim_exec_result *xr,
                     uint64_t period_ps, const char *clk, int offchip,
                     double (*op_pj)(void *ctx, const sim_sched *s,
                                     size_t op, uint64_t inst),
                     void *ctx, sim_report *rep, sim_err *err);
/* Bytes of the tensors a schedule must move off chip at least once:
 * tensors never written by an op (weights, inputs, the KV cache read),
 * tensors never read (outputs), and KV-cache tensors, each times the
 * iterations of the group that uses it. */
uint64_t arch_compulsory_bytes(const sim_sched *s);

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_ARCH_H */
