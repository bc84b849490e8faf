/*
 * test_alloc_fail.c — allocation-failure injection through the sim_alloc
 * hook (issue 14; SQLite's malloc tests are the model).
 *
 * For a small representative run of each class (ideal, dram, pim, mcu,
 * gpu: arch_load of the preset, wl_model_find, map_simulate with the
 * class's default mapper, then the teardown the CLI does), the run is
 * first made with a counting hook to learn its total number of allocation
 * calls T and its cycles.  Then for N = 1, 1 + S, 1 + 2S, ... <= T the
 * N-th allocation call (malloc or realloc) fails, once, and the run must:
 *   - return an error with a one-line message (the CLI prints it and
 *     exits), or succeed with exactly the reference cycles (a failure that
 *     a fallback absorbed: anything else is a silent wrong number);
 *   - leave no block allocated after its teardown (the hook counts live
 *     blocks: every sim_malloc has its sim_free, error paths included).
 * Each injection runs in a forked child, so an abort is seen and counted.
 * Cases: each class as the CLI runs a model, the dram class's trace mode,
 * and ideal with the DRAM back end (ideal.dram).
 * The stride S is 1 (every N) unless TFSIM_OOM_STRIDE says otherwise; the
 * figures (T, runs, errors, absorbed failures, panics) are printed per
 * class.
 * libcyaml allocates through the hook too (cfg.c), so YAML loading is
 * covered; jansson and SQLite are not used by these runs.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mappers/map.h"
#include "tfsim_test.h"
#include "workloads/wl.h"

typedef struct oom_hook {
  uint64_t calls;   /* allocation calls (malloc and realloc) so far */
  uint64_t fail_at; /* 0: never; else the call that returns NULL */
  int64_t live;     /* blocks allocated and not yet freed */
  int failed;       /* the injected failure happened */
} oom_hook;

static void *oom_alloc(void *ud, void *ptr, size_t nsize) {
  oom_hook *h = ud;
  if (nsize == 0) {
    if (ptr) h->live--;
    free(ptr);
    return NULL;
  }
  if (++h->calls == h->fail_at) {
    h->failed = 1;
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (p && !ptr) h->live++;
  return p;
}

typedef struct oom_case {
  const char *cls;
  const char *arch;
  const char *model;
  wl_phase phase;
  wl_scope scope;
  uint64_t seq, kv;
  wl_precision prec;
  /* A class whose panics are counted, not failed (none today: the DRAM
   * model's allocations inside a cycle, once aborts, now set a sticky
   * failure that dram_sys_failed reports and every driver checks). */
  int panics_known;
  const char *set;   /* one --set, or NULL */
  int trace;         /* run the class's trace mode on g_trace instead */
} oom_case;

/* A DRAMsim3 trace of 96 requests over 38,000 cycles of DDR4-3200 (about
 * five refresh intervals), written once by oom_trace_path. */
static char g_trace[64];
static void oom_trace_rm(void) { remove(g_trace); }
static const char *oom_trace_path(void) {
  char *path = g_trace;
  if (path[0]) return path;
  snprintf(path, sizeof g_trace, "/tmp/tfsim-oom-%ld.trace", (long)getpid());
  FILE *f = fopen(path, "w");
  if (!f) return NULL;
  for (unsigned i = 0; i < 96; i++)
    fprintf(f, "0x%x %s %u\n", (i * 2654435761u) & 0x3fffffc0u,
            i % 3 ? "READ" : "WRITE", i * 400);
  fclose(f);
  atexit(oom_trace_rm); /* the parent's exit: children leave with _exit */
  return path;
}

static const oom_case g_cases[] = {
    {"ideal", "ideal", "gpt2", WL_PREFILL, WL_SCOPE_BLOCK, 16, 0, WL_FP16, 0,
     NULL, 0},
    {"dram", "ddr4-3200-8gb-x8-1ch1r", "gpt2", WL_PREFILL,
     WL_SCOPE_ATTENTION, 8, 0, WL_FP16, 0, NULL, 0},
    {"pim", "pim-gpt", "gpt2", WL_DECODE, WL_SCOPE_BLOCK, 0, 8, WL_FP16, 0,
     NULL, 0},
    {"mcu", "stm32f746", "mcuformer-t-min", WL_PREFILL, WL_SCOPE_BLOCK, 0, 0,
     WL_INT8, 0, NULL, 0},
    {"gpu", "t4", "gpt2", WL_PREFILL, WL_SCOPE_BLOCK, 64, 0, WL_FP16, 0, NULL,
     0},
    {"dram-trace", "ddr4-3200-8gb-x8-1ch1r", "-", 0, 0, 0, 0, 0, 0, NULL, 1},
    {"ideal+dram", "ideal", "gpt2", WL_PREFILL, WL_SCOPE_ATTENTION, 8, 0,
     WL_FP16, 0, "ideal.dram=ddr4-3200-8gb-x8-1ch1r", 0},
};

/* One run as the CLI makes it; returns its rc, *cycles on success. */
static int oom_run(const oom_case *c, uint64_t *cycles, sim_err *err) {
  arch_model am;
  wl_model m;
  wl_opts o;
  sim_report rep;
  int rc, loaded = 0, have_rep = 0;
  memset(err, 0, sizeof *err);
  *cycles = 0;
  if ((rc = arch_load(&am, c->arch, c->set ? &c->set : NULL, c->set != NULL,
                      err)))
    goto out;
  loaded = 1;
  if (c->trace) {
    if ((rc = sim_report_init(&rep))) {
      sim_err_set(err, rc, "out of memory");
      goto out;
    }
    have_rep = 1;
    rc = am.ops->trace(am.state, &am.cfg, oom_trace_path(), &rep, err);
    if (!rc) *cycles = rep.cycles;
    goto out;
  }
  if ((rc = wl_model_find(c->model, &m, err))) goto out;
  if ((rc = wl_opts_default_for(&m, &o))) {
    sim_err_set(err, rc, "out of memory"); /* as the CLI says */
    goto out;
  }
  o.phase = c->phase;
  o.scope = c->scope;
  o.prec = c->prec;
  if (c->seq) o.seq = c->seq;
  o.kv = c->kv;
  if ((rc = wl_opts_check(&m, &o, err))) goto out;
  if ((rc = sim_report_init(&rep))) {
    sim_err_set(err, rc, "out of memory"); /* as the CLI says */
    goto out;
  }
  have_rep = 1;
  map_sim_opts so = {0};
  if ((rc = map_simulate(&am, &m, &o, &so, &rep, NULL, err))) goto out;
  *cycles = rep.cycles;
out:
  if (have_rep) sim_report_fini(&rep);
  if (loaded) arch_unload(&am);
  return rc;
}

static uint64_t oom_stride(void) {
  const char *s = getenv("TFSIM_OOM_STRIDE");
  long v = s ? strtol(s, NULL, 10) : 1;
  return v > 0 ? (uint64_t)v : 1;
}

/* One injection, in a child process so that a panic is observed, not
 * suffered: the child's exit status is an oom_outcome. */
typedef enum oom_outcome {
  OOM_ERROR = 0,    /* a clean error, nothing leaked */
  OOM_ABSORBED = 1, /* success with the reference cycles, nothing leaked */
  OOM_BAD = 2,      /* a leak, a bad message, wrong cycles, no failure */
  OOM_PANIC = 3,    /* sim_panic (abort): see oom_case.panics_known */
} oom_outcome;

static oom_outcome oom_inject(const oom_case *c, uint64_t n,
                              uint64_t ref_cycles) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return OOM_BAD;
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 2); /* the panic's own line is not the report */
    oom_hook h = {0};
    sim_err err;
    uint64_t cycles;
    h.fail_at = n;
    sim_alloc_set_hook(oom_alloc, &h);
    int rc = oom_run(c, &cycles, &err);
    sim_alloc_set_hook(NULL, NULL);
    int ok = h.failed && h.live == 0 &&
             (rc ? err.msg[0] && !strchr(err.msg, '\n')
                 : cycles == ref_cycles);
    if (!ok)
      printf("  %s: allocation %llu failed: rc %d, live %lld, cycles %llu "
             "(ref %llu), message '%s'\n", c->cls, (unsigned long long)n, rc,
             (long long)h.live, (unsigned long long)cycles,
             (unsigned long long)ref_cycles, err.msg);
    fflush(stdout);
    _exit(!ok ? OOM_BAD : rc ? OOM_ERROR : OOM_ABSORBED);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return OOM_BAD;
  if (WIFEXITED(st) && WEXITSTATUS(st) <= OOM_BAD)
    return (oom_outcome)WEXITSTATUS(st);
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) return OOM_PANIC;
  printf("  %s: allocation %llu: the run crashed (status 0x%x)\n", c->cls,
         (unsigned long long)n, (unsigned)st);
  return OOM_BAD;
}

