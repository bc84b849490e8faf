/*
 * mcu_space.c — the MCUFormer search space on one MCU (see mcu_space.h).
 *
 * The space is declared as a map_space (six named dimensions) and
 * searched exhaustively by map_search: the estimate of a subnet lowers
 * it (layers grouped, so a subnet costs about 50 ops whatever its depth),
 * maps it, and runs it on the architecture; a subnet that does not fit
 * the SRAM or the flash is MAP_INVALID, and the cost of one that fits is
 * minus its parameter count, so the winner is the largest subnet that
 * fits (ties: the earlier point).  Counting every verdict happens in the
 * same estimate.  2,160 subnets x (lower + map + plan + execute).
 */
#include "mcu_space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/mcu/mcu.h"

static const int64_t k_dims[] = {168, 192, 216};
static const int64_t k_depth[] = {12, 13, 14};
static const int64_t k_heads[] = {3, 4};
static const int64_t k_mlp_x10[] = {35, 40};
static const int64_t k_patch[] = {16, 20, 24, 28, 32};
static const int64_t k_rank_x100[] = {40, 45, 50, 55, 60, 65,
                                      70, 75, 80, 85, 90, 95};

static const map_dim k_space_dims[] = {
    {"embed", 3, k_dims, NULL},      {"depth", 3, k_depth, NULL},
    {"heads", 2, k_heads, NULL},     {"mlp_x10", 2, k_mlp_x10, NULL},
    {"patch", 5, k_patch, NULL},     {"rank_x100", 12, k_rank_x100, NULL}};

static const map_space k_space = {k_space_dims, 6, NULL};

typedef struct sctx {
  arch_model *a;
  const map_mcu_space_opts *o;
  map_mcu_space_result *res;
  sim_err *err;
} sctx;

static int estimate(void *vctx, const map_point *pt, double *cost) {
  sctx *c = vctx;
  map_mcu_point p;
  memset(&p, 0, sizeof p);
  p.cfg.embed_dim = (uint32_t)map_point_int(&k_space, pt, 0);
  p.cfg.depth = (uint32_t)map_point_int(&k_space, pt, 1);
  p.cfg.heads = (uint32_t)map_point_int(&k_space, pt, 2);
  p.cfg.mlp_ratio = (double)map_point_int(&k_space, pt, 3) / 10;
  p.cfg.patch = (uint32_t)map_point_int(&k_space, pt, 4);
  p.cfg.rank_ratio = (double)map_point_int(&k_space, pt, 5) / 100;
  if ((c->o->only_patch && p.cfg.patch != c->o->only_patch) ||
      (c->o->only_embed && p.cfg.embed_dim != c->o->only_embed))
    return MAP_INVALID; /* outside the subset asked for: not counted */
  wl_model m;
  wl_opts o;
  sim_sched s;
  sim_report r;
  int rc = wl_mcuformer(&p.cfg, &m, c->err);
  if (rc) return rc;
  wl_opts_default(&o);
  o.prec = WL_INT8;
  o.repeat_layers = 1;
  sim_report_init(&r);
  rc = map_lower_and_map(&m, &o, c->a, c->o->mapper ? c->o->mapper
                                                    : "mcuformer",
                         c->o->kv, c->o->n_kv, &s, c->err);
  if (!rc) rc = arch_run(c->a, &s, &r, c->err);
  if (!rc) {
    double sram = sim_report_get(&r, "sram_bytes", 0);
    p.params = wl_model_params(&m);
    p.proxy_bytes = mcu_nas_proxy_bytes(p.cfg.embed_dim, p.cfg.mlp_ratio,
                                        p.cfg.patch, p.cfg.rank_ratio, 240);
    p.peak_sram_bytes = (uint64_t)sim_report_get(&r, "peak_sram_bytes", 0);
    p.flash_bytes = (uint64_t)sim_report_get(&r, "flash_bytes", 0);
    p.fits_sram = sim_report_get(&r, "fits_sram", 0) != 0;
    p.fits_flash = sim_report_get(&r, "fits_flash", 0) != 0;
    p.fits_int_flash = sim_report_get(&r, "ext_flash_bytes", 1) == 0;
    p.proxy_fits = p.proxy_bytes <= sram;
    p.latency_s = (double)r.latency_ps * 1e-12;
    p.macs = (uint64_t)sim_report_get(&r, "macs", 0);
    p.sram_bytes = (uint64_t)sram;
    map_mcu_space_result *q = c->res;
    q->n++;
    q->fits_sram += p.fits_sram;
    q->fits_int_flash += p.fits_int_flash;
    q->fits_flash += p.fits_flash;
    q->fits_all_int += p.fits_sram && p.fits_int_flash;
    q->fits_all += p.fits_sram && p.fits_flash;
    q->proxy_fits += p.proxy_fits;
    q->proxy_agrees += p.proxy_fits == p.fits_sram;
    if (c->o->each) c->o->each(c->o->ud, &p);
    if (p.fits_sram && p.fits_flash) {
      *cost = -(double)p.params;
      /* The search keeps the first of equal costs: so does this copy. */
      if (!q->found || p.params > q->best.params) q->best = p;
      q->found = 1;
    } else {
      rc = MAP_INVALID;
    }
  }
  sim_report_fini(&r);
  sim_sched_fini(&s);
  return rc;
}

