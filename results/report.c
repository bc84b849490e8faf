/*
 * report.c — `tfsim report`: plots of a results database with gnuplot.
 *
 * Design: the database is read (read-only) into plain data files in the
 * output directory, the embedded scripts of results/plots/ are written
 * beside them with a driver report.gp, and gnuplot runs once as a child
 * process (posix_spawnp, cwd set with its own `cd`, stdout and stderr to
 * gnuplot.log).  So the directory is self-contained: `cd DIR && gnuplot
 * report.gp` redraws everything, and a user can edit a .gp and rerun it.
 *
 *   runs.dat    latest ok run of each (arch, workload, mapper, params) key:
 *               run_id label latency_s energy_j util cycles dram_bytes
 *   energy.dat  same runs, energy per component in J (header line names
 *               the components; "total" when a run has no breakdown)
 *   pareto.dat  every ok run (block 0), then the latency/energy Pareto
 *               front of each workload sorted by latency (one block each)
 *   speedup.dat speedup over the runs of mapper or arch --baseline NAME
 *               (compare.c); roofline.dat FLOP/byte and FLOP/s per run
 *   scaling.dat speedup over mapper unfused and 2D/1D utilisation by
 *               sequence length, one block per line (scaling.c); drawn
 *               only when some run has an unfused baseline
 *   latency, energy, util, pareto: .png (pngcairo) and .svg each
 *   timeline-RUN.dat/.gp/.png/.svg  the memory timeline of each drawn run
 *               that stored planned buffers (an mcu run; timeline.c)
 *   report.md, index.html: the run table and links to every file
 *
 * Bar labels are "workload arch mapper k=v,k=v" (params in short form),
 * keeping only the parts that differ between the design points, so a
 * mapper comparison on one workload reads "flat", "fusemax".  Double
 * quotes in labels become single quotes so the .dat stays parseable.
 *
 * Ownership: everything allocated here is freed before return; the only
 * state is the output directory.
 */
#include "resInt.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

extern char **environ;

/* Plots drawn, in order; each as .png and .svg. */
static const struct {
  const char *name, *data, *title;
} res_figs[] = {
    {"latency", "runs.dat", "Latency per run"},
    {"energy", "energy.dat", "Energy breakdown per run"},
    {"util", "runs.dat", "Compute utilisation per run"},
    {"pareto", "pareto.dat", "Latency and energy of every run (Pareto)"},
    {"scaling", "scaling.dat",
     "Speedup over unfused and 2D/1D utilisation by sequence length"},
    {"speedup", "speedup.dat", "Speedup over the baseline (--baseline)"},
    {"roofline", "roofline.dat",
     "Achieved FLOP/s against arithmetic intensity (roofline plane)"},
};
#define RES_N_FIGS (sizeof res_figs / sizeof res_figs[0])

/* A growable string (sim_malloc); len excludes the terminating NUL. */
typedef struct res_str {
  char *s;
  size_t len, cap;
  int oom;
} res_str;

