/*
 * dram.h — tfsim's cycle-accurate DRAM model (arch/dram/): the public API.
 *
 * What it is: a memory system of one or more channels, each with its own
 * controller (transaction queues, per-bank command queues, FR-FCFS or FCFS,
 * open or closed page, refresh) driving a rank / bank-group / bank state
 * machine whose timing comes from a constraint table, plus per-command and
 * background energy from IDD currents (Micron / DRAMPower method, as
 * DRAMsim3 applies it).  The design essay, the invariants and the mapping
 * to DRAMsim3's controller are in dramInt.h; docs/dram.md is the user view.
 *
 * Layers, each usable alone:
 *
 *   dram_cfg     the YAML section `dram:` of an arch file (libcyaml types);
 *                dram_file_schema is the whole-file schema (class: dram),
 *                DRAM_CFG_FIELD / dram_cfg_schema embed the section in
 *                another class's file (dram_spec_compile_at).
 *   dram_spec    the compiled standard: organisation, timing parameters in
 *                cycles, the timing-constraint table (level, preceding
 *                command, following command, latency), address mapping,
 *                controller policy and energy per command.  Built once
 *                by dram_spec_compile(), read-only afterwards, shared by
 *                any number of memory systems.
 *   dram_sys     one memory system (all channels) with a request/response
 *                API: dram_can_accept(), dram_submit() with a completion
 *                callback, and an outside driver that moves time with
 *                dram_tick() / dram_advance() / dram_next_event().
 *   commands     the same memory system at command level, for a driver
 *                that schedules commands itself (PIM): the earliest legal
 *                cycle of any command, built in or added, at an address
 *                (dram_cmd_earliest), issuing it (dram_cmd_issue) and the
 *                refresh hooks; one constraint table and one issue path
 *                with the controller, which shares the channel.
 *   engine       dram_engine binds a dram_sys to the sim engine; bulk
 *                transfers (dram_xfer_start) move an op's bytes through it
 *                and call back when the last line completes.
 *   checker      an independent protocol checker that replays the issued
 *                command stream against the constraint table.
 *   trace        trace mode (DRAMsim3 and Ramulator formats), the
 *                splitmix64 trace generator, validation against DRAMsim3.
 *
 * YAML schema (every timing value is in command-clock cycles, nCK; tCK in
 * picoseconds; currents in mA; voltage in V).  Keys marked * are optional.
 *
 *   dram:
 *     standard: DDR4       # DDR3 DDR4 LPDDR4 LPDDR5 GDDR5 GDDR6 HBM HBM2 HBM3
 *     org:
 *       channels, ranks, bankgroups, banks_per_group, rows, columns,
 *       device_width (bits per device), bus_width (bits per channel),
 *       BL (burst length, beats)
 *       # `columns` counts device-width columns per row (DRAMsim3's
 *       # convention after its protocol adjustment: HBM2 ini 64 -> 128).
 *     timing:
 *       tCK_ps, CL, CWL, tRCD, tRP, tRAS, tRC, tCCD_S, tCCD_L, tRRD_S,
 *       tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP, tRTRS, tRFC, tREFI,
 *       AL*, tBL* (data burst in nCK, default BL/2), tRCDWR* (default
 *       tRCD), tRFCpb*, tREFIpb*, tPBR2PBR*, tPBR2ACT* (per-bank refresh;
 *       required with refresh: bank_staggered), tPPD* (PRE to PRE, default
 *       0), t32AW* (32-activate window, GDDR5/6), tRPRE*, tWPRE*, tXP*,
 *       tXS*, tCKE*, tCKESR* (accepted and recorded; not used)
 *     power:
 *       VDD, IDD0, IDD2N, IDD3N, IDD4R, IDD4W, IDD5AB,
 *       IDD5PB* (per-bank refresh current), IDD2P*, IDD3P*, IDD6x*,
 *       VPP*, IPP0* (recorded; not used: VDD rail only, as DRAMsim3)
 *     controller:
 *       address_mapping: rochrababgco   # 6 fields ch ra bg ba ro co, MSB
 *                                       # first, each exactly once
 *       row_policy*: open | closed              (default open)
 *       scheduler*: frfcfs | fcfs               (default frfcfs)
 *       refresh*: rank_staggered | rank_simultaneous | bank_staggered
 *                 | none                        (default rank_staggered)
 *       cmd_queue_size*: 8          per-bank command queue depth
 *       trans_queue_size*: 32       read queue and write buffer depth
 *       write_drain_threshold*: 8   drain when more than this many writes
 *                                   wait and the command queues are empty
 *       row_hit_cap*: 4             close a row after this many column
 *                                   commands when another row waits
 *       dual_cmd*: false            a row and a column command in one
 *                                   cycle (default true for HBM, HBM2,
 *                                   HBM3, as DRAMsim3)
 *       write_idle_drain*: true     also drain when nothing else is
 *                                   queued (DRAMsim3 leaves up to
 *                                   write_drain_threshold writes buffered
 *                                   until more traffic comes: false)
 *     timing_extra*:                named timing values (nCK) for added
 *       - {name: tMAC, cycles: 4}   commands, usable in constraint
 *                                   latencies; a name may not repeat a
 *                                   built-in one
 *     commands*:                    added commands (PIM), as
 *       - {name: MACAB, scope: rank, flags: [col, rd], energy_pj*: 12.5}
 *                                   dram_spec_add_cmd: scope bank |
 *                                   bankgroup | rank | channel; flags
 *                                   open close col rd wr ref needs_open
 *     constraints*:                 extra timing constraints, appended to
 *       - {level: rank, prev: RD, next: WR, latency: "RL + tBL - WL + 2"}
 *                                   the standard's table (see dram_spec.c);
 *                                   optional `window: 4` (N-activate window)
 *                                   and `sibling: true` (other nodes at
 *                                   level, e.g. other ranks).
 *
 * Errors: configuration errors name the key and its line through
 * sim_cfg_fail ("x.yaml:12: dram.timing.tRC: 60 < tRAS + tRP = 74"),
 * SIM_ERANGE when a time overflows 64-bit picoseconds.
 *
 * Ownership: dram_spec_compile fills a caller-owned dram_spec that must be
 * released with dram_spec_fini; a dram_sys borrows its spec (keep the spec
 * alive longer).  x_free(NULL) is a no-op everywhere.
 */
