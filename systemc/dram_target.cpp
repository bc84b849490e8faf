/*
 * dram_target.cpp — the DRAM model behind a TLM-2.0 target socket.  The
 * protocol and timing rules are in tfsim_dram_target.h; this file keeps
 * them.  Invariants:
 *   - the model only moves forward: run_to() and step() are the only
 *     places that process cycles, and each processed cycle is followed by
 *     after_cycle() (the refused request's retry, the idle check), as the
 *     trace front end retries after each processed cycle;
 *   - inflight_ counts requests submitted whose completion callback has
 *     not come; blocked_ is the one refused BEGIN_REQ (request exclusion
 *     rule: the initiator sends no other until END_REQ);
 *   - clock_ev_ is notified for the model's next event while busy(), and
 *     not at all otherwise.
 */
#define SC_INCLUDE_DYNAMIC_PROCESSES /* sc_spawn: the clock coordinator */
#include "tfsim_dram_target.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

#include "arch/arch.h"

using namespace sc_core;
using namespace tlm;

namespace tfsim {

namespace {

/* Processes the due memory cycles of every target of the simulation, last
 * in their time step.  One process for all targets: were each target to
 * wait for the others' activity to settle, two targets would wait for each
 * other forever.  Due targets are served in construction order. */
struct clock_coord {
  sc_event ev{"tfsim_dram_clock"};
  std::vector<dram_target *> due, list;
  void run() {
    if (sc_pending_activity_at_current_time()) {
      next_trigger(SC_ZERO_TIME);
      return;
    }
    list.assign(due.begin(), due.end()); /* both keep their capacity */
    due.clear();
    if (list.size() > 1)
      std::sort(list.begin(), list.end(),
                [](const dram_target *a, const dram_target *b) {
                  return a->seq() < b->seq();
                });
    for (dram_target *t : list) t->clock_due();
  }
};

clock_coord *coord() {
  static sc_simcontext *ctx = nullptr;
  static clock_coord *c = nullptr;
  if (ctx != sc_get_curr_simcontext()) { /* one per simulation context */
    ctx = sc_get_curr_simcontext();
    c = new clock_coord; /* lives as long as the simulation */
    sc_spawn_options o;
    o.spawn_method();
    o.set_sensitivity(&c->ev);
    o.dont_initialize();
    clock_coord *cc = c;
    sc_spawn([cc]() { cc->run(); }, "tfsim_dram_clock_coord", &o);
  }
  return c;
}
uint64_t g_seq = 0;
}  // namespace

dram_target::dram_target(sc_module_name name, const std::string &arch)
    : sc_module(name), socket("socket"), peq_(this, &dram_target::peq_cb) {
  std::memset(&spec_, 0, sizeof spec_);
  socket.bind(*this);
  sim_err err;
  std::memset(&err, 0, sizeof err);
  std::string path = arch;
  struct stat st;
  if (stat(arch.c_str(), &st) != 0) {
    char buf[4096];
    if (arch_preset_path(arch.c_str(), buf, sizeof buf) == 0) path = buf;
  }
  if (dram_spec_load(path.c_str(), &spec_, &err) ||
      dram_sys_new(&spec_, &sys_, &err)) {
    SC_REPORT_ERROR("tfsim/dram_target", err.msg);
    return;
  }
  /* tCK in resolution units, exactly. */
  double res_fs = sc_get_time_resolution().to_seconds() * 1e15;
  uint64_t rfs = (uint64_t)std::llround(res_fs);
  uint64_t tck_fs = spec_.tck_ps * 1000u;
  if (rfs == 0 || tck_fs % rfs != 0) {
    std::string m = std::string(spec_.name) + ": tCK " +
                    std::to_string(spec_.tck_ps) +
                    " ps is not a multiple of the time resolution " +
                    sc_get_time_resolution().to_string();
    SC_REPORT_ERROR("tfsim/dram_target", m.c_str());
    return;
  }
  tckv_ = tck_fs / rfs;
  pg_ = spec_.line_bytes;
  tck_ = sc_time::from_value(tckv_);
  coord_ = coord();
  seq_ = g_seq++;

  SC_METHOD(clock_method);
  sensitive << clock_ev_;
  dont_initialize();
  SC_METHOD(resp_method);
  sensitive << resp_ev_;
  dont_initialize();
  SC_METHOD(end_req_method);
  sensitive << end_req_ev_;
  dont_initialize();
}

dram_target::~dram_target() {
  dram_sys_free(sys_);
  dram_spec_fini(&spec_);
}

uint64_t dram_target::cycles() const { return dram_now(sys_); }

sc_time dram_target::time_of(uint64_t c) const {
  return sc_time::from_value(c * tckv_);
}

sc_time dram_target::until(uint64_t c) const {
  sc_time t = time_of(c), now = sc_time_stamp();
  return t > now ? t - now : SC_ZERO_TIME;
}

uint64_t dram_target::cycle_at_or_after(const sc_time &t) const {
  return (t.value() + tckv_ - 1) / tckv_;
}

bool dram_target::busy() const {
  return inflight_ || blocked_ || dram_outstanding(sys_);
}

bool dram_target::idle() const { return !busy(); }

void dram_target::counters(dram_counters *out) const {
  dram_get_counters(sys_, out);
}

/* ---------------------------------------------------------------------- */
/* Requests and the model's clock                                         */
/* ---------------------------------------------------------------------- */

tlm_response_status dram_target::check(const tlm_generic_payload &gp) const {
  if (gp.get_command() == TLM_IGNORE_COMMAND) return TLM_OK_RESPONSE;
  uint64_t a = gp.get_address(), n = gp.get_data_length();
  uint64_t cap = spec_.capacity_bytes, line = spec_.line_bytes;
  if (a >= cap || n > cap - a) return TLM_ADDRESS_ERROR_RESPONSE;
  if (n == 0 || gp.get_streaming_width() < n) return TLM_BURST_ERROR_RESPONSE;
  if (a / line != (a + n - 1) / line) return TLM_BURST_ERROR_RESPONSE;
  if (gp.get_byte_enable_ptr() && gp.get_byte_enable_length() == 0)
    return TLM_BYTE_ENABLE_ERROR_RESPONSE;
  if (!gp.get_data_ptr()) return TLM_GENERIC_ERROR_RESPONSE;
  return TLM_OK_RESPONSE;
}

/* The store's block of addr (line-sized blocks in one arena: a random
 * write stream costs a line per line written, not a page); nullptr if it
 * was never written and !create.  Valid until the next create. */
uint8_t *dram_target::page(uint64_t addr, bool create) {
  uint64_t key = addr / pg_;
  auto it = store_.find(key);
  if (it != store_.end()) return arena_.data() + it->second;
  if (!create) return nullptr;
  uint64_t off = arena_.size();
  arena_.resize(off + pg_, 0);
  store_.emplace(key, off);
  return arena_.data() + off;
}

/* Reads or writes gp's bytes in the backing store, page by page. */
void dram_target::access_data(tlm_generic_payload &gp) {
  bool wr = gp.get_command() == TLM_WRITE_COMMAND;
  uint8_t *d = gp.get_data_ptr();
  const uint8_t *be = gp.get_byte_enable_ptr();
  unsigned be_n = gp.get_byte_enable_length();
  uint64_t a = gp.get_address(), n = gp.get_data_length(), i = 0;
  while (i < n) {
    uint64_t off = (a + i) % pg_, len = std::min(n - i, pg_ - off);
    uint8_t *p = page(a + i, wr);
    if (!be) {
      if (wr)
        std::memcpy(p + off, d + i, len);
      else if (p)
        std::memcpy(d + i, p + off, len);
      else
        std::memset(d + i, 0, len);
    } else {
      for (uint64_t k = 0; k < len; k++) {
        if (be[(i + k) % be_n] != TLM_BYTE_ENABLED) continue;
        if (wr)
          p[off + k] = d[i + k];
        else
          d[i + k] = p ? p[off + k] : 0;
      }
    }
    i += len;
  }
}

uint32_t dram_target::new_slot(tlm_generic_payload *gp, bool at) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = (uint32_t)slots_.size();
    slots_.push_back(slot{});
  }
  slots_[id] = slot{gp, 0, at, false};
  return id;
}

