/*
 * dram_trace.c — trace mode: the front end of the reference runs and the
 * streaming trace-file reader.
 *
 * Front end (shared/validation/dram/README.md, "How the reference was
 * driven"): every memory cycle offer the next request in trace order, at
 * most one, no earlier than its cycle field; if the controller refuses it
 * (transaction queue full) offer it again next cycle; then process the
 * cycle.  Stop when every request has been accepted, every read has
 * returned and every write has been retired by a WRITE command; the cycle
 * count is the number of cycles processed (skipped idle cycles included).
 * Between events the loop jumps straight to the next cycle at which either
 * the memory system or the front end can act (dram_next_event).
 *
 * File formats, detected from the first request line of each file:
 *   DRAMsim3   0x1f40 READ 0        address, READ|WRITE, cycle (optional)
 *   Ramulator  LD 0x1f40            LD|ST, address
 * Blank lines and lines starting with '#' are skipped; a file with no
 * request at all is "path: the trace has no request" SIM_EINVAL (it is
 * most likely the wrong file, not a run of zero cycles).  The cycle field
 * may jump far ahead (an idle gap of 10^8 cycles or more): the loop skips
 * the gap in one step, and the stall watch below ignores it.  It still
 * processes every refresh of the gap (one event per tREFI per rank), so
 * idle time is not free: a cycle field above DRAM__TRACE_MAX_CYC (2^30,
 * 0.67 s of DDR4-3200 time: an idle gap that long costs about 30 ms in
 * Release, 0.4 s in the sanitizer build) is refused with SIM_ERANGE naming
 * the line, where a stray 10^15 would otherwise run for hours with no
 * output (found by tests/fuzz/fuzz_trace; 2^32, the first cap, still took
 * 1.9 s in the fuzz build, over its 1 s limit).
 * The reader streams
 * the file through a 1 MiB buffer with a hand-written parser (no sscanf);
 * the usual DRAMsim3 line ("0x1f40 READ 0", single spaces) takes a one-pass
 * fast path (fast_line), anything else the general one with its messages:
 * a million lines parse in about 20 ms.  A malformed
 * line is "path:LINE: ..." SIM_EINVAL; an address beyond the configured
 * capacity is "path:LINE: ..." SIM_ERANGE.
 */
#include "dramInt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* The front-end driver                                                   */
/* ---------------------------------------------------------------------- */

#define DRAM__STALL_CYC 100000000ull
/* The largest cycle field a trace may carry (see the file header). */
#define DRAM__TRACE_MAX_CYC (1ull << 30)

typedef struct src {
  /* 1: *out filled; 0: end; < 0: error (err set) */
  int (*next)(void *ctx, dram_req *out, sim_err *err);
  void *ctx;
  /* A trace file: having no request at all is an error naming it. */
  const char *path;
} src;

/* Next request of the source, its address checked against capacity. */
static int src_next(src *in, const dram_spec *spec, uint64_t id,
                    dram_req *out, sim_err *err) {
  int rc = in->next(in->ctx, out, err);
  if (rc == 1 && out->addr >= spec->capacity_bytes)
    return sim_err_set(err, SIM_ERANGE, "dram: request %llu: address "
                       "0x%llx beyond the capacity of %s (%llu bytes)",
                       (unsigned long long)id, (unsigned long long)out->addr,
                       spec->name, (unsigned long long)spec->capacity_bytes);
  return rc;
}

