/*
 * cfg.h — typed YAML configuration (libcyaml) with one-line errors.
 *
 * A config file is loaded with libcyaml into a typed struct described by a
 * cyaml schema.  Every error names the file, the line and the dotted key:
 *
 *   arch/configs/x.yaml:12: dram.timing.tRCD: must be > 0
 *
 * - Syntax, unknown-key and wrong-type errors come from libcyaml; its log
 *   lines (captured through the log callback) give the key and line.
 * - Semantic errors found after loading (tRC < tRAS + tRP) are raised by
 *   the model with sim_cfg_fail(), which looks up the key's line with
 *   libyaml's event marks; a key set by --set is reported as "--set".
 * - `--set a.b.c=value` overrides walk the same schema, so an override is
 *   type-checked exactly like the file.
 * - sim_cfg_dump() writes the fully resolved config (file + overrides) as
 *   YAML; it is stored with each run.
 *
 * Ownership: sim_cfg owns the loaded data; sim_cfg_close frees it.
 */
#ifndef TFSIM_SIM_CFG_H
#define TFSIM_SIM_CFG_H

#include <cyaml/cyaml.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_CFG_MAX_SETS 64

typedef struct sim_cfg {
  char *path;                          /* the file as given */
  const cyaml_schema_value_t *schema;  /* top-level (CYAML_FLAG_POINTER) */
  void *data;                          /* loaded struct, owned */
  char *set_keys[SIM_CFG_MAX_SETS];    /* keys overridden by --set */
  int n_sets;
} sim_cfg;

/* Loads path with schema.  On error returns SIM_ENOENT (missing file) or
 * SIM_EINVAL (syntax, unknown key, bad value) with "file:line: key: msg". */
int sim_cfg_load(sim_cfg *c, const char *path,
                 const cyaml_schema_value_t *schema, sim_err *err);
/* Loads from an in-memory string; `name` is used in messages. */
int sim_cfg_load_string(sim_cfg *c, const char *name, const char *yaml,
                        const cyaml_schema_value_t *schema, sim_err *err);
/* Applies "a.b.c=value".  Errors: "--set: a.b.c: unknown key" etc. */
int sim_cfg_set(sim_cfg *c, const char *assignment, sim_err *err);
/* Fails with "file:line: key: <fmt>" (line found from the key path in the
 * file; "--set: key: ..." if it was overridden).  Returns SIM_EINVAL. */
/* Range checks every class makes on a float key: finite and > 0
 * ("must be finite", "must be > 0 (got X)"), or finite and >= 0.
 * Return 0 or the sim_cfg_fail code. */
int sim_cfg_check_pos(const sim_cfg *c, sim_err *err, const char *key,
                      double v);
int sim_cfg_check_nonneg(const sim_cfg *c, sim_err *err, const char *key,
                         double v);
int sim_cfg_fail(const sim_cfg *c, sim_err *err, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Same, with an explicit code (e.g. SIM_ERANGE for time overflow). */
int sim_cfg_failc(const sim_cfg *c, sim_err *err, int code, const char *key,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Line (1-based) of the dotted key in file path, or 0 if not found. */
int sim_cfg_key_line(const char *path, const char *dotted_key);
/* Resolved configuration as YAML text (caller frees with sim_free). */
int sim_cfg_dump(const sim_cfg *c, char **out_yaml, sim_err *err);
void sim_cfg_close(sim_cfg *c);

/* Reads the top-level scalar `key` of a YAML file (e.g. "class") without a
 * schema; *out is sim_malloc'd.  SIM_ENOENT if absent. */
int sim_cfg_peek(const char *path, const char *key, char **out, sim_err *err);

/* The cyaml config every loader uses (logging captured per call). */
const cyaml_config_t *sim_cfg_cyaml(void);

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_SIM_CFG_H */