void dram_target::submit(tlm_generic_payload &gp, uint32_t id) {
  int rc = dram_submit(sys_, gp.get_address(),
                       gp.get_command() == TLM_WRITE_COMMAND, id,
                       &dram_target::on_done, this);
  if (rc != 0) /* checked by dram_can_accept and check() before */
    SC_REPORT_FATAL("tfsim/dram_target", "dram_submit refused a request "
                    "it said it would accept");
  inflight_++;
  was_busy_ = true;
  idle_ev_.cancel();
}

void dram_target::on_done(void *ctx, uint64_t id, uint64_t addr,
                          int is_write, uint64_t done_cyc) {
  (void)addr;
  (void)is_write;
  dram_target *t = static_cast<dram_target *>(ctx);
  slot &s = t->slots_[id];
  t->inflight_--;
  if (!s.at) { /* b_transport collects it */
    s.done = true;
    s.done_cyc = done_cyc;
    return;
  }
  s.gp->set_response_status(TLM_OK_RESPONSE);
  t->resp_q_.push_back(resp{s.gp, done_cyc});
  t->free_.push_back((uint32_t)id);
  if (!t->resp_busy_ && t->resp_q_.size() == 1)
    t->resp_ev_.notify(t->until(done_cyc));
}

/* After each processed cycle: the refused request again (the queue gets
 * room only at the end of a cycle a transaction moved out of it), then
 * whether the memory just became idle. */
