/*
 * fuzz_sweep.c — a sweep file through sweep_load, as `tfsim sweep FILE`
 * reads it: the YAML (libcyaml's generic document), the keys (name,
 * fixed, product, zip, groups, set.KEY, map_opt.KEY, the parameters),
 * the expansion into points with their canonical JSON and hash, the
 * duplicate check; then what `--shard I/N` asks of every point.
 *
 * The points are not run: running one is `tfsim run` (arch_load,
 * wl_model_find, map_simulate), which fuzz_arch, fuzz_hf and fuzz_sched
 * cover through the same entry points.
 */
#include <string.h>

#include "fuzz.h"
#include "sweep/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write("sweep.yaml", data, size);
  sweep_spec s;
  sim_err err = {0};
  int rc = sweep_load(path, &s, &err);
  fuzz_check_err(rc, &err);
  if (rc) return 0;
  size_t in = 0;
  for (size_t i = 0; i < s.n; i++) {
    const sweep_point *p = &s.pts[i];
    in += (size_t)sweep_in_shard(p, 2, 3);
    if (!p->canon || strlen(p->hash) != RES_HASH_LEN) __builtin_trap();
  }
  (void)in;
  sweep_spec_fini(&s);
  return 0;
}
