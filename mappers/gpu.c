/*
 * gpu.c — mappers for the `gpu` class: a whole model as CUDA kernels.
 *
 *   flash2       (default) attention as one fused FlashAttention-2 kernel
 *   flash        attention as FlashAttention (Algorithm 1 of Dao et al.
 *                2022): O, l, m through HBM on every key block
 *   standard     attention as three kernels, S = QK^T and P = softmax(S)
 *                written to and read back from HBM
 *   flashdecode  flash2, with the key length split over blocks when the
 *                grid (batch x heads x query blocks) cannot fill the SMs,
 *                and a reduction kernel (FlashDecoding)
 *
 * Every other einsum is one kernel (eager framework mode: one launch per
 * op): a MAC op is a tiled tensor-core GEMM (128 x 128 output tiles,
 * operands read from HBM once, the re-reads of a tile row/column served
 * by L2); any other op is an element-wise kernel on the CUDA cores
 * (4 elements per thread, 1024 threads per block).  Each kernel is a
 * launch op on the unit "host" followed by the kernel op on "sm" (see
 * arch/gpu/gpu.h for the schedule contract).
 *
 * HBM accesses.  The count tests (tests/gpu/test_gpu_map.c) hold these
 * equal to the FlashAttention paper's expressions per (batch, head),
 * N = keys = queries, d = head dim, elements of 2 bytes (l, m of 4):
 *   standard: reads Q, K (QK), S (softmax), P, V (AV) = 3Nd + 2N^2;
 *             writes S, P, O = Nd + 2N^2;
 *   flash:    Bc = ceil(M / 4d), Br = min(Bc, d), Tc = ceil(N / Bc),
 *             M = shared memory per block in elements;
 *             reads K, V once (2Nd) and Q_i, O_i, l_i, m_i on every key
 *             block (Tc (2Nd + 2N)); writes the initial O, l, m
 *             (Nd + 2N) and O_i, l_i, m_i on every key block
 *             (Tc (Nd + 2N)).
 * The query blocks i of one key block are independent, so the flash
 * kernel runs them as separate thread blocks (each loops over j); the
 * accesses are Algorithm 1's, in another order.  K_j and V_j of one head
 * are read from HBM once and by the other query blocks from L2
 * ("l2" level traffic); flash2 reads Q_i once and writes O_i once.
 *
 * Causal attention visits only the key blocks at or below the diagonal
 * (work is skipped, not computed and masked): query block i of Br rows
 * sees ceil(min(M, (i+1) Br + C) / Bc) key blocks, C = cached keys.  All
 * blocks of a kernel are one op (the executor's instances are identical),
 * so per-block work is the mean over the grid; totals are exact (the
 * remainder is a second op of one block).
 *
 * Non-matmul work per score element (FA2's softmax, counted from its
 * kernel: one FFMA for scale and max subtraction, one max, one add to the
 * row sum, half a conversion to fp16 for P): 3.5 fp32 ops and one exp on
 * the SFU; rescaling O costs one multiply per O element per key block.
 * FlashAttention (Algorithm 1, line 12) rescales with diag(l_new)^-1 and
 * two exponentials per row: three fp32 ops per O element per key block,
 * plus 4.5 per score element (an extra subtraction).  The causal mask
 * costs one op per element of a diagonal block.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/gpu/gpu.h"
#include "map.h"

typedef enum attn_alg {
  ALG_STANDARD, ALG_FLASH, ALG_FLASH2, ALG_FDEC, ALG_LEAN
} attn_alg;

typedef struct gmap {
  const wl_cascade *w;
  const gpu_params *p;
  sim_sched *s;
  int hbm, l2, smem, sm, host, link; /* link: -1 unless tp > 1 */
  uint64_t tp;           /* tensor-parallel GPUs (1: none) */
  int split;             /* the kernel being emitted is split over tp */
  int graph;             /* one launch for the whole step (CUDA graph) */
  int64_t last_launch;   /* emitted index of the previous launch, -1 */
  int64_t (*done)[2];    /* per cascade op: emitted ops to wait on */
  sim_err *err;
} gmap;

/* Per-block resources and work, given as totals over the grid. */
typedef struct kern {
  const char *name;
  sim_fn fn;
  sim_prec prec;
  int layer;
  uint64_t blocks;
  uint32_t threads, regs, smem_b;
  gpu_kclass kc;
  uint64_t macs, fp32, sfu;           /* totals */
  uint64_t rd[4], wr[4];              /* totals per level: hbm, l2, smem,
                                         link */
  int32_t in[SIM_OP_MAX_IN];
  int n_in;
  int32_t out;
  uint32_t deps_wl[WL_MAX_DEPS];      /* cascade deps */
  uint32_t n_deps_wl;
} kern;

static int add_dep(sim_sched_op *op, int64_t d) {
  if (d < 0) return 0;
  for (uint32_t i = 0; i < op->n_deps; i++)
    if (op->deps[i] == (uint32_t)d) return 0;
  if (op->n_deps >= SIM_OP_MAX_DEPS) return -1;
  op->deps[op->n_deps++] = (uint32_t)d;
  return 0;
}

/* Emits the launch and the kernel (one op, plus a one-block op for the
 * remainder when a total does not divide by the grid).  Records the
 * emitted ops in m->done[wl_op] (which may be -1: none). */