void dram_target::after_cycle() {
  if (blocked_ && dram_can_accept(sys_, blocked_->get_address(),
                                  blocked_->get_command() ==
                                      TLM_WRITE_COMMAND)) {
    tlm_generic_payload *gp = blocked_;
    blocked_ = nullptr;
    access_data(*gp);
    submit(*gp, new_slot(gp, true));
    end_req_gp_ = gp;
    end_req_cyc_ = dram_now(sys_);
    end_req_ev_.notify(until(end_req_cyc_));
  }
  if (was_busy_ && !busy()) {
    was_busy_ = false;
    idle_at_ = time_of(dram_now(sys_));
    idle_ev_.notify(until(dram_now(sys_)));
  }
}

void dram_target::step() {
  uint64_t e = dram_next_event(sys_);
  if (e == SIM_T_NEVER)
    SC_REPORT_FATAL("tfsim/dram_target", "the memory model has a request "
                    "in flight but no next event");
  if (e > dram_now(sys_)) dram_advance(sys_, e);
  dram_tick(sys_);
  after_cycle();
}

void dram_target::run_to(uint64_t c) {
  while (dram_now(sys_) < c) {
    uint64_t e = dram_next_event(sys_);
    if (e >= c) {
      dram_advance(sys_, c);
      break;
    }
    if (e > dram_now(sys_)) dram_advance(sys_, e);
    dram_tick(sys_);
    after_cycle();
  }
}

void dram_target::arm() {
  if (!busy()) {
    if (armed_cyc_ != UINT64_MAX) clock_ev_.cancel();
    armed_cyc_ = UINT64_MAX;
    return;
  }
  uint64_t e = dram_next_event(sys_);
  if (e == armed_cyc_) return;
  clock_ev_.cancel();
  armed_cyc_ = e;
  if (e != SIM_T_NEVER) clock_ev_.notify(until(e));
}

/* The model's next event is now: let the coordinator process it last in
 * the time step. */
void dram_target::clock_method() {
  if (queued_) return;
  queued_ = true;
  clock_coord *c = static_cast<clock_coord *>(coord_);
  c->due.push_back(this);
  c->ev.notify(SC_ZERO_TIME);
}

/* Processes the cycle of the current time (called by the coordinator). */
void dram_target::clock_due() {
  queued_ = false;
  armed_cyc_ = UINT64_MAX;
  run_to(sc_time_stamp().value() / tckv_ + 1);
  arm();
}

/* ---------------------------------------------------------------------- */
/* Blocking transport                                                     */
/* ---------------------------------------------------------------------- */

