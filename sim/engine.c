/*
 * engine.c — the discrete-event engine: the event queue (a radix timing
 * wheel over the whole 64-bit time range, with a sorted run at its front),
 * the event pool, cancellation, the run loop, and clock domains.
 *
 * ORDER.  Events are totally ordered by (time, priority, insertion
 * sequence); lower priority values first.  Nothing depends on pointers,
 * hashes or the wall clock, so equal inputs give bit-identical runs.
 *
 * EVENTS.  An event is one 40-byte entry { t_ps, prio, hid, fn, ctx, arg }
 * that lives in the queue itself, in chunks from the engine's pool.  The
 * queue streams entries through memory (appends, cascades and loads read
 * and write arrays), and running an event touches nothing else: with 10^6
 * events in flight a separate record per event cost one cache miss per
 * event, which halved the throughput.  An event scheduled with an out_id
 * also gets a handle (8 bytes: generation and state) from a second pool;
 * the id is (gen << 32 | hid).  The generation changes when the event runs
 * or is cancelled, so a stale id gives SIM_ENOENT (after 2^32 reuses of
 * one handle an id could alias; no simulation keeps an id that long).
 *
 * THE WHEEL.  8 levels of 256 slots, one byte of the time per level,
 * relative to a reference time `ref`:
 *
 *     x = t ^ ref,  level k = (63 - clz(x | 1)) / 8,  slot = (t >> 8k) & 255
 *
 *   level 0: 256 slots of 1 ps    (all entries of a slot have the same t)
 *   level 1: 256 slots of 256 ps
 *   ...
 *   level 7: 256 slots of 2^56 ps
 *
 * The top level spans all of uint64_t, so there is no horizon and no
 * overflow heap: the upper levels are the far-future store, where an
 * insertion is an O(1) append instead of an O(log n) sift through memory
 * that is mostly out of cache, and near and far events share one code
 * path.  (A near wheel plus an overflow heap was the suggested starting
 * point; bench_engine prints what this one does.)
 *
 * THE RUN.  `cur` is a sorted array at the front of the queue: it holds
 * every queued event with t < cur_lim, in order, and the wheel holds only
 * later ones.  When it runs dry it is refilled from the earliest wheel
 * bucket (the lowest occupied slot of the lowest occupied level, found
 * with bitmaps and count-trailing-zeros).  That bucket is either taken
 * whole -- moved into cur and sorted, cur_lim = its last time + 1 -- or
 * cascaded: ref moves to the start of its span and its entries go down
 * into the lower levels, which sorts them by one more byte.  A level-0
 * bucket (one picosecond) is always taken; another bucket is taken when
 * it is small (<= 8) or when later insertions into its window would be
 * cheap: with D the typical delay (a running mean of log2 of scheduled
 * delays), about n x span / D entries move per new event, and the bucket
 * is taken when that is <= 32 and n <= LOAD_MAX.  A taken bucket of more
 * than 8 is counting-sorted on the top log2(n) bits of its span (one
 * radix step, about one entry per digit) and then insertion-sorted, O(n)
 * plus the inversions left within digits.  An event scheduled at t <
 * cur_lim (from a handler, at the current time or shortly after) is
 * inserted into cur in order; should such insertions make cur long and
 * costly (a burst inside a window that was sparse), cur is spilled back
 * into the wheel and the window closes (cur_lim = 0), as a ladder queue
 * spawns a rung.  None of these choices affects the order, only the cost.
 *
 * Invariants (the randomized reference test checks the resulting order):
 *  I1. ref <= every time in the wheel; an entry at level k has byte k of
 *      t greater than byte k of ref and the bytes above k equal to ref's.
 *      Hence the lowest occupied slot of the lowest occupied level holds
 *      the earliest entries, and every entry whose time lies in that
 *      slot's span is in that slot.
 *  I2. In every bucket, entries with equal (t, prio) are in insertion
 *      (sequence) order.  Appends are the newest event; a cascade moves a
 *      bucket in order into the levels below the lowest occupied one,
 *      i.e. into empty buckets; a spill moves cur, sorted, into the wheel,
 *      where every entry is later than all of cur; the zombie sweep keeps
 *      the order.  So the sequence number need not be stored: every sort
 *      here is stable.
 *  I3. A level-0 bucket whose priorities never decreased is already in
 *      (prio, seq) order; a flag records when an append broke this.
 *  I4. cur[cur_pos..cur_n) is sorted by (t, prio, seq) and holds every
 *      queued event with t < cur_lim; the wheel holds only t >= cur_lim.
 *      A new event with t < cur_lim goes after every entry of equal or
 *      lower (t, prio) in cur: it is the newest.
 *  I5. ref <= max(now, cur_lim), so an event that can still be scheduled
 *      and goes to the wheel (t >= now, t >= cur_lim) is >= ref (I1).  A
 *      cascade is always followed by a take (cur_lim > ref) unless the
 *      refill stops at `until` first: it never takes or cascades a bucket
 *      whose span starts after `until`, and the run then ends with now >=
 *      until >= ref.  A spill closes the window (cur_lim = 0) only when
 *      ref <= now.  sim_next_time never cascades.  (sim_schedule also sets
 *      ref = now when the wheel is empty: not needed for the order, but it
 *      keeps new entries on low levels, i.e. fewer cascades.)
 *
 * Complexity: schedule O(1); run O(1) amortised per event: an entry is
 * moved at most 7 times, in practice 0-2 (with 10^6 events spread over
 * 10^12 ps: appended at level 4, cascaded once to level 3, taken in a run
 * of ~30; plus, for about a third of them, one cascade where time crosses
 * a 2^40 ps boundary).  Taking a bucket is O(n) (radix step, then an
 * insertion pass over a nearly sorted run); a digit group larger than 16
 * is merge-sorted, and a level-0 bucket with mixed priorities is heap-
 * sorted, O(n log n) in the events of that picosecond.  An insertion into
 * cur that is not an append is a binary search and a memmove of at most
 * CUR_MOVE_MAX entries (else cur is spilled, O(its length), once per
 * window), except inside one picosecond, where it is O(events at that
 * picosecond).  Cancel O(1) amortised.
 *
 * MEMORY.  Buckets are linked lists of page-sized chunks (102 entries):
 * streaming a cold bucket costs about one memory latency per chunk on the
 * 2-core VM this was measured on, so small chunks made large buckets
 * slow.  Chunks come from a pool grown in blocks.  The run loop and
 * cascades never allocate: at sim_schedule time the engine reserves
 * chunks for the worst layout of the events in flight (every chunk of a
 * bucket full but its tail, at most 2048 buckets) and room in cur for all
 * of them (a whole queue can be one picosecond), growing by 1.5x.  If
 * that growth fails, sim_schedule returns SIM_ENOMEM and nothing has
 * changed.  The cost is about 2 x 40 bytes per event in flight, times the
 * growth slack, plus up to 8 MB of partial chunks once more than 2048
 * events are in flight.
 *
 * CANCELLATION.  sim_cancel marks the handle cancelled; the entry stays
 * queued as a "zombie" and is dropped, freeing the handle, when it reaches
 * the front.  When zombies outnumber live events (and exceed 64) one sweep
 * filters every bucket in place, so memory stays proportional to the live
 * events and cancel is O(1) amortised.
 *
 * TIME.  sim_run(e, until) returns with now advanced to `until` when it
 * stopped because the next event lies after `until` (or none is left) and
 * until != SIM_T_NEVER, as SystemC's sc_start(t) and SimPy's run(until)
 * do; after sim_stop() now is the time of the last event run.
 *
 * Ownership: the engine owns its pools, clocks and statistics registry
 * (sim_engine_stats); sim_engine_free releases all of them.  No global
 * mutable state: two engines in one process are independent.
 */
