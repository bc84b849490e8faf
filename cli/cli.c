/*
 * cli.c — option parsing, help text and error printing for tfsim's
 * subcommands.  Options are `--name value`, `--name=value` or flags;
 * CLI_MULTI options may repeat (--set k=v ...).  Anything unknown is a
 * usage error (exit 2) naming the option.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_argc;
char **cli_argv;

cli_opt *cli_get(cli_cmd *c, const char *name) {
  for (cli_opt *o = c->opts; o && o->name; o++)
    if (strcmp(o->name, name) == 0) return o;
  return NULL;
}

void cli_help(const cli_cmd *c, FILE *out) {
  fprintf(out, "usage: tfsim %s\n\n%s\n", c->usage, c->summary);
  if (c->opts && c->opts->name) fprintf(out, "\noptions:\n");
  for (const cli_opt *o = c->opts; o && o->name; o++) {
    char left[64];
    snprintf(left, sizeof left, "%s%s%s", o->name, o->meta ? " " : "",
             o->meta ? o->meta : "");
    fprintf(out, "  %-24s %s\n", left, o->help);
  }
  fprintf(out, "  %-24s %s\n", "--help", "show this help");
}

int cli_parse(cli_cmd *c, int argc, char **argv, sim_err *err) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      cli_help(c, stdout);
      return 1;
    }
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
      if (c->n_pos >= c->n_pos_max || c->n_pos >= CLI_MAX_POS)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: unexpected argument '%s' (see tfsim %s "
                           "--help)", c->name, a, c->name);
      c->pos[c->n_pos++] = a;
      continue;
    }
    char name[64];
    const char *eq = strchr(a, '=');
    size_t nl = eq ? (size_t)(eq - a) : strlen(a);
    if (nl >= sizeof name) nl = sizeof name - 1;
    memcpy(name, a, nl);
    name[nl] = '\0';
    cli_opt *o = cli_get(c, name);
    if (!o)
      return sim_err_set(err, SIM_EINVAL,
                         "%s: unknown option '%s' (see tfsim %s --help)",
                         c->name, name, c->name);
    if (o->kind == CLI_FLAG) {
      if (eq)
        return sim_err_set(err, SIM_EINVAL, "%s: option %s takes no value",
                           c->name, name);
      o->seen = 1;
      continue;
    }
    const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!val)
      return sim_err_set(err, SIM_EINVAL, "%s: option %s needs a value (%s)",
                         c->name, name, o->meta ? o->meta : "VALUE");
    if (o->kind == CLI_MULTI) {
      if (o->n_multi >= CLI_MAX_MULTI)
        return sim_err_set(err, SIM_EINVAL, "%s: too many %s options",
                           c->name, name);
      o->multi[o->n_multi++] = val;
      o->seen = 1;
      continue;
    }
    if (o->kind == CLI_INT) {
      char *end;
      errno = 0;
      long long v = strtoll(val, &end, 10);
      if (errno || !*val || *end || v <= 0)
        return sim_err_set(err, SIM_EINVAL,
                           "%s: option %s: '%s' is not a positive integer",
                           c->name, name, val);
      o->num = v;
    }
    o->str = val;
    o->seen = 1;
  }
  return 0;
}

int cli_fail(const sim_err *err) {
  fprintf(stderr, "tfsim: %s\n",
          err->msg[0] ? err->msg : sim_strerror(err->code));
  int st = sim_err_exit_status(err->code);
  return st ? st : 1;
}

int cli_usage_error(const cli_cmd *c, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "tfsim: %s: %s (see tfsim %s --help)\n", c->name, msg,
          c->name);
  return 2;
}

/* Quotes an argument for a POSIX shell when it needs it, so the stored
 * command line can be pasted back. */
static int needs_quote(const char *a) {
  if (!*a) return 1;
  for (; *a; a++)
    if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
          (*a >= '0' && *a <= '9') || strchr("-_./=:,+@%", *a)))
      return 1;
  return 0;
}

void cli_join_argv(int argc, char **argv, char *out, size_t n) {
  size_t l = 0;
  out[0] = '\0';
  for (int i = 0; i < argc && l + 1 < n; i++) {
    if (i) out[l++] = ' ';
    if (!needs_quote(argv[i])) {
      int w = snprintf(out + l, n - l, "%s", argv[i]);
      if (w < 0 || (size_t)w >= n - l) break;
      l += (size_t)w;
      continue;
    }
    if (l + 1 < n) out[l++] = '\'';
    for (const char *p = argv[i]; *p && l + 5 < n; p++) {
      if (*p == '\'') {
        memcpy(out + l, "'\\''", 4);
        l += 4;
      } else {
        out[l++] = *p;
      }
    }
    if (l + 1 < n) out[l++] = '\'';
    out[l] = '\0';
  }
  out[l < n ? l : n - 1] = '\0';
}

static void print_component(void *ud, const char *comp, double j) {
  int *n = ud;
  printf("%s%s %.4g J", (*n)++ ? ", " : "  (", comp, j);
}

void cli_print_report(const sim_report *r) {
  double lat_s = (double)r->latency_ps * 1e-12;
  printf("%-10s%llu (%s clock)\n", "cycles", (unsigned long long)r->cycles,
         r->clock);
  printf("%-10s%.6g ms\n", "latency", lat_s * 1e3);
  printf("%-10s%.6g J", "energy", sim_report_energy_breakdown(r, NULL, NULL));
  /* The breakdown, grouped as --json's energy_breakdown_j. */
  int n = 0;
  sim_report_energy_breakdown(r, print_component, &n);
  printf("%s\n", n ? ")" : "");
  printf("%-10s%.1f %%\n", "util", r->util * 100);
  printf("%-10s%.6g GB\n", "dram", (double)r->dram_bytes * 1e-9);
  for (size_t i = 0; i < r->n_metrics; i++) {
    const sim_metric *m = &r->metrics[i];
    if (m->type == SIM_MT_BOOL)
      printf("%-24s%s\n", m->key, m->value != 0 ? "true" : "false");
    else if (m->type == SIM_MT_INT && m->value >= 0 && m->value < 9e15)
      printf("%-24s%.0f\n", m->key, m->value);
    else
      printf("%-24s%.6g\n", m->key, m->value);
  }
}

void cli_progress(const char *label, size_t i, size_t n) {
  if (!isatty(STDERR_FILENO)) return;
  fprintf(stderr, "\r%s %zu/%zu%s", label, i, n, i == n ? "\n" : "");
  fflush(stderr);
}
