/*
 * fuzz_db.c — a corrupted results database: res_db_open (SQLite's own
 * header and page checks, then ours: application_id, user_version, the
 * tables), then, when it opens, res_regress of the file against itself
 * (what `tfsim regress` reads) and res_merge of it into a destination
 * store (what `tfsim merge` reads: every table, row by row).  The
 * destination is made again every FUZZ_DB_MERGES merges so it stays small.
 *
 * The -wal and -shm files of the previous input are removed first, so
 * each input is the whole database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "results/res.h"

#define FUZZ_DB_MERGES 64

/* The merge destination, made (again) when NULL. */
static res_db *g_dst;
static int g_merges;

static void fuzz_db_fini(void) { res_db_close(g_dst); }

static void fuzz_db_rm(const char *path) {
  char aux[700];
  remove(path);
  snprintf(aux, sizeof aux, "%s-wal", path);
  remove(aux);
  snprintf(aux, sizeof aux, "%s-shm", path);
  remove(aux);
}

static void fuzz_db_merge(const char *src) {
  char dst[300];
  snprintf(dst, sizeof dst, "%s/merged.db", fuzz_dir());
  if (g_dst && g_merges >= FUZZ_DB_MERGES) {
    res_db_close(g_dst);
    g_dst = NULL;
  }
  if (!g_dst) {
    sim_err err = {0};
    fuzz_db_rm(dst);
    if (res_db_open(dst, &g_dst, &err)) {
      fprintf(stderr, "fuzz_db: %s\n", err.msg);
      abort();
    }
    static int registered;
    if (!registered) atexit(fuzz_db_fini);
    registered = 1;
    g_merges = 0;
  }
  int64_t n = 0;
  sim_err err = {0};
  int rc = res_merge(g_dst, src, &n, &err);
  fuzz_check_err(rc, &err);
  g_merges++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[300];
  snprintf(path, sizeof path, "%s/runs.db", fuzz_dir());
  fuzz_db_rm(path);
  fuzz_write("runs.db", data, size);
  res_db *db = NULL;
  sim_err err = {0};
  int rc = res_db_open(path, &db, &err);
  fuzz_check_err(rc, &err);
  res_db_close(db);
  if (rc == 0) {
    int n = 0;
    sim_err e2 = {0};
    rc = res_regress(path, path, 5.0, NULL, &n, &e2);
    fuzz_check_err(rc, &e2);
    fuzz_db_merge(path);
  }
  return 0;
}