#include "sim.h"

#include <assert.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Layout                                                                 */
/* ---------------------------------------------------------------------- */

#define W_BITS 8
#define W_SLOTS 256
#define W_LEVELS 8
#define W_BUCKETS (W_SLOTS * W_LEVELS)
#define CHUNK_BYTES 4096   /* a page: streaming a cold bucket is bound by */
#define CHUNK_N 102        /* ... one memory latency per chunk; 16 + 102 * 40 */
#define CHUNK_BLOCK_MIN 16 /* chunks per pool growth, at least */
#define LOAD_MAX 1024      /* the largest bucket ever sorted into cur */
#define CUR_MOVE_MAX 1024  /* a longer insertion memmove spills cur */
#define ZOMBIE_SWEEP_MIN 64
#define PREFETCH_AHEAD 8   /* run loop: handles fetched ahead */
#define HID_NONE 0u        /* entry without a handle; ends the free list */

typedef struct ent {
  uint64_t t;   /* time in ps */
  int32_t prio; /* lower first */
  uint32_t hid; /* handle index, or HID_NONE */
  sim_event_fn fn;
  void *ctx;
  uint64_t arg;
} ent;

/* A handle's `next` is a free-list link (an index below HND_MAX) while it
 * is free, else one of these states. */
#define H_LIVE UINT32_MAX
#define H_CANCELLED (UINT32_MAX - 1)
#define HND_MAX (UINT32_MAX - 2)

typedef struct hnd {
  uint32_t gen;  /* id generation; never 0 */
  uint32_t next; /* free-list link, H_LIVE or H_CANCELLED */
} hnd;

typedef struct chunk {
  struct chunk *next;
  uint64_t pad_;
  ent e[CHUNK_N];
} chunk;
_Static_assert(sizeof(chunk) == CHUNK_BYTES, "a chunk is one page");

typedef struct block { /* one pool growth: this header, then chunks */
  struct block *next;   /* from the first page boundary after it */
  uint64_t pad_;
} block;

typedef struct bucket {
  chunk *head, *tail; /* full chunks from head, then a partial tail */
  uint32_t n;         /* entries, live and zombie */
  uint32_t tail_n;    /* entries used in tail */
  int32_t last_prio;  /* prio of the last append */
  uint32_t unsorted;  /* an append had prio < last_prio (I3) */
} bucket;

typedef struct clock_dom {
  sim_clock c;
  char *name;
} clock_dom;

