/*
 * test_systemc.cpp — the SystemC TLM-2.0 adapter (systemc/).
 *
 * One simulation holds every case (SystemC elaborates once per process):
 *   - cycle-for-cycle: the AT trace initiator replaying seq, rand and mix
 *     (tracegen, 3000 requests) and a trace with idle gaps in its cycle
 *     fields, on the DDR4 and HBM2 presets, finishes at the cycle count of
 *     dram_run_trace (what `tfsim trace` runs) on the same file, with the
 *     same command counts (nothing counted twice); a copy of one case
 *     gives the same figures (determinism, instances independent); with a
 *     delayed END_RESP the responses are held back (response exclusion)
 *     but the memory's own timing does not change;
 *   - blocking transport: a read of an idle memory is annotated with the
 *     trace driver's latency for the same single request; data written
 *     reads back (b_transport, debug transport, byte enables);
 *   - bad input answered with the TLM status, never a crash: beyond the
 *     capacity, crossing a line, streaming width, length 0, byte-enable
 *     length 0, the same on the non-blocking path; DMI refused.
 * Prints each failed check; exits 1 if any failed.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <systemc>
#include <tlm>

#include "tfsim_dram_target.h"
#include "tfsim_trace_initiator.h"

using namespace sc_core;
using namespace tlm;

static int g_fail = 0, g_checks = 0;
#define CHECK(c, ...)                                          \
  do {                                                         \
    g_checks++;                                                \
    if (!(c)) {                                                \
      g_fail++;                                                \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #c); \
      std::printf(__VA_ARGS__);                                \
      std::printf("\n");                                       \
    }                                                          \
  } while (0)

static const char *k_ddr4 = "arch/configs/ddr4-3200-8gb-x8-1ch1r.yaml";
static const char *k_hbm2 = "arch/configs/hbm2-8gb-x128-1ch.yaml";

/* One replay case: a target, an initiator, and the trace driver's figures
 * for the same trace. */
struct replay_case {
  std::string label, trace;
  std::unique_ptr<tfsim::dram_target> mem;
  std::unique_ptr<tfsim::trace_initiator> ini;
  dram_counters ref;
  size_t n = 0;
};

static std::vector<std::unique_ptr<replay_case>> g_cases;

static void add_case(const std::string &label, const char *arch,
                     const std::string &trace, sc_time end_resp) {
  auto c = std::make_unique<replay_case>();
  c->label = label;
  c->trace = trace;
  std::vector<dram_req> reqs;
  std::string e = tfsim::load_dramsim3_trace(trace, reqs);
  CHECK(e.empty(), "%s", e.c_str());
  c->n = reqs.size();
  dram_spec spec;
  sim_err err;
  std::memset(&err, 0, sizeof err);
  std::memset(&c->ref, 0, sizeof c->ref);
  int rc = dram_spec_load(arch, &spec, &err);
  CHECK(rc == 0, "%s", err.msg);
  if (rc == 0) {
    rc = dram_run_trace(&spec, trace.c_str(), nullptr, nullptr, &c->ref, &err);
    CHECK(rc == 0, "%s", err.msg);
    dram_spec_fini(&spec);
  }
  c->mem = std::make_unique<tfsim::dram_target>(("mem_" + label).c_str(),
                                                arch);
  c->ini = std::make_unique<tfsim::trace_initiator>(
      ("ini_" + label).c_str(), *c->mem, std::move(reqs), end_resp);
  c->ini->socket.bind(c->mem->socket);
  g_cases.push_back(std::move(c));
}

static void check_case(const replay_case &c, bool same_resp_timing) {
  const char *l = c.label.c_str();
  CHECK(c.ini->finished(), "%s: the replay did not finish", l);
  CHECK(c.ini->responses() == c.n, "%s: %llu responses for %zu requests", l,
        (unsigned long long)c.ini->responses(), c.n);
  CHECK(c.ini->errors() == 0, "%s: %llu error responses", l,
        (unsigned long long)c.ini->errors());
  CHECK(c.ini->finish_cycle() == c.ref.cycles,
        "%s: SystemC finishes at cycle %llu, tfsim trace at %llu", l,
        (unsigned long long)c.ini->finish_cycle(),
        (unsigned long long)c.ref.cycles);
  dram_counters k;
  c.mem->counters(&k);
  CHECK(k.cycles == c.ref.cycles, "%s: model cycles %llu vs %llu", l,
        (unsigned long long)k.cycles, (unsigned long long)c.ref.cycles);
  for (int i = 0; i < DRAM_CMD_BUILTIN_COUNT; i++)
    CHECK(k.cmds[i] == c.ref.cmds[i], "%s: command %d: %llu vs %llu", l, i,
          (unsigned long long)k.cmds[i], (unsigned long long)c.ref.cmds[i]);
  CHECK(k.reads == c.ref.reads && k.writes == c.ref.writes &&
            k.rd_hits == c.ref.rd_hits && k.wr_hits == c.ref.wr_hits,
        "%s: requests or hits differ", l);
  if (same_resp_timing)
    CHECK(k.rd_lat_sum_cyc == c.ref.rd_lat_sum_cyc &&
              k.act_stb_cyc == c.ref.act_stb_cyc &&
              k.pre_stb_cyc == c.ref.pre_stb_cyc,
          "%s: latency or standby cycles differ", l);
}