static int emit(gmap *m, const kern *k, int64_t wi) {
  sim_sched_op op;
  char nm[SIM_NAME_MAX];
  int li = (int)m->last_launch;
  if (!m->graph || li < 0) {
    /* Eager: one launch per kernel.  Graph: one launch for the step. */
    snprintf(nm, sizeof nm, "%.40s.launch", m->graph ? "graph" : k->name);
    sim_sched_op_init(&op, nm, SIM_FN_MOVE, k->prec, m->host);
    op.layer = m->graph ? -1 : k->layer;
    add_dep(&op, m->last_launch);
    li = sim_sched_push(m->s, &op);
    if (li < 0) return sim_err_set(m->err, SIM_ENOMEM, "out of memory");
    m->last_launch = li;
  }
  uint64_t n = k->blocks ? k->blocks : 1;
  uint64_t tot[2 + 8 + 1];
  tot[0] = k->macs;
  tot[1] = k->fp32;
  for (int l = 0; l < 4; l++) tot[2 + l] = k->rd[l], tot[6 + l] = k->wr[l];
  tot[10] = k->sfu;
  if (m->split && m->tp > 1) {
    /* Tensor parallel: this GPU's share of a split kernel. */
    for (int f = 0; f < 11; f++) tot[f] /= m->tp;
    n = (n + m->tp - 1) / m->tp;
  }
  /* Two ops, always (so a decode step's schedule keeps its shape): n - 1
   * blocks of the mean work, rounded down, and one block with the rest,
   * so every total is exact.  A grid of one block is the second op's
   * alone (the first then does nothing). */
  uint64_t n_main = n > 1 ? n - 1 : 1;
  int64_t ids[2] = {-1, -1};
  for (int part = 0; part < 2; part++) {
    uint64_t cnt = part ? 1 : n_main, v[11];
    for (int f = 0; f < 11; f++)
      v[f] = n == 1 ? (part ? tot[f] : 0)
                    : part ? tot[f] - (tot[f] / n) * n_main : tot[f] / n;
    sim_sched_op_init(&op, k->name, k->fn, k->prec, m->sm);
    if (part) snprintf(op.name, sizeof op.name, "%.43s.rem", k->name);
    op.layer = k->layer;
    op.count = cnt;
    op.macs = v[0];
    op.elem_ops = v[1];
    int lv[4] = {m->hbm, m->l2, m->smem, m->link};
    for (int l = 0; l < 4; l++) {
      if (lv[l] < 0) continue;
      op.rd_bytes[lv[l]] = v[2 + l];
      op.wr_bytes[lv[l]] = v[6 + l];
    }
    for (int i = 0; i < k->n_in && i < SIM_OP_MAX_IN; i++)
      op.in[op.n_in++] = k->in[i];
    if (k->out >= 0) op.out[op.n_out++] = k->out;
    add_dep(&op, li);
    for (uint32_t d = 0; d < k->n_deps_wl; d++)
      for (int h = 0; h < 2; h++)
        if (add_dep(&op, m->done[k->deps_wl[d]][h]) < 0)
          return sim_err_set(m->err, SIM_EINVAL, "op %s: more than %d "
                             "dependencies", k->name, SIM_OP_MAX_DEPS);
    char pl[160];
    snprintf(pl, sizeof pl, "{\"threads\": %u, \"regs\": %u, \"smem\": %u, "
             "\"sfu\": %llu, \"class\": %d}", k->threads, k->regs, k->smem_b,
             (unsigned long long)v[10], (int)k->kc);
    int oi = sim_sched_push(m->s, &op);
    if (oi < 0 || sim_sched_set_op_payload(m->s, (size_t)oi, pl))
      return sim_err_set(m->err, SIM_ENOMEM, "out of memory");
    ids[part] = oi;
  }
  if (wi >= 0) {
    m->done[wi][0] = ids[0];
    m->done[wi][1] = ids[1];
  }
  return 0;
}

/* Kernel configurations: the launch parameters of the kernels modelled,
 * from their public sources.
 *  GEMM: CUTLASS's default sm80 fp16 tile, 128 x 128 x 32, 3 stages, 8
 *    warps of 64 x 32 (cutlass/gemm/device/default_gemm_configuration.h);
 *    ~128 registers per thread; split-K slices of at least 256.
 *  Element-wise: PyTorch's vectorised kernels, 4 elements per thread
 *    (ATen/native/cuda/Loops.cuh: num_threads 128 x thread_work_size 4;
 *    here 1024 threads per block, 4096 elements, 32 registers).
 *  FlashAttention-2: 4 warps (128 threads), up to 255 registers per
 *    thread (the O accumulator), tiles 128 x 128 for d <= 64 and
 *    128 x 64 for d <= 128 on sm80, 64 x 64 above
 *    (flash_fwd_launch_template.h); one MMA covers 16 rows. */
enum {
  GEMM_T = 128, GEMM_TK = 32, GEMM_STAGES = 3, GEMM_THREADS = 256,
  GEMM_REGS = 128, GEMM_MIN_SPLIT_K = 256, GEMM_WARP_M = 64,
  GEMM_WARP_N = 32, GEMM_WARPS_M = 2, GEMM_WARPS_N = 4,
  ELEM_THREADS = 1024, ELEM_PER_BLOCK = 4096, ELEM_REGS = 32,
  FA_THREADS = 128, FA_WARPS = 4, FA_REGS = 255, MMA_ROWS = 16
};

static uint64_t cdiv(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 0; }

static uint64_t op_rank(const wl_cascade *w, const wl_op *op,
                        const char *a, const char *b) {
  for (uint32_t r = 0; r < op->n_ranks; r++) {
    const wl_rank *wr = wl_cascade_rank(w, op->ranks[r]);
    if (strcmp(wr->name, a) == 0 || (b && strcmp(wr->name, b) == 0))
      return wr->size;
  }
  return 0;
}