/* One command at command level, at its earliest legal cycle. */
void dram_target::command(tlm_generic_payload &gp, dram_cmd_ext &x,
                          sc_time &delay) {
  run_to(cycle_at_or_after(sc_time_stamp() + delay));
  sim_err err;
  std::memset(&err, 0, sizeof err);
  for (;;) {
    uint64_t e = dram_cmd_earliest(sys_, x.cmd, &x.a);
    if (e == SIM_T_NEVER) {
      x.error = "command " + std::to_string(x.cmd) + " cannot issue at "
                "cycle " + std::to_string(dram_now(sys_)) + ": the bank "
                "states forbid it or the command or address is out of range";
      gp.set_response_status(TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    if (e > dram_now(sys_)) {
      run_to(e); /* the controller may move the earliest cycle on */
      continue;
    }
    int rc = dram_cmd_issue(sys_, x.cmd, &x.a, &err);
    if (rc == 0) break;
    if (rc < 0) {
      x.error = err.msg;
      gp.set_response_status(TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    run_to(dram_now(sys_) + 1); /* not ready after all: the next cycle */
  }
  x.issue_cyc = dram_now(sys_);
  x.error.clear();
  delay = until(x.issue_cyc);
  gp.set_response_status(TLM_OK_RESPONSE);
  arm();
}

void dram_target::b_transport(tlm_generic_payload &gp, sc_time &delay) {
  if (dram_cmd_ext *x = gp.get_extension<dram_cmd_ext>()) {
    command(gp, *x, delay);
    return;
  }
  tlm_response_status st = check(gp);
  if (st != TLM_OK_RESPONSE || gp.get_command() == TLM_IGNORE_COMMAND) {
    gp.set_response_status(st);
    return;
  }
  run_to(cycle_at_or_after(sc_time_stamp() + delay));
  bool wr = gp.get_command() == TLM_WRITE_COMMAND;
  while (!dram_can_accept(sys_, gp.get_address(), wr)) step();
  access_data(gp);
  uint32_t id = new_slot(&gp, false);
  submit(gp, id);
  while (!slots_[id].done) step();
  delay = until(slots_[id].done_cyc);
  free_.push_back(id);
  gp.set_response_status(TLM_OK_RESPONSE);
  arm();
}

/* ---------------------------------------------------------------------- */
/* Approximately timed                                                    */
/* ---------------------------------------------------------------------- */

tlm_sync_enum dram_target::begin_req(tlm_generic_payload &gp,
                                     tlm_phase &phase, sc_time &delay,
                                     bool from_peq) {
  tlm_response_status st = gp.get_extension<dram_cmd_ext>()
                               ? TLM_COMMAND_ERROR_RESPONSE
                               : check(gp);
  if (st != TLM_OK_RESPONSE || gp.get_command() == TLM_IGNORE_COMMAND) {
    gp.set_response_status(st);
    if (from_peq) { /* answered through the response queue */
      if (gp.has_mm()) gp.acquire();
      resp_q_.push_back(resp{&gp, cycle_at_or_after(sc_time_stamp())});
      if (!resp_busy_) resp_ev_.notify(SC_ZERO_TIME);
      return TLM_ACCEPTED;
    }
    phase = BEGIN_RESP;
    delay = SC_ZERO_TIME;
    return TLM_COMPLETED;
  }
  if (blocked_)
    SC_REPORT_ERROR("tfsim/dram_target", "BEGIN_REQ before the END_REQ of "
                    "the previous request (request exclusion rule)");
  run_to(cycle_at_or_after(sc_time_stamp()));
  if (gp.has_mm()) gp.acquire();
  tlm_sync_enum rc;
  if (dram_can_accept(sys_, gp.get_address(),
                      gp.get_command() == TLM_WRITE_COMMAND)) {
    access_data(gp);
    submit(gp, new_slot(&gp, true));
    phase = END_REQ;
    delay = until(dram_now(sys_));
    rc = TLM_UPDATED;
  } else {
    blocked_ = &gp;
    was_busy_ = true;
    idle_ev_.cancel();
    rc = TLM_ACCEPTED;
  }
  arm();
  return rc;
}

void dram_target::end_resp(tlm_generic_payload &gp) {
  if (&gp != resp_busy_) {
    SC_REPORT_ERROR("tfsim/dram_target", "END_RESP for a transaction "
                    "without an outstanding BEGIN_RESP");
    return;
  }
  resp_busy_ = nullptr;
  if (gp.has_mm()) gp.release();
  if (!resp_q_.empty()) resp_ev_.notify(SC_ZERO_TIME);
}

tlm_sync_enum dram_target::nb_transport_fw(tlm_generic_payload &gp,
                                           tlm_phase &phase, sc_time &delay) {
  if (phase == BEGIN_REQ || phase == END_RESP) {
    if (delay != SC_ZERO_TIME) {
      peq_.notify(gp, phase, delay);
      return TLM_ACCEPTED;
    }
    if (phase == BEGIN_REQ) return begin_req(gp, phase, delay, false);
    end_resp(gp);
    return TLM_COMPLETED;
  }
  SC_REPORT_ERROR("tfsim/dram_target", "nb_transport_fw: unexpected phase "
                  "(only BEGIN_REQ and END_RESP travel forward)");
  return TLM_COMPLETED;
}

void dram_target::peq_cb(tlm_generic_payload &gp, const tlm_phase &ph) {
  if (ph == END_RESP) {
    end_resp(gp);
    return;
  }
  tlm_phase phase = BEGIN_REQ;
  sc_time d = SC_ZERO_TIME;
  if (begin_req(gp, phase, d, true) == TLM_UPDATED)
    socket->nb_transport_bw(gp, phase, d); /* END_REQ */
}

void dram_target::end_req_method() {
  if (!end_req_gp_) return;
  if (sc_time_stamp() < time_of(end_req_cyc_)) {
    end_req_ev_.notify(until(end_req_cyc_));
    return;
  }
  tlm_generic_payload *gp = end_req_gp_;
  end_req_gp_ = nullptr;
  tlm_phase phase = END_REQ;
  sc_time d = SC_ZERO_TIME;
  socket->nb_transport_bw(*gp, phase, d);
}

void dram_target::resp_method() {
  while (!resp_busy_ && !resp_q_.empty()) {
    resp r = resp_q_.front();
    sc_time t = time_of(r.cyc);
    if (t > sc_time_stamp()) {
      resp_ev_.notify(t - sc_time_stamp());
      return;
    }
    resp_q_.pop_front();
    tlm_phase phase = BEGIN_RESP;
    sc_time d = SC_ZERO_TIME;
    tlm_sync_enum s = socket->nb_transport_bw(*r.gp, phase, d);
    if (s == TLM_ACCEPTED || (s == TLM_UPDATED && phase == BEGIN_RESP)) {
      resp_busy_ = r.gp;
      return;
    }
    /* TLM_COMPLETED, or TLM_UPDATED with END_RESP */
    if (r.gp->has_mm()) r.gp->release();
    if (d > SC_ZERO_TIME && !resp_q_.empty()) {
      resp_ev_.notify(d);
      return;
    }
  }
}

/* ---------------------------------------------------------------------- */
/* DMI and debug                                                          */
/* ---------------------------------------------------------------------- */

bool dram_target::get_direct_mem_ptr(tlm_generic_payload &gp,
                                     tlm_dmi &dmi) {
  (void)gp;
  dmi.allow_none();
  dmi.set_start_address(0);
  dmi.set_end_address(spec_.capacity_bytes - 1);
  return false;
}

unsigned int dram_target::transport_dbg(tlm_generic_payload &gp) {
  uint64_t a = gp.get_address(), cap = spec_.capacity_bytes;
  if (gp.get_command() == TLM_IGNORE_COMMAND || a >= cap ||
      !gp.get_data_ptr()) {
    gp.set_response_status(a >= cap ? TLM_ADDRESS_ERROR_RESPONSE
                                    : TLM_OK_RESPONSE);
    return 0;
  }
  uint64_t n = std::min<uint64_t>(gp.get_data_length(), cap - a);
  unsigned len0 = gp.get_data_length();
  gp.set_data_length((unsigned)n);
  if (gp.get_byte_enable_ptr() && gp.get_byte_enable_length() == 0)
    gp.set_byte_enable_ptr(nullptr);
  access_data(gp);
  gp.set_data_length(len0);
  gp.set_response_status(TLM_OK_RESPONSE);
  return (unsigned)n;
}

}  // namespace tfsim