int map_mcu_space(arch_model *a, const map_mcu_space_opts *o,
                  map_mcu_space_result *out, sim_err *err) {
  memset(out, 0, sizeof *out);
  map_mcu_space_opts dflt = {0};
  if (!o) o = &dflt;
  if (strcmp(a->ops->cls, "mcu") != 0)
    return sim_err_set(err, SIM_EINVAL, "%s: the MCUFormer space runs on "
                       "class 'mcu', not '%s'", a->cfg.path, a->ops->cls);
  sctx c = {a, o, out, err};
  map_search_cfg cfg = {MAP_SEARCH_EXHAUSTIVE, 1, 100000, NULL};
  map_search_result sr;
  int rc = map_search(&k_space, estimate, NULL, &c, &cfg, &sr, err);
  /* No subnet fits: not an error here, the counts say so. */
  if (rc == SIM_EINVAL && !out->found) {
    sim_err_clear(err);
    return 0;
  }
  return rc;
}

/* ---------------------------------------------------------------------- */
/* map_mcu_search                                                         */
/* ---------------------------------------------------------------------- */

double map_mcu_rank_ratio(size_t i) { return (double)k_rank_x100[i] / 100; }
uint32_t map_mcu_patch(size_t j) { return (uint32_t)k_patch[j]; }

typedef struct collect {
  map_mcu_mapper_result *m;
  uint64_t budget;
  uint64_t *budget_out; /* the budget used: the SRAM when none was asked */
  size_t cap;
  int oom;
  const map_mcu_search_opts *o;
  uint64_t done, total;
} collect;

static void collect_each(void *ud, const map_mcu_point *p) {
  collect *c = ud;
  size_t ri = 0, pj = 0;
  while (ri + 1 < MAP_MCU_N_RANK &&
         llround(p->cfg.rank_ratio * 100) != k_rank_x100[ri])
    ri++;
  while (pj + 1 < MAP_MCU_N_PATCH && p->cfg.patch != (uint32_t)k_patch[pj])
    pj++;
  uint64_t budget = c->budget ? c->budget : p->sram_bytes;
  *c->budget_out = budget;
  int fits = p->peak_sram_bytes <= budget && p->fits_flash;
  c->m->n++;
  c->m->cell_n[ri][pj]++;
  if (c->o->progress && (++c->done % 64 == 0 || c->done == c->total))
    c->o->progress(c->o->progress_ctx, c->done, c->total);
  c->m->cell_fit[ri][pj] += fits;
  c->m->cell_proxy_fit[ri][pj] += p->proxy_bytes <= (double)budget;
  if (!fits || c->oom) return;
  if (c->m->n_fit == c->cap) {
    size_t nc = c->cap ? 2 * c->cap : 256;
    map_mcu_point *np = sim_realloc(c->m->fit, nc * sizeof *np);
    if (!np) {
      c->oom = 1;
      return;
    }
    c->m->fit = np;
    c->cap = nc;
  }
  c->m->fit[c->m->n_fit++] = *p;
}