static void kern_init(kern *k, const wl_cascade *w, const wl_op *op,
                      const char *name) {
  memset(k, 0, sizeof *k);
  k->name = name;
  k->fn = map_fn_of(op);
  k->prec = (sim_prec)wl_cascade_tensor(w, op->out.tensor)->prec;
  k->layer = op->layer;
  k->out = (int32_t)op->out.tensor;
  for (uint32_t i = 0; i < op->n_in && i < SIM_OP_MAX_IN; i++)
    k->in[k->n_in++] = (int32_t)op->in[i].tensor;
  for (uint32_t d = 0; d < op->n_deps; d++)
    k->deps_wl[k->n_deps_wl++] = op->deps[d];
}

/* A MAC op as a tiled tensor-core GEMM: 128 x 128 output tiles, a
 * 128 x 128 x 32 main loop with 3 stages in shared memory (48 KB), 8
 * warps of 64 x 32 (CUTLASS's default sm80 tile). */
static int gemm_kernel(gmap *m, size_t i) {
  const wl_op *op = wl_cascade_op(m->w, i);
  wl_gemm g;
  if (wl_op_gemm(m->w, op, &g))
    return sim_err_set(m->err, SIM_EINTERNAL, "op %s: not a GEMM", op->name);
  kern k;
  kern_init(&k, m->w, op, op->name);
  k.kc = GPU_K_GEMM;
  uint64_t tm = cdiv(g.m, GEMM_T), tn = cdiv(g.n, GEMM_T);
  k.blocks = g.batch * tm * tn;
  /* Split-K (cuBLAS's choice for skinny GEMMs: decode GEMVs): too few
   * tiles to fill the SMs split the reduction into ks slices of at least
   * 256, each writing an fp32 partial tile that a second pass adds. */
  uint32_t occ;
  int rc = gpu_occupancy(m->p, GEMM_THREADS, GEMM_REGS,
                         GEMM_STAGES * (GEMM_T + GEMM_T) * GEMM_TK * 2, &occ,
                         m->err);
  if (rc) return rc;
  uint64_t ks = 1, slots = (uint64_t)m->p->sms * occ;
  if (k.blocks < slots) {
    ks = slots / k.blocks; /* one wave: no tail */
    uint64_t kmax = g.k / GEMM_MIN_SPLIT_K;
    if (ks > kmax) ks = kmax ? kmax : 1;
  }
  k.blocks *= ks;
  k.threads = GEMM_THREADS;
  k.regs = GEMM_REGS;
  k.smem_b = GEMM_STAGES * (GEMM_T + GEMM_T) * GEMM_TK * 2;
  k.macs = wl_op_macs(m->w, op);
  double eb = wl_precision_bytes(wl_cascade_tensor(m->w, op->in[0].tensor)->prec);
  k.rd[0] = wl_op_in_bytes(m->w, op);
  k.wr[0] = wl_op_out_bytes(m->w, op);
  /* Every tile reads its row panel of A and column panel of B (L2). */
  double panels = (double)g.batch * (double)g.k *
                  ((double)g.m * (double)tn + (double)g.n * (double)tm);
  k.rd[1] = (uint64_t)(panels * eb);
  k.wr[1] = k.wr[0];
  if (ks > 1) {
    /* fp32 partials out and back in: an L2-resident workspace when it
     * fits half the L2, else through HBM. */
    uint64_t part = g.batch * g.m * g.n * 4 * ks;
    k.wr[1] += part;
    k.rd[1] += part;
    if ((double)part > m->p->l2_b / 2) k.wr[0] += part, k.rd[0] += part;
  }
  /* Shared memory: panels written once; A read by each of the 4 warp
   * columns that have columns, B by each of the 2 warp rows that have
   * rows (a GEMV's one row: B once). */
  double ra = (double)(cdiv(g.n, GEMM_WARP_N) < GEMM_WARPS_N
                            ? cdiv(g.n, GEMM_WARP_N) : GEMM_WARPS_N);
  double rb = (double)(cdiv(g.m, GEMM_WARP_M) < GEMM_WARPS_M
                            ? cdiv(g.m, GEMM_WARP_M) : GEMM_WARPS_M);
  k.wr[2] = k.rd[1];
  k.rd[2] = (uint64_t)((double)g.batch * (double)g.k * eb *
                       (ra * (double)g.m * (double)tn +
                        rb * (double)g.n * (double)tm));
  return emit(m, &k, (int64_t)i);
}

static int sfu_fn(sim_fn f) {
  return f == SIM_FN_EXP || f == SIM_FN_SUB_EXP || f == SIM_FN_GELU ||
         f == SIM_FN_SILU || f == SIM_FN_TANH || f == SIM_FN_RSQRT ||
         f == SIM_FN_DIV;
}

/* Any other op: an element-wise (or row-reduction) kernel on the CUDA
 * cores, 4 elements per thread, 1024 threads per block. */
static int elem_kernel(gmap *m, size_t i) {
  const wl_op *op = wl_cascade_op(m->w, i);
  kern k;
  kern_init(&k, m->w, op, op->name);
  k.kc = GPU_K_ELEM;
  uint64_t pts = wl_op_points(m->w, op);
  k.blocks = cdiv(pts, ELEM_PER_BLOCK);
  if (!k.blocks) k.blocks = 1;
  k.threads = ELEM_THREADS;
  k.regs = ELEM_REGS;
  k.fp32 = wl_op_elem_ops(m->w, op);
  k.sfu = sfu_fn(k.fn) ? pts : 0;
  k.rd[0] = k.rd[1] = wl_op_in_bytes(m->w, op);
  k.wr[0] = k.wr[1] = wl_op_out_bytes(m->w, op);
  return emit(m, &k, (int64_t)i);
}

