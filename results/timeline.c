/*
 * timeline.c — what a run's memory plan says to a user: the note printed
 * when a planned memory does not fit (by how many bytes, which buffers
 * are live at the peak), and the memory timeline plot (live bytes over
 * the schedule, stacked by buffer) drawn with results/plots/timeline.gp.
 *
 * Input is the report's planned buffers (sim_report.bufs, filled by a
 * class with a memory planner: mcu) or the same rows read back from the
 * database's buffers table (report.c).  x is the schedule op index, the
 * order one core runs the ops (a grouped layer stack shows one iteration,
 * which is what its buffers hold); a buffer holds its bytes from its
 * first op to its last, inclusive, so the stacked total at an op is the
 * planner's live bytes there and its maximum is live_peak_bytes.
 *
 * Cost: O(ops x buffers) text for the data file (a few hundred by a few
 * hundred for a grouped ViT).
 */
#include "resInt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_peak(const void *a, const void *b) {
  const sim_buf_record *x = *(const sim_buf_record *const *)a;
  const sim_buf_record *y = *(const sim_buf_record *const *)b;
  if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  return strncmp(x->name, y->name, SIM_NAME_MAX);
}

size_t res_bufs_at_peak(const sim_report *rep, const sim_buf_record **out,
                        size_t max) {
  size_t n = 0;
  for (size_t i = 0; i < rep->n_bufs; i++)
    if (rep->bufs[i].at_peak) {
      if (out && n < max) out[n] = &rep->bufs[i];
      n++;
    }
  if (out) qsort(out, n < max ? n : max, sizeof *out, cmp_peak);
  return n;
}

int res_fit_note(const sim_report *rep, char *buf, size_t n) {
  if (n) buf[0] = '\0';
  double sram_short = sim_report_get(rep, "sram_shortfall_bytes", NAN);
  double flash_short = sim_report_get(rep, "flash_shortfall_bytes", NAN);
  if (!isfinite(sram_short) && !isfinite(flash_short)) return 0;
  size_t at = 0;
#define RES_PUT(...)                                                       \
  do {                                                                     \
    int w_ = snprintf(buf + at, at < n ? n - at : 0, __VA_ARGS__);         \
    if (w_ > 0) at += (size_t)w_;                                          \
  } while (0)
  RES_PUT("does not fit (fits: false):");
  if (isfinite(sram_short)) {
    RES_PUT(" peak SRAM %.0f B is %.0f B over the %.0f B SRAM",
            sim_report_get(rep, "peak_sram_bytes", 0), sram_short,
            sim_report_get(rep, "sram_bytes", 0));
    const sim_buf_record *top[64];
    size_t k = res_bufs_at_peak(rep, top, 64), shown = k < 64 ? k : 64;
    if (k) {
      /* The peak op is the latest birth among the buffers live there. */
      uint32_t op = 0;
      for (size_t i = 0; i < rep->n_bufs; i++)
        if (rep->bufs[i].at_peak && rep->bufs[i].first_op > op)
          op = rep->bufs[i].first_op;
      RES_PUT("; live at the peak (op %u, %.0f B):", (unsigned)op,
              sim_report_get(rep, "live_peak_bytes", 0));
      for (size_t i = 0; i < shown; i++)
        RES_PUT("%s %.*s %llu B", i ? "," : "", SIM_NAME_MAX, top[i]->name,
                (unsigned long long)top[i]->bytes);
      if (k > shown) RES_PUT(" and %zu more", k - shown);
    }
  }
  if (isfinite(flash_short))
    RES_PUT("%s weights %.0f B are %.0f B over the flash (internal + "
            "external)", isfinite(sram_short) ? ";" : "",
            sim_report_get(rep, "flash_bytes", 0), flash_short);
#undef RES_PUT
  if (n && at >= n) buf[n - 1] = '\0';
  return 1;
}

/* A name safe as one gnuplot column header (no blanks, no quotes). */
static void res_col_name(FILE *f, const char *name) {
  size_t l = strnlen(name, SIM_NAME_MAX);
  if (!l) fputc('_', f);
  for (size_t i = 0; i < l; i++) {
    char c = name[i];
    fputc(c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '#' ? '_'
                                                                      : c,
          f);
  }
}

