/*
 * fuzz.h — what every tfsim fuzz harness shares.
 *
 * A harness is one file fuzz_<name>.c that defines the libFuzzer entry
 * point LLVMFuzzerTestOneInput and calls the same library entry point the
 * CLI calls on that input (arch_load, the class's trace mode,
 * wl_model_find, res_sched_read_json, res_db_open).  Where the API takes
 * a path, the bytes are written to a file in a private temporary folder
 * first (fuzz_write).  The same harness links three ways:
 *   - with clang -fsanitize=fuzzer,address,undefined (TFSIM_FUZZ=ON):
 *     the fuzzer itself;
 *   - with replay.c (any compiler, the normal build): a driver that runs
 *     every file of the regression and seed folders once, which the test
 *     suite does (label unit);
 *   - with replay.c under afl-clang-fast: an AFL++ target (@@).
 * A harness never checks the result code: an error is a fine answer to
 * bad bytes.  It only asserts what must hold on any input (a failing call
 * sets a one-line message), so a crash, a sanitizer report, a leak or an
 * abort is the finding.
 */
#ifndef TFSIM_FUZZ_H
#define TFSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to <tmpdir>/<name> (the folder is created once per process
 * under $TMPDIR, /dev/shm or /tmp) and returns that path (static storage,
 * valid until the next call with the same name).  Aborts if the file
 * cannot be written: that is the machine, not the input. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);

/* The folder fuzz_write uses (created on first use). */
const char *fuzz_dir(void);

/* Aborts unless a failed call (rc != 0) left a non-empty one-line message:
 * the CLI prints err.msg and exits 2, so an empty or multi-line message is
 * a bug too. */
void fuzz_check_err(int rc, const sim_err *err);

#endif /* TFSIM_FUZZ_H */