/* The attention core between cascade ops qk and av (3-pass form). */
typedef struct att {
  uint64_t b, g, j, P, M, e, f, C;
  int causal;
  double eb;
} att;

static int att_shape(const wl_cascade *w, size_t qk, size_t av, att *a) {
  const wl_op *q = wl_cascade_op(w, qk), *v = wl_cascade_op(w, av);
  memset(a, 0, sizeof *a);
  a->b = op_rank(w, q, "b", NULL);
  a->g = op_rank(w, q, "g", NULL);
  a->j = op_rank(w, q, "j", NULL);
  a->P = op_rank(w, q, "p", "s");
  a->M = op_rank(w, q, "m", "ms");
  a->e = op_rank(w, q, "e", NULL);
  a->f = op_rank(w, v, "f", NULL);
  if (!a->b) a->b = 1;
  if (!a->g) a->g = 1;
  if (!a->j) a->j = 1;
  a->causal = q->masked;
  a->C = q->masked ? q->mask_off : 0;
  a->eb = wl_precision_bytes(wl_cascade_tensor(w, q->in[0].tensor)->prec);
  return a->P && a->M && a->e && a->f ? 0 : -1;
}

/* Query block i (r rows from row i*Br) sees `vis` keys; the blocks it
 * visits, the keys they cover and its diagonal blocks. */
static void qblock(const att *a, uint64_t Br, uint64_t Bc, uint64_t i,
                   uint64_t *r, uint64_t *nkv, uint64_t *comp,
                   uint64_t *ndiag) {
  *r = a->P - i * Br < Br ? a->P - i * Br : Br;
  uint64_t vis = a->M;
  if (a->causal && i * Br + *r + a->C < vis) vis = i * Br + *r + a->C;
  *nkv = cdiv(vis, Bc);
  *comp = *nkv * Bc < a->M ? *nkv * Bc : a->M;
  *ndiag = 0;
  if (a->causal) {
    uint64_t first = (i * Br + a->C) / Bc; /* first block with a mask */
    *ndiag = *nkv > first ? *nkv - first : 0;
  }
}