int res_timeline_dat(FILE *f, const sim_buf_record *b, size_t n,
                     res_timeline_info *info) {
  memset(info, 0, sizeof *info);
  uint32_t ops = 0;
  for (size_t i = 0; i < n; i++)
    if (b[i].bytes && b[i].last_op + 1 > ops) ops = b[i].last_op + 1;
  fputs("op", f);
  for (size_t i = 0; i < n; i++) {
    if (!b[i].bytes) continue;
    fputc(' ', f);
    res_col_name(f, b[i].name);
    info->n_series++;
  }
  fputc('\n', f);
  for (uint32_t x = 0; x < ops; x++) {
    uint64_t live = 0;
    fprintf(f, "%u", (unsigned)x);
    for (size_t i = 0; i < n; i++) {
      if (!b[i].bytes) continue;
      uint64_t v = b[i].first_op <= x && x <= b[i].last_op ? b[i].bytes : 0;
      live += v;
      fprintf(f, " %llu", (unsigned long long)v);
    }
    fputc('\n', f);
    if (live > info->peak_bytes) info->peak_bytes = live;
    info->n_points++;
  }
  return ferror(f) ? SIM_EIO : 0;
}

/* The timeline.gp text (embedded from results/plots/). */
static const char *res_timeline_script(void) {
  for (const res__plot *p = res__plots; p->name; p++)
    if (strcmp(p->name, "timeline.gp") == 0) return p->text;
  return NULL;
}

