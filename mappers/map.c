/*
 * map.c — the mapper registry and map_run (lookup, class check, options,
 * run).  Adding a mapper: define `const map_ops <name>_map_ops` (with its
 * option table) and list it in g_mappers.
 */
#include "map.h"
#include "map_spatial.h"

#include <stdio.h>
#include <string.h>

extern const map_ops roofline_map_ops;
extern const map_ops traffic_map_ops;
extern const map_ops unfused_map_ops, flat_map_ops, fusemax_cascade_map_ops,
    fusemax_arch_map_ops, fusemax_map_ops, gemm_map_ops;
extern const map_ops pim_gpt_map_ops;
extern const map_ops naive_map_ops;
extern const map_ops tinyengine_map_ops;
extern const map_ops mcuformer_map_ops;
extern const map_ops flash2_map_ops, flash_map_ops, standard_map_ops,
    flashdecode_map_ops, lean_map_ops;

static const map_ops *const g_mappers[] = {
    &roofline_map_ops,
    &traffic_map_ops,
    &pim_gpt_map_ops,
    &flash2_map_ops, &flash_map_ops, &standard_map_ops, &flashdecode_map_ops,
    &lean_map_ops,
    &naive_map_ops,
    &tinyengine_map_ops,
    &mcuformer_map_ops,
    &unfused_map_ops, &flat_map_ops, &fusemax_cascade_map_ops,
    &fusemax_arch_map_ops, &fusemax_map_ops, &gemm_map_ops,
    NULL,
};

const map_ops *const *map_list(void) { return g_mappers; }

static const map_suite g_gpu_suite = {"gpu", map_gpu_validate};
static const map_suite g_pim_suite = {"pim", map_pim_validate};
static const map_suite g_spatial_suite = {"spatial", map_spatial_validate};
/* Adds its rows to the mcu class's own suite of the same name. */
static const map_suite g_mcu_suite = {"mcu", map_mcu_validate};
static const map_suite *const g_suites[] = {
    &g_gpu_suite,
    &g_pim_suite,
    &g_spatial_suite,
    &g_mcu_suite,
    NULL,
};

const map_suite *const *map_suites(void) { return g_suites; }

const map_ops *map_find(const char *name) {
  for (int i = 0; g_mappers[i]; i++)
    if (strcmp(g_mappers[i]->name, name) == 0) return g_mappers[i];
  return NULL;
}

const map_ops *map_default_for(const char *arch_cls) {
  for (int i = 0; g_mappers[i]; i++)
    if (g_mappers[i]->is_default &&
        strcmp(g_mappers[i]->arch_cls, arch_cls) == 0)
      return g_mappers[i];
  return NULL;
}

int map_run(const char *name, const wl_cascade *w, const arch_model *a,
            const char *const *kv, size_t n_kv, sim_sched *out,
            sim_err *err) {
  const char *cls = a->ops->cls;
  sim_sched_init(out, name);
  const map_ops *m = name ? map_find(name) : map_default_for(cls);
  if (!m) {
    if (!name)
      return sim_err_set(err, SIM_EUNSUP,
                         "no mapper for architecture class '%s' yet", cls);
    char known[256] = "";
    size_t kl = 0;
    for (int i = 0; g_mappers[i]; i++) {
      int n = snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "",
                       g_mappers[i]->name);
      if (n > 0 && (size_t)n < sizeof known - kl) kl += (size_t)n;
    }
    return sim_err_set(err, SIM_ENOENT, "--mapper: unknown mapper '%s' "
                       "(known: %s)", name, known);
  }
  if (strcmp(m->arch_cls, cls) != 0)
    return sim_err_set(err, SIM_EINVAL, "--mapper: mapper '%s' targets "
                       "class '%s', but %s is class '%s'", m->name,
                       m->arch_cls, a->cfg.path, cls);
  sim_sched_init(out, m->name);
  map_opts *o = NULL;
  int rc = map_opts_new(m, kv, n_kv, &o, err);
  if (rc) return rc;
  rc = m->map(w, a, o, out, err);
  map_opts_free(o);
  return rc;
}