#ifndef TFSIM_ARCH_DRAM_H
#define TFSIM_ARCH_DRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "sim/cfg/cfg.h"
#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Configuration as loaded from YAML (libcyaml).                           */
/* ---------------------------------------------------------------------- */

typedef enum dram_standard {
  DRAM_STD_DDR3 = 0,
  DRAM_STD_DDR4,
  DRAM_STD_LPDDR4,
  DRAM_STD_LPDDR5,
  DRAM_STD_GDDR5,
  DRAM_STD_GDDR6,
  DRAM_STD_HBM,
  DRAM_STD_HBM2,
  DRAM_STD_HBM3,
  DRAM_STD_COUNT
} dram_standard;

typedef enum dram_row_policy {
  DRAM_ROW_OPEN = 0,  /* leave the row open (RD/WR, PRE on demand) */
  DRAM_ROW_CLOSED = 1 /* auto-precharge after every column (RDA/WRA) */
} dram_row_policy;

typedef enum dram_sched_policy {
  DRAM_SCHED_FRFCFS = 0, /* first ready (row hit) within a bank queue */
  DRAM_SCHED_FCFS = 1    /* oldest command of each bank queue only */
} dram_sched_policy;

typedef enum dram_refresh_policy {
  DRAM_REF_RANK_STAGGERED = 0,    /* one rank every tREFI / ranks */
  DRAM_REF_RANK_SIMULTANEOUS = 1, /* every rank every tREFI */
  DRAM_REF_BANK_STAGGERED = 2,    /* one bank every tREFIpb (REFpb) */
  DRAM_REF_NONE = 3               /* no refresh (tests, analysis) */
} dram_refresh_policy;

/* Hierarchy levels, outermost first.  A timing constraint at a level
 * applies to every bank under the node the preceding command addressed. */
typedef enum dram_level {
  DRAM_LV_CHANNEL = 0,
  DRAM_LV_RANK = 1,
  DRAM_LV_BANKGROUP = 2,
  DRAM_LV_BANK = 3,
  DRAM_LV_COUNT
} dram_level;

typedef struct dram_org_cfg {
  int64_t channels, ranks, bankgroups, banks_per_group, rows, columns;
  int64_t device_width; /* bits per device (x8 -> 8) */
  int64_t bus_width;    /* bits per channel */
  int64_t BL;           /* burst length in beats */
} dram_org_cfg;

/* Timing values in nCK (tCK_ps in ps).  NULL: absent from the file. */
typedef struct dram_timing_cfg {
  int64_t *tCK_ps;
  int64_t *CL, *CWL, *AL, *tBL;
  int64_t *tRCD, *tRCDWR, *tRP, *tRAS, *tRC;
  int64_t *tCCD_S, *tCCD_L, *tRRD_S, *tRRD_L, *tFAW;
  int64_t *tWR, *tWTR_S, *tWTR_L, *tRTP, *tRTRS;
  int64_t *tRFC, *tREFI, *tRFCpb, *tREFIpb, *tPBR2PBR, *tPBR2ACT;
  int64_t *tPPD, *t32AW;
  int64_t *tRPRE, *tWPRE, *tXP, *tXS, *tCKE, *tCKESR; /* recorded only */
} dram_timing_cfg;

typedef struct dram_power_cfg {
  double VDD;                           /* V  */
  double IDD0, IDD2N, IDD3N, IDD4R, IDD4W, IDD5AB; /* mA per device */
  double *IDD5PB;                       /* per-bank refresh */
  double *IDD2P, *IDD3P, *IDD6x, *VPP, *IPP0; /* recorded only */
} dram_power_cfg;

