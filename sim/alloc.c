/*
 * alloc.c — the one allocation hook (after Lua's lua_Alloc).  Every
 * allocation in tfsim goes through sim_malloc & co.  Tests install a hook
 * that fails the N-th allocation to prove error paths clean up; nobody
 * else installs one.  The hook is the only process-wide state in sim/ and
 * is set before any object exists, so engines stay independent.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static sim_alloc_fn g_fn = default_alloc;
static void *g_ud;

void sim_alloc_set_hook(sim_alloc_fn fn, void *ud) {
  g_fn = fn ? fn : default_alloc;
  g_ud = fn ? ud : NULL;
}

void *sim_malloc(size_t n) { return g_fn(g_ud, NULL, n ? n : 1); }

void *sim_calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t t = n * size;
  void *p = sim_malloc(t);
  if (p) memset(p, 0, t ? t : 1);
  return p;
}

void *sim_realloc(void *p, size_t n) { return g_fn(g_ud, p, n ? n : 1); }

void sim_free(void *p) {
  if (p) g_fn(g_ud, p, 0);
}

char *sim_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = sim_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}
