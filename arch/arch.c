/*
 * arch.c — the registry of architecture classes and the common load path.
 *
 * arch_load: peek the file's `class:` key, pick the class's ops table, load
 * the whole file with that class's schema (so unknown keys and wrong types
 * are reported by libcyaml with file:line: key), apply --set overrides
 * through the same schema, then run the class's init (semantic checks such
 * as tRC >= tRAS + tRP, reported with the key's line).
 *
 * Presets (arch_preset_dir, arch_preset_path): every front end (the tfsim
 * command, the SystemC adapter, a C API user) finds them the same way, in
 * the order arch.h lists: environment, next to an installed executable
 * (/proc/self/exe, so a relocated install still works), the source tree.
 * arch_load takes a preset name where no file of that name exists.
 *
 * Adding a class: define `const arch_ops <cls>_arch_ops` in its folder and
 * add it to g_classes below.  iVersion only grows; new members go at the end
 * of arch_ops.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "arch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TFSIM_DATA_REL /* from the executable's folder to share/tfsim */
#define TFSIM_DATA_REL "../share/tfsim"
#endif

extern const arch_ops ideal_arch_ops;
extern const arch_ops dram_arch_ops;
extern const arch_ops pim_arch_ops;
extern const arch_ops gpu_arch_ops;
extern const arch_ops mcu_arch_ops;
extern const arch_ops spatial_arch_ops;

static const arch_ops *const g_classes[] = {
    &ideal_arch_ops,
    &dram_arch_ops,
    &pim_arch_ops,
    &gpu_arch_ops,
    &mcu_arch_ops,
    &spatial_arch_ops,
    NULL,
};

const arch_ops *const *arch_classes(void) { return g_classes; }

const arch_ops *arch_find(const char *cls) {
  for (int i = 0; g_classes[i]; i++)
    if (strcmp(g_classes[i]->cls, cls) == 0) return g_classes[i];
  return NULL;
}

static int arch_is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* snprintf into buf; 0, or SIM_EINVAL when it does not fit. */
static int arch_fmt(char *buf, size_t n, const char *a, const char *b) {
  int w = snprintf(buf, n, "%s%s", a, b);
  return w >= 0 && (size_t)w < n ? 0 : SIM_EINVAL;
}

int arch_preset_dir(char *buf, size_t n) {
  const char *env = getenv("TFSIM_ARCH_DIR");
  if (env && *env) {
    if (arch_fmt(buf, n, env, "")) return SIM_EINVAL;
    return arch_is_dir(buf) ? 0 : SIM_ENOENT;
  }
  env = getenv("TFSIM_DATA_DIR");
  if (env && *env) {
    if (arch_fmt(buf, n, env, "/configs")) return SIM_EINVAL;
    return arch_is_dir(buf) ? 0 : SIM_ENOENT;
  }
  /* Installed: <prefix>/bin/tfsim -> <prefix>/share/tfsim/configs. */
  char exe[4096];
  ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (l > 0) {
    exe[l] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      char cand[4096 + 64];
      snprintf(cand, sizeof cand, "%s/%s/configs", exe, TFSIM_DATA_REL);
      char real[PATH_MAX];
      if (arch_is_dir(cand) && realpath(cand, real) &&
          !arch_fmt(buf, n, real, ""))
        return 0;
    }
  }
  if (arch_is_dir(TFSIM_SOURCE_DIR "/arch/configs"))
    return arch_fmt(buf, n, TFSIM_SOURCE_DIR "/arch/configs", "");
  if (arch_fmt(buf, n, "arch/configs", "")) return SIM_EINVAL;
  return arch_is_dir(buf) ? 0 : SIM_ENOENT;
}

int arch_preset_path(const char *name, char *buf, size_t n) {
  if (!name || !*name || strchr(name, '/') || strlen(name) > 200)
    return SIM_EINVAL;
  char dir[4096], path[4096 + 256];
  if (arch_preset_dir(dir, sizeof dir)) return SIM_ENOENT;
  /* The file name, with or without .yaml. */
  size_t nl = strlen(name);
  int has_ext = nl > 5 && strcmp(name + nl - 5, ".yaml") == 0;
  snprintf(path, sizeof path, "%s/%s%s", dir, name, has_ext ? "" : ".yaml");
  struct stat st;
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
    return arch_fmt(buf, n, path, "");
  /* Else a preset whose `name:` it is; the first file in name order. */
  DIR *d = opendir(dir);
  if (!d) return SIM_ENOENT;
  char best[256] = "";
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l <= 5 || l >= sizeof best || strcmp(e->d_name + l - 5, ".yaml"))
      continue;
    if (best[0] && strcmp(e->d_name, best) >= 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    char *pn = NULL;
    if (sim_cfg_peek(path, "name", &pn, NULL) == 0 && pn &&
        strcmp(pn, name) == 0)
      snprintf(best, sizeof best, "%s", e->d_name);
    sim_free(pn);
  }
  closedir(d);
  if (!best[0]) return SIM_ENOENT;
  snprintf(path, sizeof path, "%s/%s", dir, best);
  return arch_fmt(buf, n, path, "");
}

