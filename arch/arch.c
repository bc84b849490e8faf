/*
 * arch.c — the registry of architecture classes and the common load path.
 *
 * arch_load: peek the file's `class:` key, pick the class's ops table, load
 * the whole file with that class's schema (so unknown keys and wrong types
 * are reported by libcyaml with file:line: key), apply --set overrides
 * through the same schema, then run the class's init (semantic checks such
 * as tRC >= tRAS + tRP, reported with the key's line).
 *
 * Adding a class: define `const arch_ops <cls>_arch_ops` in its folder and
 * add it to g_classes below.  iVersion only grows; new members go at the end
 * of arch_ops.
 */
#include "arch.h"

#include <stdio.h>
#include <string.h>

extern const arch_ops ideal_arch_ops;
extern const arch_ops dram_arch_ops;

static const arch_ops *const g_classes[] = {
    &ideal_arch_ops,
    &dram_arch_ops,
    NULL,
};

const arch_ops *const *arch_classes(void) { return g_classes; }

const arch_ops *arch_find(const char *cls) {
  for (int i = 0; g_classes[i]; i++)
    if (strcmp(g_classes[i]->cls, cls) == 0) return g_classes[i];
  return NULL;
}

int arch_load(arch_model *out, const char *path, const char *const *sets,
              int n_sets, sim_err *err) {
  memset(out, 0, sizeof *out);
  char *cls = NULL;
  int rc = sim_cfg_peek(path, "class", &cls, err);
  if (rc) return rc;
  const arch_ops *ops = arch_find(cls);
  if (!ops) {
    char known[256] = "";
    size_t kl = 0;
    for (int i = 0; g_classes[i]; i++) {
      int w = snprintf(known + kl, sizeof known - kl, "%s%s", i ? ", " : "",
                       g_classes[i]->cls);
      if (w > 0 && (size_t)w < sizeof known - kl) kl += (size_t)w;
    }
    int line = sim_cfg_key_line(path, "class");
    rc = sim_err_set(err, SIM_EINVAL, "%s:%d: class: unknown architecture "
                     "class '%s' (known: %s)", path, line, cls, known);
    sim_free(cls);
    return rc;
  }
  sim_free(cls);
  rc = sim_cfg_load(&out->cfg, path, ops->schema, err);
  if (rc) return rc;
  for (int i = 0; i < n_sets; i++) {
    /* The class picked the schema: it cannot change after loading. */
    if (strncmp(sets[i], "class=", 6) == 0) {
      rc = sim_err_set(err, SIM_EINVAL, "--set: class: cannot be "
                       "overridden (use another --arch file)");
      goto fail;
    }
    rc = sim_cfg_set(&out->cfg, sets[i], err);
    if (rc) goto fail;
  }
  out->ops = ops;
  if (ops->init) {
    rc = ops->init(&out->cfg, &out->state, err);
    if (rc) goto fail;
  }
  return 0;
fail:
  sim_cfg_close(&out->cfg);
  memset(out, 0, sizeof *out);
  return rc;
}

void arch_unload(arch_model *m) {
  if (!m) return;
  if (m->ops && m->ops->fini) m->ops->fini(m->state);
  sim_cfg_close(&m->cfg);
  memset(m, 0, sizeof *m);
}

const arch_header *arch_header_of(const arch_model *m) {
  return (const arch_header *)m->cfg.data;
}

int arch_run(arch_model *m, const sim_sched *sched, sim_report *rep,
             sim_err *err) {
  if (!m->ops->run)
    return sim_err_set(err, SIM_EUNSUP, "%s: class '%s' cannot run a "
                       "schedule", m->cfg.path, m->ops->cls);
  return m->ops->run(m->state, &m->cfg, sched, rep, err);
}
