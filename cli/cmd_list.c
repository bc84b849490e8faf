/*
 * cmd_list.c — `tfsim list archs|models|mappers`.
 * archs: the presets (name, class, file name in the presets folder that
 * arch_preset_dir finds, which is printed once below) and the classes;
 * models: the zoo with exact parameter counts; mappers: the registry,
 * each with its options and their defaults.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "cli.h"
#include "mappers/map.h"
#include "sim/cfg/cfg.h"
#include "workloads/wl.h"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_archs(void) {
  char dir[4096];
  arch_preset_dir(dir, sizeof dir);
  DIR *d = opendir(dir);
  char *files[512];
  int n = 0;
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
      size_t l = strlen(e->d_name);
      if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0)
        files[n++] = sim_strdup(e->d_name);
    }
    closedir(d);
  } else {
    fprintf(stderr, "tfsim: %s: cannot open the presets folder (set "
            "TFSIM_DATA_DIR)\n", dir);
    return 2;
  }
  if (n > 0) qsort(files, (size_t)n, sizeof files[0], cmp_str);
  printf("%-34s %-8s %s\n", "PRESET", "CLASS", "FILE");
  for (int i = 0; i < n; i++) {
    char path[4096 + 512];
    char *name = NULL, *cls = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    sim_cfg_peek(path, "name", &name, NULL);
    sim_cfg_peek(path, "class", &cls, NULL);
    printf("%-34s %-8s %s\n", name ? name : "?", cls ? cls : "?", files[i]);
    sim_free(name);
    sim_free(cls);
    sim_free(files[i]);
  }
  printf("\n--arch takes a FILE above without .yaml (--arch ideal), a "
         "PRESET name, or the path of any architecture YAML.\npresets "
         "folder: %s\n", dir);
  printf("\nclasses:\n");
  for (const arch_ops *const *a = arch_classes(); *a; a++)
    printf("  %-8s %s\n", (*a)->cls, (*a)->summary);
  return 0;
}

static int list_models(void) {
  printf("%-22s %-8s %-8s %6s %6s %6s %18s\n", "MODEL", "FAMILY", "KIND",
         "LAYERS", "D", "HEADS", "PARAMS");
  for (size_t i = 0; i < wl_zoo_count(); i++) {
    const wl_model *m = wl_zoo_get(i);
    char layers[16];
    if (m->n_dec_layers)
      snprintf(layers, sizeof layers, "%u+%u", m->n_layers, m->n_dec_layers);
    else
      snprintf(layers, sizeof layers, "%u", m->n_layers);
    printf("%-22s %-8s %-8s %6s %6u %6u %18llu\n", m->name, m->family,
           wl_arch_kind_name(m->arch), layers, m->d_model, m->n_heads,
           (unsigned long long)wl_model_params(m));
  }
  printf("\nAlso: any Hugging Face config.json path, and MCUFormer subnets "
         "as mcuformer-d<D>-l<L>-h<H>-m<ratio>-p<P>-r<ratio>.\n");
  return 0;
}

/* Each mapper, then its options as `--map-opt key=default`, what they do
 * and what they allow. */
static int list_mappers(void) {
  printf("%-14s %-8s %s\n", "MAPPER", "CLASS", "WHAT");
  for (const map_ops *const *m = map_list(); *m; m++) {
    printf("%-14s %-8s %s%s\n", (*m)->name, (*m)->arch_cls, (*m)->summary,
           (*m)->is_default ? " (default)" : "");
    const map_opt_def *d = (*m)->iVersion >= 2 ? (*m)->opts : NULL;
    if (!d || !d->key) {
      printf("%-23s options: none\n", "");
      continue;
    }
    for (; d->key; d++) {
      char kv[64], dom[192];
      snprintf(kv, sizeof kv, "%s=%s", d->key, d->dflt);
      map_opt_domain(d, dom, sizeof dom);
      printf("%-23s --map-opt %-22s %s [%s]\n", "", kv, d->help, dom);
    }
  }
  return 0;
}

int cmd_list(int argc, char **argv) {
  cli_cmd c = {.name = "list", .usage = "list archs|models|mappers",
               .summary = "Lists architecture presets and classes, the "
                          "model zoo with parameter counts, or mappers.",
               .opts = (cli_opt[]){{0}}, .n_pos_max = 1};
  sim_err err = {0};
  int rc = cli_parse(&c, argc, argv, &err);
  if (rc == 1) return 0;
  if (rc) return cli_fail(&err);
  if (c.n_pos != 1) return cli_usage_error(&c, "say archs, models or mappers");
  if (!strcmp(c.pos[0], "archs")) return list_archs();
  if (!strcmp(c.pos[0], "models")) return list_models();
  if (!strcmp(c.pos[0], "mappers")) return list_mappers();
  return cli_usage_error(&c, "unknown list '%s' (archs, models, mappers)",
                         c.pos[0]);
}
