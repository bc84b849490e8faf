/*
 * tfsim_dram_target.h — tfsim's DRAM model as a SystemC TLM-2.0 target
 * (DESIGN.md sections 1 and 10).  C++17; the only C++ of the project.
 *
 * What it is: an sc_module with one tlm::tlm_target_socket<> (32-bit bus
 * width parameter, base protocol) in front of one dram_sys (arch/dram/,
 * the same cycle-accurate controller `tfsim trace` runs).  Every
 * transaction is one request of the model: it must lie inside one line
 * (spec().line_bytes, 64 bytes on the DDR4 and HBM2 presets).
 *
 *   b_transport      blocking, never waits: runs the model forward from
 *                    its current cycle until the request completes and
 *                    adds the latency to the delay argument (temporal
 *                    decoupling: the model may run ahead of SystemC time).
 *   nb_transport_fw  the four-phase approximately-timed protocol:
 *                    BEGIN_REQ -> END_REQ (TLM_UPDATED at once when the
 *                    controller's queue has room, else TLM_ACCEPTED and
 *                    END_REQ on the backward path at the cycle the queue
 *                    got room: backpressure), BEGIN_RESP on the backward
 *                    path at the completion cycle (a read: data returned;
 *                    a write: one cycle after acceptance, DRAMsim3's
 *                    convention), END_RESP (or TLM_COMPLETED /
 *                    TLM_UPDATED+END_RESP from the initiator).  One
 *                    BEGIN_RESP at a time (response exclusion rule).
 *   get_direct_mem_ptr  refused (timing would be lost), range = capacity.
 *   transport_dbg    served from a sparse backing store (one block per
 *                    line written, zero elsewhere); reads see every write accepted
 *                    before them, in acceptance order.
 *
 * Time.  The memory clock is the preset's tCK (tCK_ps): memory cycle c is
 * SystemC time c * tCK, and the time resolution must divide tCK (checked
 * at construction).  A request arriving at time t is offered to the first
 * cycle at or after t.  Cycle c is processed at time c * tCK after every
 * other activity of that time step (one coordinator process for all
 * targets re-triggers itself by delta cycles while
 * sc_pending_activity_at_current_time(); one, so that two targets never
 * wait for each other), so a BEGIN_REQ at c * tCK counts for cycle c
 * whatever the process order, exactly as the trace front end offers
 * before it processes a cycle.  Only cycles where
 * the model has something to do are visited (dram_next_event); while no
 * request is in flight nothing is scheduled at all (refresh is brought up
 * to date exactly when the next request arrives), so an idle memory does
 * not keep sc_start() running.  Each model cycle is processed once, by
 * whichever comes first (the clock method, b_transport, a BEGIN_REQ):
 * nothing is counted twice.  Everything is ordered by time and sequence,
 * never by pointer: the same inputs give the same cycles.
 *
 * idle() / idle_event(): no request queued, in flight or buffered (every
 * write retired by a WRITE command), as `tfsim trace` ends a run; the
 * event is notified at the end of the last busy cycle (time = cycles
 * processed x tCK), which is where `tfsim trace` counts its cycles.
 *
 * Bad input, answered without touching the model: an address range beyond
 * the capacity -> TLM_ADDRESS_ERROR_RESPONSE; length 0, a streaming width
 * below the length, or a range crossing a line -> TLM_BURST_ERROR_RESPONSE;
 * byte enables with a zero byte_enable_length ->
 * TLM_BYTE_ENABLE_ERROR_RESPONSE (other byte enables are honoured on the
 * data); TLM_IGNORE_COMMAND -> TLM_OK_RESPONSE with no access.  On the
 * non-blocking path they return TLM_COMPLETED with the status set.
 * A protocol violation by the initiator (END_RESP for a transaction it was
 * not offered) is SC_REPORT_ERROR.
 *
 * Ownership: the target owns its dram_spec and dram_sys.  AT payloads are
 * acquire()d while the target holds them (when they have a memory
 * manager).  Not thread-safe beyond SystemC's own process model.
 */
#ifndef TFSIM_SYSTEMC_DRAM_TARGET_H
#define TFSIM_SYSTEMC_DRAM_TARGET_H

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>

#include "arch/dram/dram.h"