struct sim_engine {
  /* hot: run loop and schedule */
  uint64_t now;
  uint64_t ref;    /* I1 */
  uint64_t cur_lim; /* I4: cur holds every event before it; 0: none */
  ent *cur;
  size_t cur_pos, cur_n, cur_cap;
  size_t n_ent;    /* entries queued (wheel + cur), live and zombie */
  size_t n_live;   /* events pending */
  size_t n_zombie; /* cancelled entries still queued */
  size_t fast_cap; /* n_ent may grow to this without allocating */
  chunk *free_chunk;
  hnd *hnd;
  uint32_t hnd_cap, free_hnd;
  uint64_t executed;
  uint32_t lgd16;      /* 16 x running mean of log2(delay) into the wheel */
  int stop;
  uint32_t lvl_mask;           /* bit k: level k not empty */
  uint8_t lvl_words[W_LEVELS]; /* bit w: bits[k][w] != 0 */
  uint64_t bits[W_LEVELS][W_SLOTS / 64];
  bucket bk[W_LEVELS][W_SLOTS];
  /* cold */
  size_t n_chunks;    /* allocated */
  size_t chunk_cap_n; /* entries the chunk pool is reserved for */
  block *blocks;
  clock_dom **clocks;
  int n_clocks, cap_clocks;
  sim_stats *stats;
};

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */
/* ---------------------------------------------------------------------- */

static inline int lvl_of(uint64_t t, uint64_t ref) {
  return (63 - __builtin_clzll((t ^ ref) | 1)) >> 3;
}

/* First time covered by slot s of level k. */
static inline uint64_t span_start(const sim_engine *e, int k, unsigned s) {
  int sh = k * W_BITS;
  uint64_t span_mask = k == W_LEVELS - 1 ? UINT64_MAX
                                         : (1ull << (sh + W_BITS)) - 1;
  return (e->ref & ~span_mask) | ((uint64_t)s << sh);
}

static inline void bit_set(sim_engine *e, int k, unsigned s) {
  e->bits[k][s >> 6] |= 1ull << (s & 63);
  e->lvl_words[k] |= (uint8_t)(1u << (s >> 6));
  e->lvl_mask |= 1u << k;
}

static inline void bit_clear(sim_engine *e, int k, unsigned s) {
  uint64_t w = e->bits[k][s >> 6] &= ~(1ull << (s & 63));
  if (!w) {
    e->lvl_words[k] &= (uint8_t)~(1u << (s >> 6));
    if (!e->lvl_words[k]) e->lvl_mask &= ~(1u << k);
  }
}

static inline unsigned min_slot(const sim_engine *e, int k) {
  unsigned w = (unsigned)__builtin_ctz(e->lvl_words[k]);
  return w * 64 + (unsigned)__builtin_ctzll(e->bits[k][w]);
}

static inline chunk *chunk_get(sim_engine *e) {
  chunk *c = e->free_chunk;
  assert(c && "chunk reserve broken");
  e->free_chunk = c->next;
  c->next = NULL;
  return c;
}

/* A large bucket is read chunk after chunk from memory that has long
 * left the cache, and the hardware prefetcher does not follow the list:
 * fetch the next chunk while this one is worked on. */
static inline void chunk_prefetch(const chunk *c) {
  if (!c) return;
  for (size_t off = 0; off < sizeof *c; off += 64)
    __builtin_prefetch((const char *)c + off);
}

static inline void chunk_put(sim_engine *e, chunk *c) {
  c->next = e->free_chunk;
  e->free_chunk = c;
}

static inline uint32_t gen_next(uint32_t g) { return g + 1 ? g + 1 : 1; }

static inline void hnd_free(sim_engine *e, uint32_t hid) {
  e->hnd[hid].next = e->free_hnd;
  e->free_hnd = hid;
}

static inline int is_zombie(const sim_engine *e, const ent *x) {
  return x->hid != HID_NONE && e->hnd[x->hid].next == H_CANCELLED;
}

/* A zombie entry left the queue: its handle becomes free. */
static inline void reap(sim_engine *e, const ent *x) {
  hnd_free(e, x->hid);
  e->n_zombie--;
  e->n_ent--;
}

/* An empty bucket is n == 0; bucket_push sets the rest when it fills it. */
static inline void bucket_reset(bucket *b) { b->n = 0; }

/* ---------------------------------------------------------------------- */
/* Wheel                                                                  */
/* ---------------------------------------------------------------------- */

/* Starts bucket (k, s) or gives its full tail a successor; the rare part
 * of an append, out of line so the common part stays small. */
static __attribute__((noinline)) void bucket_grow(sim_engine *e, int k,
                                                   unsigned s) {
  bucket *b = &e->bk[k][s];
  chunk *c = chunk_get(e);
  if (b->n == 0) {
    b->head = c;
    b->unsorted = 0;
    bit_set(e, k, s);
  } else {
    b->tail->next = c;
  }
  b->tail = c;
  b->tail_n = 0;
}