typedef struct dram_ctrl_cfg {
  char *address_mapping;
  int row_policy; /* dram_row_policy */
  int scheduler;  /* dram_sched_policy */
  int refresh;    /* dram_refresh_policy */
  int64_t *cmd_queue_size, *trans_queue_size;
  int64_t *write_drain_threshold, *row_hit_cap;
  bool *dual_cmd;
  bool *write_idle_drain;
} dram_ctrl_cfg;

/* One extra constraint row of `dram.constraints`. */
typedef struct dram_constraint_cfg {
  int level;       /* dram_level */
  char *prev;      /* command name(s), "RD" or "RD|RDA" */
  char *next;
  char *latency;   /* expression over timing names: "max(tBL, tCCD_L)" */
  int64_t *window; /* N-activate style window (tFAW: 4), default none */
  bool *sibling;   /* apply to the other nodes at `level` */
} dram_constraint_cfg;

/* One named timing parameter of `dram.timing_extra` (added commands'
 * latencies: tMAC, tWGB, ...), usable in constraint expressions. */
typedef struct dram_timing_extra_cfg {
  char *name;     /* an identifier, not a built-in timing name */
  int64_t cycles; /* nCK, >= 0 */
} dram_timing_extra_cfg;

/* One added command of `dram.commands` (as dram_spec_add_cmd). */
typedef struct dram_cmd_cfg {
  char *name;        /* up to 11 characters, not a built-in command */
  int scope;         /* dram_level: bank, bankgroup, rank or channel */
  unsigned flags;    /* DRAM_CF_* from [open, close, col, rd, wr, ref,
                      * needs_open] */
  double *energy_pj; /* per command issued (default 0), reported as
                      * dram.other energy */
} dram_cmd_cfg;

typedef struct dram_cfg {
  int standard; /* dram_standard */
  dram_org_cfg *org;
  dram_timing_cfg *timing;
  dram_power_cfg *power;
  dram_ctrl_cfg *controller;
  dram_timing_extra_cfg *timing_extra;
  unsigned n_timing_extra;
  dram_cmd_cfg *commands;
  unsigned n_commands;
  dram_constraint_cfg *constraints;
  unsigned n_constraints;
} dram_cfg;

/* The whole arch file of class dram. */
typedef struct dram_file {
  ARCH_HEADER_FIELDS;
  dram_cfg *dram;
} dram_file;

/* Schema of a whole `class: dram` file (CYAML_FLAG_POINTER, dram_file). */
extern const cyaml_schema_value_t dram_file_schema;

/* The `dram:` mapping for another class's file.  dram_cfg_fields are the
 * fields of a dram_cfg; DRAM_CFG_FIELD declares a dram_cfg *member of a
 * caller's struct under `key`, e.g. in a pim file schema
 *
 *   DRAM_CFG_FIELD("dram", CYAML_FLAG_POINTER, pim_file, dram),
 *
 * or inside a nested mapping (`memory: {dram: ...}`).  dram_cfg_schema is
 * the same mapping as a value (CYAML_FLAG_POINTER, dram_cfg).  Compile the
 * loaded section with dram_spec_compile_at, naming where it sits. */
extern const cyaml_schema_field_t dram_cfg_fields[];
extern const cyaml_schema_value_t dram_cfg_schema;
#define DRAM_CFG_FIELD(key, flags, structure, member)                    \
  CYAML_FIELD_MAPPING_PTR(key, flags, structure, member, dram_cfg_fields)

/* ---------------------------------------------------------------------- */
/* Commands.  Built-in commands first; a model on top (PIM) appends its    */
/* own with dram_spec_add_cmd() and gives their constraints as data.      */
/* ---------------------------------------------------------------------- */

typedef enum dram_cmd {
  DRAM_CMD_ACT = 0, /* activate a row */
  DRAM_CMD_PRE,     /* precharge one bank */
  DRAM_CMD_RD,      /* column read */
  DRAM_CMD_WR,      /* column write */
  DRAM_CMD_RDA,     /* read with auto-precharge */
  DRAM_CMD_WRA,     /* write with auto-precharge */
  DRAM_CMD_REF,     /* all-bank refresh of one rank */
  DRAM_CMD_REFPB,   /* per-bank refresh */
  DRAM_CMD_BUILTIN_COUNT
} dram_cmd;

#define DRAM_CMD_MAX 24

/* Command properties (flags of dram_cmd_desc). */
enum {
  DRAM_CF_OPEN = 1 << 0,   /* opens a row: bank(s) must be closed */
  DRAM_CF_CLOSE = 1 << 1,  /* closes the row(s) (PRE, RDA, WRA) */
  DRAM_CF_COL = 1 << 2,    /* column access: row must be open */
  DRAM_CF_RD = 1 << 3,     /* data out at RL for tBL */
  DRAM_CF_WR = 1 << 4,     /* data in at WL for tBL */
  DRAM_CF_REF = 1 << 5,    /* refresh: bank(s) must be closed */
  DRAM_CF_NEEDS_OPEN = 1 << 6 /* PRE: bank must be open */
};

