/*
 * err.c — error codes, one-line messages, and sim_panic for broken
 * invariants.  A message names the file, line and key at fault; the CLI
 * prints it as "tfsim: <msg>" and exits with sim_err_exit_status().
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_err_vset(sim_err *err, int code, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    /* Keep the message on one line. */
    for (char *p = err->msg; *p; p++)
      if (*p == '\n' || *p == '\r') *p = ' ';
  }
  return code;
}

int sim_err_set(sim_err *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sim_err_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

void sim_err_clear(sim_err *err) {
  if (err) {
    err->code = 0;
    err->msg[0] = '\0';
  }
}

const char *sim_strerror(int code) {
  switch (code) {
  case SIM_OK: return "ok";
  case SIM_EINVAL: return "invalid input";
  case SIM_ENOENT: return "not found";
  case SIM_ERANGE: return "out of range";
  case SIM_ENOMEM: return "out of memory";
  case SIM_EIO: return "I/O error";
  case SIM_ESCHEMA: return "unsupported schema version";
  case SIM_EUNSUP: return "not supported";
  case SIM_EINTERNAL: return "internal error";
  default: return "unknown error";
  }
}

int sim_err_exit_status(int code) {
  switch (code) {
  case SIM_OK: return 0;
  case SIM_EINVAL:
  case SIM_ENOENT:
  case SIM_ERANGE:
  case SIM_EIO:
  case SIM_ESCHEMA:
  case SIM_EUNSUP: return 2;
  default: return 1;
  }
}

void sim_panic(const char *component, uint64_t t_ps, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "tfsim: internal error at t=%llu ps in %s: ",
          (unsigned long long)t_ps, component ? component : "?");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}