/* Blocking transport and bad input, from a thread. */
struct lt_tester : sc_module {
  tlm_initiator_socket<> socket;
  tfsim::dram_target &mem;
  uint64_t single_read_cycles; /* trace driver: one read at cycle 0 */
  bool done = false;
  SC_HAS_PROCESS(lt_tester);
  lt_tester(sc_module_name n, tfsim::dram_target &m, uint64_t one_read)
      : sc_module(n), socket("socket"), mem(m), single_read_cycles(one_read) {
    socket.bind(bw); /* the backward path (bad-input checks only) */
    SC_THREAD(run);
  }

  struct nb_bw : tlm_bw_transport_if<> {
    tlm_sync_enum nb_transport_bw(tlm_generic_payload &, tlm_phase &,
                                  sc_time &) override {
      return TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
  } bw;

  tlm_response_status bt(tlm_command cmd, uint64_t a, unsigned char *d,
                         unsigned len, sc_time &delay,
                         unsigned sw = 0, unsigned char *be = nullptr,
                         unsigned be_len = 0) {
    tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(a);
    gp.set_data_ptr(d);
    gp.set_data_length(len);
    gp.set_streaming_width(sw ? sw : len);
    gp.set_byte_enable_ptr(be);
    gp.set_byte_enable_length(be_len);
    gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(gp, delay);
    return gp.get_response_status();
  }

