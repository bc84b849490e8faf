/*
 * cfg.c — typed YAML configuration with one-line "file:line: key: msg"
 * errors.  See cfg.h for the contract.
 *
 * How errors get their position:
 *  - libcyaml reports through its log callback; we capture the lines of one
 *    load into a buffer and parse them: the first line is the problem
 *    ("Invalid UINT value: '-5'", "Unexpected key: foo", "Missing required
 *    mapping field: tRCD"), the "in mapping field 'k' (line: L, ...)"
 *    backtrace lines (innermost first) give the dotted key and the line.
 *  - libyaml syntax errors are re-parsed with libyaml itself to get the
 *    exact problem mark (libcyaml's backtrace points at the enclosing key).
 *  - Semantic errors (sim_cfg_fail) look the key up with libyaml events:
 *    sim_cfg_key_line walks the document keeping the stack of mapping keys.
 *
 * Overrides (--set a.b.c=v) walk the cyaml schema itself: field names,
 * offsets and types are all there, so an override is parsed and range-
 * checked with the same types as the file.  Nested optional mappings that
 * were absent are allocated (zeroed) on the way down.
 *
 * Memory: libcyaml allocates through sim_realloc/sim_free (cyaml's mem_fn),
 * so the test allocation hook covers configs too.  sim_cfg owns `data`.
 */
#include "cfg.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

/* ---------------------------------------------------------------------- */
/* libcyaml glue                                                          */
/* ---------------------------------------------------------------------- */

typedef struct cfg_log {
  char buf[2048];
  size_t len;
} cfg_log;

static void cfg_log_fn(cyaml_log_t level, void *ctx, const char *fmt,
                       va_list args) {
  cfg_log *l = ctx;
  if (!l || level < CYAML_LOG_ERROR) return;
  if (l->len + 1 >= sizeof l->buf) return;
  int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, args);
  if (n > 0) {
    l->len += (size_t)n;
    if (l->len >= sizeof l->buf) l->len = sizeof l->buf - 1;
  }
}

static void *cfg_mem_fn(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  if (size == 0) {
    sim_free(ptr);
    return NULL;
  }
  return sim_realloc(ptr, size);
}

static const cyaml_config_t g_cyaml = {
    .log_fn = cfg_log_fn,
    .log_ctx = NULL,
    .mem_fn = cfg_mem_fn,
    .mem_ctx = NULL,
    .log_level = CYAML_LOG_ERROR,
    .flags = CYAML_CFG_DEFAULT,
};

const cyaml_config_t *sim_cfg_cyaml(void) { return &g_cyaml; }

/* ---------------------------------------------------------------------- */
/* Key lookup with libyaml events                                         */
/* ---------------------------------------------------------------------- */

#define CFG_DEPTH 32

typedef struct cfg_frame {
  int is_map;
  int expect_key; /* map: next scalar is a key */
  long index;     /* seq: next element index */
  char key[128];  /* map: current key */
} cfg_frame;

/* Builds the dotted path of the value about to be read at depth d into
 * out (keys of maps, indices of sequences). */
static void cfg_path(const cfg_frame *st, int d, char *out, size_t n) {
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < d; i++) {
    char comp[140];
    if (st[i].is_map)
      snprintf(comp, sizeof comp, "%s", st[i].key);
    else
      snprintf(comp, sizeof comp, "%ld", st[i].index);
    int w = snprintf(out + len, n - len, "%s%s", len ? "." : "", comp);
    if (w < 0 || (size_t)w >= n - len) return;
    len += (size_t)w;
  }
}

/* Calls back for every mapping key: (dotted path, line).  Stops when cb
 * returns non-zero.  Returns 0, or -1 on a parse error (*err_line set). */
typedef int (*cfg_key_cb)(void *ud, const char *path, int line);