typedef struct dram_cmd_desc {
  char name[12];
  uint8_t scope;  /* dram_level it addresses: BANK, or RANK (all banks) */
  uint16_t flags; /* DRAM_CF_* */
} dram_cmd_desc;

/* One compiled timing constraint: after `prev` is issued to a node at
 * `level` at cycle t, `next` may not issue to any bank under that node (or,
 * with sibling, under the other nodes of the same parent) before t + lat.
 * window > 0: the constraint binds the window-th preceding `prev` instead
 * (tFAW: window 4, the fifth ACT waits for the first plus tFAW). */
typedef struct dram_tc {
  uint8_t level, sibling;
  uint8_t prev, next;
  uint16_t window;
  int64_t lat_cyc;
  char lat_expr[64]; /* source expression, for messages */
} dram_tc;

/* Timing parameters by index (dram_spec.t[]). */
typedef enum dram_tparam {
  DRAM_T_CL = 0, DRAM_T_CWL, DRAM_T_AL, DRAM_T_BL_CYC,
  DRAM_T_RCD, DRAM_T_RCDWR, DRAM_T_RP, DRAM_T_RAS, DRAM_T_RC,
  DRAM_T_CCD_S, DRAM_T_CCD_L, DRAM_T_RRD_S, DRAM_T_RRD_L, DRAM_T_FAW,
  DRAM_T_WR, DRAM_T_WTR_S, DRAM_T_WTR_L, DRAM_T_RTP, DRAM_T_RTRS,
  DRAM_T_RFC, DRAM_T_REFI, DRAM_T_RFCPB, DRAM_T_REFIPB, DRAM_T_PBR2PBR,
  DRAM_T_PBR2ACT, DRAM_T_PPD, DRAM_T_32AW,
  DRAM_T_RL, DRAM_T_WL, /* derived: AL + CL, AL + CWL */
  DRAM_T_COUNT
} dram_tparam;

/* Address fields, in the order of dram_addr members. */
enum { DRAM_F_CH = 0, DRAM_F_RA, DRAM_F_BG, DRAM_F_BA, DRAM_F_RO, DRAM_F_CO,
       DRAM_F_COUNT };

typedef struct dram_addr {
  uint32_t ch, ra, bg, ba, ro, co;
} dram_addr;

/* ---------------------------------------------------------------------- */
/* Compiled specification.                                                */
/* ---------------------------------------------------------------------- */

#define DRAM_TX_MAX 16 /* named timing parameters beyond dram_tparam */

typedef struct dram_spec {
  char name[SIM_NAME_MAX];
  dram_standard standard;

  /* organisation */
  uint32_t channels, ranks, bankgroups, banks_per_group, rows, columns;
  uint32_t device_width, bus_width, BL;
  uint32_t banks;            /* per rank: bankgroups * banks_per_group */
  uint32_t devices_per_rank; /* bus_width / device_width */
  uint32_t line_bytes;       /* bytes per request: bus_width / 8 * BL */
  uint64_t capacity_bytes;   /* all channels */

  /* timing, cycles of the command clock */
  uint64_t tck_ps;
  int64_t t[DRAM_T_COUNT];
  /* named extra parameters (timing_extra, dram_spec_add_timing) */
  char tx_name[DRAM_TX_MAX][16];
  int64_t tx[DRAM_TX_MAX];
  int n_tx;
  int64_t read_delay_cyc;  /* RD issue to data returned: RL + tBL */
  int64_t write_delay_cyc; /* WR issue to data written: WL + tBL */

  /* commands and their constraints */
  dram_cmd_desc cmds[DRAM_CMD_MAX];
  int n_cmds;
  dram_tc *tc;
  size_t n_tc, cap_tc;

  /* address mapping: field f occupies bits [pos[f], pos[f] + width[f])
   * of (addr >> line_shift) */
  char mapping[16];
  uint8_t line_shift;
  uint8_t pos[DRAM_F_COUNT], width[DRAM_F_COUNT];

  /* controller */
  dram_row_policy row_policy;
  dram_sched_policy scheduler;
  dram_refresh_policy refresh;
  uint32_t cmd_queue_size, trans_queue_size;
  uint32_t write_drain_threshold, row_hit_cap;
  int dual_cmd;
  int write_idle_drain;
  uint64_t refresh_interval_cyc; /* between refresh requests, 0: none */

  /* energy, pJ (Micron / DRAMPower with DRAMsim3's choices: VDD rail,
   * tRC = tRAS + tRP window for ACT+PRE, all devices of a rank) */
  double e_cmd_pj[DRAM_CMD_MAX]; /* per command issued */
  double e_act_stb_pj;           /* per rank-cycle with a bank open */
  double e_pre_stb_pj;           /* per rank-cycle with all banks closed */
} dram_spec;