int arch_load(arch_model *out, const char *path, const char *const *sets,
              int n_sets, sim_err *err) {
  memset(out, 0, sizeof *out);
  /* A preset name where no such file exists ("--arch ideal"). */
  char preset[4096];
  struct stat pst;
  if (path && !strchr(path, '/') && stat(path, &pst) != 0) {
    int prc = arch_preset_path(path, preset, sizeof preset);
    if (prc == 0) {
      path = preset;
    } else if (prc == SIM_ENOENT) {
      char dir[4096];
      arch_preset_dir(dir, sizeof dir);
      return sim_err_set(err, SIM_ENOENT, "%s: no such file, nor a preset "
                         "of that name in %s (see tfsim list archs)", path,
                         dir);
    }
  }
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
  const arch_ops *o = m->ops;
  if (o->run) return o->run(m->state, &m->cfg, sched, rep, err);
  /* A class with sessions only: one session, one step. */
  if (o->iVersion >= 2 && o->begin && o->step && o->end) {
    void *ss = NULL;
    int rc = o->begin(m->state, &m->cfg, &ss, err);
    if (!rc) rc = o->step(ss, sched, rep, err);
    if (ss) o->end(ss);
    return rc;
  }
  return sim_err_set(err, SIM_EUNSUP, "%s: class '%s' cannot run a "
                     "schedule", m->cfg.path, o->cls);
}

uint64_t arch_compulsory_bytes(const sim_sched *s) {
  size_t n = s->n_tensors;
  if (!n) return 0;
  unsigned char *rd = sim_calloc(n, 1), *wr = sim_calloc(n, 1);
  uint64_t *mult = sim_calloc(n, sizeof *mult);
  uint64_t total = 0;
  if (!rd || !wr || !mult) goto out;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    uint64_t it = sim_sched_op_iters(s, op);
    for (unsigned k = 0; k < op->n_in; k++) {
      rd[op->in[k]] = 1;
      if (!mult[op->in[k]]) mult[op->in[k]] = it;
    }
    for (unsigned k = 0; k < op->n_out; k++) {
      wr[op->out[k]] = 1;
      if (!mult[op->out[k]]) mult[op->out[k]] = it;
    }
  }
  for (size_t t = 0; t < n; t++) {
    const sim_tensor *tn = &s->tensors[t];
    if (!mult[t]) continue; /* not used by any op */
    if (tn->kind == SIM_T_KV || !rd[t] || !wr[t]) total += tn->bytes * mult[t];
  }
out:
  sim_free(rd);
  sim_free(wr);
  sim_free(mult);
  return total;
}

int arch_exec_report(const sim_sched *s, const sim_exec_result *xr,
                     uint64_t period_ps, const char *clk, int offchip,
                     double (*op_pj)(void *ctx, const sim_sched *s,
                                     size_t op, uint64_t inst),
                     void *ctx, sim_report *rep, sim_err *err) {
  uint64_t t0 = xr->start_ps, lat = xr->end_ps - t0;
  rep->latency_ps = lat;
  rep->cycles = period_ps ? lat / period_ps : 0;
  snprintf(rep->clock, sizeof rep->clock, "%s", clk);
  uint64_t off = 0;
  for (size_t i = 0; i < s->n_ops; i++) {
    const sim_sched_op *op = &s->ops[i];
    const sim_exec_opstat *st = &xr->ops[i];
    sim_op_record r;
    memset(&r, 0, sizeof r);
    memcpy(r.name, op->name, sizeof r.name);
    r.layer = op->layer;
    r.start_ps = st->first_ps == SIM_T_NEVER ? 0 : st->first_ps - t0;
    r.end_ps = st->last_ps > t0 ? st->last_ps - t0 : 0;
    r.macs = op->macs * st->inst;
    r.elem_ops = op->elem_ops * st->inst;
    for (int l = 0; l < s->n_levels; l++) {
      if (offchip >= 0 && l != offchip) continue;
      r.rd_bytes += op->rd_bytes[l] * st->inst;
      r.wr_bytes += op->wr_bytes[l] * st->inst;
    }
    if (offchip >= 0) off += r.rd_bytes + r.wr_bytes;
    r.energy_pj = op_pj ? op_pj(ctx, s, i, st->inst) : 0;
    snprintf(r.bound, sizeof r.bound, "%s",
             2 * st->mem_bound > st->waves ? "memory" : "compute");
    if (sim_report_push_op(rep, &r))
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  rep->dram_bytes = off;
  int rc = 0;
  for (int u = 0; u < s->n_units && !rc; u++) {
    char key[SIM_NAME_MAX];
    snprintf(key, sizeof key, "util_%s", s->units[u]);
    double cap = (double)xr->unit_count[u] * (double)lat;
    rc = sim_report_metric(rep, key, cap > 0 ? xr->unit_busy_ps[u] / cap : 0);
  }
  if (!rc) rc = sim_report_metric_int(rep, "overlap_ps", xr->overlap_ps);
  if (!rc && offchip >= 0)
    rc = sim_report_metric_int(rep, "compulsory_bytes",
                               arch_compulsory_bytes(s));
  if (rc) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  return 0;
}