static void res_str_addn(res_str *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *ns = sim_realloc(b->s, cap);
    if (!ns) {
      b->oom = 1;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void res_str_add(res_str *b, const char *s) {
  res_str_addn(b, s, strlen(s));
}

/* "phase=decode,seq=1024" from canonical params JSON ("" for {}).  Only
 * the keys in `only` (a JSON object used as a set) when it is non-NULL;
 * "model" never, since the workload part of a label names it. */
static void res_params_short(res_str *b, const char *params,
                             const json_t *only) {
  json_t *o = json_loads(params, 0, NULL);
  const char *k;
  json_t *v;
  int first = 1;
  json_object_foreach(o, k, v) {
    if (!strcmp(k, "model") || (only && !json_object_get(only, k))) continue;
    /* Nothing said is nothing shown: no "set=[]", no "kv=0". */
    if (json_is_array(v) && json_array_size(v) == 0) continue;
    if (!strcmp(k, "kv") && json_is_integer(v) && json_integer_value(v) == 0)
      continue;
    if (!first) res_str_add(b, ",");
    first = 0;
    if (json_is_array(v)) { /* set, map_opt: their k=v items, as given */
      size_t i;
      json_t *e;
      json_array_foreach(v, i, e) {
        if (i) res_str_add(b, ",");
        res_str_add(b, json_is_string(e) ? json_string_value(e) : "?");
      }
      continue;
    }
    res_str_add(b, k);
    res_str_add(b, "=");
    if (json_is_string(v)) {
      res_str_add(b, json_string_value(v));
    } else {
      char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      res_str_add(b, t ? t : "?");
      free(t);
    }
  }
  json_decref(o);
}

/* Label parts (res_label_mask). */
enum { RES_L_WORKLOAD = 1, RES_L_ARCH = 2, RES_L_MAPPER = 4, RES_L_PARAMS = 8,
       RES_L_ALL = 15 };

/* The parts of a design point's label selected by mask, space-separated,
 * safe inside double quotes (sim_malloc'd, NULL when out of memory). */
static char *res_label_mask(const char *workload, const char *arch,
                            const char *mapper, const char *params,
                            unsigned mask, const json_t *only) {
  res_str b = {0};
  res_str_add(&b, "");
  const char *part[3] = {workload, arch, mapper};
  for (int i = 0; i < 3; i++)
    if ((mask & (1u << i)) && *part[i]) {
      if (b.len) res_str_add(&b, " ");
      res_str_add(&b, part[i]);
    }
  if ((mask & RES_L_PARAMS) && strcmp(params, "{}") != 0) {
    size_t at = b.len;
    if (b.len) res_str_add(&b, " ");
    size_t mark = b.len;
    res_params_short(&b, params, only);
    if (b.len == mark && !b.oom) { /* nothing printed: drop the space */
      b.len = at;
      b.s[at] = '\0';
    }
  }
  if (b.oom) {
    sim_free(b.s);
    return NULL;
  }
  for (char *p = b.s; *p; p++)
    if (*p == '"') *p = '\'';
    else if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
  return b.s;
}

char *res__label(const char *workload, const char *arch, const char *mapper,
                 const char *params) {
  return res_label_mask(workload, arch, mapper, params, RES_L_ALL, NULL);
}

/* The label parts that differ between design points: a report of one
 * workload on one arch labels its bars by mapper (and params) only.  All
 * parts when there is a single point. */
static unsigned res_label_varying(const res__point *p, size_t n) {
  unsigned m = 0;
  for (size_t i = 1; i < n; i++) {
    if (strcmp(p[i].workload, p[0].workload)) m |= RES_L_WORKLOAD;
    if (strcmp(p[i].arch, p[0].arch)) m |= RES_L_ARCH;
    if (strcmp(p[i].mapper, p[0].mapper)) m |= RES_L_MAPPER;
    if (strcmp(p[i].params, p[0].params)) m |= RES_L_PARAMS;
  }
  return m ? m : RES_L_ALL;
}

/* The option keys whose values are not the same in every point (a JSON
 * object used as a set, owned by the caller), so a bar is labelled by what
 * distinguishes it: "gpt2-xl set=[ideal.mem_bw_gbps=3350]", not every
 * option of the run.  NULL (all keys) for a single point. */
static json_t *res_params_varying(const res__point *p, size_t n) {
  if (n < 2) return NULL;
  json_t *vary = json_object();
  json_t **o = sim_calloc(n, sizeof *o);
  if (!vary || !o) {
    json_decref(vary);
    sim_free(o);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) o[i] = json_loads(p[i].params, 0, NULL);
  for (size_t i = 0; i < n; i++) {
    const char *k;
    json_t *v;
    json_object_foreach(o[i], k, v) {
      if (json_object_get(vary, k)) continue;
      for (size_t j = 0; j < n; j++)
        if (!json_equal(v, json_object_get(o[j], k))) {
          json_object_set_new(vary, k, json_true());
          break;
        }
    }
  }
  for (size_t i = 0; i < n; i++) json_decref(o[i]);
  sim_free(o);
  return vary;
}

static int res_point_wl_cmp(const void *a, const void *b) {
  const res__point *x = a, *y = b;
  int c = strcmp(x->workload, y->workload);
  if (!c) c = strcmp(x->arch, y->arch);
  if (!c) c = strcmp(x->mapper, y->mapper);
  if (!c) c = strcmp(x->params, y->params);
  return c;
}

/* mkdir -p. */
static int res_mkdirs(const char *dir, sim_err *err) {
  char *p = sim_strdup(dir);
  if (!p) return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", dir);
  int rc = 0;
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0') continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      rc = sim_err_set(err, SIM_EIO, "%s: cannot create directory: %s", p,
                       strerror(errno));
      break;
    }
    *s = c;
    if (!c) break;
  }
  sim_free(p);
  if (rc) return rc;
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return sim_err_set(err, SIM_EIO, "%s: not a directory", dir);
  return 0;
}

/* Opens out_dir/name for writing. */
static FILE *res_open_out(const char *dir, const char *name, sim_err *err) {
  char *path = res__join(dir, '/', name);
  if (!path) {
    sim_err_set(err, SIM_ENOMEM, "%s: out of memory", dir);
    return NULL;
  }
  FILE *f = fopen(path, "w");
  if (!f) sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
  sim_free(path);
  return f;
}

static int res_close_out(FILE *f, const char *dir, const char *name,
                         sim_err *err) {
  int bad = ferror(f);
  if (fclose(f) != 0) bad = 1;
  if (bad)
    return sim_err_set(err, SIM_EIO, "%s/%s: write failed", dir, name);
  return 0;
}

/* A double for a .dat file: %.17g, or NaN (gnuplot skips it). */
static void res_dat_num(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, " %.17g", v);
  else fputs(" NaN", f);
}

/* ---------------------------------------------------------------------- */
/* Data files                                                             */
/* ---------------------------------------------------------------------- */

typedef struct res_rep {
  const char *db_path, *dir;
  res_db *db;
  res__point *pt;
  size_t n;
  char **labels; /* one per point */
  char **comps;  /* energy components, sorted */
  size_t n_comps;
  double *e_j;   /* n x n_comps, J */
  size_t n_all, n_front; /* pareto.dat sizes */
  int has_scaling;       /* scaling.dat written (scaling.c) */
  const char *baseline;  /* --baseline: mapper or arch name, or NULL */
  int has_speedup, has_roofline; /* speedup.dat, roofline.dat written */
  int64_t *tl;           /* runs with a memory timeline (timeline-ID.*) */
  size_t n_tl, tl_skipped;
} res_rep;