static int cfg_walk_keys(FILE *f, const char *text, size_t text_len,
                         cfg_key_cb cb, void *ud, int *err_line,
                         int *err_col, char *problem, size_t problem_n) {
  yaml_parser_t p;
  yaml_event_t ev;
  cfg_frame st[CFG_DEPTH];
  int d = 0, rc = 0, done = 0;
  if (!yaml_parser_initialize(&p)) return -1;
  if (f)
    yaml_parser_set_input_file(&p, f);
  else
    yaml_parser_set_input_string(&p, (const unsigned char *)text, text_len);
  while (!done) {
    if (!yaml_parser_parse(&p, &ev)) {
      if (err_line) *err_line = (int)p.problem_mark.line + 1;
      if (err_col) *err_col = (int)p.problem_mark.column + 1;
      if (problem && problem_n)
        snprintf(problem, problem_n, "%s", p.problem ? p.problem : "error");
      rc = -1;
      break;
    }
    int value_done = 0;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      if (d < CFG_DEPTH) {
        st[d].is_map = ev.type == YAML_MAPPING_START_EVENT;
        st[d].expect_key = 1;
        st[d].index = 0;
        st[d].key[0] = '\0';
      }
      d++;
      break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      if (d > 0) d--;
      value_done = 1;
      break;
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
      if (d > 0 && d <= CFG_DEPTH && st[d - 1].is_map &&
          st[d - 1].expect_key) {
        cfg_frame *fr = &st[d - 1];
        snprintf(fr->key, sizeof fr->key, "%s",
                 ev.type == YAML_SCALAR_EVENT ? (char *)ev.data.scalar.value
                                              : "*");
        fr->expect_key = 0;
        char path[1024];
        cfg_path(st, d, path, sizeof path);
        if (cb(ud, path, (int)ev.start_mark.line + 1)) done = 1;
      } else {
        value_done = 1;
      }
      break;
    default: break;
    }
    if (value_done && d > 0 && d <= CFG_DEPTH) {
      if (st[d - 1].is_map)
        st[d - 1].expect_key = 1;
      else
        st[d - 1].index++;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return rc;
}

typedef struct cfg_find {
  const char *want;
  int line;
} cfg_find;

static int cfg_find_cb(void *ud, const char *path, int line) {
  cfg_find *f = ud;
  if (strcmp(path, f->want) == 0) {
    f->line = line;
    return 1;
  }
  return 0;
}

int sim_cfg_key_line(const char *path, const char *dotted_key) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  cfg_find fd = {dotted_key, 0};
  cfg_walk_keys(f, NULL, 0, cfg_find_cb, &fd, NULL, NULL, NULL, 0);
  fclose(f);
  return fd.line;
}

/* ---------------------------------------------------------------------- */
/* Turning a captured libcyaml log into one line                          */
/* ---------------------------------------------------------------------- */

/* Reads a whole file; NULL with *oom = 1 on allocation failure, 0 when
 * the file cannot be opened (errno set). */