/* Appends to bucket (k, s).  Only level-0 buckets track I3. */
static inline void bucket_push(sim_engine *e, int k, unsigned s,
                               const ent *x) {
  bucket *b = &e->bk[k][s];
  if (b->n == 0 || b->tail_n == CHUNK_N) bucket_grow(e, k, s);
  if (k == 0) {
    b->unsorted |= (uint32_t)(b->n && x->prio < b->last_prio);
    b->last_prio = x->prio;
  }
  ent *slot = &b->tail->e[b->tail_n++];
  *slot = *x;
  /* The next append to this bucket may be thousands of events away, and
   * a far bucket's tail line is cold by then: ask for it now. */
  __builtin_prefetch((const void *)((uintptr_t)(slot + 1) + sizeof *slot - 1),
                     1);
  b->n++;
}

static inline void wheel_insert(sim_engine *e, const ent *x) {
  int k = lvl_of(x->t, e->ref);
  bucket_push(e, k, (unsigned)(x->t >> (k * W_BITS)) & (W_SLOTS - 1), x);
}

/* Re-inserts the entries of bucket (k, s), k > 0, below level k, after
 * moving ref to the start of that bucket's span.  Levels < k are empty. */
static void cascade(sim_engine *e, int k, unsigned s) {
  bucket *b = &e->bk[k][s];
  chunk *c = b->head;
  uint32_t n = b->n;
  uint64_t start = span_start(e, k, s);
  bucket_reset(b);
  bit_clear(e, k, s);
  e->ref = start;
  /* With ref at the span's start, an entry whose byte k-1 is not 0 goes
   * to level k-1, slot byte k-1: most do; the rest take the general way. */
  int sh = (k - 1) * W_BITS;
  while (n) {
    unsigned m = n < CHUNK_N ? n : CHUNK_N;
    n -= m;
    chunk_prefetch(c->next);
    for (unsigned i = 0; i < m; i++) {
      unsigned d = (unsigned)(c->e[i].t >> sh) & (W_SLOTS - 1);
      if (d) bucket_push(e, k - 1, d, &c->e[i]);
      else wheel_insert(e, &c->e[i]);
    }
    chunk *nx = c->next;
    chunk_put(e, c);
    c = nx;
  }
}

/* Removes the zombies of bucket (k, s), keeping the order (I2). */
static void bucket_filter(sim_engine *e, int k, unsigned s) {
  bucket *b = &e->bk[k][s];
  chunk *rc = b->head, *wc = b->head;
  unsigned ri = 0, wi = 0;
  uint32_t n = b->n, kept = 0;
  int32_t last = 0;
  while (n--) {
    if (ri == CHUNK_N) {
      rc = rc->next;
      ri = 0;
    }
    const ent *x = &rc->e[ri++];
    if (is_zombie(e, x)) {
      reap(e, x);
      continue;
    }
    if (wi == CHUNK_N) {
      wc = wc->next;
      wi = 0;
    }
    if (&wc->e[wi] != x) wc->e[wi] = *x;
    wi++;
    last = x->prio;
    kept++;
  }
  chunk *c = wc->next;
  while (c) {
    chunk *nx = c->next;
    chunk_put(e, c);
    c = nx;
  }
  if (!kept) {
    chunk_put(e, wc);
    bucket_reset(b);
    bit_clear(e, k, s);
    return;
  }
  wc->next = NULL;
  b->tail = wc;
  b->tail_n = wi;
  b->n = kept;
  b->last_prio = last;
}

/* The time of the earliest live entry in the wheel, without moving ref
 * (sim_next_time may be followed by a schedule at any t >= now: I5).  A
 * bucket that would need a cascade is scanned instead, O(its size); the
 * next sim_run or sim_step takes it apart anyway. */
static uint64_t wheel_min_time(sim_engine *e) {
  for (;;) {
    if (!e->lvl_mask) return SIM_T_NEVER;
    int k = __builtin_ctz(e->lvl_mask);
    unsigned s = min_slot(e, k);
    bucket *b = &e->bk[k][s];
    if (k == 0 && !is_zombie(e, &b->head->e[0])) return b->head->e[0].t;
    uint64_t best = SIM_T_NEVER;
    const chunk *c = b->head;
    unsigned i = 0;
    for (uint32_t n = b->n; n--; i++) {
      if (i == CHUNK_N) {
        c = c->next;
        i = 0;
      }
      if (c->e[i].t < best && !is_zombie(e, &c->e[i])) best = c->e[i].t;
    }
    if (best != SIM_T_NEVER) {
      if (k == 0) bucket_filter(e, k, s); /* drop the zombies in front */
      return best;
    }
    bucket_filter(e, k, s); /* all zombies: empties the bucket */
  }
}

/* ---------------------------------------------------------------------- */
/* The run (cur)                                                          */
/* ---------------------------------------------------------------------- */

/* Sorts.  All are stable: entries arrive in sequence order (I2). */
static inline int tp_less(const ent *a, const ent *b) { /* (t, prio) */
  return a->t < b->t || (a->t == b->t && a->prio < b->prio);
}