  void run() {
    const uint64_t cap = mem.spec().capacity_bytes;
    const unsigned line = mem.spec().line_bytes;
    std::vector<unsigned char> buf(line), back(line);
    sc_time d = SC_ZERO_TIME;
    /* a read of an idle memory at time 0: the trace driver's latency */
    CHECK(bt(TLM_READ_COMMAND, 0x1000, buf.data(), line, d) ==
              TLM_OK_RESPONSE, "read");
    CHECK(d == mem.time_of(single_read_cycles - 1),
          "read of an idle memory annotated %s, expected %llu cycles",
          d.to_string().c_str(),
          (unsigned long long)(single_read_cycles - 1));
    /* write then read back, with temporal decoupling */
    for (unsigned i = 0; i < line; i++) buf[i] = (unsigned char)(i * 7 + 1);
    sc_time d0 = d;
    CHECK(bt(TLM_WRITE_COMMAND, 0x2000, buf.data(), line, d) ==
              TLM_OK_RESPONSE, "write");
    CHECK(d > d0, "a write takes time (%s)", d.to_string().c_str());
    CHECK(bt(TLM_READ_COMMAND, 0x2000, back.data(), line, d) ==
              TLM_OK_RESPONSE, "read back");
    CHECK(std::memcmp(buf.data(), back.data(), line) == 0,
          "b_transport reads what was written");
    wait(d); /* synchronise */
    /* debug transport: sees the data, moves no time */
    uint64_t cyc0 = mem.cycles();
    tlm_generic_payload g;
    std::vector<unsigned char> dbg(2 * line);
    g.set_command(TLM_READ_COMMAND);
    g.set_address(0x2000 - line);
    g.set_data_ptr(dbg.data());
    g.set_data_length(2 * line);
    CHECK(socket->transport_dbg(g) == 2 * line, "debug read length");
    CHECK(std::memcmp(dbg.data() + line, buf.data(), line) == 0 &&
              dbg[0] == 0, "debug read sees the write, zero elsewhere");
    std::memset(dbg.data(), 0xab, dbg.size());
    g.set_command(TLM_WRITE_COMMAND);
    g.set_address(cap - line); /* the last line, clipped past the end */
    CHECK(socket->transport_dbg(g) == line, "debug write clipped at capacity");
    CHECK(mem.cycles() == cyc0, "debug transport moved the model");
    d = SC_ZERO_TIME;
    CHECK(bt(TLM_READ_COMMAND, cap - line, back.data(), line, d) ==
              TLM_OK_RESPONSE && back[0] == 0xab && back[line - 1] == 0xab,
          "b_transport reads what debug transport wrote");
    /* byte enables are honoured */
    unsigned char be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
    std::memset(buf.data(), 0x11, line);
    CHECK(bt(TLM_WRITE_COMMAND, 0x3000, buf.data(), 8, d, 0, be, 2) ==
              TLM_OK_RESPONSE, "byte-enabled write");
    std::memset(back.data(), 0xff, line);
    CHECK(bt(TLM_READ_COMMAND, 0x3000, back.data(), 8, d) ==
              TLM_OK_RESPONSE && back[0] == 0x11 && back[1] == 0 &&
              back[6] == 0x11 && back[7] == 0,
          "byte enables: %02x %02x %02x %02x", back[0], back[1], back[6],
          back[7]);
    /* bad input: proper status, no time, no model request */
    dram_counters k0, k1;
    mem.counters(&k0);
    sc_time z = SC_ZERO_TIME;
    CHECK(bt(TLM_READ_COMMAND, cap, buf.data(), line, z) ==
              TLM_ADDRESS_ERROR_RESPONSE, "beyond capacity");
    CHECK(bt(TLM_WRITE_COMMAND, cap - 8, buf.data(), line, z) ==
              TLM_ADDRESS_ERROR_RESPONSE, "range ending beyond capacity");
    CHECK(bt(TLM_READ_COMMAND, ~0ull - 4, buf.data(), line, z) ==
              TLM_ADDRESS_ERROR_RESPONSE, "address near 2^64");
    CHECK(bt(TLM_READ_COMMAND, line - 8, buf.data(), 16, z) ==
              TLM_BURST_ERROR_RESPONSE, "crossing a line");
    CHECK(bt(TLM_READ_COMMAND, 0, buf.data(), 16, z, 4) ==
              TLM_BURST_ERROR_RESPONSE, "streaming width below the length");
    CHECK(bt(TLM_READ_COMMAND, 0, buf.data(), 0, z) ==
              TLM_BURST_ERROR_RESPONSE, "length 0");
    CHECK(bt(TLM_WRITE_COMMAND, 0, buf.data(), 8, z, 0, be, 0) ==
              TLM_BYTE_ENABLE_ERROR_RESPONSE, "byte enable length 0");
    CHECK(bt(TLM_IGNORE_COMMAND, 0, buf.data(), 8, z) == TLM_OK_RESPONSE,
          "ignore command");
    CHECK(z == SC_ZERO_TIME, "bad input took time");
    mem.counters(&k1);
    CHECK(k1.reads == k0.reads && k1.writes == k0.writes,
          "bad input reached the model");
    /* the same on the non-blocking path */
    tlm_generic_payload gp;
    gp.set_command(TLM_READ_COMMAND);
    gp.set_address(cap + 64);
    gp.set_data_ptr(buf.data());
    gp.set_data_length(line);
    gp.set_streaming_width(line);
    tlm_phase ph = BEGIN_REQ;
    CHECK(socket->nb_transport_fw(gp, ph, z) == TLM_COMPLETED &&
              gp.get_response_status() == TLM_ADDRESS_ERROR_RESPONSE,
          "nb beyond capacity");
    gp.set_address(line - 4);
    ph = BEGIN_REQ;
    CHECK(socket->nb_transport_fw(gp, ph, z) == TLM_COMPLETED &&
              gp.get_response_status() == TLM_BURST_ERROR_RESPONSE,
          "nb crossing a line");
    /* command level through the extension: ACT then RD at tRCD, a RD to
     * another row refused, PRE (bank group 2, bank 1: untouched above) */
    {
      tlm_generic_payload cg;
      auto *x = new tfsim::dram_cmd_ext;
      cg.set_extension(x); /* freed with cg */
      x->cmd = DRAM_CMD_ACT;
      x->a = dram_addr{0, 0, 2, 1, 77, 0};
      sc_time dc = d;
      socket->b_transport(cg, dc);
      CHECK(cg.get_response_status() == TLM_OK_RESPONSE, "ACT: %s",
            x->error.c_str());
      uint64_t act = x->issue_cyc;
      CHECK(dc == mem.time_of(act) - sc_time_stamp(), "ACT delay");
      x->cmd = DRAM_CMD_RD;
      x->a.co = 3;
      socket->b_transport(cg, dc);
      CHECK(cg.get_response_status() == TLM_OK_RESPONSE, "RD: %s",
            x->error.c_str());
      int64_t rcd = mem.spec().t[DRAM_T_RCD] - mem.spec().t[DRAM_T_AL];
      CHECK((int64_t)(x->issue_cyc - act) == rcd,
            "RD %llu cycles after ACT, tRCD - AL = %lld",
            (unsigned long long)(x->issue_cyc - act), (long long)rcd);
      x->a.ro = 78;
      socket->b_transport(cg, dc);
      CHECK(cg.get_response_status() == TLM_COMMAND_ERROR_RESPONSE &&
                !x->error.empty(), "RD to a row not open was not refused");
      x->cmd = DRAM_CMD_PRE;
      x->a.ro = 77;
      socket->b_transport(cg, dc);
      CHECK(cg.get_response_status() == TLM_OK_RESPONSE, "PRE: %s",
            x->error.c_str());
      ph = BEGIN_REQ;
      sc_time z2 = SC_ZERO_TIME;
      CHECK(socket->nb_transport_fw(cg, ph, z2) == TLM_COMPLETED &&
                cg.get_response_status() == TLM_COMMAND_ERROR_RESPONSE,
            "a command on the non-blocking path is refused");
    }
    /* DMI refused */
    tlm_dmi dmi;
    gp.set_address(0);
    CHECK(!socket->get_direct_mem_ptr(gp, dmi) &&
              dmi.get_end_address() == cap - 1, "DMI refused");
    done = true;
  }
};

int sc_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  char dir[] = "/tmp/tfsim-systemc-XXXXXX";
  if (!mkdtemp(dir)) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string d = dir;
  sim_err err;
  std::memset(&err, 0, sizeof err);
  const size_t n = 3000;
  std::vector<std::string> files;
  for (dram_pattern p : {DRAM_PAT_SEQ, DRAM_PAT_RAND, DRAM_PAT_MIX}) {
    std::string f = d + "/" + dram_pattern_name(p) + ".trace";
    CHECK(dram_tracegen_write(p, n, f.c_str(), 0, &err) == 0, "%s", err.msg);
    files.push_back(f);
  }
  /* mix with cycle fields: bursts of 50 every 400 cycles, a long gap */
  {
    dram_req *r = nullptr;
    CHECK(dram_tracegen_fill(DRAM_PAT_MIX, 1000, &r, &err) == 0, "%s",
          err.msg);
    std::string f = d + "/gaps.trace";
    FILE *fp = std::fopen(f.c_str(), "w");
    for (size_t i = 0; r && fp && i < 1000; i++)
      std::fprintf(fp, "0x%llx %s %llu\n", (unsigned long long)r[i].addr,
                   r[i].is_write ? "WRITE" : "READ",
                   (unsigned long long)((i / 50) * 400 +
                                        (i >= 500 ? 200000 : 0)));
    if (fp) std::fclose(fp);
    sim_free(r);
    files.push_back(f);
  }
  const char *names[] = {"seq", "rand", "mix", "gaps"};
  for (size_t i = 0; i < files.size(); i++) {
    add_case(std::string("ddr4_") + names[i], k_ddr4, files[i],
             SC_ZERO_TIME);
    add_case(std::string("hbm2_") + names[i], k_hbm2, files[i],
             SC_ZERO_TIME);
  }
  add_case("ddr4_mix_again", k_ddr4, files[2], SC_ZERO_TIME);
  add_case("hbm2_rand_end_resp", k_hbm2, files[1], sc_time(300, SC_PS));

