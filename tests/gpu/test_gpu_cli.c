/*
 * test_gpu_cli.c — the gpu class's bad input through the tfsim command:
 * one line on stderr naming what is wrong, exit status 2.  A model over
 * HBM (by how much, and how many GPUs would hold it), a tile over shared
 * memory, fp8 on an A100 (a schedule asking for it), bf16 on a T4, an
 * efficiency above 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tfsim_test.h"

#define A100 TFSIM_SOURCE_DIR "/arch/configs/gpu-a100-80gb.yaml"

static char g_err[4096];

/* Runs tfsim with args; returns its exit status, stderr in g_err. */
static int run(const char *args) {
  char cmd[2048], path[64];
  snprintf(path, sizeof path, "/tmp/tfsim_gpu_cli_%d.err", (int)getpid());
  snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>%s", TFSIM_BIN, args, path);
  int st = system(cmd);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(g_err, 1, sizeof g_err - 1, f) : 0;
  g_err[n] = 0;
  if (f) fclose(f);
  unlink(path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int one_line(void) {
  char *nl = strchr(g_err, '\n');
  return nl && nl[1] == 0;
}

static void test_bad(void) {
  CU_ASSERT_EQUAL(run("run --arch " A100 " --model llama2-70b --seq 128"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "57.95 GB more than gpu.hbm_gb"));
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "fit on 2 GPUs"));
  CU_ASSERT_EQUAL(run("run --arch " A100 " --model gpt2-s --scope attention "
                      "--seq 1024 --map-opt br=512 --map-opt bc=512"), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "gpu.smem_per_block_kb"));
  CU_ASSERT_EQUAL(run("run --arch " TFSIM_SOURCE_DIR "/arch/configs/"
                      "gpu-t4.yaml --model gpt2-s --seq 64 --precision bf16"),
                  2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "tensor_macs_per_clk.bf16"));
  CU_ASSERT_EQUAL(run("run --arch " A100 " --model gpt2-s --seq 64 --set "
                      "gpu.efficiency.gemm=1.5"), 2);
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "gpu.efficiency.gemm"));
  /* fp8 on an A100: a schedule that asks for it. */
  char path[64], cmd[1024];
  snprintf(path, sizeof path, "/tmp/tfsim_gpu_fp8_%d.json", (int)getpid());
  snprintf(cmd, sizeof cmd, "%s map --arch %s --model gpt2-s --scope "
           "attention --seq 256 | sed 's/\"prec\":\"fp16\"/\"prec\":"
           "\"fp8\"/g' > %s", TFSIM_BIN, A100, path);
  CU_ASSERT_EQUAL(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "run --arch %s --schedule %s", A100, path);
  CU_ASSERT_EQUAL(run(cmd), 2);
  CU_ASSERT(one_line());
  CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "fp8"));
  unlink(path);
}

/* tfsim map, then run --schedule, gives the same latency as run. */
static void test_round_trip(void) {
  char path[64], cmd[1024];
  snprintf(path, sizeof path, "/tmp/tfsim_gpu_rt_%d", (int)getpid());
  snprintf(cmd, sizeof cmd, "%s map --arch %s --model llama2-7b --seq 512 "
           "--map-opt tp=2 > %s.json && %s run --arch %s --schedule %s.json "
           "--json 2>/dev/null | grep '\"latency_s\"' > %s.a && %s run "
           "--arch %s --model llama2-7b --seq 512 --map-opt tp=2 --json "
           "2>/dev/null | grep '\"latency_s\"' > %s.b && test -s %s.a && "
           "cmp -s %s.a %s.b",
           TFSIM_BIN, A100, path, TFSIM_BIN, A100, path, path, TFSIM_BIN,
           A100, path, path, path, path);
  CU_ASSERT_EQUAL(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "rm -f %s.json %s.a %s.b", path, path, path);
  CU_ASSERT_EQUAL(system(cmd), 0);
}

static CU_TestInfo tests[] = {{"bad input: one line, exit 2", test_bad},
                              {"map, then run --schedule = run",
                               test_round_trip},
                              CU_TEST_INFO_NULL};
static CU_SuiteInfo suites[] = {
    {"gpu_cli", NULL, NULL, NULL, NULL, tests}, CU_SUITE_INFO_NULL};
TFSIM_TEST_MAIN(suites)