static char *cfg_read_file(const char *path, size_t *len, int *oom) {
  *oom = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *b = sim_malloc(cap);
  while (b) {
    size_t r = fread(b + n, 1, cap - n - 1, f);
    n += r;
    if (r == 0) break;
    if (n + 1 >= cap) {
      char *nb = sim_realloc(b, cap * 2);
      if (!nb) {
        sim_free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!b) *oom = 1;
  if (b) {
    b[n] = '\0';
    if (len) *len = n;
  }
  return b;
}

/* Parses the log into: problem text, dotted key, line. */
static void cfg_log_parse(const char *log, char *problem, size_t pn,
                          char *key, size_t kn, int *line) {
  char fields[CFG_DEPTH][128];
  int nf = 0, first_line = 0;
  problem[0] = '\0';
  key[0] = '\0';
  *line = 0;
  const char *p = log;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char ln[512];
    if (n >= sizeof ln) n = sizeof ln - 1;
    memcpy(ln, p, n);
    ln[n] = '\0';
    const char *s = ln;
    if (strncmp(s, "Load: ", 6) == 0) s += 6;
    while (*s == ' ') s++;
    if (strncmp(s, "Backtrace:", 10) == 0) {
      /* nothing */
    } else if (strncmp(s, "in mapping field '", 18) == 0) {
      const char *k = s + 18, *q = strchr(k, '\'');
      if (q && nf < CFG_DEPTH) {
        size_t kl = (size_t)(q - k);
        if (kl >= sizeof fields[0]) kl = sizeof fields[0] - 1;
        memcpy(fields[nf], k, kl);
        fields[nf][kl] = '\0';
        nf++;
      }
      const char *lp = strstr(s, "(line: ");
      if (lp && !first_line) first_line = atoi(lp + 7);
    } else if (strncmp(s, "in mapping", 10) == 0 ||
               strncmp(s, "in sequence", 11) == 0) {
      const char *lp = strstr(s, "(line: ");
      /* A sequence entry: libcyaml gives no index, so the key stays the
       * path up to the sequence. */
      if (lp && !first_line) first_line = atoi(lp + 7);
    } else if (!problem[0]) {
      size_t sl = strlen(s);
      if (sl >= pn) sl = pn - 1;
      memcpy(problem, s, sl);
      problem[sl] = '\0';
    }
    p = e ? e + 1 : p + strlen(p);
  }
  /* Backtrace is innermost first: reverse into a dotted key. */
  size_t kl = 0;
  for (int i = nf - 1; i >= 0; i--) {
    int w = snprintf(key + kl, kn - kl, "%s%s", kl ? "." : "", fields[i]);
    if (w < 0 || (size_t)w >= kn - kl) break;
    kl += (size_t)w;
  }
  *line = first_line;
}

/* Rewrites a libcyaml problem into our wording; adjusts key for
 * key-naming problems.  Returns the message part. */
static void cfg_problem(const char *problem, char *key, size_t kn,
                        char *msg, size_t mn, int *key_is_new) {
  static const char unexpected[] = "Unexpected key: ";
  static const char missing[] = "Missing required mapping field: ";
  static const char seen[] = "Mapping field already seen: ";
  *key_is_new = 0;
  const char *name = NULL;
  const char *what = NULL;
  if (strncmp(problem, unexpected, sizeof unexpected - 1) == 0) {
    name = problem + sizeof unexpected - 1;
    what = "unknown key";
  } else if (strncmp(problem, missing, sizeof missing - 1) == 0) {
    name = problem + sizeof missing - 1;
    what = "missing required key";
  } else if (strncmp(problem, seen, sizeof seen - 1) == 0) {
    name = problem + sizeof seen - 1;
    what = "duplicate key";
  }
  if (name) {
    /* The backtrace's innermost field is the *sibling* libcyaml was at,
     * not the parent: drop it, then append the named key. */
    char *dot = strrchr(key, '.');
    if (strcmp(what, "duplicate key") == 0) {
      /* key already names the field */
    } else if (strcmp(what, "unknown key") == 0) {
      /* "in mapping (line...)" gives no field: key is the parent path */
      size_t kl = strlen(key);
      snprintf(key + kl, kn - kl, "%s%s", kl ? "." : "", name);
      *key_is_new = 1;
    } else {
      if (dot)
        *dot = '\0';
      else
        key[0] = '\0';
      size_t kl = strlen(key);
      snprintf(key + kl, kn - kl, "%s%s", kl ? "." : "", name);
      *key_is_new = 1;
    }
    snprintf(msg, mn, "%s", what);
    return;
  }
  /* "Invalid UINT value: '-5'" -> "invalid value '-5' (expected an
   * unsigned integer)" */
  static const struct {
    const char *tag, *desc;
  } types[] = {{"UINT", "a non-negative integer"},
               {"uint64_t", "a non-negative integer"},
               {"INT", "an integer"},
               {"int64_t", "an integer"},
               {"FLOAT", "a number"},
               {"BOOL", "true or false"},
               {"ENUM", "one of the allowed names"},
               {"FLAGS", "flags"}};
  if (strncmp(problem, "Invalid ", 8) == 0) {
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
      size_t tl = strlen(types[i].tag);
      if (strncmp(problem + 8, types[i].tag, tl) == 0 &&
          strncmp(problem + 8 + tl, " value: ", 8) == 0) {
        snprintf(msg, mn, "invalid value %s (expected %s)",
                 problem + 8 + tl + 8, types[i].desc);
        return;
      }
    }
  }
  if (strncmp(problem, "Expecting ", 10) == 0) {
    snprintf(msg, mn, "wrong type: %s", problem);
    return;
  }
  snprintf(msg, mn, "%s", problem);
}