static int cmp_fast(const void *a, const void *b) {
  const map_mcu_point *x = a, *y = b;
  if (x->latency_s != y->latency_s) return x->latency_s < y->latency_s ? -1
                                                                        : 1;
  /* Ties (rare: distinct subnets) in space order, so the list is
   * deterministic whatever qsort does. */
  const wl_mcu_cfg *p = &x->cfg, *q = &y->cfg;
  if (p->embed_dim != q->embed_dim) return p->embed_dim < q->embed_dim ? -1 : 1;
  if (p->depth != q->depth) return p->depth < q->depth ? -1 : 1;
  if (p->heads != q->heads) return p->heads < q->heads ? -1 : 1;
  if (p->mlp_ratio != q->mlp_ratio) return p->mlp_ratio < q->mlp_ratio ? -1 : 1;
  if (p->patch != q->patch) return p->patch < q->patch ? -1 : 1;
  if (p->rank_ratio != q->rank_ratio)
    return p->rank_ratio < q->rank_ratio ? -1 : 1;
  return 0;
}

void map_mcu_search_fini(map_mcu_search_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_m; i++) sim_free(r->m[i].fit);
  sim_free(r->m);
  memset(r, 0, sizeof *r);
}

int map_mcu_search(arch_model *a, const map_mcu_search_opts *o,
                   map_mcu_search_result *out, sim_err *err) {
  static const char *const dflt[] = {"naive", "tinyengine", "mcuformer"};
  memset(out, 0, sizeof *out);
  const char *const *names = o->n_mappers ? o->mappers : dflt;
  size_t n = o->n_mappers ? o->n_mappers : 3;
  out->m = sim_calloc(n, sizeof *out->m);
  if (!out->m) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  out->n_m = n;
  out->budget_bytes = o->budget_bytes;
  int rc = 0;
  uint64_t space_n = 1;
  for (size_t d = 0; d < k_space.n_dims; d++) space_n *= k_space_dims[d].n;
  uint64_t per = space_n;
  if (o->only_patch) per /= MAP_MCU_N_PATCH;
  if (o->only_embed) per /= 3;
  uint64_t done = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const map_ops *mo = map_find(names[i]);
    if (!mo)
      return sim_err_set(err, SIM_EINVAL, "--mapper: unknown mapper '%s' "
                         "(tfsim list mappers)", names[i]);
    if (strcmp(mo->arch_cls, "mcu") != 0)
      return sim_err_set(err, SIM_EINVAL, "--mapper: '%s' maps class '%s', "
                         "not mcu", names[i], mo->arch_cls);
    snprintf(out->m[i].mapper, sizeof out->m[i].mapper, "%s", names[i]);
    collect c = {&out->m[i], o->budget_bytes, &out->budget_bytes, 0, 0,
                 o, done, per * n};
    map_mcu_space_opts so = {0};
    so.mapper = names[i];
    /* Mapper options go to the mapper that declares them. */
    int takes = mo->opts && mo->opts[0].key;
    so.kv = takes ? o->kv : NULL;
    so.n_kv = takes ? o->n_kv : 0;
    so.each = collect_each;
    so.ud = &c;
    so.only_patch = o->only_patch;
    so.only_embed = o->only_embed;
    map_mcu_space_result sr;
    rc = map_mcu_space(a, &so, &sr, err);
    if (!rc && c.oom) rc = sim_err_set(err, SIM_ENOMEM, "out of memory");
    done = c.done;
    if (!rc && out->m[i].n_fit) /* (qsort of NULL, 0 is undefined) */
      qsort(out->m[i].fit, out->m[i].n_fit, sizeof(map_mcu_point),
            cmp_fast);
  }
  return rc;
}