int res__timeline_files(const char *dir, const char *stem,
                        const sim_buf_record *b, size_t n, double cap_bytes,
                        double hw_bytes, const char *title,
                        res_timeline_info *info, sim_err *err) {
  char name[512];
  snprintf(name, sizeof name, "%s.dat", stem);
  char *path = res__join(dir, '/', name);
  if (!path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  FILE *f = fopen(path, "w");
  if (!f) {
    int rc = sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    sim_free(path);
    return rc;
  }
  int rc = res_timeline_dat(f, b, n, info);
  if (fclose(f) != 0 || rc) rc = sim_err_set(err, SIM_EIO, "%s: write "
                                             "failed", path);
  sim_free(path);
  if (rc) return rc;
  if (!info->n_series)
    return sim_err_set(err, SIM_EINVAL, "%s: the run has no planned "
                       "buffers to draw (a memory timeline needs a class "
                       "with a memory planner, such as mcu)", stem);
  const char *gp = res_timeline_script();
  path = res__join(dir, '/', "timeline.gp");
  if (!path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  f = gp ? fopen(path, "w") : NULL;
  if (!f) {
    rc = sim_err_set(err, SIM_EIO, "%s: %s", path,
                     gp ? strerror(errno) : "script not embedded");
    sim_free(path);
    return rc;
  }
  fputs(gp, f);
  if (fclose(f) != 0) rc = sim_err_set(err, SIM_EIO, "%s: write failed",
                                       path);
  sim_free(path);
  if (rc) return rc;
  /* The driver: <stem>.gp draws <stem>.png and <stem>.svg. */
  snprintf(name, sizeof name, "%s.gp", stem);
  path = res__join(dir, '/', name);
  if (!path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  f = fopen(path, "w");
  if (!f) {
    rc = sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    sim_free(path);
    return rc;
  }
  fprintf(f, "# %s.gp — redraws the memory timeline (written by tfsim).\n"
             "# Usage: cd into this directory, then: gnuplot %s.gp\n",
          stem, stem);
  for (int x = 0; x < 2; x++) {
    fprintf(f, "data = '%s.dat'; cap = %.17g; hw = %.17g; peak = %llu; "
            "ttl = '", stem, cap_bytes, hw_bytes,
            (unsigned long long)info->peak_bytes);
    for (const char *p = title ? title : stem; *p; p++)
      fputs(*p == '\'' ? "''" : (char[]){*p, 0}, f);
    fprintf(f, "'\nout = '%s.%s'; load 'timeline.gp'\n", stem,
            x ? "svg" : "png");
  }
  if (fclose(f) != 0) rc = sim_err_set(err, SIM_EIO, "%s: write failed",
                                       path);
  sim_free(path);
  return rc;
}

int res_timeline_plot(const sim_report *rep, const char *path,
                      const char *title, res_timeline_info *info,
                      sim_err *err) {
  res_timeline_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  size_t l = strlen(path);
  const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash) ||
      (strcmp(dot, ".png") != 0 && strcmp(dot, ".svg") != 0))
    return sim_err_set(err, SIM_EINVAL, "--timeline: %s: the file must end "
                       "in .png or .svg", path);
  char dir[1024], stem[512];
  if (slash) {
    size_t dl = (size_t)(slash - path);
    if (dl == 0) dl = 1;
    if (dl >= sizeof dir || l >= sizeof dir)
      return sim_err_set(err, SIM_EINVAL, "--timeline: path too long");
    memcpy(dir, path, dl);
    dir[dl] = '\0';
  } else {
    snprintf(dir, sizeof dir, ".");
  }
  const char *base = slash ? slash + 1 : path;
  size_t sl = (size_t)(dot - base);
  if (!sl || sl >= sizeof stem)
    return sim_err_set(err, SIM_EINVAL, "--timeline: %s: no file name", path);
  memcpy(stem, base, sl);
  stem[sl] = '\0';
  int rc = res__timeline_files(dir, stem, rep->bufs, rep->n_bufs,
                               sim_report_get(rep, "sram_bytes", 0),
                               sim_report_get(rep, "peak_sram_bytes", 0),
                               title, info, err);
  if (rc) return rc;
  char script[600];
  snprintf(script, sizeof script, "%s.gp", stem);
  rc = res__gnuplot(dir, script, err);
  if (rc) return rc;
  /* Only the format asked for is required to exist; the driver draws
   * both. */
  FILE *f = fopen(path, "rb");
  int ok = f && fgetc(f) != EOF;
  if (f) fclose(f);
  if (!ok)
    return sim_err_set(err, SIM_EIO, "%s: gnuplot wrote no image (see "
                       "%s/gnuplot.log)", path, dir);
  return 0;
}

int res__load_bufs(res_db *db, int64_t run_id, sim_buf_record **out,
                   size_t *n, double *cap_bytes, double *hw_bytes,
                   sim_err *err) {
  *out = NULL;
  *n = 0;
  *cap_bytes = 0;
  *hw_bytes = 0;
  sqlite3_stmt *st = NULL;
  /* A version-1 database has no buffers table: nothing to load. */
  int rc = sqlite3_prepare_v2(db->h, "SELECT 1 FROM sqlite_schema WHERE "
                              "name = 'buffers'", -1, &st, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot read buffers");
  int has = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (!has) return 0;
  rc = sqlite3_prepare_v2(db->h,
                          "SELECT name, level, bytes, addr, first_op, "
                          "last_op, at_peak FROM buffers WHERE run_id = ?1 "
                          "ORDER BY idx", -1, &st, NULL);
  if (rc != SQLITE_OK) return res__sqlerr(db, rc, err, "cannot read buffers");
  sqlite3_bind_int64(st, 1, run_id);
  size_t cap = 0;
  sim_buf_record *b = NULL;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t nc = cap ? 2 * cap : 64;
      sim_buf_record *nb = sim_realloc(b, nc * sizeof *nb);
      if (!nb) {
        sqlite3_finalize(st);
        sim_free(b);
        return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", db->path);
      }
      b = nb;
      cap = nc;
    }
    sim_buf_record *r = &b[(*n)++];
    memset(r, 0, sizeof *r);
    const char *nm = (const char *)sqlite3_column_text(st, 0);
    const char *lv = (const char *)sqlite3_column_text(st, 1);
    snprintf(r->name, sizeof r->name, "%s", nm ? nm : "");
    snprintf(r->level, sizeof r->level, "%s", lv ? lv : "");
    r->bytes = (uint64_t)sqlite3_column_int64(st, 2);
    r->addr = (uint64_t)sqlite3_column_int64(st, 3);
    r->first_op = (uint32_t)sqlite3_column_int64(st, 4);
    r->last_op = (uint32_t)sqlite3_column_int64(st, 5);
    r->at_peak = sqlite3_column_int(st, 6);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    sim_free(b);
    *n = 0;
    return res__sqlerr(db, rc, err, "cannot read buffers");
  }
  *out = b;
  rc = sqlite3_prepare_v2(db->h, "SELECT key, value FROM metrics WHERE "
                          "run_id = ?1 AND key IN ('sram_bytes', "
                          "'peak_sram_bytes')", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, run_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
      const char *k = (const char *)sqlite3_column_text(st, 0);
      double v = sqlite3_column_double(st, 1);
      if (k && !strcmp(k, "sram_bytes")) *cap_bytes = v;
      else *hw_bytes = v;
    }
  }
  sqlite3_finalize(st);
  return 0;
}