static int run_source(const dram_spec *spec, src *in,
                      const dram_run_opts *opts, sim_report *rep,
                      dram_counters *out, sim_err *err) {
  dram_run_opts o = {0};
  if (opts) o = *opts;
  dram_sys *s = NULL;
  dram_checker *ck = NULL;
  int rc = dram_sys_new(spec, &s, err);
  if (rc) return rc;
  if (o.no_skip) dram_sys_set_no_skip(s, 1);
  if (o.check) {
    if ((rc = dram_checker_new(spec, &ck))) {
      sim_err_set(err, rc, "dram: out of memory");
      goto done;
    }
    dram_sys_set_cmd_hook(s, dram_checker_hook, ck);
  }
  dram_req cur;
  int have = src_next(in, spec, 0, &cur, err);
  if (have < 0) {
    rc = have;
    goto done;
  }
  if (!have && in->path) {
    rc = sim_err_set(err, SIM_EINVAL, "%s: the trace has no request (only "
                     "blank or comment lines, or an empty file)", in->path);
    goto done;
  }
  uint64_t id = 0, progress = 0, last_progress_cyc = 0;
  int acc = -1; /* whether cur would be accepted now; -1: unknown */
  for (;;) {
    uint64_t T = dram__now(s);
    if (have && cur.cyc <= T && acc != 0) {
      int r = dram_submit(s, cur.addr, cur.is_write, id, NULL, NULL);
      if (r == SIM_ENOMEM) {
        rc = sim_err_set(err, r, "dram: request %llu: out of memory",
                         (unsigned long long)id);
        goto done;
      }
      if (r < 0) {
        rc = sim_err_set(err, r, "dram: request %llu: address 0x%llx beyond "
                         "capacity (%llu bytes)", (unsigned long long)id,
                         (unsigned long long)cur.addr,
                         (unsigned long long)spec->capacity_bytes);
        goto done;
      }
      if (r == 0) {
        id++;
        have = src_next(in, spec, id, &cur, err);
        if (have < 0) {
          rc = have;
          goto done;
        }
      }
    }
    dram_tick(s);
    acc = -1;
    if ((rc = dram_sys_failed(s, err))) goto done;
    uint64_t out_n = dram__outstanding(s);
    if (!have && out_n == 0) break;
    /* a state that can never finish (e.g. writes left buffered with
     * write_idle_drain off) would otherwise spin on refresh events.  An
     * idle gap in the trace (the next request's cycle still ahead) is
     * not a stall, however long: the front end acts at its end, so the
     * watch starts again from there. */
    if (id - out_n != progress || (have && cur.cyc > dram__now(s))) {
      progress = id - out_n;
      last_progress_cyc = dram__now(s);
    } else if (dram__now(s) - last_progress_cyc > DRAM__STALL_CYC) {
      rc = sim_err_set(err, SIM_EINVAL, "dram: no request completed for %llu "
                       "cycles (at cycle %llu, %llu outstanding): the "
                       "controller cannot finish (write_idle_drain off?)",
                       (unsigned long long)DRAM__STALL_CYC,
                       (unsigned long long)dram__now(s),
                       (unsigned long long)out_n);
      goto done;
    }
    if (o.max_cycles && dram__now(s) >= o.max_cycles) {
      rc = sim_err_set(err, SIM_ERANGE, "dram: run exceeds %llu cycles",
                       (unsigned long long)o.max_cycles);
      goto done;
    }
    if (o.no_skip) continue;
    uint64_t now = dram__now(s), e = dram_next_event(s);
    if (have) {
      if (cur.cyc > now) {
        if (cur.cyc < e) e = cur.cyc;
      } else if ((acc = dram__can_accept(s, cur.addr, cur.is_write))) {
        e = now; /* nothing changes before the submit: acc stays valid */
      }
    }
    if (e == DRAM_NEVER) {
      rc = sim_err_set(err, SIM_EINTERNAL, "dram: no progress possible at "
                       "cycle %llu with %llu requests outstanding",
                       (unsigned long long)now,
                       (unsigned long long)dram__outstanding(s));
      goto done;
    }
    if (e > now) dram_advance(s, e);
  }
  /* reads submitted without a callback were counted at their RD; run on
   * to the cycle after the last one returns, as the per-cycle loop does */
  if (dram_done_by(s) > dram_now(s)) dram_advance(s, dram_done_by(s));
  if ((rc = dram_sys_failed(s, err))) goto done;
  if (ck && dram_checker_violations(ck)) {
    rc = sim_err_set(err, SIM_EINTERNAL, "dram: protocol checker: %llu "
                     "violations; first: %s",
                     (unsigned long long)dram_checker_violations(ck),
                     dram_checker_first_error(ck));
    goto done;
  }
  dram_counters c;
  dram_get_counters(s, &c);
  if (out) *out = c;
  if (rep) rc = dram_fill_report(spec, &c, rep, err);
done:
  dram_sys_free(s);
  dram_checker_free(ck);
  return rc;
}

