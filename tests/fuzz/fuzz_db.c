/*
 * fuzz_db.c — a corrupted results database: res_db_open (SQLite's own
 * header and page checks, then ours: application_id, user_version, the
 * tables), then, when it opens, res_regress of the file against itself,
 * which reads every table `tfsim report|regress|merge` reads.
 *
 * The -wal and -shm files of the previous input are removed first, so
 * each input is the whole database.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "results/res.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char aux[600];
  const char *path = fuzz_write("runs.db", data, size);
  snprintf(aux, sizeof aux, "%s-wal", path);
  remove(aux);
  snprintf(aux, sizeof aux, "%s-shm", path);
  remove(aux);
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
  }
  return 0;
}