static int fused_kernel(gmap *m, size_t qk, size_t av, size_t run_end,
                        const att *a0, attn_alg alg, const map_opts *o) {
  const wl_cascade *w = m->w;
  /* Decode with GQA/MQA: FA2 packs the j query heads of a KV head as the
   * rows of one block (seqlen_q x ngroups swapped), so K and V are read
   * once per KV head and the block's rows are not mostly empty. */
  att pk = *a0;
  const att *a = &pk;
  if (alg != ALG_FLASH && a0->P == 1 && a0->j > 1 && !a0->causal) {
    pk.P = a0->j;
    pk.j = 1;
  }
  const wl_op *q = wl_cascade_op(w, qk), *v = wl_cascade_op(w, av);
  const gpu_params *p = m->p;
  uint64_t heads = a->b * a->g * a->j, eb = (uint64_t)a->eb;
  uint64_t Br, Bc;
  int user_tile = 0;
  if (alg == ALG_FLASH) {
    double kb = map_opt_float(o, "smem_kb");
    uint64_t M_el = (uint64_t)((kb > 0 ? kb * 1024 : p->smem_per_block_b) /
                               a->eb);
    Bc = cdiv(M_el, 4 * a->e);
    Br = Bc < a->e ? Bc : a->e;
  } else {
    Br = (uint64_t)map_opt_int(o, "br");
    Bc = (uint64_t)map_opt_int(o, "bc");
    user_tile = Br || Bc;
    if (!Br) Br = a->e <= 128 ? 128 : 64;
    if (!Bc) Bc = a->e <= 64 ? 128 : 64;
  }
  /* Shared memory: the Q, K, V (and, for Algorithm 1, O) tiles. */
  uint64_t smem = (Br * a->e + Bc * (a->e + a->f) +
                   (alg == ALG_FLASH ? Br * a->f : 0)) * eb;
  if (smem > p->smem_per_block_b) {
    if (user_tile || alg != ALG_FLASH)
      return sim_err_set(m->err, SIM_EINVAL, "--map-opt br=%llu bc=%llu: "
                         "the %s tiles need %.1f KB of shared memory per "
                         "block, more than the %.1f KB of "
                         "gpu.smem_per_block_kb",
                         (unsigned long long)Br, (unsigned long long)Bc,
                         q->name, smem / 1024.0,
                         p->smem_per_block_b / 1024.0);
    smem = p->smem_per_block_b; /* Algorithm 1's M: the ceil overshoot */
  }
  uint64_t Tr = cdiv(a->P, Br);
  /* Key-length split (flashdecode): enough blocks to fill the SMs. */
  uint64_t ns = 1;
  if (alg == ALG_FDEC) {
    uint32_t occ_d;
    int orc_d = gpu_occupancy(p, FA_THREADS, FA_REGS, (uint32_t)smem, &occ_d,
                              m->err);
    if (orc_d) return orc_d;
    uint64_t slots = (uint64_t)p->sms * occ_d, grid = heads * Tr;
    if (grid < slots) ns = cdiv(slots, grid);
    uint64_t maxs = cdiv(a->M, Bc);
    if (ns > maxs) ns = maxs;
    if (ns < 1) ns = 1;
  }
  char kname[SIM_NAME_MAX];
  const char *tag = alg == ALG_FLASH  ? "flash"
                    : alg == ALG_FDEC ? "flashdec"
                    : alg == ALG_LEAN ? "lean"
                                      : "flash2";
  snprintf(kname, sizeof kname, "%.*s%s", (int)(strlen(q->name) - 2),
           q->name, tag);
  kern k;
  kern_init(&k, w, v, kname);
  k.fn = SIM_FN_MAC;
  k.prec = (sim_prec)wl_cascade_tensor(w, v->out.tensor)->prec;
  k.kc = GPU_K_ATTN;
  k.n_in = 0;
  k.in[k.n_in++] = (int32_t)q->in[0].tensor;
  k.in[k.n_in++] = (int32_t)q->in[1].tensor;
  k.in[k.n_in++] = (int32_t)v->in[1].tensor;
  k.n_deps_wl = 0;
  for (size_t c = qk; c < run_end; c++) {
    const wl_op *oc = wl_cascade_op(w, c);
    for (uint32_t d = 0; d < oc->n_deps; d++)
      if (oc->deps[d] < qk && k.n_deps_wl < WL_MAX_DEPS) {
        uint32_t dd = oc->deps[d], dup = 0;
        for (uint32_t x = 0; x < k.n_deps_wl; x++) dup |= k.deps_wl[x] == dd;
        if (!dup) k.deps_wl[k.n_deps_wl++] = dd;
      }
  }
  k.blocks = heads * Tr * ns;
  k.threads = FA_THREADS;
  k.regs = FA_REGS;
  k.smem_b = (uint32_t)smem;
  uint64_t kv_l2 = 0, fp2 = 0;
  for (uint64_t i = 0; i < Tr; i++) {
    uint64_t r, nkv, comp, ndiag;
    qblock(a, Br, Bc, i, &r, &nkv, &comp, &ndiag);
    uint64_t s_el = r * comp;
    k.macs += s_el * (a->e + a->f);
    k.sfu += s_el;
    kv_l2 += comp * (a->e + a->f) * eb;
    k.rd[1] += r * a->e * eb * (alg == ALG_FLASH ? nkv : 1);
    if (alg == ALG_FLASH) {
      fp2 += 9 * s_el + 2 * 3 * r * a->f * nkv + 2 * r * Bc * ndiag;
      k.sfu += 2 * r * nkv;
      /* O_i, l_i, m_i read and written, Q_i read, on every key block. */
      k.rd[0] += nkv * (r * (a->e + a->f) * eb + 2 * r * 4);
      k.wr[0] += nkv * (r * a->f * eb + 2 * r * 4);
      k.rd[2] += nkv * (Bc * (a->e + a->f) * eb + 4 * r * a->e * eb +
                        4 * r * a->f * 4);
      k.wr[2] += nkv * (Bc * (a->e + a->f) * eb + r * a->e * eb +
                        4 * r * a->f * 4);
    } else {
      fp2 += 7 * s_el + 2 * r * a->f * (nkv + 1) + 2 * r * Bc * ndiag;
      k.sfu += r * nkv + r;
      k.rd[0] += r * a->e * eb;                   /* Q_i once */
      k.wr[0] += r * a->f * eb + r * 4;           /* O_i and LSE once */
      /* Every warp with rows (16 per MMA) reads all of K_j and V_j. */
      uint64_t warps = cdiv(r, MMA_ROWS) < FA_WARPS ? cdiv(r, MMA_ROWS)
                                                    : FA_WARPS;
      k.rd[2] += nkv * warps * Bc * (a->e + a->f) * eb + r * a->e * eb;
      k.wr[2] += nkv * Bc * (a->e + a->f) * eb + r * a->e * eb;
      if (ns > 1) { /* partial O, m, l in fp32 for the combine */
        k.wr[0] += ns * r * (a->f + 2) * 4 - r * a->f * eb - r * 4;
      }
    }
  }
  k.fp32 = fp2 / 2;
  uint64_t lean_seg = 0;
  if (alg == ALG_LEAN) {
    /* Stream-K (LeanAttention): the heads x key-block tiles are dealt
     * out evenly to exactly one wave of blocks, across head boundaries;
     * each head segment a block holds ends in an fp32 partial (O, m, l)
     * that a fix-up kernel combines.  Segments: one per (head, query
     * block) plus at most one split per block boundary. */
    uint32_t occ0;
    int orc0 = gpu_occupancy(p, k.threads, k.regs, k.smem_b, &occ0, m->err);
    if (orc0) return orc0;
    uint64_t tiles = 0;
    for (uint64_t i = 0; i < Tr; i++) {
      uint64_t r, nkv, comp, ndiag;
      qblock(a, Br, Bc, i, &r, &nkv, &comp, &ndiag);
      tiles += nkv;
    }
    tiles *= heads;
    uint64_t slots0 = (uint64_t)p->sms * occ0;
    k.blocks = tiles < slots0 ? tiles : slots0;
    lean_seg = heads * Tr + k.blocks;
    /* per head: the O and LSE writes become partials (below) */
    for (uint64_t i = 0; i < Tr; i++) {
      uint64_t r = a->P - i * Br < Br ? a->P - i * Br : Br;
      k.wr[0] -= r * a->f * eb + r * 4;
    }
  }
  /* K and V come from HBM once per KV head when the blocks sharing them
   * (j query heads x Tr query blocks) are resident together and stream
   * the tiles at one pace, or when the heads in flight keep them in L2;
   * otherwise once per wave of sharers. */
  uint32_t occ;
  int orc = gpu_occupancy(p, k.threads, k.regs, k.smem_b, &occ, m->err);
  if (orc) return orc;
  uint64_t slots = (uint64_t)p->sms * occ, n_sh = a->j * Tr;
  uint64_t kv_head = a->M * (a->e + a->f) * eb, kv_hbm = kv_head;
  if (n_sh > slots &&
      (double)((slots / n_sh + 2) * kv_head) > p->l2_b / 2) {
    kv_hbm = kv_head * cdiv(n_sh, slots);
    if (kv_hbm > kv_l2 * a->j) kv_hbm = kv_l2 * a->j;
  }
  k.rd[0] += a->b * a->g * kv_hbm;
  k.rd[1] += kv_l2;
  /* All query heads alike. */
  k.macs *= heads;
  k.sfu *= heads;
  k.fp32 *= heads;
  for (int l = 1; l < 3; l++) k.rd[l] *= heads, k.wr[l] *= heads;
  k.rd[0] = (k.rd[0] - a->b * a->g * kv_hbm) * heads + a->b * a->g * kv_hbm;
  k.wr[0] *= heads;
  if (alg == ALG_LEAN) {
    uint64_t rows = a->P < Br ? a->P : Br;
    k.wr[0] += lean_seg * rows * (a->f + 2) * 4;
  }
  k.wr[1] = k.wr[0];
  if (alg == ALG_FLASH) {
    /* Algorithm 1, line 2: O = 0, l = 0, m = -inf written to HBM. */
    kern z;
    char zn[SIM_NAME_MAX];
    snprintf(zn, sizeof zn, "%.*sflash.init", (int)(strlen(q->name) - 2),
             q->name);
    kern_init(&z, w, v, zn);
    z.fn = SIM_FN_FILL;
    z.kc = GPU_K_ELEM;
    z.n_in = 0;
    z.n_deps_wl = 0;
    z.blocks = cdiv(heads * a->P * (a->f + 2), ELEM_PER_BLOCK);
    z.threads = ELEM_THREADS;
    z.regs = ELEM_REGS;
    z.wr[0] = z.wr[1] = heads * a->P * (a->f * eb + 2 * 4);
    int rc = emit(m, &z, -1);
    if (rc) return rc;
    /* The kernel waits for the init (added below: not a cascade op). */
    int64_t zi = m->s->n_ops - 1;
    int rc2 = emit(m, &k, (int64_t)av);
    if (rc2) return rc2;
    sim_sched_op *ko = &m->s->ops[m->done[av][0]];
    add_dep(ko, zi);
    if (m->done[av][1] >= 0) add_dep(&m->s->ops[m->done[av][1]], zi);
  } else {
    int rc = emit(m, &k, (int64_t)av);
    if (rc) return rc;
  }
  if (ns > 1 || alg == ALG_LEAN) {
    /* The combine (FlashDecoding) or fix-up (LeanAttention): read the
     * partial (O, m, l) of every split, write O. */
    if (alg == ALG_LEAN) ns = cdiv(lean_seg, heads * Tr);
    kern c;
    char cn[SIM_NAME_MAX];
    snprintf(cn, sizeof cn, "%.*scombine", (int)(strlen(q->name) - 2),
             q->name);
    kern_init(&c, w, v, cn);
    c.fn = SIM_FN_SUM;
    c.kc = GPU_K_ELEM;
    c.n_in = 0;
    c.deps_wl[0] = (uint32_t)av;
    c.n_deps_wl = 1;
    c.blocks = cdiv(heads * a->P * a->f, ELEM_PER_BLOCK);
    c.threads = ELEM_THREADS;
    c.regs = ELEM_REGS;
    c.fp32 = heads * a->P * (ns * (a->f * 2 + 4));
    c.sfu = heads * a->P * ns;
    c.rd[0] = c.rd[1] = heads * a->P * ns * (a->f + 2) * 4;
    c.wr[0] = c.wr[1] = heads * a->P * a->f * eb;
    int rc = emit(m, &c, (int64_t)av);
    if (rc) return rc;
  }
  for (size_t c = qk; c < run_end; c++)
    if (c != av) {
      m->done[c][0] = m->done[av][0];
      m->done[c][1] = m->done[av][1];
    }
  return 0;
}

