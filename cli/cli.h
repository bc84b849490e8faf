/*
 * cli.h — shared pieces of the tfsim command line (cli/): a small
 * option parser with one table per subcommand, error printing with the
 * exit-status rule (2 for bad input), and the subcommand entry points.
 *
 * The CLI is thin: parse arguments, load configs, call the libraries.
 * It is the only place that calls exit() (through main's return).
 */
#ifndef TFSIM_CLI_H
#define TFSIM_CLI_H

#include <stdio.h>

#include "sim/sim.h"

typedef enum cli_kind { CLI_FLAG, CLI_STR, CLI_INT, CLI_MULTI } cli_kind;

#define CLI_MAX_MULTI 64
#define CLI_MAX_POS 256

typedef struct cli_opt {
  const char *name; /* "--arch" */
  cli_kind kind;
  const char *meta; /* "FILE" */
  const char *help;
  /* results */
  int seen;
  const char *str;
  long long num;
  const char *multi[CLI_MAX_MULTI];
  int n_multi;
} cli_opt;

typedef struct cli_cmd {
  const char *name;
  const char *usage;   /* one line after "tfsim " */
  const char *summary; /* what it does */
  cli_opt *opts;       /* terminated by name == NULL */
  int n_pos_max;       /* positional arguments allowed */
  const char *pos[CLI_MAX_POS];
  int n_pos;
} cli_cmd;

/* Parses argv (after the subcommand name).  Returns 0, 1 if --help was
 * printed, or SIM_EINVAL with err set. */
int cli_parse(cli_cmd *c, int argc, char **argv, sim_err *err);
cli_opt *cli_get(cli_cmd *c, const char *name);
void cli_help(const cli_cmd *c, FILE *out);
/* Prints "tfsim: <msg>" and returns the exit status for the code. */
int cli_fail(const sim_err *err);
int cli_usage_error(const cli_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The command line joined with spaces (static buffer per call site). */
void cli_join_argv(int argc, char **argv, char *out, size_t n);
/* Prints the common part of a report (cycles, latency, energy with its
 * breakdown, util, DRAM bytes, metrics) as aligned text. */
void cli_print_report(const sim_report *r);
/* Progress on a terminal only: "\r<label> i/n". */
void cli_progress(const char *label, size_t i, size_t n);

int cmd_run(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_search(int argc, char **argv);

extern int cli_argc;
extern char **cli_argv;

#endif