static void isort_tp(ent *a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    ent x = a[i];
    size_t j = i;
    for (; j > 0 && tp_less(&x, &a[j - 1]); j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

/* Merge sort by (t, prio); tmp has room for n entries. */
static void msort_tp(ent *a, size_t n, ent *tmp) {
  enum { RUN = 8 };
  for (size_t i = 0; i < n; i += RUN)
    isort_tp(a + i, n - i < RUN ? n - i : RUN);
  ent *src = a, *dst = tmp;
  for (size_t w = RUN; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n;
      size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi)
        dst[o++] = tp_less(&src[j], &src[i]) ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    ent *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Sorts n entries of one time by (prio, seq) in place: during the sort
 * the time field holds the original index, which makes heapsort stable. */
static inline int pi_less(const ent *a, const ent *b) {
  return a->prio < b->prio || (a->prio == b->prio && a->t < b->t);
}

static void sift_down(ent *a, size_t i, size_t n) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && pi_less(&a[c], &a[c + 1])) c++;
    if (!pi_less(&a[i], &a[c])) return;
    ent t = a[i];
    a[i] = a[c];
    a[c] = t;
    i = c;
  }
}

static void sort_group(ent *a, size_t n) {
  uint64_t t = a[0].t;
  for (size_t i = 0; i < n; i++) a[i].t = i;
  for (size_t i = n / 2; i-- > 0;) sift_down(a, i, n);
  for (size_t m = n; m-- > 1;) {
    ent x = a[0];
    a[0] = a[m];
    a[m] = x;
    sift_down(a, 0, m);
  }
  for (size_t i = 0; i < n; i++) a[i].t = t;
}

/* Moves bucket (k, s) into the empty run, sorted by (t, prio, seq), and
 * sets the window to its last time.  Level 0 (one time): copied, and heap-
 * sorted by prio if I3 says so.  Level k > 0 (n <= LOAD_MAX): a few are
 * insertion-sorted; more are counting-sorted on the top b bits of the
 * slot's span, 2^b ~ n (one radix step, as a cascade would do, with about
 * one entry per digit), then insertion-sorted, O(n) plus the inversions
 * left inside each digit group; a group larger than 16 is merge-sorted.
 * cur_cap >= n_ent + LOAD_MAX leaves room for the merge sort's scratch. */
static void cur_load(sim_engine *e, int k, unsigned s) {
  bucket *b = &e->bk[k][s];
  chunk *c = b->head;
  uint32_t n = b->n;
  ent *cur = e->cur;
  assert(e->cur_pos == 0 && e->cur_n == 0 && n + LOAD_MAX <= e->cur_cap);
  e->cur_n = n;
  bucket_reset(b);
  bit_clear(e, k, s);
  if (n == 1) { /* the common case with sparse events */
    cur[0] = c->e[0];
    chunk_put(e, c);
    e->cur_lim = cur[0].t + 1;
    return;
  }
  if (k == 0 || n <= 8) {
    ent *dst = cur;
    while (n) {
      unsigned m = n < CHUNK_N ? n : CHUNK_N;
      chunk_prefetch(c->next);
      memcpy(dst, c->e, m * sizeof *dst);
      dst += m;
      n -= m;
      chunk *nx = c->next;
      chunk_put(e, c);
      c = nx;
    }
    n = (uint32_t)e->cur_n;
    if (k > 0) isort_tp(cur, n);
    else if (b->unsorted) sort_group(cur, n);
  } else {
    unsigned bits = 32 - (unsigned)__builtin_clz(n - 1); /* 2^bits >= n */
    if (bits > (unsigned)k * W_BITS) bits = (unsigned)k * W_BITS;
    int sh = k * W_BITS - (int)bits;
    uint32_t mask = (1u << bits) - 1, pos[LOAD_MAX + 1], maxg = 0;
    memset(pos, 0, (mask + 2) * sizeof *pos);
    const chunk *rc = c;
    for (uint32_t m = n, i = 0; m--; i++) { /* histogram */
      if (i == CHUNK_N) {
        rc = rc->next;
        i = 0;
      }
      pos[((rc->e[i].t >> sh) & mask) + 1]++;
    }
    for (unsigned d = 1; d <= mask + 1; d++) {
      if (pos[d] > maxg) maxg = pos[d];
      pos[d] += pos[d - 1];
    }
    for (uint32_t m = n; m;) { /* stable scatter */
      unsigned mm = m < CHUNK_N ? m : CHUNK_N;
      m -= mm;
      for (unsigned i = 0; i < mm; i++)
        cur[pos[(c->e[i].t >> sh) & mask]++] = c->e[i];
      chunk *nx = c->next;
      chunk_put(e, c);
      c = nx;
    }
    if (maxg == 1) {
      /* one entry per digit: sorted already */
    } else if (maxg <= 16) {
      isort_tp(cur, n); /* nearly sorted: O(n + inversions) */
    } else { /* pos[d] is now the end of digit d's group */
      for (unsigned d = 0, lo = 0; d <= mask; lo = pos[d++]) {
        uint32_t g = pos[d] - lo;
        if (g > 16) msort_tp(cur + lo, g, cur + n);
        else if (g > 1) isort_tp(cur + lo, g);
      }
    }
  }
  e->cur_lim = cur[e->cur_n - 1].t + 1; /* t < SIM_T_NEVER: no overflow */
}

/* Moves the rest of cur back into the wheel, in order (I2), and closes
 * the window.  The chunk reserve covers every queued entry. */
static void cur_spill(sim_engine *e) {
  for (size_t i = e->cur_pos; i < e->cur_n; i++) wheel_insert(e, &e->cur[i]);
  e->cur_pos = e->cur_n = 0;
  e->cur_lim = 0;
}