/* Figures with nothing to draw are left out. */
static int res_fig_skip(const res_rep *r, size_t i) {
  if (strcmp(res_figs[i].name, "pareto") == 0 && r->n_front == 0) return 1;
  if (strcmp(res_figs[i].name, "scaling") == 0 && !r->has_scaling) return 1;
  if (strcmp(res_figs[i].name, "speedup") == 0 && !r->has_speedup) return 1;
  if (strcmp(res_figs[i].name, "roofline") == 0 && !r->has_roofline)
    return 1;
  return 0;
}

static int res_write_scaling(res_rep *r, sim_err *err) {
  char *text = NULL;
  int rc = res__scaling_dat(r->db, r->pt, r->n, &text, err);
  if (rc || !text) return rc;
  FILE *f = res_open_out(r->dir, "scaling.dat", err);
  if (!f) {
    sim_free(text);
    return err ? err->code : SIM_EIO;
  }
  fputs(text, f);
  sim_free(text);
  rc = res_close_out(f, r->dir, "scaling.dat", err);
  if (!rc) r->has_scaling = 1;
  return rc;
}

/* Writes text (sim_malloc'd, freed here) as name; sets *done. */
static int res_write_text(res_rep *r, const char *name, char *text,
                          int *done, sim_err *err) {
  FILE *f = res_open_out(r->dir, name, err);
  if (!f) {
    sim_free(text);
    return err ? err->code : SIM_EIO;
  }
  fputs(text, f);
  sim_free(text);
  int rc = res_close_out(f, r->dir, name, err);
  if (!rc) *done = 1;
  return rc;
}

static int res_write_compare(res_rep *r, sim_err *err) {
  char *text = NULL;
  int rc = 0;
  if (r->baseline) {
    rc = res__speedup_dat(r->db, r->pt, r->labels, r->n, r->baseline, &text,
                          err);
    if (!rc && !text)
      return sim_err_set(err, SIM_EINVAL, "--baseline: no run of mapper "
                         "or arch '%s' shares a workload and parameters "
                         "with another run in %s", r->baseline, r->db_path);
    if (!rc) rc = res_write_text(r, "speedup.dat", text, &r->has_speedup,
                                 err);
    if (rc) return rc;
  }
  text = NULL;
  rc = res__roofline_dat(r->db, r->pt, r->labels, r->n, &text, err);
  if (!rc && text)
    rc = res_write_text(r, "roofline.dat", text, &r->has_roofline, err);
  return rc;
}

static int res_write_runs(res_rep *r, sim_err *err) {
  FILE *f = res_open_out(r->dir, "runs.dat", err);
  if (!f) return err ? err->code : SIM_EIO;
  fprintf(f, "# tfsim report of %s: latest ok run of each (arch, workload, "
             "mapper, params)\n"
             "# run_id label latency_s energy_j util cycles dram_bytes\n",
          r->db_path);
  for (size_t i = 0; i < r->n; i++) {
    const res__point *p = &r->pt[i];
    fprintf(f, "%lld \"%s\"", (long long)p->run_id, r->labels[i]);
    res_dat_num(f, p->latency_s);
    res_dat_num(f, p->energy_j);
    res_dat_num(f, p->util);
    res_dat_num(f, p->cycles);
    res_dat_num(f, p->dram_bytes);
    fputc('\n', f);
  }
  return res_close_out(f, r->dir, "runs.dat", err);
}

/* Index of comp in the sorted r->comps, inserting it when add is set;
 * -1 when absent (or out of memory: *oom). */
static long res_comp_index(res_rep *r, const char *comp, int add, int *oom) {
  size_t lo = 0, hi = r->n_comps;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(r->comps[mid], comp);
    if (c == 0) return (long)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  if (!add) return -1;
  char **nc = sim_realloc(r->comps, (r->n_comps + 1) * sizeof *nc);
  char *d = sim_strdup(comp);
  if (nc) r->comps = nc;
  if (!nc || !d) {
    sim_free(d);
    *oom = 1;
    return -1;
  }
  memmove(&r->comps[lo + 1], &r->comps[lo],
          (r->n_comps - lo) * sizeof *r->comps);
  r->comps[lo] = d;
  r->n_comps++;
  return (long)lo;
}

