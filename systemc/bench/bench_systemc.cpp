/*
 * bench_systemc.cpp — the SystemC adapter's speed (issue 13, item 5).
 * For the 1M-request seq, rand and mix streams on the DDR4 preset it
 * prints simulated requests per wall-clock second of
 *
 *   trace    dram_run_trace on the DRAMsim3 file (what `tfsim trace` runs,
 *            parsing included);
 *   tlm-at   the AT trace initiator (tfsim_trace_initiator.h) driving a
 *            tfsim::dram_target, same front-end policy, same cycles;
 *   null-at  the same initiator against a plain SystemC memory target that
 *            does nothing (TLM_COMPLETED at once): the cost of SystemC and
 *            the initiator alone, so the adapter's own cost is the
 *            difference.
 *
 * Each SystemC run is a child process (SystemC elaborates once per
 * process); requests are generated in memory before the clock starts.
 * Prints figures, never fails on a time.
 * Usage: bench_systemc [requests per trace, default 1048576]
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <systemc>
#include <tlm>

#include "tfsim_dram_target.h"
#include "tfsim_trace_initiator.h"

namespace {

double now_s() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/* A memory target that does nothing: every request completes at once. */
struct null_target : sc_core::sc_module, tlm::tlm_fw_transport_if<> {
  tlm::tlm_target_socket<> socket;
  explicit null_target(sc_core::sc_module_name n)
      : sc_module(n), socket("socket") {
    socket.bind(*this);
  }
  void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &) override {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp,
                                     tlm::tlm_phase &,
                                     sc_core::sc_time &) override {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  bool get_direct_mem_ptr(tlm::tlm_generic_payload &, tlm::tlm_dmi &) override {
    return false;
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload &) override { return 0; }
};

const char *k_arch = "ddr4-3200-8gb-x8-1ch1r";

/* One SystemC run in this (child) process. */
int run_sc(const std::string &mode, dram_pattern pat, size_t n) {
  dram_req *r = nullptr;
  sim_err err{};
  if (dram_tracegen_fill(pat, n, &r, &err)) {
    std::fprintf(stderr, "bench_systemc: %s\n", err.msg);
    return 1;
  }
  std::vector<dram_req> reqs(r, r + n);
  sim_free(r);
  tfsim::trace_initiator *ini;
  if (mode == "tlm-at") {
    auto *mem = new tfsim::dram_target("mem", k_arch);
    ini = new tfsim::trace_initiator("ini", *mem, std::move(reqs));
    ini->socket.bind(mem->socket);
  } else { /* the preset's clock and line, no model */
    char path[4096];
    dram_spec sp;
    if (arch_preset_path(k_arch, path, sizeof path) ||
        dram_spec_load(path, &sp, &err)) {
      std::fprintf(stderr, "bench_systemc: %s\n", err.msg);
      return 1;
    }
    auto *nul = new null_target("null");
    ini = new tfsim::trace_initiator(
        "ini", sc_core::sc_time((double)sp.tck_ps, sc_core::SC_PS),
        sp.line_bytes, std::move(reqs), nullptr);
    ini->socket.bind(nul->socket);
    dram_spec_fini(&sp);
  }
  double t0 = now_s();
  sc_core::sc_start();
  double t1 = now_s();
  std::printf("%-8s %-5s %12llu %10.3f %14.3g\n", mode.c_str(),
              dram_pattern_name(pat),
              (unsigned long long)ini->finish_cycle(), t1 - t0,
              (double)n / (t1 - t0));
  std::fflush(stdout);
  return ini->finished() && ini->responses() == n ? 0 : 1;
}

}  // namespace

int sc_main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)std::strtoull(argv[1], nullptr, 0)
                      : (size_t)1 << 20;
  if (argc > 3) return run_sc(argv[2], (dram_pattern)std::atoi(argv[3]), n);
  char path[4096];
  if (arch_preset_path(k_arch, path, sizeof path)) {
    std::fprintf(stderr, "bench_systemc: no preset %s\n", k_arch);
    return 1;
  }
  dram_spec s;
  sim_err err{};
  if (dram_spec_load(path, &s, &err)) {
    std::fprintf(stderr, "bench_systemc: %s\n", err.msg);
    return 1;
  }
  std::string tr = "/tmp/tfsim_bench_systemc_" + std::to_string(getpid()) +
                   ".trace";
  std::printf("%s, %zu requests per trace\n", k_arch, n);
  std::printf("%-8s %-5s %12s %10s %14s\n", "path", "trace", "cycles",
              "seconds", "requests/s");
  std::fflush(stdout);
  int status = 0;
  for (int k = 0; k < 3; k++) {
    dram_pattern pat = (dram_pattern)k;
    dram_counters c;
    if (dram_tracegen_write(pat, n, tr.c_str(), 0, &err)) {
      std::fprintf(stderr, "bench_systemc: %s\n", err.msg);
      return 1;
    }
    double t0 = now_s();
    int rc = dram_run_trace(&s, tr.c_str(), nullptr, nullptr, &c, &err);
    double t1 = now_s();
    if (rc) {
      std::fprintf(stderr, "bench_systemc: %s\n", err.msg);
      status = 1;
    } else {
      std::printf("%-8s %-5s %12llu %10.3f %14.3g\n", "trace",
                  dram_pattern_name(pat), (unsigned long long)c.cycles,
                  t1 - t0, (double)n / (t1 - t0));
      std::fflush(stdout);
    }
    for (const char *mode : {"tlm-at", "null-at"}) {
      pid_t pid = fork();
      if (pid == 0) {
        std::string ns = std::to_string(n), ks = std::to_string(k);
        execl("/proc/self/exe", argv[0], ns.c_str(), mode, ks.c_str(),
              (char *)nullptr);
        _exit(127);
      }
      int st = 0;
      if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
          WEXITSTATUS(st) != 0)
        status = 1;
    }
  }
  std::remove(tr.c_str());
  dram_spec_fini(&s);
  return status;
}
