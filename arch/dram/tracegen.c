/*
 * tracegen.c — the request streams of shared/validation/dram/gen_traces.py
 * re-implemented bit for bit (the script is the specification; the project
 * never runs it).  Every request is one 64-byte line.
 *
 *   splitmix64:  state += 0x9E3779B97F4A7C15
 *                z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
 *                z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *                return z ^ (z >> 31)          (all mod 2^64)
 *                (sim_splitmix64, the project's one copy: sim/rng.c)
 *   uniform(n) = next() mod n; the seed is the initial state.  This is
 *                the script's (slightly biased) uniform, kept for bit
 *                equality; new code uses sim_rng_below.
 *
 *   seq   reads, addr = i * 64
 *   rand  reads, seed 1, addr = uniform(2^24) * 64
 *   mix   seed 2; per request, draws in this order:
 *           write = uniform(3) == 0
 *           local = i > 0 and uniform(2) == 0   (no draw when i == 0)
 *           local:  base = prev & ~2047, cur = (prev - base) / 64,
 *                   k = uniform(31), k += (k >= cur), addr = base + k * 64
 *           else:   addr = uniform(2^24) * 64
 *
 * Output formats: DRAMsim3 "0x%x READ|WRITE 0", Ramulator "LD|ST 0x%x".
 */
#include "dramInt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LINE 64u

/* The project's one splitmix64 (sim/rng.c); gen_traces.py's is the same
 * function, so the streams match it bit for bit. */
uint64_t dram_splitmix64(uint64_t *state) { return sim_splitmix64(state); }

static inline uint64_t uniform(dram_tracegen *g, uint64_t n) {
  return dram_splitmix64(&g->state) % n;
}

void dram_tracegen_init(dram_tracegen *g, dram_pattern pat) {
  memset(g, 0, sizeof *g);
  g->pat = pat;
  g->state = pat == DRAM_PAT_RAND ? 1 : pat == DRAM_PAT_MIX ? 2 : 0;
}

void dram_tracegen_next(dram_tracegen *g, uint64_t *addr, int *is_write) {
  uint64_t i = g->i++;
  switch (g->pat) {
  case DRAM_PAT_SEQ:
    *addr = i * LINE;
    *is_write = 0;
    break;
  case DRAM_PAT_RAND:
    *addr = uniform(g, 1ull << 24) * LINE;
    *is_write = 0;
    break;
  default: {
    int w = uniform(g, 3) == 0;
    int local = i > 0 && uniform(g, 2) == 0;
    uint64_t a;
    if (local) {
      uint64_t base = g->prev & ~(uint64_t)2047;
      uint64_t cur = (g->prev - base) / LINE;
      uint64_t k = uniform(g, 31);
      if (k >= cur) k += 1;
      a = base + k * LINE;
    } else {
      a = uniform(g, 1ull << 24) * LINE;
    }
    g->prev = a;
    *addr = a;
    *is_write = w;
    break;
  }
  }
}

static const char *const g_names[] = {"seq", "rand", "mix"};

int dram_pattern_parse(const char *name, dram_pattern *out) {
  for (int i = 0; i < 3; i++)
    if (strcmp(name, g_names[i]) == 0) {
      *out = (dram_pattern)i;
      return 0;
    }
  return SIM_EINVAL;
}

const char *dram_pattern_name(dram_pattern p) {
  return (unsigned)p < 3 ? g_names[p] : "?";
}

int dram_tracegen_fill(dram_pattern pat, size_t n, dram_req **out,
                       sim_err *err) {
  *out = NULL;
  dram_req *r = sim_calloc(n ? n : 1, sizeof *r);
  if (!r) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  dram_tracegen g;
  dram_tracegen_init(&g, pat);
  for (size_t i = 0; i < n; i++) {
    int w;
    dram_tracegen_next(&g, &r[i].addr, &w);
    r[i].is_write = (uint8_t)w;
  }
  *out = r;
  return 0;
}

int dram_tracegen_write(dram_pattern pat, size_t n, const char *path,
                        int ramulator, sim_err *err) {
  FILE *f = fopen(path, "w");
  if (!f)
    return sim_err_set(err, SIM_EIO, "%s: cannot create: %s", path,
                       strerror(errno));
  enum { BUF = 1 << 16 };
  char *buf = sim_malloc(BUF);
  if (!buf) {
    fclose(f);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  dram_tracegen g;
  dram_tracegen_init(&g, pat);
  size_t used = 0;
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t a;
    int w;
    dram_tracegen_next(&g, &a, &w);
    if (used > BUF - 64) {
      if (fwrite(buf, 1, used, f) != used) rc = SIM_EIO;
      used = 0;
    }
    /* hand-formatted lowercase hex, as Python's "%x" */
    char hex[20];
    int k = 0;
    do {
      hex[k++] = "0123456789abcdef"[a & 15];
      a >>= 4;
    } while (a);
    if (ramulator) {
      memcpy(buf + used, w ? "ST 0x" : "LD 0x", 5);
      used += 5;
      while (k) buf[used++] = hex[--k];
      buf[used++] = '\n';
    } else {
      buf[used++] = '0';
      buf[used++] = 'x';
      while (k) buf[used++] = hex[--k];
      const char *t = w ? " WRITE 0\n" : " READ 0\n";
      size_t tl = strlen(t);
      memcpy(buf + used, t, tl);
      used += tl;
    }
  }
  if (used && fwrite(buf, 1, used, f) != used) rc = SIM_EIO;
  sim_free(buf);
  if (fclose(f) != 0) rc = SIM_EIO;
  if (rc) return sim_err_set(err, rc, "%s: write error", path);
  return 0;
}