static int cfg_load_error(sim_err *err, const char *name, const char *text,
                          size_t text_len, cyaml_err_t ce, const cfg_log *lg) {
  char problem[256], key[512], msg[384];
  int line = 0, key_is_new = 0;
  if (ce == CYAML_ERR_LIBYAML_PARSER) {
    int el = 0, ec = 0;
    char prob[200] = "syntax error";
    cfg_walk_keys(NULL, text, text_len, cfg_find_cb,
                  &(cfg_find){"\x01", 0}, &el, &ec, prob, sizeof prob);
    return sim_err_set(err, SIM_EINVAL, "%s:%d:%d: YAML syntax error: %s",
                       name, el, ec, prob);
  }
  cfg_log_parse(lg->buf, problem, sizeof problem, key, sizeof key, &line);
  if (!problem[0]) snprintf(problem, sizeof problem, "%s", cyaml_strerror(ce));
  cfg_problem(problem, key, sizeof key, msg, sizeof msg, &key_is_new);
  if (key_is_new && text) {
    /* Find the line of an unknown/duplicate key in the text itself. */
    cfg_find fd = {key, 0};
    cfg_walk_keys(NULL, text, text_len, cfg_find_cb, &fd, NULL, NULL, NULL,
                  0);
    if (fd.line) line = fd.line;
  }
  if (ce == CYAML_ERR_OOM)
    return sim_err_set(err, SIM_ENOMEM, "%s: out of memory while loading",
                       name);
  if (line > 0 && key[0])
    return sim_err_set(err, SIM_EINVAL, "%s:%d: %s: %s", name, line, key,
                       msg);
  if (key[0])
    return sim_err_set(err, SIM_EINVAL, "%s: %s: %s", name, key, msg);
  return sim_err_set(err, SIM_EINVAL, "%s:%d: %s", name, line > 0 ? line : 1,
                     msg);
}

static int cfg_load_text(sim_cfg *c, const char *name, const char *text,
                         size_t len, const cyaml_schema_value_t *schema,
                         sim_err *err) {
  /* Syntax first: libcyaml streams, so it may report a bad key before
   * libyaml reaches a syntax error further down. */
  int el = 0, ec = 0;
  char prob[200] = "syntax error";
  if (cfg_walk_keys(NULL, text, len, cfg_find_cb, &(cfg_find){"\x01", 0},
                    &el, &ec, prob, sizeof prob) != 0)
    return sim_err_set(err, SIM_EINVAL, "%s:%d:%d: YAML syntax error: %s",
                       name, el, ec, prob);
  cfg_log lg;
  memset(&lg, 0, sizeof lg);
  cyaml_config_t cc = g_cyaml;
  cc.log_ctx = &lg;
  void *data = NULL;
  cyaml_err_t ce = cyaml_load_data((const uint8_t *)text, len, &cc, schema,
                                   (cyaml_data_t **)&data, NULL);
  if (ce != CYAML_OK) {
    if (data) cyaml_free(&cc, schema, data, 0);
    return cfg_load_error(err, name, text, len, ce, &lg);
  }
  c->data = data;
  return 0;
}

int sim_cfg_load_string(sim_cfg *c, const char *name, const char *yaml,
                        const cyaml_schema_value_t *schema, sim_err *err) {
  memset(c, 0, sizeof *c);
  c->schema = schema;
  c->path = sim_strdup(name ? name : "<string>");
  if (!c->path) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  int rc = cfg_load_text(c, c->path, yaml, strlen(yaml), schema, err);
  if (rc) sim_cfg_close(c);
  return rc;
}

