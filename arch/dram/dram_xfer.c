/*
 * dram_xfer.c — bulk transfers on the engine binding: move `bytes` from
 * `addr` (read or write) as line-sized requests and call one completion
 * callback when the last of them completes.  An executor that runs whole
 * ops (a GEMM's weights, a KV-cache read) uses it to put an op's traffic
 * on the cycle-accurate memory system without a request loop of its own.
 * docs/dram.md section "Bulk transfers" is the user view.
 *
 * Offering: a transfer offers its lines in address order through
 * dram_submit, as many as the controller accepts at once (the trace front
 * end offers one per cycle; the difference is the first queue fill, a few
 * dozen cycles).  A refused line (its channel's read queue or write buffer
 * is full) parks the transfer in that channel's FIFO of waiting transfers;
 * no event is scheduled for it.  The controller reports, at the end of the
 * cycle in which a full queue got room (dram_sys.room_fn), and the
 * transfers waiting on that channel are offered again then, from inside
 * that cycle: the request is accepted for the next cycle, which is when
 * the trace front end's per-cycle retry would have offered it.  A
 * transfer that is refused again goes to the back of the FIFO, so
 * concurrent transfers on one channel take turns.  Cost: O(1) per line
 * offered, one room callback per line moved out of a full queue.
 *
 * Completion: a read completes when its data has returned, a write when
 * the write buffer has accepted it (one cycle after submit, the model's
 * request semantics); the transfer's callback runs at the engine time of
 * the cycle its last request completed, from inside the binding's event.
 * A transfer of 0 bytes completes from an event at the current time.
 *
 * Memory: transfers live in one array of slots owned by the binding, grown
 * by doubling and reused through a free list: no allocation per transfer
 * once it has grown.  A slot's index is the request id.
 */
#include "dramInt.h"

#include <string.h>

typedef struct xfer {
  uint64_t next, end; /* next line to offer, end of the last (aligned) */
  uint64_t left;      /* requests offered or not, not yet completed */
  void (*done)(void *ctx, uint64_t arg);
  void *ctx;
  uint64_t arg;
  uint32_t link; /* next in a wait FIFO or the free list */
  uint8_t is_write, live;
} xfer;

struct dram__xfers {
  xfer *v;
  uint32_t n, cap, free;
  uint32_t *whead, *wtail; /* per channel: FIFO of waiting transfers */
};

#define XNIL UINT32_MAX

static void room(void *ctx, uint32_t ch);

static int xfers_init(dram_engine *d) {
  dram__xfers *x = sim_calloc(1, sizeof *x);
  if (!x) return SIM_ENOMEM;
  uint32_t nch = d->s->nch;
  x->whead = sim_malloc(nch * sizeof *x->whead);
  x->wtail = sim_malloc(nch * sizeof *x->wtail);
  if (!x->whead || !x->wtail) {
    sim_free(x->whead);
    sim_free(x->wtail);
    sim_free(x);
    return SIM_ENOMEM;
  }
  for (uint32_t i = 0; i < nch; i++) x->whead[i] = x->wtail[i] = XNIL;
  x->free = XNIL;
  d->xf = x;
  d->s->room_fn = room;
  d->s->room_ctx = d;
  return 0;
}

void dram__xfers_free(dram_engine *d) {
  dram__xfers *x = d->xf;
  if (!x) return;
  if (d->s->room_ctx == d) {
    d->s->room_fn = NULL;
    d->s->room_ctx = NULL;
  }
  sim_free(x->v);
  sim_free(x->whead);
  sim_free(x->wtail);
  sim_free(x);
  d->xf = NULL;
}

static uint32_t slot_new(dram__xfers *x) {
  if (x->free == XNIL) {
    uint32_t cap = x->cap ? x->cap * 2 : 16;
    xfer *v = sim_realloc(x->v, cap * sizeof *v);
    if (!v) return XNIL;
    x->v = v;
    for (uint32_t i = cap; i-- > x->cap;) {
      v[i].live = 0;
      v[i].link = x->free;
      x->free = i;
    }
    x->cap = cap;
  }
  uint32_t i = x->free;
  x->free = x->v[i].link;
  x->n++;
  return i;
}

static void slot_free(dram__xfers *x, uint32_t i) {
  x->v[i].live = 0;
  x->v[i].link = x->free;
  x->free = i;
  x->n--;
}

/* The transfer's callback, its slot freed first (the callback may start
 * another transfer). */