/* Compiles a loaded config.  cfg (may be NULL when dc was built in C)
 * locates keys for messages.  On error *spec is left empty. */
int dram_spec_compile(const dram_cfg *dc, const sim_cfg *cfg,
                      const char *name, dram_spec *spec, sim_err *err);
void dram_spec_fini(dram_spec *spec);
/* As dram_spec_compile for a `dram:` mapping at dotted key `key` of
 * cfg's file ("dram" in a class dram file, e.g. "memory.dram" elsewhere):
 * messages name "<key>.timing.tRC" and its line. */
int dram_spec_compile_at(const dram_cfg *dc, const sim_cfg *cfg,
                         const char *key, const char *name, dram_spec *spec,
                         sim_err *err);
/* Loads an arch file of class dram (through sim/cfg) and compiles it. */
int dram_spec_load(const char *path, dram_spec *spec, sim_err *err);

/* Adds a named timing parameter (cycles >= 0) that constraint expressions
 * may use, as `dram.timing_extra` does: returns its index in spec->tx, or
 * SIM_EINVAL (bad or taken name, negative value) / SIM_ERANGE (full, or
 * the time overflows 64-bit picoseconds) with a message. */
int dram_spec_add_timing(dram_spec *spec, const char *name, int64_t cycles,
                         sim_err *err);
/* Appends a command (PIM): returns its index or SIM_ERANGE when full,
 * SIM_EINVAL for a bad or taken name or scope.  Add commands (and their
 * constraints) before dram_sys_new or dram_checker_new. */
int dram_spec_add_cmd(dram_spec *spec, const char *name, int scope,
                      unsigned flags);
/* Appends constraints "prev" -> "next" (names may be "A|B"), latency an
 * expression over timing names; window/sibling as dram_tc.  Errors name
 * the offending token. */
int dram_spec_add_constraint(dram_spec *spec, int level, const char *prev,
                             const char *next, const char *latency,
                             int window, int sibling, sim_err *err);
/* Evaluates a latency expression against spec's timing parameters. */
int dram_spec_eval(const dram_spec *spec, const char *expr, int64_t *out,
                   sim_err *err);
int dram_cmd_find(const dram_spec *spec, const char *name);
const char *dram_tparam_name(int p);
const char *dram_standard_name(dram_standard s);

/* Address decoding (DRAMsim3 style: line offset bits dropped, then the
 * mapping fields from the least significant end). */
void dram_decode(const dram_spec *spec, uint64_t addr, dram_addr *out);
uint64_t dram_encode(const dram_spec *spec, const dram_addr *a);

/* ---------------------------------------------------------------------- */
/* Memory system: request / response.                                     */
/* ---------------------------------------------------------------------- */

typedef struct dram_sys dram_sys;

/* Completion of a request: a read when its data has returned, a write when
 * it has been accepted into the write buffer (one cycle after submit), as
 * DRAMsim3. */
typedef void (*dram_done_fn)(void *ctx, uint64_t id, uint64_t addr,
                             int is_write, uint64_t done_cyc);

/* One issued command, as seen by observers and the checker. */
typedef struct dram_cmd_rec {
  uint64_t cyc;
  uint8_t cmd;    /* dram_cmd or an added command */
  uint8_t pad[3];
  dram_addr a;    /* ch, ra, bg, ba, ro, co (unused fields 0) */
} dram_cmd_rec;
typedef void (*dram_cmd_fn)(void *ctx, const dram_cmd_rec *rec);

typedef struct dram_counters {
  uint64_t cycles;           /* cycles processed (ticks) */
  uint64_t cmds[DRAM_CMD_MAX];
  uint64_t reads, writes;    /* requests accepted */
  uint64_t reads_done;       /* reads returned (incl. forwarded) */
  uint64_t writes_done;      /* writes completed (callback) */
  uint64_t writes_issued;    /* writes retired by a WR/WRA command or
                              * merged into a pending write */
  uint64_t rd_hits, wr_hits; /* column commands to an already used row */
  uint64_t rd_lat_sum_cyc;   /* over reads_done, acceptance to return */
  uint64_t act_stb_cyc;      /* rank-cycles with a bank open */
  uint64_t pre_stb_cyc;      /* rank-cycles with all banks closed */
  uint64_t done_by_cyc;      /* every read without a callback has returned
                              * before this cycle (0: none) */
} dram_counters;

int dram_sys_new(const dram_spec *spec, dram_sys **out, sim_err *err);
void dram_sys_free(dram_sys *s);
/* Observer of every issued command (the checker uses it); NULL removes. */
void dram_sys_set_cmd_hook(dram_sys *s, dram_cmd_fn fn, void *ctx);
/* Testing: 1 processes every cycle (no idle-cycle skipping). */
void dram_sys_set_no_skip(dram_sys *s, int on);

