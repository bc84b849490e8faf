/*
 * fuzz_hf.c — Hugging Face config.json import through wl_model_find on a
 * path ending in ".json", as `tfsim run --model config.json` does, then
 * what the CLI derives from the model before mapping: the parameter count,
 * the KV bytes per token, the default options and their check, and the
 * lowering of one block (the model scope of a 96-layer model is slow and
 * adds no parsing; the block is built from the same fields).
 */
#include "fuzz.h"
#include "workloads/wl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write("config.json", data, size);
  wl_model m;
  sim_err err = {0};
  int rc = wl_model_find(path, &m, &err);
  fuzz_check_err(rc, &err);
  if (rc) return 0;
  (void)wl_model_params(&m);
  (void)wl_model_kv_bytes_per_token(&m, WL_FP16);
  wl_opts o;
  if (wl_opts_default_for(&m, &o)) return 0;
  o.scope = WL_SCOPE_BLOCK;
  if (o.seq > 64) o.seq = 64;
  rc = wl_opts_check(&m, &o, &err);
  fuzz_check_err(rc, &err);
  if (rc) return 0;
  wl_cascade *c = NULL;
  rc = wl_lower(&m, &o, &c, &err);
  fuzz_check_err(rc, &err);
  wl_cascade_free(c);
  return 0;
}