typedef struct arr_src {
  const dram_req *r;
  size_t n, i;
} arr_src;

static int arr_next(void *ctx, dram_req *out, sim_err *err) {
  arr_src *a = ctx;
  (void)err;
  if (a->i >= a->n) return 0;
  *out = a->r[a->i++];
  return 1;
}

int dram_run_reqs(const dram_spec *spec, const dram_req *reqs, size_t n,
                  const dram_run_opts *opts, sim_report *rep,
                  dram_counters *out, sim_err *err) {
  arr_src a = {reqs, n, 0};
  src in = {arr_next, &a, NULL};
  return run_source(spec, &in, opts, rep, out, err);
}

/* Tracegen as a source (validation and benchmarks: no array needed). */
typedef struct gen_src {
  dram_tracegen g;
  size_t n, i;
} gen_src;

static int gen_next(void *ctx, dram_req *out, sim_err *err) {
  gen_src *g = ctx;
  (void)err;
  if (g->i >= g->n) return 0;
  int w;
  dram_tracegen_next(&g->g, &out->addr, &w);
  out->is_write = (uint8_t)w;
  out->cyc = 0;
  g->i++;
  return 1;
}

int dram__run_pattern(const dram_spec *spec, dram_pattern pat, size_t n,
                      const dram_run_opts *opts, sim_report *rep,
                      dram_counters *out, sim_err *err) {
  gen_src g;
  memset(&g, 0, sizeof g);
  dram_tracegen_init(&g.g, pat);
  g.n = n;
  src in = {gen_next, &g, NULL};
  return run_source(spec, &in, opts, rep, out, err);
}

/* ---------------------------------------------------------------------- */
/* Trace files                                                            */
/* ---------------------------------------------------------------------- */

#define TR_BUF (1u << 20)

enum { FMT_UNKNOWN = 0, FMT_DRAMSIM3, FMT_RAMULATOR };

typedef struct file_src {
  FILE *f;
  const char *path;
  const dram_spec *spec;
  char *buf;
  size_t pos, len;
  int eof;
  uint64_t line;
  int fmt;
} file_src;

int dram__parse_hex(const char **pp, const char *end, uint64_t *out) {
  const char *p = *pp;
  if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
  uint64_t v = 0;
  const char *start = p;
  while (p < end) {
    unsigned c = (unsigned char)*p, d;
    if (c - '0' < 10)
      d = c - '0';
    else if ((c | 0x20) - 'a' < 6)
      d = (c | 0x20) - 'a' + 10;
    else
      break;
    if (v >> 60) return SIM_ERANGE;
    v = (v << 4) | d;
    p++;
  }
  if (p == start) return SIM_EINVAL;
  *out = v;
  *pp = p;
  return 0;
}

static int parse_dec(const char **pp, const char *end, uint64_t *out) {
  const char *p = *pp;
  uint64_t v = 0;
  const char *start = p;
  while (p < end && (unsigned)(*p - '0') < 10) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return SIM_ERANGE;
    v = v * 10 + d;
    p++;
  }
  if (p == start) return SIM_EINVAL;
  *out = v;
  *pp = p;
  return 0;
}

static inline const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
  return p;
}

static inline int word_is(const char *p, const char *end, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(end - p) < n || memcmp(p, w, n) != 0) return 0;
  return p + n == end || p[n] == ' ' || p[n] == '\t' || p[n] == '\r';
}