/* Standard attention: S = QK^T, P = softmax(S), O = PV, each a kernel
 * with its operands in HBM (the cascade's bytes). */
static int standard_attn(gmap *m, size_t qk, size_t av) {
  const wl_cascade *w = m->w;
  int rc = gemm_kernel(m, qk);
  if (rc) return rc;
  const wl_op *q = wl_cascade_op(w, qk);
  const wl_op *last = wl_cascade_op(w, av - 1);
  char nm[SIM_NAME_MAX];
  snprintf(nm, sizeof nm, "%.*ssoftmax", (int)(strlen(q->name) - 2), q->name);
  kern k;
  kern_init(&k, w, last, nm);
  k.kc = GPU_K_ELEM;
  k.n_in = 0;
  k.in[k.n_in++] = (int32_t)q->out.tensor;
  k.n_deps_wl = 1;
  k.deps_wl[0] = (uint32_t)qk;
  uint64_t pts = wl_op_points(w, q);
  for (size_t c = qk + 1; c < av; c++) {
    const wl_op *oc = wl_cascade_op(w, c);
    k.fp32 += wl_op_elem_ops(w, oc);
    if (sfu_fn(map_fn_of(oc))) k.sfu += wl_op_points(w, oc);
  }
  k.blocks = cdiv(pts, ELEM_PER_BLOCK);
  k.threads = ELEM_THREADS;
  k.regs = ELEM_REGS;
  k.rd[0] = k.rd[1] = wl_op_out_bytes(w, q);
  k.wr[0] = k.wr[1] = wl_op_out_bytes(w, last);
  if ((rc = emit(m, &k, (int64_t)(av - 1)))) return rc;
  for (size_t c = qk + 1; c < av - 1; c++) {
    m->done[c][0] = m->done[av - 1][0];
    m->done[c][1] = m->done[av - 1][1];
  }
  return gemm_kernel(m, av);
}