/* Refills the empty run from the earliest wheel bucket: takes it (see
 * below), else cascades it and looks again.  A bucket whose span starts
 * after `until` is neither taken nor cascaded, so ref never passes
 * `until` (I5).  Returns 0 if nothing is due. */
static int cur_refill(sim_engine *e, uint64_t until) {
  for (;;) {
    if (!e->lvl_mask) return 0;
    int k = __builtin_ctz(e->lvl_mask);
    unsigned s = min_slot(e, k);
    if (span_start(e, k, s) > until) return 0;
    /* Taking a bucket saves cascading it (and, below, taking its parts
     * one by one), but a later insertion into the run's window moves the
     * run's tail: with a typical delay D, about n x span / D entries per
     * new event.  Take the bucket when that is <= 32 (measured), or when
     * n <= 8.  Cost only: the order is exact either way. */
    uint32_t n = e->bk[k][s].n;
    if (k == 0 || n <= 8 ||
        (n <= LOAD_MAX &&
         (uint32_t)(k * W_BITS + 32 - __builtin_clz(n - 1)) * 16 <=
             e->lgd16 + 5 * 16)) {
      cur_load(e, k, s);
      return 1;
    }
    cascade(e, k, s);
  }
}

/* Inserts an event with t < cur_lim into the run, after every entry with
 * (t, prio) <= its own: it is the newest (I4). */
static void cur_insert(sim_engine *e, const ent *x) {
  if (e->cur_n == e->cur_cap) { /* room exists before cur_pos */
    size_t m = e->cur_n - e->cur_pos;
    memmove(e->cur, e->cur + e->cur_pos, m * sizeof *e->cur);
    e->cur_pos = 0;
    e->cur_n = m;
  }
  ent *a = e->cur;
  size_t hi = e->cur_n;
  if (hi == e->cur_pos || !tp_less(x, &a[hi - 1])) {
    a[e->cur_n++] = *x;
    return;
  }
  size_t lo = e->cur_pos; /* first entry with (t, prio) > x's */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (!tp_less(x, &a[mid])) lo = mid + 1;
    else hi = mid;
  }
  if (e->cur_n - lo > CUR_MOVE_MAX && a[e->cur_pos].t != a[e->cur_n - 1].t) {
    cur_spill(e);
    wheel_insert(e, x);
    return;
  }
  memmove(a + lo + 1, a + lo, (e->cur_n - lo) * sizeof *a);
  a[lo] = *x;
  e->cur_n++;
}

/* ---------------------------------------------------------------------- */
/* Zombie sweep                                                           */
/* ---------------------------------------------------------------------- */

static void sweep_zombies(sim_engine *e) {
  for (int k = 0; k < W_LEVELS; k++)
    for (unsigned w = 0; w < W_SLOTS / 64; w++) {
      uint64_t m = e->bits[k][w];
      while (m) {
        unsigned s = w * 64 + (unsigned)__builtin_ctzll(m);
        m &= m - 1;
        bucket_filter(e, k, s);
      }
    }
  size_t o = e->cur_pos;
  for (size_t i = e->cur_pos; i < e->cur_n; i++) {
    if (is_zombie(e, &e->cur[i])) reap(e, &e->cur[i]);
    else e->cur[o++] = e->cur[i];
  }
  e->cur_n = o;
  assert(e->n_zombie == 0);
}

/* ---------------------------------------------------------------------- */
/* Growth (sim_schedule time only)                                        */
/* ---------------------------------------------------------------------- */

/* Chunks needed for n entries in any layout, mid-cascade included: a
 * non-empty bucket fills all its chunks but the tail, a cascade holds one
 * source chunk whose entries have moved already, and at most W_BUCKETS
 * buckets are non-empty. */
static size_t chunks_needed(size_t n) {
  size_t nb = n < W_BUCKETS ? n : W_BUCKETS;
  return (n + CHUNK_N - 1) / CHUNK_N + nb + 2;
}

static int grow_cur(sim_engine *e, size_t want) {
  if (want <= e->cur_cap) return 0;
  if (want > SIZE_MAX / sizeof(ent)) return SIM_ENOMEM;
  ent *c = sim_realloc(e->cur, want * sizeof *c);
  if (!c) return SIM_ENOMEM;
  e->cur = c;
  e->cur_cap = want;
  return 0;
}

static int grow_chunks(sim_engine *e, size_t want) {
  size_t need = chunks_needed(want);
  if (need > e->n_chunks) {
    size_t add = need - e->n_chunks;
    if (add < CHUNK_BLOCK_MIN) add = CHUNK_BLOCK_MIN;
    if (add > (SIZE_MAX - sizeof(block) - CHUNK_BYTES) / sizeof(chunk))
      return SIM_ENOMEM;
    block *bl = sim_malloc(sizeof(block) + CHUNK_BYTES + add * sizeof(chunk));
    if (!bl) return SIM_ENOMEM;
    bl->next = e->blocks;
    e->blocks = bl;
    uintptr_t first = ((uintptr_t)(bl + 1) + CHUNK_BYTES - 1) &
                      ~(uintptr_t)(CHUNK_BYTES - 1);
    chunk *c = (chunk *)first;
    for (size_t i = add; i-- > 0;) chunk_put(e, &c[i]);
    e->n_chunks += add;
  }
  if (want > e->chunk_cap_n) e->chunk_cap_n = want;
  return 0;
}

