/*
 * trace_replay.cpp — example SystemC program: a tfsim DRAM target and the
 * approximately-timed trace initiator (tfsim_trace_initiator.h) replaying
 * a DRAMsim3-format trace with `tfsim trace`'s front-end policy.
 *
 *   tfsim_trace_replay ARCH TRACE [END_RESP_DELAY_PS]
 *
 * ARCH is a class dram YAML file or preset name; prints the cycle count
 * (equal to `tfsim trace --arch ARCH --trace TRACE`), the requests, the
 * error responses and the simulation speed.  Exit 0, 1 on an error
 * response or a run that did not finish, 2 on bad arguments or input.
 * Built in the tfsim tree and, as an out-of-tree project against an
 * installed tfsim, by the CMakeLists.txt beside it (docs/systemc.md).
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <systemc>

#include "tfsim_dram_target.h"
#include "tfsim_trace_initiator.h"

int sc_main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s ARCH TRACE [END_RESP_DELAY_PS]\n",
                 argv[0]);
    return 2;
  }
  std::vector<dram_req> reqs;
  std::string e = tfsim::load_dramsim3_trace(argv[2], reqs);
  if (!e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  sc_core::sc_time end_resp =
      argc > 3 ? sc_core::sc_time((double)std::strtoull(argv[3], nullptr, 10),
                                  sc_core::SC_PS)
               : sc_core::SC_ZERO_TIME;
  size_t n = reqs.size();
  tfsim::dram_target mem("mem", argv[1]);
  tfsim::trace_initiator ini("ini", mem, std::move(reqs), end_resp);
  ini.socket.bind(mem.socket);
  auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           t0).count();
  std::printf("arch      %s\n", mem.spec().name);
  std::printf("cycles    %llu\n", (unsigned long long)ini.finish_cycle());
  std::printf("requests  %zu\n", n);
  std::printf("refused   %llu\n", (unsigned long long)ini.refused());
  std::printf("errors    %llu\n", (unsigned long long)ini.errors());
  std::printf("wall_s    %.3f\n", s);
  std::printf("req_per_s %.0f\n", s > 0 ? n / s : 0.0);
  if (!ini.finished() || ini.errors() || ini.responses() != n) return 1;
  return 0;
}
