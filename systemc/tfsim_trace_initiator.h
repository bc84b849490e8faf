/*
 * tfsim_trace_initiator.h — an example approximately-timed TLM-2.0
 * initiator that replays a memory trace into a tfsim::dram_target with
 * the front-end policy of `tfsim trace` (arch/dram/dram_trace.c): every
 * memory cycle it offers the next request in trace order, at most one,
 * no earlier than the request's cycle field; a refused request (END_REQ
 * held back by the target) is offered again every cycle until accepted,
 * which the target does for it; the run ends when every response has come
 * back and the memory is idle (every write retired by a WRITE command).
 * finish_cycle() is then the cycle count `tfsim trace` prints for the
 * same trace and preset.
 *
 * Header-only, so an installed tfsim carries it as an example to copy.
 * Each request is one transaction of spec().line_bytes bytes; payloads
 * come from the initiator's own pool (tlm_mm_interface), so nothing is
 * allocated per request once the pool has grown to the requests in
 * flight.  BEGIN_RESP is answered with TLM_COMPLETED, or, with a nonzero
 * end_resp_delay, TLM_ACCEPTED and an END_RESP that much later (the
 * target then holds further responses: response exclusion).
 *
 * load_dramsim3_trace() reads "0xADDR READ|WRITE [CYCLE]" lines (blank
 * lines and '#' comments skipped); a malformed line is an error naming
 * the file and line.
 */
#ifndef TFSIM_SYSTEMC_TRACE_INITIATOR_H
#define TFSIM_SYSTEMC_TRACE_INITIATOR_H

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "tfsim_dram_target.h"

namespace tfsim {

/* Reads a DRAMsim3-format trace into out.  Returns "" or an error
 * message ("file:LINE: ..."). */
inline std::string load_dramsim3_trace(const std::string &path,
                                       std::vector<dram_req> &out) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open trace";
  std::string line;
  uint64_t ln = 0;
  while (std::getline(in, line)) {
    ln++;
    const char *p = line.c_str();
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#' || *p == '\r') continue;
    char *e;
    dram_req r{};
    if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
      return path + ":" + std::to_string(ln) + ": expected '0xADDR'";
    r.addr = std::strtoull(p, &e, 16);
    while (*e == ' ' || *e == '\t') e++;
    if (std::strncmp(e, "READ", 4) == 0)
      r.is_write = 0, e += 4;
    else if (std::strncmp(e, "WRITE", 5) == 0)
      r.is_write = 1, e += 5;
    else
      return path + ":" + std::to_string(ln) + ": expected READ or WRITE";
    while (*e == ' ' || *e == '\t') e++;
    if (*e >= '0' && *e <= '9') r.cyc = std::strtoull(e, &e, 10);
    out.push_back(r);
  }
  return "";
}