/* Whether a request would be accepted now. */
int dram_can_accept(const dram_sys *s, uint64_t addr, int is_write);
/* Submits a request at the current cycle (before that cycle is processed).
 * Returns 0 accepted, 1 refused (queue full: retry in a later cycle),
 * SIM_ERANGE for an address beyond capacity.  done (may be NULL) is called
 * from dram_tick/dram_advance when the request completes. */
int dram_submit(dram_sys *s, uint64_t addr, int is_write, uint64_t id,
                dram_done_fn done, void *ctx);

/* The next cycle to be processed. */
uint64_t dram_now(const dram_sys *s);
/* Earliest cycle >= now whose processing may change state (a command, a
 * completion, a refresh, a queue move); SIM_T_NEVER when nothing is
 * pending.  Cycles before it are idle and may be skipped. */
uint64_t dram_next_event(dram_sys *s);
/* Processes cycle now, then now += 1. */
void dram_tick(dram_sys *s);
/* Processes every cycle in [now, cyc): idle ones are skipped exactly
 * (background energy and counters advance); then now = cyc. */
void dram_advance(dram_sys *s, uint64_t cyc);
/* No request in flight anywhere (queues, command queues, returns). */
int dram_idle(const dram_sys *s);
/* 0, or SIM_ENOMEM with err set ("dram: out of memory for completions in
 * memory cycle N") once an allocation failed inside dram_tick or
 * dram_advance (a refresh request, a read's completion, a bulk
 * transfer's request), where no error can be returned.  The state is
 * incomplete from then on: a driver checks this after advancing and
 * stops with the error (one line, exit 2), never a crash. */
int dram_sys_failed(const dram_sys *s, sim_err *err);
/* Requests accepted but not completed in the sense of the trace driver:
 * reads not returned plus writes not yet retired by a WR command.  A read
 * submitted without a callback counts as returned once its RD has issued
 * (its return cycle is then known; dram_done_by() is the cycle after the
 * last such return), so it costs no event of its own. */
uint64_t dram_outstanding(const dram_sys *s);
uint64_t dram_done_by(const dram_sys *s);

void dram_get_counters(const dram_sys *s, dram_counters *out);
/* Energy components in pJ, from the counters (see dram_spec). */
typedef struct dram_energy {
  double act_pj, rd_pj, wr_pj, ref_pj, refpb_pj, act_stb_pj, pre_stb_pj,
      other_pj, total_pj;
} dram_energy;
void dram_energy_of(const dram_spec *spec, const dram_counters *c,
                    dram_energy *out);
/* Fills rep: cycles, latency_ps, dram_bytes, metrics and stats (counts and
 * energy components "dram.<part>_energy" in pJ, kind SUM). */
