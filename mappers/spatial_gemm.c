/*
 * spatial_gemm.c — the `gemm` mapper of the `spatial` class: every MAC
 * einsum of the cascade (a `--model gemm:MxNxK`, or the GEMMs of a block)
 * as folds on the rows x cols 2D array, output- or weight-stationary, as
 * SCALE-Sim (Samajdar et al., ISPASS 2020) and Timeloop users run them.
 *
 * A MAC op seen as a batched GEMM (wl_op_gemm: batch x M x N x K):
 *   os  outputs stay: a fold is an R x C tile of the M x N output,
 *       K streamed in time; folds = batch x ceil(M/R) x ceil(N/C);
 *   ws  weights stay: a fold is an R x C tile of the K x N weight, the
 *       M rows of A streamed in time (partial sums leave the array);
 *       folds = batch x ceil(K/R) x ceil(N/C).
 * dataflow=auto picks per einsum through the shared search driver
 * (map_search over {os, ws}; estimate: folds x fold cycles against the
 * DRAM time of its operands).  One schedule op per einsum, `count` =
 * folds, each instance shaped
 * [R, C, T] (an edge fold is padded: the array takes T cycles however
 * few PEs it uses, so utilisation counts the true MACs).  With
 * spatial.fill_drain the model adds SCALE-Sim's pipeline terms to each
 * fold (2R + C - 2 cycles: operands skewed in across rows and columns,
 * results drained down the rows; arch/spatial/spatial.c).  Other einsums
 * run on the 1D array.  DRAM traffic: each einsum's operands once,
 * spread evenly over its folds.
 */
#include <stdio.h>
#include <string.h>

#include "arch/spatial/spatial.h"
#include "map_spatial.h"

static const char *const g_flows[] = {"os", "ws", "auto", NULL};
static const char *const g_flow_pts[] = {"os", "ws"};
static const map_dim g_dims[] = {{.name = "dataflow", .n = 2,
                                  .svals = g_flow_pts}};
static const map_space g_space = {.dims = g_dims, .n_dims = 1};

/* The fast estimate of a dataflow for one einsum: folds x fold cycles
 * (with SCALE-Sim's fill/drain when the model has it on), against the
 * DRAM time of its operands (cycles). */
typedef struct gemm_est {
  wl_gemm g;
  const spatial_params *hw;
  double bytes;
} gemm_est;

static int gemm_estimate(void *ctx, const map_point *p, double *cost) {
  const gemm_est *e = ctx;
  int ws = p->idx[0] == 1;
  uint64_t R = e->hw->rows, C = e->hw->cols;
  uint64_t a = ws ? e->g.k : e->g.m, t = ws ? e->g.m : e->g.k;
  double folds = (double)e->g.batch * (double)((a + R - 1) / R) *
                 (double)((e->g.n + C - 1) / C);
  double fold = (double)t + (e->hw->fill_drain ? 2.0 * R + C - 2 : 0);
  double mem = e->bytes / (e->hw->dram_gbps * 1e3 / e->hw->clock_mhz);
  *cost = folds * fold > mem ? folds * fold : mem;
  return 0;
}

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

int map__spatial_gemm_op(const wl_cascade *w, size_t i,
                         const spatial_params *hw, int ws, int u2, int dram,
                         int gbuf, sim_sched_op *so, sim_err *err) {
  const wl_op *op = wl_cascade_op(w, i);
  wl_gemm g;
  if (wl_op_gemm(w, op, &g))
    return sim_err_set(err, SIM_EINVAL, "op '%s': not a GEMM", op->name);
  uint64_t R = hw->rows, C = hw->cols;
  uint64_t a = ws ? g.k : g.m, t = ws ? g.m : g.k;
  uint64_t folds = g.batch * cdiv(a, R) * cdiv(g.n, C);
  so->unit = (uint8_t)u2;
  so->count = folds;
  so->n_ranks = 3;
  snprintf(so->ranks[0].name, sizeof so->ranks[0].name, ws ? "k0" : "m0");
  so->ranks[0].size = R;
  snprintf(so->ranks[1].name, sizeof so->ranks[1].name, "n0");
  so->ranks[1].size = C;
  snprintf(so->ranks[2].name, sizeof so->ranks[2].name, ws ? "m" : "k");
  so->ranks[2].size = t;
  so->macs = cdiv(so->macs, folds); /* per fold (exact when tiled) */
  so->rd_bytes[dram] = cdiv(so->rd_bytes[dram], folds);
  so->wr_bytes[dram] = cdiv(so->wr_bytes[dram], folds);
  so->rd_bytes[gbuf] = so->rd_bytes[dram];
  so->wr_bytes[gbuf] = so->wr_bytes[dram];
  return 0;
}

static int gemm_map(const wl_cascade *w, const arch_model *am,
                    const map_opts *o, sim_sched *out, sim_err *err) {
  spatial_params hw;
  int rc = spatial_params_of(am, &hw, err);
  if (rc) return rc;
  int flow = map_opt_enum_index(o, "dataflow");
  map_search_cfg scfg;
  map_search_cfg_from(o, &scfg);
  int u2 = sim_sched_unit(out, "pe2d"), u1 = sim_sched_unit(out, "pe1d");
  int dram = sim_sched_level(out, "dram"), gbuf = sim_sched_level(out, "gbuf");
  if ((rc = map_cascade_tensors(w, out, dram, err))) return rc;
  size_t n = wl_cascade_n_ops(w);
  for (size_t i = 0; i < n; i++) {
    const wl_op *op = wl_cascade_op(w, i);
    sim_sched_op so;
    map_cascade_op(w, i, u1, dram, &so);
    if (op->compute == WL_C_MAC) {
      int ws = flow == 1;
      if (flow == 2) { /* auto: the cheaper by the estimate (os on ties) */
        gemm_est e = {.hw = &hw,
                      .bytes = (double)(so.rd_bytes[dram] +
                                        so.wr_bytes[dram])};
        if (wl_op_gemm(w, op, &e.g))
          return sim_err_set(err, SIM_EINVAL, "op '%s': not a GEMM",
                             op->name);
        map_search_result best;
        if ((rc = map_search(&g_space, gemm_estimate, NULL, &e, &scfg,
                             &best, err)))
          return rc;
        ws = best.best.idx[0] == 1;
      }
      if ((rc = map__spatial_gemm_op(w, i, &hw, ws, u2, dram, gbuf, &so,
                                     err)))
        return rc;
    }
    if (sim_sched_push(out, &so) < 0)
      return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  return map_cascade_groups(w, out, err);
}

static const map_opt_def g_gemm_opts[] = {
    MAP_SEARCH_OPTS("exhaustive", "100"),
    {.key = "dataflow", .type = MAP_OPT_ENUM, .dflt = "os",
     .values = g_flows,
     .help = "os: output-stationary (K in time); ws: weight-stationary "
             "(M in time); auto: per einsum, the cheaper by the estimate "
             "(map_search)"},
    {0}};

const map_ops gemm_map_ops = {
    .iVersion = 2, .name = "gemm", .arch_cls = "spatial",
    .summary = "GEMM folds on the 2D array, output- or weight-stationary "
               "(SCALE-Sim style); other einsums on the 1D array",
    .is_default = 0, .map = gemm_map, .opts = g_gemm_opts};