class trace_initiator : public sc_core::sc_module,
                        public tlm::tlm_bw_transport_if<>,
                        public tlm::tlm_mm_interface {
 public:
  tlm::tlm_initiator_socket<> socket;

  trace_initiator(sc_core::sc_module_name name, const dram_target &mem,
                  std::vector<dram_req> reqs,
                  sc_core::sc_time end_resp_delay = sc_core::SC_ZERO_TIME)
      : trace_initiator(name, mem.clock_period(), mem.spec().line_bytes,
                        std::move(reqs), &mem, end_resp_delay) {}
  /* Against any target: cycles of tck, line-byte transactions; without
   * mem the run ends with the last response (the benchmark's null
   * target). */
  trace_initiator(sc_core::sc_module_name name, sc_core::sc_time tck,
                  unsigned line_bytes, std::vector<dram_req> reqs,
                  const dram_target *mem,
                  sc_core::sc_time end_resp_delay = sc_core::SC_ZERO_TIME)
      : sc_module(name), socket("socket"), mem_(mem), tck_(tck),
        reqs_(std::move(reqs)), end_resp_delay_(end_resp_delay),
        line_(line_bytes) {
    socket.bind(*this);
    SC_THREAD(run);
    SC_METHOD(end_resp_method);
    sensitive << end_resp_ev_;
    dont_initialize();
  }

  bool finished() const { return finished_; }
  /* Memory cycles from time 0 to the end of the run. */
  uint64_t finish_cycle() const {
    return finish_.value() / tck_.value();
  }
  const sc_core::sc_time &finish_time() const { return finish_; }
  uint64_t responses() const { return responses_; }
  uint64_t errors() const { return errors_; }
  uint64_t refused() const { return refused_; } /* END_REQ held back */

  /* tlm_mm_interface: a payload whose last reference went comes back. */
  void free(tlm::tlm_generic_payload *gp) override { pool_.push_back(gp); }

  /* tlm_bw_transport_if */
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &gp,
                                     tlm::tlm_phase &phase,
                                     sc_core::sc_time &delay) override {
    if (phase == tlm::END_REQ) {
      end_req_at_ = sc_core::sc_time_stamp() + delay;
      end_req_ = true;
      end_req_ev_.notify();
      return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::BEGIN_RESP) {
      if (end_req_pending_ == &gp) { /* implicit END_REQ */
        end_req_at_ = sc_core::sc_time_stamp() + delay;
        end_req_ = true;
        end_req_ev_.notify();
      }
      response(gp);
      if (end_resp_delay_ == sc_core::SC_ZERO_TIME) {
        gp.release();
        return tlm::TLM_COMPLETED;
      }
      resp_gp_ = &gp;
      end_resp_ev_.notify(end_resp_delay_);
      return tlm::TLM_ACCEPTED;
    }
    SC_REPORT_ERROR("tfsim/trace_initiator", "unexpected backward phase");
    return tlm::TLM_COMPLETED;
  }
  void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}

 private:
  SC_HAS_PROCESS(trace_initiator);

  tlm::tlm_generic_payload *alloc() {
    if (pool_.empty()) {
      /* no extensions are used, so a payload keeps its buffer */
      owned_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
      bufs_.push_back(std::make_unique<unsigned char[]>(line_));
      owned_.back()->set_data_ptr(bufs_.back().get());
      pool_.push_back(owned_.back().get());
    }
    tlm::tlm_generic_payload *gp = pool_.back();
    pool_.pop_back();
    return gp;
  }

  void response(tlm::tlm_generic_payload &gp) {
    responses_++;
    if (gp.is_response_error()) errors_++;
    if (responses_ == reqs_.size()) all_resp_ev_.notify();
  }

  void end_resp_method() {
    if (!resp_gp_) return;
    tlm::tlm_generic_payload *gp = resp_gp_;
    resp_gp_ = nullptr;
    tlm::tlm_phase phase = tlm::END_RESP;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    socket->nb_transport_fw(*gp, phase, d);
    gp->release();
  }

  void run() {
    using namespace sc_core;
    const sc_time tck = tck_;
    uint64_t next = 0; /* earliest cycle of the next offer */
    for (const dram_req &r : reqs_) {
      uint64_t c = std::max(next, r.cyc);
      sc_time t = sc_time::from_value(c * tck.value());
      if (t > sc_time_stamp()) wait(t - sc_time_stamp());
      tlm::tlm_generic_payload *gp = alloc();
      gp->acquire();
      gp->set_command(r.is_write ? tlm::TLM_WRITE_COMMAND
                                 : tlm::TLM_READ_COMMAND);
      gp->set_address(r.addr);
      gp->set_data_length(line_);
      gp->set_streaming_width(line_);
      gp->set_byte_enable_ptr(nullptr);
      gp->set_dmi_allowed(false);
      gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_time d = SC_ZERO_TIME;
      end_req_ = false;
      end_req_pending_ = gp;
      tlm::tlm_sync_enum s = socket->nb_transport_fw(*gp, phase, d);
      sc_time acc;
      if (s == tlm::TLM_ACCEPTED) {
        refused_++;
        while (!end_req_) wait(end_req_ev_);
        acc = end_req_at_;
      } else {
        acc = sc_time_stamp() + d;
        if (s == tlm::TLM_COMPLETED ||
            (s == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP)) {
          response(*gp);
          if (s == tlm::TLM_UPDATED) {
            tlm::tlm_phase p2 = tlm::END_RESP;
            sc_time d2 = SC_ZERO_TIME;
            socket->nb_transport_fw(*gp, p2, d2);
          }
          gp->release();
        }
      }
      end_req_pending_ = nullptr;
      next = (acc.value() + tck.value() - 1) / tck.value() + 1;
    }
    while (responses_ < reqs_.size()) wait(all_resp_ev_);
    while (mem_ && !mem_->idle()) wait(mem_->idle_event());
    if (mem_ && mem_->idle_time() > sc_time_stamp())
      wait(mem_->idle_time() - sc_time_stamp());
    finish_ = sc_time_stamp();
    finished_ = true;
  }

  const dram_target *mem_;
  sc_core::sc_time tck_;
  std::vector<dram_req> reqs_;
  sc_core::sc_time end_resp_delay_;
  unsigned line_;
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> owned_;
  std::vector<std::unique_ptr<unsigned char[]>> bufs_;
  std::vector<tlm::tlm_generic_payload *> pool_;
  tlm::tlm_generic_payload *end_req_pending_ = nullptr, *resp_gp_ = nullptr;
  bool end_req_ = false, finished_ = false;
  sc_core::sc_time end_req_at_, finish_;
  sc_core::sc_event end_req_ev_, all_resp_ev_, end_resp_ev_;
  uint64_t responses_ = 0, errors_ = 0, refused_ = 0;
};

}  // namespace tfsim

#endif /* TFSIM_SYSTEMC_TRACE_INITIATOR_H */