/* Two passes over energy_breakdown: collect component names, then fill. */
static int res_load_energy(res_rep *r, sim_err *err) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(r->db->h,
                              "SELECT component, energy_pj FROM "
                              "energy_breakdown WHERE run_id = ?1",
                              -1, &st, NULL);
  if (rc != SQLITE_OK)
    return res__sqlerr(r->db, rc, err, "cannot read components");
  int oom = 0;
  for (int pass = 0; pass < 2 && !oom; pass++) {
    if (pass == 1) {
      size_t nc = r->n_comps ? r->n_comps : 1;
      r->e_j = sim_calloc(r->n * nc, sizeof *r->e_j);
      if (!r->e_j) {
        oom = 1;
        break;
      }
    }
    for (size_t i = 0; i < r->n && !oom; i++) {
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, r->pt[i].run_id);
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        long k = res_comp_index(r, c ? c : "", pass == 0, &oom);
        if (oom) break;
        if (pass == 1 && k >= 0)
          r->e_j[i * r->n_comps + (size_t)k] +=
              sqlite3_column_double(st, 1) * 1e-12;
      }
      if (!oom && rc != SQLITE_DONE) {
        rc = res__sqlerr(r->db, rc, err, "cannot read components");
        sqlite3_finalize(st);
        return rc;
      }
    }
  }
  sqlite3_finalize(st);
  if (oom)
    return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->db_path);
  if (r->n_comps == 0) /* no breakdown anywhere: one "total" column */
    for (size_t i = 0; i < r->n; i++)
      r->e_j[i] = isfinite(r->pt[i].energy_j) ? r->pt[i].energy_j : 0;
  return 0;
}

static int res_write_energy(res_rep *r, sim_err *err) {
  FILE *f = res_open_out(r->dir, "energy.dat", err);
  if (!f) return err ? err->code : SIM_EIO;
  fprintf(f, "# tfsim report of %s: energy per component (J) of the runs "
             "of runs.dat\n",
          r->db_path);
  fputs("run label", f);
  size_t nc = r->n_comps ? r->n_comps : 1;
  /* A component with no energy in any run (static 0 J) is left out: an
   * empty legend entry says nothing.  The total column stays when it is
   * all there is. */
  char *keep = sim_calloc(nc, 1);
  if (!keep) {
    fclose(f);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < nc; k++)
    for (size_t i = 0; i < r->n && !keep[k]; i++)
      keep[k] = r->n_comps == 0 || r->e_j[i * nc + k] != 0;
  if (r->n_comps == 0) fputs(" \"total\"", f);
  for (size_t k = 0; k < r->n_comps; k++)
    if (keep[k]) fprintf(f, " \"%s\"", r->comps[k]);
  fputc('\n', f);
  for (size_t i = 0; i < r->n; i++) {
    fprintf(f, "%lld \"%s\"", (long long)r->pt[i].run_id, r->labels[i]);
    for (size_t k = 0; k < nc; k++)
      if (keep[k]) res_dat_num(f, r->e_j[i * nc + k]);
    fputc('\n', f);
  }
  sim_free(keep);
  return res_close_out(f, r->dir, "energy.dat", err);
}

typedef struct res_pp {
  int64_t id;
  double lat, e;
  char *workload, *label;
} res_pp;

static int res_pp_cmp(const void *a, const void *b) {
  const res_pp *x = a, *y = b;
  int c = strcmp(x->workload, y->workload);
  if (c) return c;
  if (x->lat != y->lat) return x->lat < y->lat ? -1 : 1;
  if (x->e != y->e) return x->e < y->e ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Every ok run with positive latency and energy (block 0), then the
 * Pareto front of each workload (one block each): sorted by (workload,
 * latency, energy), a run is on its workload's front when its energy is
 * below that of every faster run of the workload.  O(n log n). */
static int res_write_pareto(res_rep *r, sim_err *err) {
  sqlite3_stmt *st = NULL;
  res_pp *v = NULL;
  size_t n = 0, cap = 0;
  FILE *f = NULL;
  int rc = sqlite3_prepare_v2(
      r->db->h,
      "SELECT run_id, workload, arch_name, mapper, params, latency_s, "
      "energy_j FROM run_summary WHERE status = 'ok' AND arch_class <> "
      "'validate' AND latency_s > 0 AND energy_j > 0 ORDER BY run_id",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return res__sqlerr(r->db, rc, err, "cannot read runs");
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      res_pp *nv = sim_realloc(v, nc * sizeof *nv);
      if (!nv) goto oom;
      v = nv;
      cap = nc;
    }
    const char *s[4];
    for (int i = 0; i < 4; i++) {
      s[i] = (const char *)sqlite3_column_text(st, 1 + i);
      if (!s[i]) s[i] = "";
    }
    v[n].id = sqlite3_column_int64(st, 0);
    v[n].lat = sqlite3_column_double(st, 5);
    v[n].e = sqlite3_column_double(st, 6);
    v[n].label = res__label(s[0], s[1], s[2], s[3]);
    v[n].workload = res_label_mask(s[0], "", "", "{}", RES_L_WORKLOAD, NULL);
    n++;
    if (!v[n - 1].label || !v[n - 1].workload) goto oom;
  }
  if (rc != SQLITE_DONE) {
    rc = res__sqlerr(r->db, rc, err, "cannot read runs");
    goto done;
  }
  f = res_open_out(r->dir, "pareto.dat", err);
  if (!f) {
    rc = err ? err->code : SIM_EIO;
    goto done;
  }
  fprintf(f, "# tfsim report of %s\n# block 0: every ok run; then per "
             "workload its Pareto front by latency\n"
             "# run_id label latency_s energy_j\n",
          r->db_path);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%lld \"%s\" %.17g %.17g\n", (long long)v[i].id, v[i].label,
            v[i].lat, v[i].e);
  if (n) qsort(v, n, sizeof *v, res_pp_cmp);
  double best = INFINITY;
  r->n_front = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || strcmp(v[i].workload, v[i - 1].workload) != 0) {
      fprintf(f, "\n\nrun \"%s\" latency_s energy_j\n", v[i].workload);
      best = INFINITY;
    }
    if (v[i].e < best) {
      best = v[i].e;
      fprintf(f, "%lld \"%s\" %.17g %.17g\n", (long long)v[i].id,
              v[i].label, v[i].lat, v[i].e);
      r->n_front++;
    }
  }
  r->n_all = n;
  rc = res_close_out(f, r->dir, "pareto.dat", err);
  goto done;