int dram_fill_report(const dram_spec *spec, const dram_counters *c,
                     sim_report *rep, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Command level (dram_cmd.c): for an outside command-level driver such as */
/* the PIM controller.  The same constraint table, bank states and issue   */
/* path as the built-in controller; commands issue at dram_now(), before   */
/* that cycle is processed, and the controller then issues nothing on that */
/* channel in that cycle.  Added commands must be added to the spec before */
/* dram_sys_new.                                                           */
/* ---------------------------------------------------------------------- */

/* Earliest cycle >= dram_now(s) at which cmd (a dram_cmd or an added
 * command's index) may issue to a in the current state: timing and the
 * command bus.  For a rank-scope command a->bg, a->ba are ignored; a->ro
 * is the row an ACT opens or a bank-scope column command addresses.
 * SIM_T_NEVER if the bank states forbid it now (ACT or REF to an open
 * bank, a column command to a closed bank or another row, PRE to a closed
 * bank) or cmd / a is out of range.  Timing only grows until the next
 * issue, so the answer stays valid while nothing else issues. */
uint64_t dram_cmd_earliest(const dram_sys *s, int cmd, const dram_addr *a);
/* Issues cmd to a at dram_now(s): bank states, timing, counters (and so
 * energy), the refresh request it serves, the command hook (the checker).
 * Returns 0 issued; 1 not yet ready (timing or command bus: retry at
 * dram_cmd_earliest); SIM_EINVAL with a message naming the cycle, command,
 * address and bank when the bank states forbid it or cmd / a is out of
 * range.  A read's data returns RL + tBL later (spec->read_delay_cyc);
 * nothing is returned through dram_done_fn. */
int dram_cmd_issue(dram_sys *s, int cmd, const dram_addr *a, sim_err *err);

/* Refresh, for a command-level driver.  By default the controller raises
 * a refresh request every refresh interval and serves it (precharges the
 * rank, issues REF / REFpb).  With manual refresh on channel ch the
 * requests are still raised on the same schedule but left to the caller:
 * dram_refresh_due reports them and a REF / REFpb issued through
 * dram_cmd_issue to the front request's rank (and bank) retires it.  The
 * controller neither serves nor waits for them.  Switching moves pending
 * requests along. */
typedef struct dram_refresh_req {
  uint32_t pending; /* requests raised and not yet served */
  int cmd;          /* the front one: DRAM_CMD_REF or DRAM_CMD_REFPB; -1 */
  dram_addr a;      /* its channel, rank (and bank group, bank for REFpb) */
  uint64_t next_cyc; /* cycle the next request is raised, SIM_T_NEVER */
} dram_refresh_req;
int dram_refresh_set_manual(dram_sys *s, uint32_t ch, int on);
int dram_refresh_due(const dram_sys *s, uint32_t ch, dram_refresh_req *out);

/* ---------------------------------------------------------------------- */
/* Engine binding: a dram_sys driven by a sim_engine (DESIGN.md section 2). */
/* Memory cycle c happens at c * tCK ps; the binding keeps one event       */
/* pending at the memory system's next event, so idle cycles cost nothing, */
/* and the cycles are exactly those of dram_tick / dram_advance.           */
/* ---------------------------------------------------------------------- */

typedef struct dram_engine dram_engine;
/* Registers the memory clock ("<spec name>", period tCK) with e. */
int dram_engine_new(sim_engine *e, dram_sys *s, dram_engine **out,
                    sim_err *err);
void dram_engine_free(dram_engine *d);
/* Submits at the engine's current time: the request is offered to the
 * memory cycle at or after now (earlier cycles are processed first).
 * Returns as dram_submit; a refused request may be retried later (e.g.
 * from the next completion callback or a later event). */
int dram_engine_submit(dram_engine *d, uint64_t addr, int is_write,
                       uint64_t id, dram_done_fn done, void *ctx);
/* dram_cmd_issue at the engine's current time (the memory cycle at or
 * after it), keeping the binding's pending event right: the way a
 * command-level driver on the engine issues. */
int dram_engine_cmd_issue(dram_engine *d, int cmd, const dram_addr *a,
                          sim_err *err);
/* The engine time (ps) of memory cycle cyc. */
uint64_t dram_engine_time(const dram_engine *d, uint64_t cyc);
/* fn(ctx, err) is called from the binding's event when the memory system
 * failed inside a cycle (dram_sys_failed); the binding then schedules no
 * more cycles.  The driver fails its run with err (the executor:
 * sim_exec_fail).  Without fn the engine is only stopped. */
void dram_engine_on_fail(dram_engine *d,
                         void (*fn)(void *ctx, const sim_err *err),
                         void *ctx);
/* Clock index registered with the engine. */
int dram_engine_clock(const dram_engine *d);

/* Bulk transfers (dram_xfer.c): moves `bytes` starting at `addr` as
 * line-sized requests (the lines that [addr, addr + bytes) touches), read
 * or write, offered in address order as the controller accepts them (a
 * refused line waits, without events, until its channel's queue has room),
 * and calls done(ctx, arg) at the engine time of the cycle the last
 * request completed (a read: its data returned; a write: accepted into the
 * write buffer).  Any number may be in flight; they share the memory
 * system and take turns on a full queue.  Errors: SIM_ERANGE when the
 * range ends beyond capacity, SIM_EINVAL without done, SIM_ENOMEM. */
int dram_xfer_start(dram_engine *d, uint64_t addr, uint64_t bytes,
                    int is_write, void (*done)(void *ctx, uint64_t arg),
                    void *ctx, uint64_t arg, sim_err *err);
/* Transfers started and not yet completed. */
uint32_t dram_xfer_active(const dram_engine *d);

/* ---------------------------------------------------------------------- */
/* Back end (dram_backend.c): the DRAM model as the off-chip memory of an  */
/* executor-driven class.  An op's traffic on one level moves as bulk      */
/* transfers through one persistent memory system (rows, queues and the   */
/* refresh phase carry over between ops and decode steps).                */
/* ---------------------------------------------------------------------- */

typedef struct dram_be dram_be;
/* A memory system of spec sp on engine e (sp must outlive it). */
int dram_be_new(sim_engine *e, const dram_spec *sp, dram_be **out,
                sim_err *err);
void dram_be_free(dram_be *b);
const dram_sys *dram_be_sys(const dram_be *b);
/* Lays out s's tensors (placed ones at their address, the rest one after
 * another on page boundaries, wrapping at capacity).  Call before the
 * first dram_be_start of each schedule. */
int dram_be_place(dram_be *b, const sim_sched *s, sim_err *err);
/* Moves op's traffic on `level` for n_inst instances (reads from its
 * first input's address, writes to its first output's) and calls
 * done(ctx, arg) when the last request completes. */
int dram_be_start(dram_be *b, const sim_sched *s, size_t op, uint64_t n_inst,
                  int level, void (*done)(void *ctx, uint64_t arg),
                  void *ctx, uint64_t arg, sim_err *err);
/* The counters' change since the last call. */
void dram_be_take(dram_be *b, dram_counters *delta);
/* The memory system failed inside a cycle: fn(ctx, err) (see
 * dram_engine_on_fail); the class fails its executor run with err. */
void dram_be_on_fail(dram_be *b, void (*fn)(void *ctx, const sim_err *err),
                     void *ctx);
/* Adds a delta's counts ("dram.*") and energy components to rep, then
 * dram_be_summarize. */
int dram_be_report(const dram_spec *sp, const dram_counters *d,
                   sim_report *rep, sim_err *err);
/* Row-hit rate, average read latency and bandwidth from rep's summed
 * "dram" counters (after decode steps were added up). */
int dram_be_summarize(sim_report *rep, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Protocol checker: independent of the controller's earliest-issue        */
/* arrays; keeps per-node issue history and re-verifies every command     */
/* against spec's constraint table, bank states and the data bus.         */
/* ---------------------------------------------------------------------- */

typedef struct dram_checker dram_checker;
int dram_checker_new(const dram_spec *spec, dram_checker **out);
void dram_checker_free(dram_checker *c);
/* Checks one command (commands must come in nondecreasing cycle order).
 * Returns 0, or SIM_EINTERNAL with the first violation in err. */
int dram_checker_feed(dram_checker *c, const dram_cmd_rec *rec, sim_err *err);
/* A dram_cmd_fn that feeds ctx (a dram_checker*), counting violations. */
void dram_checker_hook(void *ctx, const dram_cmd_rec *rec);
uint64_t dram_checker_violations(const dram_checker *c);
uint64_t dram_checker_commands(const dram_checker *c);
const char *dram_checker_first_error(const dram_checker *c);

/* ---------------------------------------------------------------------- */
/* Trace mode.                                                            */
/* ---------------------------------------------------------------------- */

typedef struct dram_req {
  uint64_t addr;
  uint64_t cyc; /* offered no earlier than this cycle (0: at once) */
  uint8_t is_write;
} dram_req;

typedef struct dram_run_opts {
  int check;   /* attach a protocol checker; a violation fails the run */
  int no_skip; /* process every cycle (equivalence tests) */
  uint64_t max_cycles; /* 0: no limit; else SIM_ERANGE past it */
} dram_run_opts;

/* The front end of the reference runs (shared/validation/dram/README):
 * every cycle offer the next request in order (at most one), retry when
 * refused, then process the cycle; stop when every request is accepted,
 * every read returned and every write retired by a WRITE command. */
int dram_run_reqs(const dram_spec *spec, const dram_req *reqs, size_t n,
                  const dram_run_opts *opts, sim_report *rep,
                  dram_counters *out_counters, sim_err *err);
/* Streams a trace file (DRAMsim3 "0xADDR READ|WRITE CYCLE" or Ramulator
 * "LD|ST 0xADDR", detected per file) through the same front end.  Errors:
 * "file:LINE: ..." SIM_EINVAL for a malformed line, SIM_ERANGE for an
 * address beyond capacity. */
int dram_run_trace(const dram_spec *spec, const char *path,
                   const dram_run_opts *opts, sim_report *rep,
                   dram_counters *out_counters, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Trace generator: gen_traces.py's splitmix64 streams, bit for bit.      */
/* ---------------------------------------------------------------------- */

typedef enum dram_pattern {
  DRAM_PAT_SEQ = 0, /* reads, addr = i * 64 */
  DRAM_PAT_RAND,    /* reads, seed 1, uniform(2^24) * 64 */
  DRAM_PAT_MIX      /* seed 2, 1/3 writes, half local within 2 KiB */
} dram_pattern;

typedef struct dram_tracegen {
  dram_pattern pat;
  uint64_t state, prev, i;
} dram_tracegen;

uint64_t dram_splitmix64(uint64_t *state);
void dram_tracegen_init(dram_tracegen *g, dram_pattern pat);
void dram_tracegen_next(dram_tracegen *g, uint64_t *addr, int *is_write);
int dram_pattern_parse(const char *name, dram_pattern *out);
const char *dram_pattern_name(dram_pattern p);
/* n requests into a new array (sim_free it). */
int dram_tracegen_fill(dram_pattern pat, size_t n, dram_req **out,
                       sim_err *err);
/* Writes n requests to path; ramulator != 0 selects "LD|ST 0x..". */
int dram_tracegen_write(dram_pattern pat, size_t n, const char *path,
                        int ramulator, sim_err *err);

/* ---------------------------------------------------------------------- */
/* Validation against DRAMsim3 (tfsim validate --suite dram) and the arch */
/* class.                                                                 */
/* ---------------------------------------------------------------------- */

/* Runs seq/rand/mix (1M requests each) on the DDR4 and HBM2 presets and
 * appends rows (published DRAMsim3 figures vs ours) to t. */
int dram_validate(sim_val_table *t, sim_err *err);
/* Same with n requests per trace (tests use fewer; published figures
 * only for n = 2^20, NAN otherwise) and, with check, the protocol checker
 * on every run (a violation fails with SIM_EINTERNAL). */
int dram_validate_n(sim_val_table *t, size_t n, int check, sim_err *err);

extern const arch_ops dram_arch_ops;

#ifdef __cplusplus
}
#endif
#endif /* TFSIM_ARCH_DRAM_H */