/* Tensor parallelism (Megatron-LM): the Q, K, V and FFN up/gate GEMMs
 * split by columns, the attention by heads, the output and FFN down
 * projections by rows, the LM head by vocabulary; norms, residuals and
 * the embedding are replicated.  A row-split GEMM's partial sums are
 * all-reduced (ring: 2 (tp - 1) / tp of the output over the link, the
 * additions on the CUDA cores, 16 blocks as NCCL's channels). */
static int tp_split_part(wl_part pt) {
  return pt == WL_PART_QKV || pt == WL_PART_KV || pt == WL_PART_ATTN ||
         pt == WL_PART_PROJ || pt == WL_PART_FFN || pt == WL_PART_HEAD;
}

static int allreduce_after(gmap *m, size_t i) {
  const wl_op *op = wl_cascade_op(m->w, i);
  wl_gemm g;
  if (op->compute != WL_C_MAC || wl_op_gemm(m->w, op, &g)) return 0;
  int row = op->part == WL_PART_PROJ ||
            (op->part == WL_PART_FFN && g.n == m->w->model.d_model);
  if (!row) return 0;
  char nm[SIM_NAME_MAX];
  snprintf(nm, sizeof nm, "%.36s.allreduce", op->name);
  kern k;
  kern_init(&k, m->w, op, nm);
  k.fn = SIM_FN_SUM;
  k.kc = GPU_K_ELEM;
  k.n_in = 0;
  k.deps_wl[0] = (uint32_t)i;
  k.n_deps_wl = 1;
  uint64_t out_b = wl_op_out_bytes(m->w, op), tp = m->tp;
  uint64_t moved = 2 * (tp - 1) * out_b / tp;
  k.blocks = 16;
  k.threads = ELEM_THREADS;
  k.regs = ELEM_REGS;
  k.fp32 = (tp - 1) * (g.batch * g.m * g.n) / tp;
  k.rd[3] = k.wr[3] = moved / 2;
  k.rd[0] = k.wr[0] = k.rd[1] = k.wr[1] = moved;
  m->split = 0;
  return emit(m, &k, (int64_t)i);
}

static int gpu_map_alg(const wl_cascade *w, const arch_model *a,
                       const map_opts *o, sim_sched *out, sim_err *err,
                       attn_alg alg) {
  gmap m;
  memset(&m, 0, sizeof m);
  int rc = gpu_params_of(a, &m.p, err);
  if (rc) return rc;
  m.w = w;
  m.s = out;
  m.err = err;
  m.hbm = sim_sched_level(out, "hbm");
  m.l2 = sim_sched_level(out, "l2");
  m.smem = sim_sched_level(out, "smem");
  m.sm = sim_sched_unit(out, "sm");
  m.host = sim_sched_unit(out, "host");
  m.tp = (uint64_t)map_opt_int(o, "tp");
  m.graph = !strcmp(map_opt_enum(o, "launch"), "graph");
  m.link = m.tp > 1 ? sim_sched_level(out, "link") : -1;
  m.last_launch = -1;
  size_t n = wl_cascade_n_ops(w);
  m.done = sim_calloc(n ? n : 1, sizeof *m.done);
  if (!m.done) return sim_err_set(err, SIM_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) m.done[i][0] = m.done[i][1] = -1;
  size_t *first = sim_calloc(n + 1, sizeof *first); /* emitted index */
  if (!first) {
    sim_free(m.done);
    return sim_err_set(err, SIM_ENOMEM, "out of memory");
  }
  if ((rc = map_cascade_tensors(w, out, m.hbm, err))) goto out;
  /* Tensor parallel: each GPU holds 1/tp of the weights and KV cache. */
  for (size_t t = 0; t < out->n_tensors && m.tp > 1; t++)
    if (out->tensors[t].kind == SIM_T_WEIGHT ||
        out->tensors[t].kind == SIM_T_KV)
      out->tensors[t].bytes = (out->tensors[t].bytes + m.tp - 1) / m.tp;
  for (size_t i = 0; i < n && !rc;) {
    const wl_op *op = wl_cascade_op(w, i);
    first[i] = out->n_ops;
    m.split = tp_split_part(op->part);
    if (op->part == WL_PART_ATTN && op->compute == WL_C_MAC) {
      /* The attention run: consecutive attention ops of this layer. */
      size_t e = i + 1, av = i;
      while (e < n && wl_cascade_op(w, e)->part == WL_PART_ATTN &&
             wl_cascade_op(w, e)->layer == op->layer) {
        if (wl_cascade_op(w, e)->compute == WL_C_MAC) av = e;
        e++;
      }
      att at;
      if (av > i && att_shape(w, i, av, &at) == 0) {
        rc = alg == ALG_STANDARD ? standard_attn(&m, i, av)
                                 : fused_kernel(&m, i, av, e, &at, alg, o);
        for (size_t c = i + 1; c < e; c++) first[c] = first[i];
        i = e;
        continue;
      }
    }
    rc = op->compute == WL_C_MAC ? gemm_kernel(&m, i) : elem_kernel(&m, i);
    if (!rc && m.tp > 1) rc = allreduce_after(&m, i);
    i++;
  }
  first[n] = out->n_ops;
  if (rc) goto out;
  /* Layers lowered with repeat = depth: a group per layer stack, carried
   * from the layer's last kernel to its entry kernels and from its last
   * launch to its first. */
  for (size_t i = 0; i < n;) {
    const wl_op *op = wl_cascade_op(w, i);
    if (op->repeat <= 1) {
      i++;
      continue;
    }
    size_t j = i + 1;
    while (j < n && wl_cascade_op(w, j)->repeat == op->repeat &&
           wl_cascade_op(w, j)->layer == op->layer)
      j++;
    sim_sched_group g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "layer%d x%llu", op->layer,
             (unsigned long long)op->repeat);
    g.first = (uint32_t)first[i];
    g.n = (uint32_t)(first[j] - first[i]);
    g.iters = op->repeat;
    uint32_t last_k = (uint32_t)(first[j] - 1), last_l = last_k;
    while (last_l > g.first && (int)out->ops[last_l].unit != m.host) last_l--;
    if ((int)out->ops[g.first].unit == m.host) { /* eager launches */
      g.carry[g.n_carry].from = last_l;
      g.carry[g.n_carry++].to = g.first; /* the first launch */
    }
    for (size_t c = i; c < j && g.n_carry < SIM_GROUP_MAX_CARRY; c++) {
      const wl_op *oc = wl_cascade_op(w, c);
      int inner = 0;
      for (uint32_t d = 0; d < oc->n_deps; d++) inner |= oc->deps[d] >= i;
      if (inner || m.done[c][0] < 0) continue;
      g.carry[g.n_carry].from = last_k;
      g.carry[g.n_carry++].to = (uint32_t)m.done[c][0];
    }
    if (sim_sched_push_group(out, &g) < 0) {
      rc = sim_err_set(err, SIM_EINVAL, "layer %d: cannot group kernels",
                       op->layer);
      goto out;
    }
    i = j;
  }