oom:
  rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", r->db_path);
done:
  sqlite3_finalize(st);
  for (size_t i = 0; i < n; i++) {
    sim_free(v[i].label);
    sim_free(v[i].workload);
  }
  sim_free(v);
  return rc;
}

/* At most this many memory timelines per report (each is a gnuplot page
 * in two formats; a 1000-point mcu sweep would otherwise spend minutes
 * drawing).  The rest are counted in report.md; tfsim run --timeline
 * draws any one. */
#define RES_MAX_TIMELINES 32

/* A memory timeline for every drawn run that stored planned buffers (an
 * mcu run): timeline-RUN.dat and its driver timeline-RUN.gp. */
static int res_write_timelines(res_rep *r, sim_err *err) {
  r->tl = sim_calloc(r->n ? r->n : 1, sizeof *r->tl);
  if (!r->tl) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->n; i++) {
    if (r->n_tl == RES_MAX_TIMELINES) {
      /* Count the rest without drawing them. */
      sim_buf_record *b = NULL;
      size_t nb = 0;
      double cap = 0, hw = 0;
      int rc = res__load_bufs(r->db, r->pt[i].run_id, &b, &nb, &cap, &hw,
                              err);
      sim_free(b);
      if (rc) return rc;
      r->tl_skipped += nb > 0;
      continue;
    }
    sim_buf_record *b = NULL;
    size_t nb = 0;
    double cap = 0, hw = 0;
    int rc = res__load_bufs(r->db, r->pt[i].run_id, &b, &nb, &cap, &hw, err);
    if (rc) return rc;
    if (nb) {
      char stem[64], title[512];
      snprintf(stem, sizeof stem, "timeline-%lld",
               (long long)r->pt[i].run_id);
      snprintf(title, sizeof title, "Memory timeline, run %lld: %s",
               (long long)r->pt[i].run_id, r->labels[i]);
      res_timeline_info info;
      rc = res__timeline_files(r->dir, stem, b, nb, cap, hw, title, &info,
                               err);
      if (!rc) r->tl[r->n_tl++] = r->pt[i].run_id;
    }
    sim_free(b);
    if (rc) return rc;
  }
  return 0;
}

/* The embedded scripts and the driver report.gp. */
static int res_write_scripts(res_rep *r, sim_err *err) {
  for (const res__plot *p = res__plots; p->name; p++) {
    FILE *f = res_open_out(r->dir, p->name, err);
    if (!f) return err ? err->code : SIM_EIO;
    fputs(p->text, f);
    int rc = res_close_out(f, r->dir, p->name, err);
    if (rc) return rc;
  }
  FILE *f = res_open_out(r->dir, "report.gp", err);
  if (!f) return err ? err->code : SIM_EIO;
  fputs("# report.gp — redraws every plot of this report (written by tfsim "
        "report).\n# Usage: cd into this directory, then: gnuplot "
        "report.gp\n",
        f);
  for (size_t i = 0; i < RES_N_FIGS; i++) {
    if (res_fig_skip(r, i)) continue; /* nothing to draw */
    fprintf(f, "data = '%s'\n", res_figs[i].data);
    fprintf(f, "out = '%s.png'; load '%s.gp'\n", res_figs[i].name,
            res_figs[i].name);
    fprintf(f, "out = '%s.svg'; load '%s.gp'\n", res_figs[i].name,
            res_figs[i].name);
  }
  for (size_t i = 0; i < r->n_tl; i++)
    fprintf(f, "load 'timeline-%lld.gp'\n", (long long)r->tl[i]);
  return res_close_out(f, r->dir, "report.gp", err);
}

/* The last non-empty line of out_dir/gnuplot.log, into buf. */
static void res_log_tail(const char *dir, char *buf, size_t n) {
  buf[0] = '\0';
  char *path = res__join(dir, '/', "gnuplot.log");
  FILE *f = path ? fopen(path, "r") : NULL;
  sim_free(path);
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
    if (l) snprintf(buf, n, "%s", line);
  }
  fclose(f);
}