/* Makes room for n_ent + 1 entries, growing by 1.5x. */
static int grow(sim_engine *e) {
  size_t want = e->n_ent < 8 ? 16 : e->n_ent + e->n_ent / 2;
  if (want <= e->n_ent) return SIM_ENOMEM;
  int rc = grow_cur(e, want + LOAD_MAX);
  if (!rc) rc = grow_chunks(e, want);
  size_t cap = e->chunk_cap_n;
  size_t room = e->cur_cap > LOAD_MAX ? e->cur_cap - LOAD_MAX : 0;
  e->fast_cap = room < cap ? room : cap;
  return rc;
}

static int grow_handles(sim_engine *e) {
  size_t want = e->hnd_cap ? 2 * (size_t)e->hnd_cap : 64;
  if (want > HND_MAX) want = HND_MAX;
  if (want <= e->hnd_cap) return SIM_ENOMEM;
  hnd *h = sim_realloc(e->hnd, want * sizeof *h);
  if (!h) return SIM_ENOMEM;
  e->hnd = h;
  /* Index 0 is HID_NONE, never handed out.  Lower indices pop first. */
  for (size_t i = want; i-- > (e->hnd_cap ? e->hnd_cap : 1);) {
    h[i].gen = 1;
    hnd_free(e, (uint32_t)i);
  }
  if (!e->hnd_cap) {
    h[0].gen = 1;
    h[0].next = HID_NONE;
  }
  e->hnd_cap = (uint32_t)want;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Public: lifetime, schedule, cancel                                     */
/* ---------------------------------------------------------------------- */

sim_engine *sim_engine_new(void) {
  sim_engine *e = sim_calloc(1, sizeof *e);
  if (!e) return NULL;
  e->free_hnd = HID_NONE;
  e->stats = sim_stats_new();
  if (!e->stats) {
    sim_free(e);
    return NULL;
  }
  return e;
}

void sim_engine_free(sim_engine *e) {
  if (!e) return;
  block *b = e->blocks;
  while (b) {
    block *nx = b->next;
    sim_free(b);
    b = nx;
  }
  for (int i = 0; i < e->n_clocks; i++) {
    sim_free(e->clocks[i]->name);
    sim_free(e->clocks[i]);
  }
  sim_free(e->clocks);
  sim_free(e->hnd);
  sim_free(e->cur);
  sim_stats_free(e->stats);
  sim_free(e);
}

uint64_t sim_now(const sim_engine *e) { return e->now; }

int sim_schedule(sim_engine *e, uint64_t t_ps, int prio, sim_event_fn fn,
                 void *ctx, uint64_t arg, sim_event_id *out_id) {
  if (out_id) *out_id = 0;
  if (!fn || t_ps < e->now || t_ps == SIM_T_NEVER) return SIM_EINVAL;
  if (__builtin_expect(e->n_ent + 1 > e->fast_cap, 0)) {
    int rc = grow(e);
    if (rc) return rc;
  }
  ent x = {t_ps, prio, HID_NONE, fn, ctx, arg};
  if (out_id) {
    if (e->free_hnd == HID_NONE) {
      int rc = grow_handles(e);
      if (rc) return rc;
    }
    x.hid = e->free_hnd;
    hnd *h = &e->hnd[x.hid];
    e->free_hnd = h->next;
    h->next = H_LIVE;
    *out_id = ((uint64_t)h->gen << 32) | x.hid;
  }
  if (t_ps < e->cur_lim) {
    cur_insert(e, &x);
  } else {
    if (!e->lvl_mask) e->ref = e->now; /* fewer cascades; see I5 */
    /* log2 of the delay, for the load policy of cur_refill */
    e->lgd16 += (uint32_t)(64 - __builtin_clzll((t_ps - e->now) | 1)) -
                (e->lgd16 >> 4);
    wheel_insert(e, &x);
  }
  e->n_ent++;
  e->n_live++;
  return 0;
}

int sim_schedule_in(sim_engine *e, uint64_t delay_ps, int prio,
                    sim_event_fn fn, void *ctx, uint64_t arg,
                    sim_event_id *out_id) {
  if (out_id) *out_id = 0;
  if (delay_ps > UINT64_MAX - e->now) return SIM_ERANGE;
  return sim_schedule(e, e->now + delay_ps, prio, fn, ctx, arg, out_id);
}

int sim_cancel(sim_engine *e, sim_event_id id) {
  uint32_t hid = (uint32_t)id, gen = (uint32_t)(id >> 32);
  if (hid == HID_NONE || hid >= e->hnd_cap) return SIM_ENOENT;
  hnd *h = &e->hnd[hid];
  if (h->gen != gen || h->next != H_LIVE) return SIM_ENOENT;
  h->next = H_CANCELLED; /* a zombie until its entry leaves the queue */
  h->gen = gen_next(gen);
  e->n_live--;
  e->n_zombie++;
  if (e->n_zombie > ZOMBIE_SWEEP_MIN && e->n_zombie > e->n_live)
    sweep_zombies(e);
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Public: running                                                        */
/* ---------------------------------------------------------------------- */

/* Runs the next live event if its time is <= until: returns 1 if one ran,
 * 0 if none is due. */
static inline int run_one(sim_engine *e, uint64_t until) {
  for (;;) {
    if (e->cur_pos == e->cur_n) {
      e->cur_pos = e->cur_n = 0;
      if (!cur_refill(e, until)) return 0;
    }
    const ent *x = &e->cur[e->cur_pos];
    if (x->t > until) return 0;
    e->cur_pos++;
    if (x->hid != HID_NONE) {
      hnd *h = &e->hnd[x->hid];
      if (h->next == H_CANCELLED) {
        reap(e, x);
        continue;
      }
      h->gen = gen_next(h->gen);
      hnd_free(e, x->hid);
    }
    if (e->hnd_cap && e->cur_pos + PREFETCH_AHEAD < e->cur_n &&
        e->cur[e->cur_pos + PREFETCH_AHEAD].hid != HID_NONE)
      __builtin_prefetch(&e->hnd[e->cur[e->cur_pos + PREFETCH_AHEAD].hid]);
    sim_event_fn fn = x->fn;
    void *ctx = x->ctx;
    uint64_t arg = x->arg;
    e->n_ent--;
    e->n_live--;
    e->now = x->t;
    e->executed++;
    fn(e, ctx, arg); /* may grow (move) cur: x is dead from here */
    return 1;
  }
}

uint64_t sim_run(sim_engine *e, uint64_t until_ps) {
  uint64_t n = 0;
  e->stop = 0;
  while (run_one(e, until_ps)) {
    n++;
    if (e->stop) return n;
  }
  if (until_ps != SIM_T_NEVER && until_ps > e->now) e->now = until_ps;
  return n;
}

int sim_step(sim_engine *e) { return run_one(e, SIM_T_NEVER); }

void sim_stop(sim_engine *e) { e->stop = 1; }

size_t sim_pending(const sim_engine *e) { return e->n_live; }

uint64_t sim_events_executed(const sim_engine *e) { return e->executed; }

uint64_t sim_next_time(sim_engine *e) {
  while (e->cur_pos < e->cur_n && is_zombie(e, &e->cur[e->cur_pos]))
    reap(e, &e->cur[e->cur_pos++]);
  if (e->cur_pos < e->cur_n) return e->cur[e->cur_pos].t;
  e->cur_pos = e->cur_n = 0;
  return wheel_min_time(e);
}

/* ---------------------------------------------------------------------- */
/* Clock domains                                                          */
/* ---------------------------------------------------------------------- */

int sim_clock_add(sim_engine *e, const char *name, uint64_t period_ps) {
  if (!name || !*name || period_ps == 0) return SIM_EINVAL;
  for (int i = 0; i < e->n_clocks; i++)
    if (strcmp(e->clocks[i]->name, name) == 0)
      return e->clocks[i]->c.period_ps == period_ps ? i : SIM_EINVAL;
  if (e->n_clocks == e->cap_clocks) {
    int cap = e->cap_clocks ? 2 * e->cap_clocks : 8;
    clock_dom **n = sim_realloc(e->clocks, (size_t)cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    e->clocks = n;
    e->cap_clocks = cap;
  }
  clock_dom *d = sim_calloc(1, sizeof *d);
  if (!d) return SIM_ENOMEM;
  d->name = sim_strdup(name);
  if (!d->name) {
    sim_free(d);
    return SIM_ENOMEM;
  }
  d->c.period_ps = period_ps;
  d->c.phase_ps = 0;
  e->clocks[e->n_clocks] = d; /* own allocation: sim_clock_get stays valid */
  return e->n_clocks++;
}

const sim_clock *sim_clock_get(const sim_engine *e, int clk) {
  if (clk < 0 || clk >= e->n_clocks) return NULL;
  return &e->clocks[clk]->c;
}

const char *sim_clock_name(const sim_engine *e, int clk) {
  if (clk < 0 || clk >= e->n_clocks) return NULL;
  return e->clocks[clk]->name;
}

int sim_clock_count(const sim_engine *e) { return e->n_clocks; }

uint64_t sim_clock_cycles(const sim_clock *c, uint64_t t_ps) {
  if (t_ps < c->phase_ps) return 0;
  return (t_ps - c->phase_ps) / c->period_ps;
}

uint64_t sim_clock_next_edge(const sim_clock *c, uint64_t t_ps) {
  if (t_ps <= c->phase_ps) return c->phase_ps;
  uint64_t d = t_ps - c->phase_ps;
  uint64_t n = d / c->period_ps + (d % c->period_ps != 0);
  return sim_clock_time(c, n);
}

uint64_t sim_clock_time(const sim_clock *c, uint64_t cycle) {
  uint64_t t;
  if (sim_mul_u64(cycle, c->period_ps, &t) ||
      sim_add_u64(t, c->phase_ps, &t))
    return SIM_T_NEVER;
  return t;
}

sim_stats *sim_engine_stats(sim_engine *e) { return e->stats; }
