/*
 * fuzz_arch.c — arch_load on an architecture YAML plus --set overrides,
 * as `tfsim run|map|trace --arch FILE --set k=v` does, then the resolved
 * config dump that each stored run keeps.
 *
 * Input: the YAML file, optionally followed by a line "--set" and then
 * one assignment per line (at most FUZZ_ARCH_MAX_SETS; "a.b.c=value").
 */
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "fuzz.h"

#define FUZZ_ARCH_MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char sep[] = "\n--set\n";
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  size_t yaml_len = size;
  const char *sets[FUZZ_ARCH_MAX_SETS];
  int n_sets = 0;
  char *s = strstr(buf, sep); /* a NUL before it hides it: fine */
  if (s) {
    yaml_len = (size_t)(s - buf) + 1;
    char *p = s + sizeof sep - 1;
    s[1] = '\0';
    while (*p && n_sets < FUZZ_ARCH_MAX_SETS) {
      char *nl = strchr(p, '\n');
      if (nl) *nl = '\0';
      sets[n_sets++] = p;
      if (!nl) break;
      p = nl + 1;
    }
  }
  const char *path = fuzz_write("arch.yaml", (const uint8_t *)buf, yaml_len);
  arch_model am;
  sim_err err = {0};
  int rc = arch_load(&am, path, sets, n_sets, &err);
  fuzz_check_err(rc, &err);
  if (rc == 0) {
    char *yaml = NULL;
    sim_err e2 = {0};
    rc = sim_cfg_dump(&am.cfg, &yaml, &e2);
    fuzz_check_err(rc, &e2);
    sim_free(yaml);
    arch_unload(&am);
  }
  free(buf);
  return 0;
}