out:
  sim_free(first);
  sim_free(m.done);
  return rc;
}


static int map_flash2(const wl_cascade *w, const arch_model *a,
                      const map_opts *o, sim_sched *out, sim_err *err) {
  return gpu_map_alg(w, a, o, out, err, ALG_FLASH2);
}
static int map_flash(const wl_cascade *w, const arch_model *a,
                     const map_opts *o, sim_sched *out, sim_err *err) {
  return gpu_map_alg(w, a, o, out, err, ALG_FLASH);
}
static int map_standard(const wl_cascade *w, const arch_model *a,
                        const map_opts *o, sim_sched *out, sim_err *err) {
  return gpu_map_alg(w, a, o, out, err, ALG_STANDARD);
}
static int map_lean(const wl_cascade *w, const arch_model *a,
                    const map_opts *o, sim_sched *out, sim_err *err) {
  return gpu_map_alg(w, a, o, out, err, ALG_LEAN);
}
static int map_fdec(const wl_cascade *w, const arch_model *a,
                    const map_opts *o, sim_sched *out, sim_err *err) {
  return gpu_map_alg(w, a, o, out, err, ALG_FDEC);
}

#define TILE_OPTS                                                           \
  {.key = "br", .type = MAP_OPT_INT, .dflt = "0", .imin = 0, .imax = 1024,  \
   .help = "query rows per block (0: FA2's choice, 128, 64 for d > 128)"},  \
  {.key = "bc", .type = MAP_OPT_INT, .dflt = "0", .imin = 0, .imax = 1024,  \
   .help = "key rows per block (0: 128 for d <= 64, else 64)"}

static const char *const k_launch[] = {"eager", "graph", NULL};
#define TP_OPT                                                              \
  {.key = "tp", .type = MAP_OPT_INT, .dflt = "1", .imin = 1, .imax = 64,    \
   .help = "tensor-parallel GPUs (Megatron split, all-reduce over the "     \
           "link); one GPU of the group is simulated"},                     \
  {.key = "launch", .type = MAP_OPT_ENUM, .dflt = "eager",                  \
   .values = k_launch,                                                      \
   .help = "eager: a launch per kernel (a PyTorch loop); graph: one "       \
           "launch per step (CUDA graphs)"}

static const map_opt_def flash2_opts[] = {TILE_OPTS, TP_OPT, {0}};
static const map_opt_def flash_opts[] = {
    TP_OPT,
    {.key = "smem_kb", .type = MAP_OPT_FLOAT, .dflt = "0", .fmin = 0,
     .fmax = 1e6,
     .help = "M of Algorithm 1 in KB (0: gpu.smem_per_block_kb)"},
    {0}};
static const map_opt_def no_opts[] = {TP_OPT, {0}};

const map_ops flash2_map_ops = {
    .iVersion = 2, .name = "flash2", .arch_cls = "gpu", .is_default = 1,
    .summary = "GPU kernels; attention fused as FlashAttention-2 (parallel "
               "over query blocks, Q_i read once)",
    .map = map_flash2, .opts = flash2_opts};
const map_ops flash_map_ops = {
    .iVersion = 2, .name = "flash", .arch_cls = "gpu",
    .summary = "GPU kernels; attention as FlashAttention Algorithm 1 "
               "(Bc = ceil(M/4d), O, l, m through HBM per key block)",
    .map = map_flash, .opts = flash_opts};
const map_ops standard_map_ops = {
    .iVersion = 2, .name = "standard", .arch_cls = "gpu",
    .summary = "GPU kernels; attention unfused: S and P through HBM",
    .map = map_standard, .opts = no_opts};
const map_ops flashdecode_map_ops = {
    .iVersion = 2, .name = "flashdecode", .arch_cls = "gpu",
    .summary = "flash2 with the key length split over blocks when the grid "
               "cannot fill the SMs, then a combine kernel",
    .map = map_fdec, .opts = flash2_opts};
const map_ops lean_map_ops = {
    .iVersion = 2, .name = "lean", .arch_cls = "gpu",
    .summary = "flash2 with LeanAttention's stream-K split: heads x key "
               "blocks dealt evenly to one wave of blocks, then a fix-up",
    .map = map_lean, .opts = flash2_opts};