  /* the trace driver's cycles for one read at cycle 0 */
  dram_spec spec;
  CHECK(dram_spec_load(k_ddr4, &spec, &err) == 0, "%s", err.msg);
  dram_req one = {0x1000, 0, 0};
  dram_counters k1;
  CHECK(dram_run_reqs(&spec, &one, 1, nullptr, nullptr, &k1, &err) == 0,
        "%s", err.msg);
  dram_spec_fini(&spec);
  tfsim::dram_target lt_mem("lt_mem", "ddr4-3200-8gb-x8-1ch1r");
  lt_tester lt("lt", lt_mem, k1.cycles);
  lt.socket.bind(lt_mem.socket);

  sc_start(); /* ends by itself: an idle memory schedules nothing */

  for (size_t i = 0; i < g_cases.size(); i++)
    check_case(*g_cases[i], g_cases[i]->label != "hbm2_rand_end_resp");
  CHECK(g_cases[2 * 2]->ini->finish_cycle() ==
            g_cases[8]->ini->finish_cycle(), "the copy of ddr4_mix differs");
  CHECK(lt.done, "the blocking-transport thread did not finish");
  for (auto &c : g_cases)
    std::printf("%-20s %6zu requests  %8llu cycles  %5llu refused\n",
                c->label.c_str(), c->n,
                (unsigned long long)c->ini->finish_cycle(),
                (unsigned long long)c->ini->refused());
  for (const auto &f : files) std::remove(f.c_str());
  rmdir(dir);
  std::printf("%d checks, %d failed\n", g_checks, g_fail);
  return g_fail ? 1 : 0;
}