/* Runs gnuplot in dir on script, output to dir/gnuplot.log. */
int res__gnuplot(const char *dir, const char *script, sim_err *err) {
  const char *gp = getenv("TFSIM_GNUPLOT");
  if (!gp || !*gp) gp = "gnuplot";
  /* gnuplot's cd takes a single-quoted string: double any quote. */
  res_str cd = {0};
  res_str_add(&cd, "cd '");
  for (const char *p = dir; *p; p++) {
    if (*p == '\'') res_str_add(&cd, "'");
    res_str_addn(&cd, p, 1);
  }
  res_str_add(&cd, "'");
  char *log = res__join(dir, '/', "gnuplot.log");
  if (cd.oom || !log) {
    sim_free(cd.s);
    sim_free(log);
    return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", dir);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                   0666);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  char *argv[] = {(char *)gp, "-e", cd.s, (char *)script, NULL};
  pid_t pid;
  int e = posix_spawnp(&pid, gp, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  sim_free(cd.s);
  sim_free(log);
  if (e != 0) {
    if (e == ENOENT)
      return sim_err_set(err, SIM_ENOENT,
                         "%s: not found (install gnuplot-nox, or set "
                         "TFSIM_GNUPLOT to the gnuplot program)",
                         gp);
    return sim_err_set(err, SIM_EIO, "%s: cannot run: %s", gp, strerror(e));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return sim_err_set(err, SIM_EIO, "%s: waitpid: %s", gp,
                         strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  char tail[200];
  res_log_tail(dir, tail, sizeof tail);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return sim_err_set(err, SIM_ENOENT,
                       "%s: not found (install gnuplot-nox, or set "
                       "TFSIM_GNUPLOT to the gnuplot program)",
                       gp);
  return sim_err_set(err, SIM_EIO, "%s/gnuplot.log: gnuplot failed (%s %d)%s%s",
                     dir, WIFEXITED(status) ? "exit" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status)
                                       : WTERMSIG(status),
                     tail[0] ? ": " : "", tail);
}

/* Every expected image exists and is not empty. */
static int res_check_images(res_rep *r, sim_err *err) {
  static const char *const ext[] = {"png", "svg"};
  for (size_t i = 0; i < RES_N_FIGS; i++) {
    if (res_fig_skip(r, i)) continue;
    for (int x = 0; x < 2; x++) {
      char name[64];
      snprintf(name, sizeof name, "%s.%s", res_figs[i].name, ext[x]);
      char *path = res__join(r->dir, '/', name);
      if (!path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
      struct stat sb;
      int ok = stat(path, &sb) == 0 && sb.st_size > 0;
      sim_free(path);
      if (!ok)
        return sim_err_set(err, SIM_EIO,
                           "%s/%s: gnuplot wrote no image (see %s/gnuplot.log)",
                           r->dir, name, r->dir);
    }
  }
  for (size_t i = 0; i < r->n_tl; i++)
    for (int x = 0; x < 2; x++) {
      char name[64];
      snprintf(name, sizeof name, "timeline-%lld.%s", (long long)r->tl[i],
               ext[x]);
      char *path = res__join(r->dir, '/', name);
      if (!path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
      struct stat sb;
      int ok = stat(path, &sb) == 0 && sb.st_size > 0;
      sim_free(path);
      if (!ok)
        return sim_err_set(err, SIM_EIO,
                           "%s/%s: gnuplot wrote no image (see %s/gnuplot.log)",
                           r->dir, name, r->dir);
    }
  return 0;
}

/* Markdown and HTML escaping of table cells. */
static void res_md(FILE *f, const char *s) {
  for (; *s; s++)
    if (*s == '|') fputs("\\|", f);
    else fputc(*s, f);
}

static void res_html(FILE *f, const char *s) {
  for (; *s; s++) switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
}

static void res_g(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.6g", v);
  else fputs("-", f);
}

/* v in the SI prefix that suits its magnitude: "2.14 ms", "68 uJ",
 * "1.05 GB" ("-" when not finite). */
static void res_si(FILE *f, double v, const char *unit) {
  static const struct {
    double scale;
    const char *prefix;
  } pre[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""},
             {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}};
  if (!isfinite(v)) {
    fputs("-", f);
    return;
  }
  if (v == 0) {
    fprintf(f, "0 %s", unit);
    return;
  }
  size_t k = 0;
  while (k + 1 < sizeof pre / sizeof pre[0] && fabs(v) < pre[k].scale) k++;
  fprintf(f, "%.3g %s%s", v / pre[k].scale, pre[k].prefix, unit);
}

/* The design points whose latest run failed (a sweep stores their error,
 * schema 2), as an HTML table; nothing when there is none. */
static void res_html_failed(res_rep *r, FILE *f) {
  if (r->db->version < 2) return;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(
          r->db->h,
          "SELECT r.id, r.workload, r.arch_name, r.mapper, r.params, r.error"
          "  FROM runs r WHERE r.status = 'failed' AND r.point_hash <> ''"
          "   AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.point_hash ="
          "                   r.point_hash AND o.status = 'ok')"
          " ORDER BY r.workload, r.arch_name, r.id",
          -1, &st, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return;
  }
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (n++ == 0)
      fputs("<h2>Failed design points</h2>\n<table border=\"1\" "
            "cellpadding=\"3\">\n<tr><th>run</th><th>workload</th><th>arch"
            "</th><th>mapper</th><th>params</th><th>error</th></tr>\n",
            f);
    fprintf(f, "<tr><td>%lld</td>", (long long)sqlite3_column_int64(st, 0));
    for (int c = 1; c <= 5; c++) {
      const unsigned char *t = sqlite3_column_text(st, c);
      fputs(c == 4 ? "<td><code>" : "<td>", f);
      res_html(f, t ? (const char *)t : "");
      fputs(c == 4 ? "</code></td>" : "</td>", f);
    }
    fputs("</tr>\n", f);
  }
  if (n) fputs("</table>\n", f);
  sqlite3_finalize(st);
}

static int res_write_index(res_rep *r, sim_err *err) {
  FILE *f = res_open_out(r->dir, "report.md", err);
  if (!f) return err ? err->code : SIM_EIO;
  fprintf(f, "# tfsim report\n\nDatabase: `%s`. Latest ok run of each "
             "(arch, workload, mapper, params): %zu; ok runs in the Pareto "
             "plot: %zu.\n\n",
          r->db_path, r->n, r->n_all);
  for (size_t i = 0; i < RES_N_FIGS; i++) {
    if (res_fig_skip(r, i)) continue;
    fprintf(f, "## %s\n\n![%s](%s.png)\n\n[SVG](%s.svg) · data: [%s](%s)\n\n",
            res_figs[i].title, res_figs[i].name, res_figs[i].name,
            res_figs[i].name, res_figs[i].data, res_figs[i].data);
  }
  for (size_t i = 0; i < r->n_tl; i++)
    fprintf(f, "## Memory timeline, run %lld\n\n![timeline-%lld]"
               "(timeline-%lld.png)\n\n[SVG](timeline-%lld.svg) · data: "
               "[timeline-%lld.dat](timeline-%lld.dat)\n\n",
            (long long)r->tl[i], (long long)r->tl[i], (long long)r->tl[i],
            (long long)r->tl[i], (long long)r->tl[i], (long long)r->tl[i]);
  if (r->tl_skipped)
    fprintf(f, "Memory timelines are drawn for the first %d runs with "
               "planned buffers; %zu more are not (`tfsim run "
               "--timeline FILE.png` draws any one).\n\n",
            RES_MAX_TIMELINES, r->tl_skipped);
  fputs("## Runs\n\n| run | workload | arch | mapper | params | cycles | "
        "latency_s | energy_j | util | dram_bytes |\n"
        "|---:|---|---|---|---|---:|---:|---:|---:|---:|\n",
        f);
  for (size_t i = 0; i < r->n; i++) {
    const res__point *p = &r->pt[i];
    fprintf(f, "| %lld | ", (long long)p->run_id);
    res_md(f, p->workload);
    fputs(" | ", f);
    res_md(f, p->arch);
    fputs(" | ", f);
    res_md(f, p->mapper);
    fputs(" | `", f);
    res_md(f, p->params);
    fputs("` | ", f);
    res_g(f, p->cycles);
    fputs(" | ", f);
    res_g(f, p->latency_s);
    fputs(" | ", f);
    res_g(f, p->energy_j);
    fputs(" | ", f);
    res_g(f, p->util);
    fputs(" | ", f);
    res_g(f, p->dram_bytes);
    fputs(" |\n", f);
  }
  fputs("\n## Files\n\n- `report.gp`: redraws every plot (`gnuplot "
        "report.gp` here)\n- `*.gp`: the scripts of results/plots/, usable "
        "on their own\n- `gnuplot.log`: what gnuplot printed\n",
        f);
  int rc = res_close_out(f, r->dir, "report.md", err);
  if (rc) return rc;

  f = res_open_out(r->dir, "index.html", err);
  if (!f) return err ? err->code : SIM_EIO;
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>tfsim report</title></head><body>\n<h1>tfsim report</h1>\n"
        "<p>Database: <code>",
        f);
  res_html(f, r->db_path);
  fprintf(f, "</code>; %zu design points.</p>\n", r->n);
  for (size_t i = 0; i < RES_N_FIGS; i++) {
    if (res_fig_skip(r, i)) continue;
    fprintf(f, "<h2>%s</h2>\n<p><img src=\"%s.svg\" alt=\"%s\" "
               "style=\"max-width:100%%\"></p>\n<p><a href=\"%s.png\">PNG</a>"
               " · <a href=\"%s\">data</a></p>\n",
            res_figs[i].title, res_figs[i].name, res_figs[i].name,
            res_figs[i].name, res_figs[i].data);
  }
  for (size_t i = 0; i < r->n_tl; i++)
    fprintf(f, "<h2>Memory timeline, run %lld</h2>\n<p><img src=\"timeline-"
               "%lld.svg\" alt=\"timeline-%lld\" style=\"max-width:100%%\">"
               "</p>\n<p><a href=\"timeline-%lld.png\">PNG</a> · <a href=\""
               "timeline-%lld.dat\">data</a></p>\n",
            (long long)r->tl[i], (long long)r->tl[i], (long long)r->tl[i],
            (long long)r->tl[i], (long long)r->tl[i]);
  fputs("<h2>Runs</h2>\n<table border=\"1\" cellpadding=\"3\">\n<tr><th>run"
        "</th><th>workload</th><th>arch</th><th>mapper</th><th>params</th>"
        "<th>cycles</th><th>latency</th><th>energy</th><th>util</th>"
        "<th>dram_bytes</th></tr>\n",
        f);
  for (size_t i = 0; i < r->n; i++) {
    const res__point *p = &r->pt[i];
    fprintf(f, "<tr><td>%lld</td><td>", (long long)p->run_id);
    res_html(f, p->workload);
    fputs("</td><td>", f);
    res_html(f, p->arch);
    fputs("</td><td>", f);
    res_html(f, p->mapper);
    fputs("</td><td><code>", f);
    res_html(f, p->params);
    fputs("</code></td><td>", f);
    res_g(f, p->cycles);
    fputs("</td><td>", f);
    res_si(f, p->latency_s, "s");
    fputs("</td><td>", f);
    res_si(f, p->energy_j, "J");
    fputs("</td><td>", f);
    if (isfinite(p->util)) fprintf(f, "%.3g %%", p->util * 100);
    else fputs("-", f);
    fputs("</td><td>", f);
    res_si(f, p->dram_bytes, "B");
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
  res_html_failed(r, f);
  /* After load, each image notes the size it rendered at and the body
   * how many rendered (a headless browser's --dump-dom shows both:
   * tests/results/report_browser.sh). */
  fputs("<p>Files: <a href=\"report.md\">report.md</a>, <a "
        "href=\"report.gp\">report.gp</a>, <a href=\"gnuplot.log\">"
        "gnuplot.log</a>.</p>\n"
        "<script>\nwindow.addEventListener('load', function () {\n"
        "  var ok = 0, imgs = document.images;\n"
        "  for (var i = 0; i < imgs.length; i++) {\n"
        "    var w = imgs[i].naturalWidth, h = imgs[i].naturalHeight;\n"
        "    imgs[i].setAttribute('data-size', w + 'x' + h);\n"
        "    if (imgs[i].complete && w > 0 && h > 0) ok++;\n"
        "  }\n"
        "  document.body.setAttribute('data-images-rendered',\n"
        "                             ok + '/' + imgs.length);\n"
        "});\n</script>\n</body></html>\n",
        f);
  return res_close_out(f, r->dir, "index.html", err);
}

int res_report(const char *db_path, const char *out_dir, sim_err *err) {
  return res_report_ex(db_path, out_dir, NULL, err);
}

int res_report_ex(const char *db_path, const char *out_dir,
                  const char *baseline, sim_err *err) {
  if (!db_path || !out_dir || !*out_dir)
    return sim_err_set(err, SIM_EINVAL, "res_report: no database or no "
                                        "output directory");
  res_rep r = {0};
  size_t n_all_points = 0; /* r.pt holds them all; r.n counts those drawn */
  r.db_path = db_path;
  r.dir = out_dir;
  r.baseline = baseline && *baseline ? baseline : NULL;
  int rc = res__open(db_path, RES__RO, &r.db, err);
  if (rc) return rc;
  rc = res__latest_points(r.db, &r.pt, &r.n, err);
  n_all_points = r.n;
  if (rc) goto done;
  /* Runs stored without results (no latency) are not drawn. */
  size_t kept = 0;
  for (size_t i = 0; i < r.n; i++) {
    if (isfinite(r.pt[i].latency_s)) {
      res__point t = r.pt[kept];
      r.pt[kept++] = r.pt[i];
      r.pt[i] = t;
    }
  }
  if (kept == 0) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: no ok run to plot", db_path);
    goto done;
  }
  r.n = kept;
  /* Runs grouped by workload (then arch, mapper, options), so the bars
   * of one workload stand together. */
  qsort(r.pt, r.n, sizeof *r.pt, res_point_wl_cmp);
  r.labels = sim_calloc(r.n, sizeof *r.labels);
  if (!r.labels) goto oom;
  unsigned mask = res_label_varying(r.pt, r.n);
  json_t *vary = res_params_varying(r.pt, r.n);
  for (size_t i = 0; i < r.n; i++) {
    r.labels[i] = res_label_mask(r.pt[i].workload, r.pt[i].arch,
                                 r.pt[i].mapper, r.pt[i].params, mask, vary);
    if (!r.labels[i]) {
      json_decref(vary);
      goto oom;
    }
  }
  json_decref(vary);
  rc = res_mkdirs(out_dir, err);
  if (!rc) rc = res_write_runs(&r, err);
  if (!rc) rc = res_load_energy(&r, err);
  if (!rc) rc = res_write_energy(&r, err);
  if (!rc) rc = res_write_pareto(&r, err);
  if (!rc) rc = res_write_scaling(&r, err);
  if (!rc) rc = res_write_compare(&r, err);
  if (!rc) rc = res_write_timelines(&r, err);
  if (!rc) rc = res_write_scripts(&r, err);
  if (!rc) rc = res__gnuplot(r.dir, "report.gp", err);
  if (!rc) rc = res_check_images(&r, err);
  if (!rc) rc = res_write_index(&r, err);
  goto done;
oom:
  rc = sim_err_set(err, SIM_ENOMEM, "%s: out of memory", db_path);
done:
  if (r.labels)
    for (size_t i = 0; i < r.n; i++) sim_free(r.labels[i]);
  sim_free(r.labels);
  for (size_t k = 0; k < r.n_comps; k++) sim_free(r.comps[k]);
  sim_free(r.comps);
  sim_free(r.e_j);
  sim_free(r.tl);
  res__points_free(r.pt, n_all_points);
  res_db_close(r.db);
  return rc;
}