static void finish(dram_engine *d, uint32_t i) {
  xfer t = d->xf->v[i];
  slot_free(d->xf, i);
  t.done(t.ctx, t.arg);
}

static void req_done(void *ctx, uint64_t id, uint64_t addr, int is_write,
                     uint64_t cyc) {
  dram_engine *d = ctx;
  (void)addr;
  (void)is_write;
  (void)cyc;
  xfer *t = &d->xf->v[id];
  if (--t->left == 0) finish(d, (uint32_t)id);
}

static void wait_push(dram__xfers *x, uint32_t ch, uint32_t i) {
  x->v[i].link = XNIL;
  if (x->wtail[ch] == XNIL)
    x->whead[ch] = i;
  else
    x->v[x->wtail[ch]].link = i;
  x->wtail[ch] = i;
}

/* Offers transfer i's lines until one is refused (then it waits on that
 * line's channel; returns the channel) or all are offered (XNIL). */
static uint32_t pump(dram_engine *d, uint32_t i) {
  dram__xfers *x = d->xf;
  const dram_spec *sp = d->s->spec;
  uint64_t line = sp->line_bytes;
  xfer *t = &x->v[i];
  while (t->next < t->end) {
    int rc = dram_submit(d->s, t->next, t->is_write, i, req_done, d);
    if (rc == 1) {
      uint32_t ch = dram__chan_of(sp, t->next);
      wait_push(x, ch, i);
      return ch;
    }
    if (rc) { /* addresses were checked at start: out of memory */
      dram__fail(d->s, "a transfer's requests", dram_now(d->s));
      return XNIL;
    }
    t->next += line;
  }
  return XNIL;
}

/* A full queue of channel ch got room (inside dram_tick): the transfers
 * waiting on ch offer again, oldest first, until one is refused on ch. */
static void room(void *ctx, uint32_t ch) {
  dram_engine *d = ctx;
  dram__xfers *x = d->xf;
  while (x->whead[ch] != XNIL) {
    uint32_t i = x->whead[ch];
    x->whead[ch] = x->v[i].link;
    if (x->whead[ch] == XNIL) x->wtail[ch] = XNIL;
    if (pump(d, i) == ch) break;
  }
}

static void on_empty(sim_engine *e, void *ctx, uint64_t arg) {
  (void)e;
  finish(ctx, (uint32_t)arg);
}

int dram_xfer_start(dram_engine *d, uint64_t addr, uint64_t bytes,
                    int is_write, void (*done)(void *ctx, uint64_t arg),
                    void *ctx, uint64_t arg, sim_err *err) {
  const dram_spec *sp = d->s->spec;
  if (!done)
    return sim_err_set(err, SIM_EINVAL, "dram: transfer without a "
                       "completion callback");
  if (addr > sp->capacity_bytes || bytes > sp->capacity_bytes - addr)
    return sim_err_set(err, SIM_ERANGE, "dram: transfer of %llu bytes at "
                       "0x%llx ends beyond the capacity of %llu bytes",
                       (unsigned long long)bytes, (unsigned long long)addr,
                       (unsigned long long)sp->capacity_bytes);
  int rc;
  if (!d->xf && (rc = xfers_init(d)))
    return sim_err_set(err, rc, "dram: out of memory");
  dram__xfers *x = d->xf;
  uint32_t i = slot_new(x);
  if (i == XNIL) return sim_err_set(err, SIM_ENOMEM, "dram: out of memory");
  xfer *t = &x->v[i];
  uint64_t line = sp->line_bytes;
  memset(t, 0, sizeof *t);
  t->next = addr & ~(line - 1);
  t->end = bytes ? ((addr + bytes - 1) & ~(line - 1)) + line : t->next;
  t->left = (t->end - t->next) / line;
  t->is_write = (uint8_t)(is_write != 0);
  t->live = 1;
  t->done = done;
  t->ctx = ctx;
  t->arg = arg;
  t->link = XNIL;
  if (t->left == 0) {
    rc = sim_schedule(d->e, sim_now(d->e), DRAM__ENGINE_PRIO, on_empty, d, i,
                      NULL);
    if (rc) {
      slot_free(x, i);
      return sim_err_set(err, rc, "dram: cannot schedule a transfer's "
                         "completion");
    }
    return 0;
  }
  dram__engine_sync(d);
  pump(d, i);
  if ((rc = dram_sys_failed(d->s, err))) return rc;
  dram__engine_arm(d);
  return 0;
}

uint32_t dram_xfer_active(const dram_engine *d) {
  return d->xf ? d->xf->n : 0;
}