/* Parses one line [p, end); 1 request, 0 nothing (blank), < 0 error. */
static int parse_line(file_src *fs, const char *p, const char *end,
                      dram_req *out, sim_err *err) {
  unsigned long long ln = (unsigned long long)fs->line;
  p = skip_ws(p, end);
  if (p == end || *p == '#') return 0;
  if (fs->fmt == FMT_UNKNOWN) {
    if (word_is(p, end, "LD") || word_is(p, end, "ST"))
      fs->fmt = FMT_RAMULATOR;
    else if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
      fs->fmt = FMT_DRAMSIM3;
    else
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: unknown trace format: "
                         "expected '0xADDR READ|WRITE CYCLE' (DRAMsim3) or "
                         "'LD|ST 0xADDR' (Ramulator)", fs->path, ln);
  }
  uint64_t addr = 0, cyc = 0;
  int w, rc;
  if (fs->fmt == FMT_DRAMSIM3) {
    if (!(end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: expected a hex address "
                         "'0x...' (DRAMsim3 format)", fs->path, ln);
    if ((rc = dram__parse_hex(&p, end, &addr)))
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: %s", fs->path, ln,
                         rc == SIM_ERANGE ? "address does not fit 64 bits"
                                          : "bad hex address");
    const char *q = skip_ws(p, end);
    if (q == p)
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: expected a space after "
                         "the address", fs->path, ln);
    p = q;
    if (word_is(p, end, "READ"))
      w = 0, p += 4;
    else if (word_is(p, end, "WRITE"))
      w = 1, p += 5;
    else
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: expected READ or WRITE "
                         "after the address", fs->path, ln);
    p = skip_ws(p, end);
    if (p < end && *p != '#') {
      if ((rc = parse_dec(&p, end, &cyc)))
        return sim_err_set(err, SIM_EINVAL, "%s:%llu: %s", fs->path, ln,
                           rc == SIM_ERANGE ? "cycle does not fit 64 bits"
                                            : "expected a decimal cycle");
      if (cyc > DRAM__TRACE_MAX_CYC)
        return sim_err_set(err, SIM_ERANGE, "%s:%llu: cycle %llu is beyond "
                           "%llu, the longest trace tfsim simulates (idle "
                           "time costs an event per refresh)", fs->path, ln,
                           (unsigned long long)cyc,
                           (unsigned long long)DRAM__TRACE_MAX_CYC);
      p = skip_ws(p, end);
    }
  } else {
    if (word_is(p, end, "LD"))
      w = 0;
    else if (word_is(p, end, "ST"))
      w = 1;
    else
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: expected LD or ST "
                         "(Ramulator format)", fs->path, ln);
    p = skip_ws(p + 2, end);
    if ((rc = dram__parse_hex(&p, end, &addr)))
      return sim_err_set(err, SIM_EINVAL, "%s:%llu: %s", fs->path, ln,
                         rc == SIM_ERANGE ? "address does not fit 64 bits"
                                          : "expected a hex address");
    p = skip_ws(p, end);
  }
  if (p < end && *p != '#')
    return sim_err_set(err, SIM_EINVAL, "%s:%llu: unexpected '%.*s' at the "
                       "end of the line", fs->path, ln,
                       (int)(end - p > 20 ? 20 : end - p), p);
  if (addr >= fs->spec->capacity_bytes)
    return sim_err_set(err, SIM_ERANGE, "%s:%llu: address 0x%llx beyond "
                       "the capacity of %s (%llu bytes)", fs->path, ln,
                       (unsigned long long)addr, fs->spec->name,
                       (unsigned long long)fs->spec->capacity_bytes);
  out->addr = addr;
  out->cyc = cyc;
  out->is_write = (uint8_t)w;
  return 1;
}

/* Hex digit value + 1; 0 for anything else. */
static const unsigned char g_hex1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

/* The common DRAMsim3 line, "0xADDR READ|WRITE CYCLE\n" with single
 * spaces, at most 15 hex digits and 19 decimal ones, parsed in one pass
 * over the bytes (no line search first).  Returns the length consumed
 * (newline included), or 0 to leave the line to the general parser: any
 * other form, a capacity or cycle-limit error, or the end of the buffered
 * data (buf[len] is a 0 sentinel). */