static void oom_class(const oom_case *c) {
  oom_hook h = {0};
  sim_err err;
  uint64_t ref_cycles;
  sim_alloc_set_hook(oom_alloc, &h);
  int rc = oom_run(c, &ref_cycles, &err);
  sim_alloc_set_hook(NULL, NULL);
  if (rc) fprintf(stderr, "%s: reference run failed: %s\n", c->cls, err.msg);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_EQUAL(h.live, 0);
  uint64_t total = h.calls, stride = oom_stride();
  uint64_t runs = 0, count[4] = {0};
  for (uint64_t n = 1; n <= total; n += stride) {
    count[oom_inject(c, n, ref_cycles)]++;
    runs++;
  }
  printf("\n  %s (%s, %s): %llu allocation calls, stride %llu: %llu runs, "
         "%llu clean errors, %llu absorbed, %llu panics, %llu bad\n", c->cls,
         c->arch, c->model, (unsigned long long)total,
         (unsigned long long)stride, (unsigned long long)runs,
         (unsigned long long)count[OOM_ERROR],
         (unsigned long long)count[OOM_ABSORBED],
         (unsigned long long)count[OOM_PANIC],
         (unsigned long long)count[OOM_BAD]);
  CU_ASSERT_EQUAL(count[OOM_BAD], 0);
  if (!c->panics_known) CU_ASSERT_EQUAL(count[OOM_PANIC], 0);
}

static void test_ideal(void) { oom_class(&g_cases[0]); }
static void test_dram(void) { oom_class(&g_cases[1]); }
static void test_pim(void) { oom_class(&g_cases[2]); }
static void test_mcu(void) { oom_class(&g_cases[3]); }
static void test_gpu(void) { oom_class(&g_cases[4]); }
static void test_trace(void) { oom_class(&g_cases[5]); }
static void test_ideal_dram(void) { oom_class(&g_cases[6]); }

static CU_TestInfo tests[] = {{"ideal", test_ideal}, {"dram", test_dram},
                              {"pim", test_pim},     {"mcu", test_mcu},
                              {"gpu", test_gpu},
                              {"dram trace mode", test_trace},
                              {"ideal with the DRAM back end", test_ideal_dram},
                              CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"alloc_fail", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
