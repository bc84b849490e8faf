/*
 * fuzz_util.c — temporary files and the error-message check for the fuzz
 * harnesses (see fuzz.h).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_dir[256];

static void fuzz_rmdir(void) {
  char cmd[300];
  if (!g_dir[0]) return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  if (system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", g_dir);
}

const char *fuzz_dir(void) {
  if (g_dir[0]) return g_dir;
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(g_dir, sizeof g_dir, "%s/tfsim-fuzz-XXXXXX", base);
  if (!mkdtemp(g_dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(fuzz_rmdir);
  return g_dir;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
    perror(path);
    abort();
  }
  return path;
}

void fuzz_check_err(int rc, const sim_err *err) {
  if (rc == 0) return;
  if (!err->msg[0] || strchr(err->msg, '\n')) {
    fprintf(stderr, "fuzz: rc %d with a bad message: '%s'\n", rc, err->msg);
    abort();
  }
}