static size_t fast_line(const file_src *fs, const char *p, dram_req *out) {
  const unsigned char *u = (const unsigned char *)p, *s0 = u;
  if (u[0] != '0' || (u[1] | 0x20) != 'x') return 0;
  u += 2;
  uint64_t addr = 0;
  const unsigned char *h = u;
  for (unsigned d; (d = g_hex1[*u]) != 0; u++) addr = (addr << 4) | (d - 1);
  if (u == h || u - h > 15 || *u++ != ' ') return 0;
  int w;
  if (u[0] == 'R' && u[1] == 'E' && u[2] == 'A' && u[3] == 'D')
    w = 0, u += 4;
  else if (u[0] == 'W' && u[1] == 'R' && u[2] == 'I' && u[3] == 'T' &&
           u[4] == 'E')
    w = 1, u += 5;
  else
    return 0;
  uint64_t cyc = 0;
  if (*u == ' ') {
    const unsigned char *d0 = ++u;
    for (; (unsigned)(*u - '0') < 10; u++) cyc = cyc * 10 + (*u - '0');
    if (u == d0 || u - d0 > 19) return 0;
  }
  if (*u != '\n' || addr >= fs->spec->capacity_bytes ||
      cyc > DRAM__TRACE_MAX_CYC)
    return 0;
  out->addr = addr;
  out->cyc = cyc;
  out->is_write = (uint8_t)w;
  return (size_t)(u + 1 - s0);
}

static int file_next(void *ctx, dram_req *out, sim_err *err) {
  file_src *fs = ctx;
  if (fs->fmt == FMT_DRAMSIM3) {
    size_t n = fast_line(fs, fs->buf + fs->pos, out);
    if (n) {
      fs->pos += n;
      fs->line++;
      return 1;
    }
  }
  for (;;) {
    char *nl = memchr(fs->buf + fs->pos, '\n', fs->len - fs->pos);
    if (!nl && !fs->eof) {
      /* move the partial line to the front and read more */
      size_t rest = fs->len - fs->pos;
      if (rest >= TR_BUF)
        return sim_err_set(err, SIM_EINVAL, "%s:%llu: line too long",
                           fs->path, (unsigned long long)(fs->line + 1));
      memmove(fs->buf, fs->buf + fs->pos, rest);
      fs->pos = 0;
      fs->len = rest;
      size_t got = fread(fs->buf + fs->len, 1, TR_BUF - fs->len, fs->f);
      fs->len += got;
      fs->buf[fs->len] = 0; /* fast_line's sentinel */
      if (got == 0) {
        if (ferror(fs->f))
          return sim_err_set(err, SIM_EIO, "%s: read error: %s", fs->path,
                             strerror(errno));
        fs->eof = 1;
      }
      continue;
    }
    if (!nl && fs->pos == fs->len) return 0; /* end of file */
    const char *p = fs->buf + fs->pos;
    const char *end = nl ? nl : fs->buf + fs->len;
    fs->pos = nl ? (size_t)(nl - fs->buf) + 1 : fs->len;
    fs->line++;
    int rc = parse_line(fs, p, end, out, err);
    if (rc) return rc;
  }
}

int dram_run_trace(const dram_spec *spec, const char *path,
                   const dram_run_opts *opts, sim_report *rep,
                   dram_counters *out, sim_err *err) {
  file_src fs;
  memset(&fs, 0, sizeof fs);
  fs.path = path;
  fs.spec = spec;
  fs.f = fopen(path, "rb");
  if (!fs.f)
    return sim_err_set(err, errno == ENOENT ? SIM_ENOENT : SIM_EIO,
                       "%s: cannot open trace: %s", path, strerror(errno));
  fs.buf = sim_malloc(TR_BUF + 1); /* + fast_line's sentinel */
  if (!fs.buf) {
    fclose(fs.f);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  fs.buf[0] = 0;
  src in = {file_next, &fs, path};
  int rc = run_source(spec, &in, opts, rep, out, err);
  sim_free(fs.buf);
  fclose(fs.f);
  return rc;
}
