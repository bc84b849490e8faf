/*
 * main.c — the tfsim command: dispatch to subcommands (DESIGN.md section 8,
 * a contract that scripts depend on).
 *
 *   tfsim run | map | trace | sweep | merge | report | regress | validate
 *         | list | search
 *
 * Exit status: 0 success, 1 a failure that is not the input's fault (or a
 * validation/regression that did not pass), 2 bad input.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} g_cmds[] = {
    {"run", cmd_run, "run a model (or a stored schedule) on an architecture"},
    {"map", cmd_map, "map a model onto an architecture: the schedule as JSON"},
    {"trace", cmd_trace, "replay a memory trace on a DRAM architecture"},
    {"sweep", cmd_sweep, "run a design-space sweep (resumable, sharded)"},
    {"merge", cmd_merge, "combine sweep shard databases into one"},
    {"report", cmd_report, "draw plots from a results database"},
    {"regress", cmd_regress, "compare a database with a baseline"},
    {"validate", cmd_validate, "compare published results with ours"},
    {"list", cmd_list, "list archs, models or mappers"},
    {"search", cmd_search, "search the MCUFormer space on an MCU under a "
                           "memory budget"},
};

static void usage(FILE *out) {
  fprintf(out, "tfsim %s — cycle-accurate simulator of transformer "
          "hardware\n\nusage: tfsim COMMAND [options]   (tfsim COMMAND "
          "--help for each)\n\ncommands:\n", TFSIM_VERSION);
  for (size_t i = 0; i < sizeof g_cmds / sizeof g_cmds[0]; i++)
    fprintf(out, "  %-10s %s\n", g_cmds[i].name, g_cmds[i].summary);
}

int main(int argc, char **argv) {
  cli_argc = argc;
  cli_argv = argv;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("tfsim %s\n", TFSIM_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof g_cmds / sizeof g_cmds[0]; i++)
    if (!strcmp(argv[1], g_cmds[i].name))
      return g_cmds[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "tfsim: unknown command '%s' (see tfsim --help)\n",
          argv[1]);
  return 2;
}