namespace tfsim {

/* Command level (the PIM model's interface, dram.h "Command level")
 * through TLM: a b_transport carrying this extension issues one DRAM
 * command instead of a request.  cmd is a dram_cmd or an added command's
 * index (dram_cmd_find on spec()); a names channel, rank, bank group,
 * bank, row and column.  The target issues it at the earliest legal cycle
 * at or after the transaction's time (the controller runs up to there),
 * sets issue_cyc and adds the time to that cycle to the delay; the data
 * phase (spec().read_delay_cyc for a read) is the caller's.  When the bank
 * states forbid the command the status is TLM_COMMAND_ERROR_RESPONSE and
 * error says why (the model's message).  Ignored on the non-blocking and
 * debug paths (TLM_COMMAND_ERROR_RESPONSE there). */
struct dram_cmd_ext : tlm::tlm_extension<dram_cmd_ext> {
  int cmd = 0;
  dram_addr a{};
  uint64_t issue_cyc = 0;
  std::string error;
  tlm::tlm_extension_base *clone() const override {
    return new dram_cmd_ext(*this);
  }
  void copy_from(const tlm::tlm_extension_base &e) override {
    *this = static_cast<const dram_cmd_ext &>(e);
  }
};

class dram_target : public sc_core::sc_module,
                    public tlm::tlm_fw_transport_if<> {
 public:
  tlm::tlm_target_socket<> socket;

  /* arch: a YAML file of class dram, or a preset name as `tfsim list
   * archs` shows it ("ddr4-3200-8gb-x8-1ch1r").  A bad file or a time
   * resolution that does not divide tCK is SC_REPORT_ERROR (the message
   * names the key and line). */
  dram_target(sc_core::sc_module_name name, const std::string &arch);
  ~dram_target() override;
  dram_target(const dram_target &) = delete;
  dram_target &operator=(const dram_target &) = delete;

  const dram_spec &spec() const { return spec_; }
  const sc_core::sc_time &clock_period() const { return tck_; }
  /* Memory cycles processed so far (the next cycle to process). */
  uint64_t cycles() const;
  /* SystemC time of memory cycle c. */
  sc_core::sc_time time_of(uint64_t c) const;
  bool idle() const;
  const sc_core::sc_event &idle_event() const { return idle_ev_; }
  /* When idle(): the time the memory became idle (end of its last busy
   * cycle); may lie ahead of sc_time_stamp() by up to one cycle. */
  const sc_core::sc_time &idle_time() const { return idle_at_; }
  /* The model's counters (commands, hits, energy inputs). */
  void counters(dram_counters *out) const;

  /* tlm_fw_transport_if */
  void b_transport(tlm::tlm_generic_payload &gp,
                   sc_core::sc_time &delay) override;
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp,
                                     tlm::tlm_phase &phase,
                                     sc_core::sc_time &delay) override;
  bool get_direct_mem_ptr(tlm::tlm_generic_payload &gp,
                          tlm::tlm_dmi &dmi) override;
  unsigned int transport_dbg(tlm::tlm_generic_payload &gp) override;

  /* Internal: construction order, and the processing of the current
   * cycle by the clock coordinator (dram_target.cpp). */
  uint64_t seq() const { return seq_; }
  void clock_due();
  /* The model's completion callback (internal; public for C linkage). */
  static void on_done(void *ctx, uint64_t id, uint64_t addr, int is_write,
                      uint64_t done_cyc);

 private:
  SC_HAS_PROCESS(dram_target);
  struct slot {
    tlm::tlm_generic_payload *gp;
    uint64_t done_cyc;
    bool at;   /* approximately timed: respond with BEGIN_RESP */
    bool done; /* b_transport: completed */
  };
  struct resp {
    tlm::tlm_generic_payload *gp;
    uint64_t cyc;
  };

  tlm::tlm_response_status check(const tlm::tlm_generic_payload &gp) const;
  void command(tlm::tlm_generic_payload &gp, dram_cmd_ext &x,
               sc_core::sc_time &delay);
  void access_data(tlm::tlm_generic_payload &gp);
  uint8_t *page(uint64_t addr, bool create);
  uint64_t cycle_at_or_after(const sc_core::sc_time &t) const;
  sc_core::sc_time until(uint64_t c) const; /* time_of(c) - now, >= 0 */
  uint32_t new_slot(tlm::tlm_generic_payload *gp, bool at);
  void submit(tlm::tlm_generic_payload &gp, uint32_t id);
  void step();                /* process the next busy cycle */
  void run_to(uint64_t c);    /* process every cycle before c */
  void after_cycle();
  void arm();
  bool busy() const;
  tlm::tlm_sync_enum begin_req(tlm::tlm_generic_payload &gp,
                               tlm::tlm_phase &phase,
                               sc_core::sc_time &delay, bool from_peq);
  void end_resp(tlm::tlm_generic_payload &gp);
  void peq_cb(tlm::tlm_generic_payload &gp, const tlm::tlm_phase &phase);
  void clock_method();
  void resp_method();
  void end_req_method();

  dram_spec spec_;
  dram_sys *sys_ = nullptr;
  sc_core::sc_time tck_;
  sc_core::sc_time::value_type tckv_ = 1; /* tCK in resolution units */

  std::vector<slot> slots_;
  std::vector<uint32_t> free_;
  uint64_t inflight_ = 0;                   /* submitted, not done */
  tlm::tlm_generic_payload *blocked_ = nullptr; /* refused BEGIN_REQ */
  tlm::tlm_generic_payload *end_req_gp_ = nullptr;
  uint64_t end_req_cyc_ = 0;
  std::deque<resp> resp_q_;
  tlm::tlm_generic_payload *resp_busy_ = nullptr; /* awaiting END_RESP */
  bool was_busy_ = false;
  sc_core::sc_time idle_at_;
  uint64_t armed_cyc_ = UINT64_MAX; /* cycle clock_ev_ is notified for */
  bool queued_ = false;             /* waiting for the coordinator */
  void *coord_ = nullptr;
  uint64_t seq_ = 0;

  sc_core::sc_event clock_ev_, resp_ev_, end_req_ev_, idle_ev_;
  tlm_utils::peq_with_cb_and_phase<dram_target> peq_;
  uint64_t pg_ = 64;                          /* store block: one line */
  std::unordered_map<uint64_t, uint64_t> store_; /* block -> arena offset */
  std::vector<uint8_t> arena_;
};

}  // namespace tfsim

#endif /* TFSIM_SYSTEMC_DRAM_TARGET_H */