int sim_cfg_load(sim_cfg *c, const char *path,
                 const cyaml_schema_value_t *schema, sim_err *err) {
  memset(c, 0, sizeof *c);
  c->schema = schema;
  size_t len = 0;
  int oom = 0;
  errno = 0;
  char *text = cfg_read_file(path, &len, &oom);
  if (!text) {
    if (oom) return sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
    return sim_err_set(err, SIM_ENOENT, "%s: cannot read file: %s", path,
                       strerror(errno ? errno : ENOENT));
  }
  if (strlen(text) != len) {
    sim_free(text);
    return sim_err_set(err, SIM_EINVAL, "%s: not a text file (NUL byte)",
                       path);
  }
  c->path = sim_strdup(path);
  if (!c->path) {
    sim_free(text);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  int rc = cfg_load_text(c, path, text, len, schema, err);
  sim_free(text);
  if (rc) sim_cfg_close(c);
  return rc;
}

void sim_cfg_close(sim_cfg *c) {
  if (!c) return;
  if (c->data && c->schema) cyaml_free(&g_cyaml, c->schema, c->data, 0);
  for (int i = 0; i < c->n_sets; i++) sim_free(c->set_keys[i]);
  sim_free(c->path);
  memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------------- */
/* Semantic errors                                                        */
/* ---------------------------------------------------------------------- */

static int cfg_is_set(const sim_cfg *c, const char *key) {
  for (int i = 0; i < c->n_sets; i++)
    if (strcmp(c->set_keys[i], key) == 0) return 1;
  return 0;
}

static int cfg_vfail(const sim_cfg *c, sim_err *err, int code,
                     const char *key, const char *fmt, va_list ap) {
  char msg[384];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (cfg_is_set(c, key))
    return sim_err_set(err, code, "--set: %s: %s", key, msg);
  int line = c->path ? sim_cfg_key_line(c->path, key) : 0;
  if (line > 0)
    return sim_err_set(err, code, "%s:%d: %s: %s", c->path, line, key, msg);
  return sim_err_set(err, code, "%s: %s: %s", c->path ? c->path : "?", key,
                     msg);
}

int sim_cfg_fail(const sim_cfg *c, sim_err *err, const char *key,
                 const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cfg_vfail(c, err, SIM_EINVAL, key, fmt, ap);
  va_end(ap);
  return rc;
}

int sim_cfg_failc(const sim_cfg *c, sim_err *err, int code, const char *key,
                  const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cfg_vfail(c, err, code, key, fmt, ap);
  va_end(ap);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* --set overrides through the schema                                     */
/* ---------------------------------------------------------------------- */

static int cfg_store_uint(void *dst, size_t size, uint64_t v) {
  switch (size) {
  case 1: if (v > UINT8_MAX) return -1; *(uint8_t *)dst = (uint8_t)v; break;
  case 2: if (v > UINT16_MAX) return -1; *(uint16_t *)dst = (uint16_t)v; break;
  case 4: if (v > UINT32_MAX) return -1; *(uint32_t *)dst = (uint32_t)v; break;
  case 8: *(uint64_t *)dst = v; break;
  default: return -1;
  }
  return 0;
}

static int cfg_store_int(void *dst, size_t size, int64_t v) {
  switch (size) {
  case 1: if (v < INT8_MIN || v > INT8_MAX) return -1; *(int8_t *)dst = (int8_t)v; break;
  case 2: if (v < INT16_MIN || v > INT16_MAX) return -1; *(int16_t *)dst = (int16_t)v; break;
  case 4: if (v < INT32_MIN || v > INT32_MAX) return -1; *(int32_t *)dst = (int32_t)v; break;
  case 8: *(int64_t *)dst = v; break;
  default: return -1;
  }
  return 0;
}

static int cfg_set_leaf(const cyaml_schema_value_t *v, void *dst,
                        const char *key, const char *val, sim_err *err) {
  char *end = NULL;
  errno = 0;
  switch (v->type) {
  case CYAML_UINT: {
    const char *s = val;
    while (*s == ' ') s++;
    if (*s == '-' || !*s) goto bad;
    unsigned long long u = strtoull(s, &end, 0);
    if (errno || *end) goto bad;
    if (cfg_store_uint(dst, v->data_size, u)) goto range;
    return 0;
  }
  case CYAML_INT: {
    long long i = strtoll(val, &end, 0);
    if (errno || !*val || *end) goto bad;
    if (cfg_store_int(dst, v->data_size, i)) goto range;
    return 0;
  }
  case CYAML_FLOAT: {
    double d = strtod(val, &end);
    if (errno || !*val || *end || !isfinite(d)) goto bad;
    if (v->data_size == sizeof(float))
      *(float *)dst = (float)d;
    else if (v->data_size == sizeof(double))
      *(double *)dst = d;
    else
      goto bad;
    return 0;
  }
  case CYAML_BOOL: {
    int b;
    if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") ||
        !strcmp(val, "1"))
      b = 1;
    else if (!strcmp(val, "false") || !strcmp(val, "no") ||
             !strcmp(val, "off") || !strcmp(val, "0"))
      b = 0;
    else
      goto bad;
    if (cfg_store_uint(dst, v->data_size, (uint64_t)b)) goto bad;
    return 0;
  }
  case CYAML_ENUM: {
    for (uint32_t i = 0; i < v->enumeration.count; i++)
      if (strcmp(v->enumeration.strings[i].str, val) == 0)
        return cfg_store_int(dst, v->data_size,
                             v->enumeration.strings[i].val)
                   ? sim_err_set(err, SIM_EINVAL, "--set: %s: bad value", key)
                   : 0;
    return sim_err_set(err, SIM_EINVAL,
                       "--set: %s: invalid value '%s' (not an allowed name)",
                       key, val);
  }
  case CYAML_STRING: {
    if (!(v->flags & CYAML_FLAG_POINTER))
      return sim_err_set(err, SIM_EUNSUP,
                         "--set: %s: cannot be set from the command line",
                         key);
    size_t n = strlen(val);
    if (n < v->string.min || n > v->string.max)
      return sim_err_set(err, SIM_EINVAL, "--set: %s: bad string length",
                         key);
    char *s = sim_strdup(val);
    if (!s) return sim_err_set(err, SIM_ENOMEM, "out of memory");
    sim_free(*(char **)dst);
    *(char **)dst = s;
    return 0;
  }
  default:
    return sim_err_set(err, SIM_EUNSUP,
                       "--set: %s: cannot be set from the command line", key);
  }
bad:
  return sim_err_set(err, SIM_EINVAL, "--set: %s: invalid value '%s'", key,
                     val);
range:
  return sim_err_set(err, SIM_ERANGE, "--set: %s: value '%s' out of range",
                     key, val);
}

int sim_cfg_set(sim_cfg *c, const char *assignment, sim_err *err) {
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment)
    return sim_err_set(err, SIM_EINVAL,
                       "--set: '%s': expected key=value", assignment);
  size_t kl = (size_t)(eq - assignment);
  char key[512];
  if (kl >= sizeof key)
    return sim_err_set(err, SIM_EINVAL, "--set: key too long");
  memcpy(key, assignment, kl);
  key[kl] = '\0';
  const char *val = eq + 1;
  if (!c->data || !c->schema)
    return sim_err_set(err, SIM_EINVAL, "--set: no configuration loaded");
  if (c->n_sets >= SIM_CFG_MAX_SETS)
    return sim_err_set(err, SIM_EINVAL, "--set: too many overrides");

  /* Walk: `base` is the struct the current mapping's fields live in. */
  const cyaml_schema_value_t *v = c->schema;
  uint8_t *base = c->data;
  char comp[512];
  const char *p = key;
  while (1) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (n == 0 || n >= sizeof comp)
      return sim_err_set(err, SIM_EINVAL, "--set: %s: bad key", key);
    memcpy(comp, p, n);
    comp[n] = '\0';
    if (v->type != CYAML_MAPPING)
      return sim_err_set(err, SIM_EINVAL, "--set: %s: '%s' is not a section",
                         key, comp);
    const cyaml_schema_field_t *f = v->mapping.fields;
    while (f->key && strcmp(f->key, comp) != 0) f++;
    if (!f->key)
      return sim_err_set(err, SIM_EINVAL, "--set: %s: unknown key '%s'", key,
                         comp);
    const cyaml_schema_value_t *fv = &f->value;
    uint8_t *slot = base + f->data_offset;
    if (!dot) {
      void *dst = slot;
      if ((fv->flags & CYAML_FLAG_POINTER) && fv->type != CYAML_STRING) {
        void **pp = (void **)slot;
        if (!*pp) {
          *pp = sim_calloc(1, fv->data_size ? fv->data_size : 8);
          if (!*pp) return sim_err_set(err, SIM_ENOMEM, "out of memory");
        }
        dst = *pp;
      }
      int rc = cfg_set_leaf(fv, dst, key, val, err);
      if (rc) return rc;
      break;
    }
    if (fv->type != CYAML_MAPPING)
      return sim_err_set(err, SIM_EINVAL, "--set: %s: '%s' is not a section",
                         key, comp);
    if (fv->flags & CYAML_FLAG_POINTER) {
      void **pp = (void **)slot;
      if (!*pp) {
        *pp = sim_calloc(1, fv->data_size);
        if (!*pp) return sim_err_set(err, SIM_ENOMEM, "out of memory");
      }
      base = *pp;
    } else {
      base = slot;
    }
    v = fv;
    p = dot + 1;
  }
  if (!cfg_is_set(c, key)) {
    c->set_keys[c->n_sets] = sim_strdup(key);
    if (!c->set_keys[c->n_sets])
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
    c->n_sets++;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Dump and peek                                                          */
/* ---------------------------------------------------------------------- */

int sim_cfg_dump(const sim_cfg *c, char **out_yaml, sim_err *err) {
  *out_yaml = NULL;
  char *buf = NULL;
  size_t len = 0;
  cfg_log lg;
  memset(&lg, 0, sizeof lg);
  cyaml_config_t cc = g_cyaml;
  cc.log_ctx = &lg;
  cyaml_err_t ce = cyaml_save_data(&buf, &len, &cc, c->schema, c->data, 0);
  if (ce != CYAML_OK)
    return sim_err_set(err, ce == CYAML_ERR_OOM ? SIM_ENOMEM : SIM_EINVAL,
                       "%s: cannot write resolved config: %s", c->path,
                       cyaml_strerror(ce));
  char *s = sim_malloc(len + 1);
  if (!s) {
    cfg_mem_fn(NULL, buf, 0);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  memcpy(s, buf, len);
  s[len] = '\0';
  cfg_mem_fn(NULL, buf, 0);
  *out_yaml = s;
  return 0;
}

int sim_cfg_peek(const char *path, const char *key, char **out,
                 sim_err *err) {
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return sim_err_set(err, SIM_EINVAL, "%s: is a directory, not a YAML "
                       "file", path);
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_err_set(err, SIM_ENOENT, "%s: cannot read file: %s", path,
                       strerror(errno));
  yaml_parser_t p;
  yaml_event_t ev;
  int depth = 0, expect_key = 1, found = 0, rc = 0, done = 0;
  if (!yaml_parser_initialize(&p)) {
    fclose(f);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  yaml_parser_set_input_file(&p, f);
  int top_seen = 0;
  while (!done) {
    if (!yaml_parser_parse(&p, &ev)) {
      rc = sim_err_set(err, SIM_EINVAL, "%s:%d:%d: YAML syntax error: %s",
                       path, (int)p.problem_mark.line + 1,
                       (int)p.problem_mark.column + 1,
                       p.problem ? p.problem : "error");
      break;
    }
    /* The document must be a mapping of keys. */
    if (!top_seen && (ev.type == YAML_MAPPING_START_EVENT ||
                      ev.type == YAML_SEQUENCE_START_EVENT ||
                      ev.type == YAML_SCALAR_EVENT ||
                      ev.type == YAML_ALIAS_EVENT)) {
      top_seen = 1;
      if (ev.type != YAML_MAPPING_START_EVENT) {
        rc = sim_err_set(err, SIM_EINVAL, "%s:%d: the document must be a "
                         "mapping of keys (name: ..., class: ...)", path,
                         (int)ev.start_mark.line + 1);
        yaml_event_delete(&ev);
        break;
      }
    }
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      if (depth == 1 && found && !expect_key) {
        rc = sim_err_set(err, SIM_EINVAL, "%s:%d: %s: must be a single "
                         "value", path, (int)ev.start_mark.line + 1, key);
        done = 1;
        break;
      }
      if (depth == 1) expect_key = 1; /* a nested value: next is a key */
      depth++;
      break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT: depth--; break;
    case YAML_SCALAR_EVENT:
      if (depth == 1) {
        if (expect_key) {
          found = strcmp((char *)ev.data.scalar.value, key) == 0;
          expect_key = 0;
        } else {
          if (found) {
            *out = sim_strdup((char *)ev.data.scalar.value);
            if (!*out) rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
            done = 1;
          }
          expect_key = 1;
        }
      }
      break;
    default: break;
    }
    if (depth == 1 && (ev.type == YAML_MAPPING_END_EVENT ||
                       ev.type == YAML_SEQUENCE_END_EVENT))
      expect_key = 1;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  fclose(f);
  if (!rc && !*out && !top_seen)
    rc = sim_err_set(err, SIM_EINVAL, "%s:1: the file is empty (expected "
                     "name: ..., class: ...)", path);
  if (!rc && !*out)
    rc = sim_err_set(err, SIM_EINVAL, "%s:1: %s: missing required key", path,
                     key);
  return rc;
}

int sim_cfg_check_pos(const sim_cfg *c, sim_err *err, const char *key,
                      double v) {
  if (!isfinite(v)) return sim_cfg_fail(c, err, key, "must be finite");
  if (!(v > 0)) return sim_cfg_fail(c, err, key, "must be > 0 (got %g)", v);
  return 0;
}

int sim_cfg_check_nonneg(const sim_cfg *c, sim_err *err, const char *key,
                         double v) {
  if (!isfinite(v)) return sim_cfg_fail(c, err, key, "must be finite");
  if (!(v >= 0)) return sim_cfg_fail(c, err, key, "must be >= 0 (got %g)", v);
  return 0;
}
