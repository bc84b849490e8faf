/*
 * dram_spec.c — DRAM standards as data: the YAML schema, the timing
 * parameter table, the command set, the timing-constraint tables per
 * standard, the latency-expression evaluator, and dram_spec_compile(),
 * which turns a loaded config into a checked, compiled dram_spec.
 *
 * The constraint table below is DRAMsim3's (src/timing.cc, master) written
 * as rows of (level, prev, next, latency): DRAMsim3 derives each latency
 * from the same parameters (read_to_read_l = max(burst_cycle, tCCD_L),
 * read_to_write = RL + burst_cycle - WL + tRTRS, ...).  Ramulator 2's
 * DDR4.cpp has the same structure; JESD79-4B section 4 defines the
 * constraints themselves.  A standard with extra rules (GDDR's 32-activate
 * window, LPDDR/GDDR's tPPD) adds rows; a model on top (PIM) adds commands
 * and rows through dram_spec_add_cmd / dram_spec_add_constraint or the
 * YAML `dram.commands` and `dram.constraints` lists; the latencies of added
 * commands are named values (`dram.timing_extra`, dram_spec_add_timing)
 * that expressions use like the built-in ones, so a PIM preset is data.
 *
 * The `dram:` mapping's schema (dram_cfg_fields) is exported so another
 * class's file can embed it; dram_spec_compile_at then names keys under
 * where it sits ("memory.dram.timing.tRC").
 *
 * Rows that involve a command the configuration never issues (REFpb
 * without bank refresh, REF with refresh: none) are left out, so their
 * parameters are needed only when used.  Any other row that names a
 * parameter the preset lacks is an error naming that key.
 *
 * Deliberate differences from DRAMsim3 (docs/dram.md): per-bank refresh
 * uses the JEDEC rules (the refreshed bank waits tRFCpb; other banks
 * tPBR2ACT; REFpb to REFpb tPBR2PBR) where DRAMsim3 applies tRFC/tREFI to
 * the other banks and nothing to the refreshed one.
 */
#include "dramInt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Schema                                                                 */
/* ---------------------------------------------------------------------- */

static const cyaml_strval_t std_strings[] = {
    {"DDR3", DRAM_STD_DDR3},     {"DDR4", DRAM_STD_DDR4},
    {"LPDDR4", DRAM_STD_LPDDR4}, {"LPDDR5", DRAM_STD_LPDDR5},
    {"GDDR5", DRAM_STD_GDDR5},   {"GDDR6", DRAM_STD_GDDR6},
    {"HBM", DRAM_STD_HBM},       {"HBM2", DRAM_STD_HBM2},
    {"HBM3", DRAM_STD_HBM3},
};
static const cyaml_strval_t row_strings[] = {
    {"open", DRAM_ROW_OPEN}, {"closed", DRAM_ROW_CLOSED}};
static const cyaml_strval_t sched_strings[] = {
    {"frfcfs", DRAM_SCHED_FRFCFS}, {"fcfs", DRAM_SCHED_FCFS}};
static const cyaml_strval_t ref_strings[] = {
    {"rank_staggered", DRAM_REF_RANK_STAGGERED},
    {"rank_simultaneous", DRAM_REF_RANK_SIMULTANEOUS},
    {"bank_staggered", DRAM_REF_BANK_STAGGERED},
    {"none", DRAM_REF_NONE}};
static const cyaml_strval_t level_strings[] = {
    {"channel", DRAM_LV_CHANNEL}, {"rank", DRAM_LV_RANK},
    {"bankgroup", DRAM_LV_BANKGROUP}, {"bank", DRAM_LV_BANK}};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const cyaml_schema_field_t org_fields[] = {
    CYAML_FIELD_INT("channels", CYAML_FLAG_DEFAULT, dram_org_cfg, channels),
    CYAML_FIELD_INT("ranks", CYAML_FLAG_DEFAULT, dram_org_cfg, ranks),
    CYAML_FIELD_INT("bankgroups", CYAML_FLAG_DEFAULT, dram_org_cfg,
                    bankgroups),
    CYAML_FIELD_INT("banks_per_group", CYAML_FLAG_DEFAULT, dram_org_cfg,
                    banks_per_group),
    CYAML_FIELD_INT("rows", CYAML_FLAG_DEFAULT, dram_org_cfg, rows),
    CYAML_FIELD_INT("columns", CYAML_FLAG_DEFAULT, dram_org_cfg, columns),
    CYAML_FIELD_INT("device_width", CYAML_FLAG_DEFAULT, dram_org_cfg,
                    device_width),
    CYAML_FIELD_INT("bus_width", CYAML_FLAG_DEFAULT, dram_org_cfg,
                    bus_width),
    CYAML_FIELD_INT("BL", CYAML_FLAG_DEFAULT, dram_org_cfg, BL),
    CYAML_FIELD_END};

#define TF(name) \
  CYAML_FIELD_INT_PTR(#name, CYAML_FLAG_OPTIONAL, dram_timing_cfg, name)
static const cyaml_schema_field_t timing_fields[] = {
    TF(tCK_ps), TF(CL),     TF(CWL),     TF(AL),     TF(tBL),
    TF(tRCD),   TF(tRCDWR), TF(tRP),     TF(tRAS),   TF(tRC),
    TF(tCCD_S), TF(tCCD_L), TF(tRRD_S),  TF(tRRD_L), TF(tFAW),
    TF(tWR),    TF(tWTR_S), TF(tWTR_L),  TF(tRTP),   TF(tRTRS),
    TF(tRFC),   TF(tREFI),  TF(tRFCpb),  TF(tREFIpb), TF(tPBR2PBR),
    TF(tPBR2ACT), TF(tPPD), TF(t32AW),   TF(tRPRE),  TF(tWPRE),
    TF(tXP),    TF(tXS),    TF(tCKE),    TF(tCKESR), CYAML_FIELD_END};
#undef TF

#define PF(name) \
  CYAML_FIELD_FLOAT(#name, CYAML_FLAG_DEFAULT, dram_power_cfg, name)
#define PFO(name) \
  CYAML_FIELD_FLOAT_PTR(#name, CYAML_FLAG_OPTIONAL, dram_power_cfg, name)
static const cyaml_schema_field_t power_fields[] = {
    PF(VDD),    PF(IDD0),   PF(IDD2N),  PF(IDD3N), PF(IDD4R), PF(IDD4W),
    PF(IDD5AB), PFO(IDD5PB), PFO(IDD2P), PFO(IDD3P), PFO(IDD6x), PFO(VPP),
    PFO(IPP0),  CYAML_FIELD_END};
#undef PF
#undef PFO

static const cyaml_schema_field_t ctrl_fields[] = {
    CYAML_FIELD_STRING_PTR("address_mapping", CYAML_FLAG_POINTER,
                           dram_ctrl_cfg, address_mapping, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_ENUM("row_policy", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg,
                     row_policy, row_strings, N_OF(row_strings)),
    CYAML_FIELD_ENUM("scheduler", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg,
                     scheduler, sched_strings, N_OF(sched_strings)),
    CYAML_FIELD_ENUM("refresh", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg, refresh,
                     ref_strings, N_OF(ref_strings)),
    CYAML_FIELD_INT_PTR("cmd_queue_size", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg,
                        cmd_queue_size),
    CYAML_FIELD_INT_PTR("trans_queue_size", CYAML_FLAG_OPTIONAL,
                        dram_ctrl_cfg, trans_queue_size),
    CYAML_FIELD_INT_PTR("write_drain_threshold", CYAML_FLAG_OPTIONAL,
                        dram_ctrl_cfg, write_drain_threshold),
    CYAML_FIELD_INT_PTR("row_hit_cap", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg,
                        row_hit_cap),
    CYAML_FIELD_BOOL_PTR("dual_cmd", CYAML_FLAG_OPTIONAL, dram_ctrl_cfg,
                         dual_cmd),
    CYAML_FIELD_BOOL_PTR("write_idle_drain", CYAML_FLAG_OPTIONAL,
                         dram_ctrl_cfg, write_idle_drain),
    CYAML_FIELD_END};

static const cyaml_schema_field_t constraint_fields[] = {
    CYAML_FIELD_ENUM("level", CYAML_FLAG_DEFAULT, dram_constraint_cfg, level,
                     level_strings, N_OF(level_strings)),
    CYAML_FIELD_STRING_PTR("prev", CYAML_FLAG_POINTER, dram_constraint_cfg,
                           prev, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("next", CYAML_FLAG_POINTER, dram_constraint_cfg,
                           next, 1, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("latency", CYAML_FLAG_POINTER,
                           dram_constraint_cfg, latency, 1, CYAML_UNLIMITED),
    CYAML_FIELD_INT_PTR("window", CYAML_FLAG_OPTIONAL, dram_constraint_cfg,
                        window),
    CYAML_FIELD_BOOL_PTR("sibling", CYAML_FLAG_OPTIONAL, dram_constraint_cfg,
                         sibling),
    CYAML_FIELD_END};

static const cyaml_schema_value_t constraint_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dram_constraint_cfg,
                        constraint_fields)};

static const cyaml_schema_field_t timing_extra_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER,
                           dram_timing_extra_cfg, name, 1, CYAML_UNLIMITED),
    CYAML_FIELD_INT("cycles", CYAML_FLAG_DEFAULT, dram_timing_extra_cfg,
                    cycles),
    CYAML_FIELD_END};

static const cyaml_schema_value_t timing_extra_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dram_timing_extra_cfg,
                        timing_extra_fields)};

static const cyaml_strval_t cmd_flag_strings[] = {
    {"open", DRAM_CF_OPEN},   {"close", DRAM_CF_CLOSE},
    {"col", DRAM_CF_COL},     {"rd", DRAM_CF_RD},
    {"wr", DRAM_CF_WR},       {"ref", DRAM_CF_REF},
    {"needs_open", DRAM_CF_NEEDS_OPEN}};

static const cyaml_schema_field_t cmd_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, dram_cmd_cfg, name, 1,
                           CYAML_UNLIMITED),
    CYAML_FIELD_ENUM("scope", CYAML_FLAG_DEFAULT, dram_cmd_cfg, scope,
                     level_strings, N_OF(level_strings)),
    CYAML_FIELD_FLAGS("flags", CYAML_FLAG_OPTIONAL, dram_cmd_cfg, flags,
                      cmd_flag_strings, N_OF(cmd_flag_strings)),
    CYAML_FIELD_FLOAT_PTR("energy_pj", CYAML_FLAG_OPTIONAL, dram_cmd_cfg,
                          energy_pj),
    CYAML_FIELD_END};

static const cyaml_schema_value_t cmd_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, dram_cmd_cfg, cmd_fields)};

const cyaml_schema_field_t dram_cfg_fields[] = {
    CYAML_FIELD_ENUM("standard", CYAML_FLAG_DEFAULT, dram_cfg, standard,
                     std_strings, N_OF(std_strings)),
    CYAML_FIELD_MAPPING_PTR("org", CYAML_FLAG_POINTER, dram_cfg, org,
                            org_fields),
    CYAML_FIELD_MAPPING_PTR("timing", CYAML_FLAG_POINTER, dram_cfg, timing,
                            timing_fields),
    CYAML_FIELD_MAPPING_PTR("power", CYAML_FLAG_POINTER, dram_cfg, power,
                            power_fields),
    CYAML_FIELD_MAPPING_PTR("controller", CYAML_FLAG_POINTER, dram_cfg,
                            controller, ctrl_fields),
    CYAML_FIELD_SEQUENCE_COUNT("timing_extra",
                               CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               dram_cfg, timing_extra, n_timing_extra,
                               &timing_extra_entry, 0, DRAM_TX_MAX),
    CYAML_FIELD_SEQUENCE_COUNT("commands",
                               CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               dram_cfg, commands, n_commands, &cmd_entry, 0,
                               DRAM_CMD_MAX - DRAM_CMD_BUILTIN_COUNT),
    CYAML_FIELD_SEQUENCE_COUNT("constraints",
                               CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               dram_cfg, constraints, n_constraints,
                               &constraint_entry, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};

const cyaml_schema_value_t dram_cfg_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, dram_cfg, dram_cfg_fields)};

static const cyaml_schema_field_t file_fields[] = {
    ARCH_HEADER_SCHEMA(dram_file),
    DRAM_CFG_FIELD("dram", CYAML_FLAG_POINTER, dram_file, dram),
    CYAML_FIELD_END};

const cyaml_schema_value_t dram_file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, dram_file, file_fields)};

/* ---------------------------------------------------------------------- */
/* Parameter table                                                        */
/* ---------------------------------------------------------------------- */

enum { P_REQ = 1, P_NONNEG = 2 };

static const struct {
  const char *name;
  size_t off; /* offset of the int64_t* in dram_timing_cfg, or -1 */
  int flags;
} g_params[DRAM_T_COUNT] = {
    [DRAM_T_CL] = {"CL", offsetof(dram_timing_cfg, CL), P_REQ},
    [DRAM_T_CWL] = {"CWL", offsetof(dram_timing_cfg, CWL), P_REQ},
    [DRAM_T_AL] = {"AL", offsetof(dram_timing_cfg, AL), P_NONNEG},
    [DRAM_T_BL_CYC] = {"tBL", offsetof(dram_timing_cfg, tBL), 0},
    [DRAM_T_RCD] = {"tRCD", offsetof(dram_timing_cfg, tRCD), P_REQ},
    [DRAM_T_RCDWR] = {"tRCDWR", offsetof(dram_timing_cfg, tRCDWR), 0},
    [DRAM_T_RP] = {"tRP", offsetof(dram_timing_cfg, tRP), P_REQ},
    [DRAM_T_RAS] = {"tRAS", offsetof(dram_timing_cfg, tRAS), P_REQ},
    [DRAM_T_RC] = {"tRC", offsetof(dram_timing_cfg, tRC), P_REQ},
    [DRAM_T_CCD_S] = {"tCCD_S", offsetof(dram_timing_cfg, tCCD_S), P_REQ},
    [DRAM_T_CCD_L] = {"tCCD_L", offsetof(dram_timing_cfg, tCCD_L), P_REQ},
    [DRAM_T_RRD_S] = {"tRRD_S", offsetof(dram_timing_cfg, tRRD_S), P_REQ},
    [DRAM_T_RRD_L] = {"tRRD_L", offsetof(dram_timing_cfg, tRRD_L), P_REQ},
    [DRAM_T_FAW] = {"tFAW", offsetof(dram_timing_cfg, tFAW), P_REQ},
    [DRAM_T_WR] = {"tWR", offsetof(dram_timing_cfg, tWR), P_REQ},
    [DRAM_T_WTR_S] = {"tWTR_S", offsetof(dram_timing_cfg, tWTR_S), P_REQ},
    [DRAM_T_WTR_L] = {"tWTR_L", offsetof(dram_timing_cfg, tWTR_L), P_REQ},
    [DRAM_T_RTP] = {"tRTP", offsetof(dram_timing_cfg, tRTP), P_REQ},
    [DRAM_T_RTRS] = {"tRTRS", offsetof(dram_timing_cfg, tRTRS),
                     P_REQ | P_NONNEG},
    [DRAM_T_RFC] = {"tRFC", offsetof(dram_timing_cfg, tRFC), 0},
    [DRAM_T_REFI] = {"tREFI", offsetof(dram_timing_cfg, tREFI), 0},
    [DRAM_T_RFCPB] = {"tRFCpb", offsetof(dram_timing_cfg, tRFCpb), 0},
    [DRAM_T_REFIPB] = {"tREFIpb", offsetof(dram_timing_cfg, tREFIpb), 0},
    [DRAM_T_PBR2PBR] = {"tPBR2PBR", offsetof(dram_timing_cfg, tPBR2PBR), 0},
    [DRAM_T_PBR2ACT] = {"tPBR2ACT", offsetof(dram_timing_cfg, tPBR2ACT), 0},
    [DRAM_T_PPD] = {"tPPD", offsetof(dram_timing_cfg, tPPD), P_NONNEG},
    [DRAM_T_32AW] = {"t32AW", offsetof(dram_timing_cfg, t32AW), 0},
    [DRAM_T_RL] = {"RL", (size_t)-1, 0},
    [DRAM_T_WL] = {"WL", (size_t)-1, 0},
};

const char *dram_tparam_name(int p) {
  return p >= 0 && p < DRAM_T_COUNT ? g_params[p].name : "?";
}

const char *dram_standard_name(dram_standard s) {
  for (size_t i = 0; i < N_OF(std_strings); i++)
    if (std_strings[i].val == (int64_t)s) return std_strings[i].str;
  return "?";
}

/* ---------------------------------------------------------------------- */
/* Commands                                                               */
/* ---------------------------------------------------------------------- */

static const dram_cmd_desc g_builtin_cmds[DRAM_CMD_BUILTIN_COUNT] = {
    [DRAM_CMD_ACT] = {"ACT", DRAM_LV_BANK, DRAM_CF_OPEN},
    [DRAM_CMD_PRE] = {"PRE", DRAM_LV_BANK, DRAM_CF_CLOSE | DRAM_CF_NEEDS_OPEN},
    [DRAM_CMD_RD] = {"RD", DRAM_LV_BANK, DRAM_CF_COL | DRAM_CF_RD},
    [DRAM_CMD_WR] = {"WR", DRAM_LV_BANK, DRAM_CF_COL | DRAM_CF_WR},
    [DRAM_CMD_RDA] = {"RDA", DRAM_LV_BANK,
                      DRAM_CF_COL | DRAM_CF_RD | DRAM_CF_CLOSE},
    [DRAM_CMD_WRA] = {"WRA", DRAM_LV_BANK,
                      DRAM_CF_COL | DRAM_CF_WR | DRAM_CF_CLOSE},
    [DRAM_CMD_REF] = {"REF", DRAM_LV_RANK, DRAM_CF_REF},
    [DRAM_CMD_REFPB] = {"REFpb", DRAM_LV_BANK, DRAM_CF_REF},
};

int dram_cmd_find(const dram_spec *spec, const char *name) {
  for (int i = 0; i < spec->n_cmds; i++)
    if (strcmp(spec->cmds[i].name, name) == 0) return i;
  return -1;
}

int dram_spec_add_cmd(dram_spec *spec, const char *name, int scope,
                      unsigned flags) {
  if (spec->n_cmds >= DRAM_CMD_MAX) return SIM_ERANGE;
  if (strlen(name) >= sizeof spec->cmds[0].name || dram_cmd_find(spec, name)
      >= 0)
    return SIM_EINVAL;
  if (scope < DRAM_LV_CHANNEL || scope > DRAM_LV_BANK) return SIM_EINVAL;
  dram_cmd_desc *d = &spec->cmds[spec->n_cmds];
  memset(d, 0, sizeof *d);
  strcpy(d->name, name);
  d->scope = (uint8_t)scope;
  d->flags = (uint16_t)flags;
  return spec->n_cmds++;
}

int dram_spec_add_timing(dram_spec *spec, const char *name, int64_t cycles,
                         sim_err *err) {
  size_t n = strlen(name);
  int ok = n > 0 && n < sizeof spec->tx_name[0] &&
           (isalpha((unsigned char)name[0]) || name[0] == '_');
  for (size_t i = 1; ok && i < n; i++)
    ok = isalnum((unsigned char)name[i]) || name[i] == '_';
  if (!ok)
    return sim_err_set(err, SIM_EINVAL, "'%s' is not a timing name (a "
                       "letter, then letters, digits or '_', at most %zu)",
                       name, sizeof spec->tx_name[0] - 1);
  if (!strcmp(name, "max") || !strcmp(name, "min"))
    return sim_err_set(err, SIM_EINVAL, "'%s' is a function name", name);
  for (int i = 0; i < DRAM_T_COUNT; i++)
    if (!strcmp(g_params[i].name, name))
      return sim_err_set(err, SIM_EINVAL, "'%s' is a built-in timing name",
                         name);
  for (int i = 0; i < spec->n_tx; i++)
    if (!strcmp(spec->tx_name[i], name))
      return sim_err_set(err, SIM_EINVAL, "'%s' is given twice", name);
  if (cycles < 0)
    return sim_err_set(err, SIM_EINVAL, "%s must be >= 0 (got %lld)", name,
                       (long long)cycles);
  uint64_t ps;
  if (spec->tck_ps && sim_mul_u64((uint64_t)cycles, spec->tck_ps, &ps))
    return sim_err_set(err, SIM_ERANGE, "%s: %lld cycles overflow 64-bit "
                       "picoseconds", name, (long long)cycles);
  if (spec->n_tx >= DRAM_TX_MAX)
    return sim_err_set(err, SIM_ERANGE, "more than %d named timing values",
                       DRAM_TX_MAX);
  snprintf(spec->tx_name[spec->n_tx], sizeof spec->tx_name[0], "%s", name);
  spec->tx[spec->n_tx] = cycles;
  return spec->n_tx++;
}

/* ---------------------------------------------------------------------- */
/* Constraint tables (DRAMsim3 src/timing.cc, master, as rows)            */
/* ---------------------------------------------------------------------- */

typedef struct tc_row {
  int level;
  const char *prev, *next, *lat;
  int window, sibling;
} tc_row;

#define BK DRAM_LV_BANK
#define BG DRAM_LV_BANKGROUP
#define RK DRAM_LV_RANK

/* Every JEDEC standard here: DDR3/4, LPDDR4/5, GDDR5/6, HBM/2/3. */
static const tc_row g_common[] = {
    /* column to column (read_to_read_l/_s/_o, read_to_write(_o)) */
    {BG, "RD|RDA", "RD|RDA", "max(tBL, tCCD_L)", 0, 0},
    {RK, "RD|RDA", "RD|RDA", "max(tBL, tCCD_S)", 0, 0},
    {RK, "RD|RDA", "RD|RDA", "tBL + tRTRS", 0, 1},
    {RK, "RD|RDA", "WR|WRA", "RL + tBL - WL + tRTRS", 0, 0},
    {RK, "RD|RDA", "WR|WRA", "RL + tBL - WL + tRTRS", 0, 1},
    {BG, "WR|WRA", "RD|RDA", "WL + tBL + tWTR_L", 0, 0},
    {RK, "WR|WRA", "RD|RDA", "WL + tBL + tWTR_S", 0, 0},
    {RK, "WR|WRA", "RD|RDA", "WL + tBL + tRTRS - RL", 0, 1},
    {BG, "WR|WRA", "WR|WRA", "max(tBL, tCCD_L)", 0, 0},
    {RK, "WR|WRA", "WR|WRA", "max(tBL, tCCD_S)", 0, 0},
    {RK, "WR|WRA", "WR|WRA", "tBL", 0, 1},
    /* column to precharge / activate (read_to_precharge, readp_to_act,
     * write_to_precharge, write_to_activate) */
    {BK, "RD", "PRE", "AL + tRTP", 0, 0},
    {BK, "RDA", "ACT", "AL + tBL + tRTP + tRP", 0, 0},
    {BK, "RDA", "REF|REFpb", "AL + tRTP + tRP", 0, 0},
    {BK, "WR", "PRE", "WL + tBL + tWR", 0, 0},
    {BK, "WRA", "ACT|REF|REFpb", "WL + tBL + tWR + tRP", 0, 0},
    /* activate */
    {BK, "ACT", "ACT", "tRC", 0, 0},
    {BG, "ACT", "ACT", "tRRD_L", 0, 0},
    {RK, "ACT", "ACT", "tRRD_S", 0, 0},
    {RK, "ACT", "ACT", "tFAW", 4, 0},
    {BK, "ACT", "RD|RDA", "tRCD - AL", 0, 0},
    {BK, "ACT", "WR|WRA", "tRCDWR - AL", 0, 0},
    {BK, "ACT", "PRE", "tRAS", 0, 0},
    /* precharge */
    {BK, "PRE", "ACT|REF|REFpb", "tRP", 0, 0},
    {RK, "PRE", "PRE", "tPPD", 0, 0},
    /* all-bank refresh */
    {RK, "REF", "ACT|REF|REFpb", "tRFC", 0, 0},
    /* per-bank refresh (JEDEC LPDDR4/5, HBM: see the header comment) */
    {BK, "REFpb", "ACT|REFpb", "tRFCpb", 0, 0},
    {RK, "REFpb", "ACT", "tPBR2ACT", 0, 0},
    {RK, "REFpb", "REFpb", "tPBR2PBR", 0, 0},
    {RK, "REFpb", "REF", "tRFCpb", 0, 0},
    {RK, "ACT", "REFpb", "tRRD_S", 0, 0},
};

/* GDDR5/6: at most 32 activates in t32AW (DRAMsim3 Is32AWReady). */
static const tc_row g_gddr[] = {
    {RK, "ACT", "ACT", "t32AW", 32, 0},
};

#undef BK
#undef BG
#undef RK

/* ---------------------------------------------------------------------- */
/* Expressions: integer sums and differences of timing names, numbers,    */
/* parentheses and max(a, b, ...) / min(...).                             */
/* ---------------------------------------------------------------------- */

typedef struct xp {
  const dram_spec *s;
  const char *p, *start;
  sim_err *err;
  int missing; /* index of a timing name that is not set, or -1 */
  const uint32_t *set_mask;
} xp;

static void xp_ws(xp *x) {
  while (*x->p == ' ' || *x->p == '\t') x->p++;
}

static int xp_sum(xp *x, int64_t *out);

static int xp_atom(xp *x, int64_t *out) {
  xp_ws(x);
  if (*x->p == '(') {
    x->p++;
    int rc = xp_sum(x, out);
    if (rc) return rc;
    xp_ws(x);
    if (*x->p != ')')
      return sim_err_set(x->err, SIM_EINVAL, "expected ')' in '%s'",
                         x->start);
    x->p++;
    return 0;
  }
  if (isdigit((unsigned char)*x->p)) {
    int64_t v = 0;
    while (isdigit((unsigned char)*x->p)) {
      if (v > (INT64_MAX - 9) / 10)
        return sim_err_set(x->err, SIM_ERANGE, "number too large in '%s'",
                           x->start);
      v = v * 10 + (*x->p++ - '0');
    }
    *out = v;
    return 0;
  }
  if (isalpha((unsigned char)*x->p) || *x->p == '_') {
    char name[32];
    size_t n = 0;
    while ((isalnum((unsigned char)*x->p) || *x->p == '_') &&
           n + 1 < sizeof name)
      name[n++] = *x->p++;
    name[n] = '\0';
    if (!strcmp(name, "max") || !strcmp(name, "min")) {
      int is_max = name[1] == 'a';
      xp_ws(x);
      if (*x->p != '(')
        return sim_err_set(x->err, SIM_EINVAL, "expected '(' after %s in "
                           "'%s'", name, x->start);
      x->p++;
      int64_t acc = 0;
      for (int k = 0;; k++) {
        int64_t v;
        int rc = xp_sum(x, &v);
        if (rc) return rc;
        acc = k == 0 ? v : is_max ? (v > acc ? v : acc) : (v < acc ? v : acc);
        xp_ws(x);
        if (*x->p == ',') {
          x->p++;
          continue;
        }
        if (*x->p == ')') {
          x->p++;
          break;
        }
        return sim_err_set(x->err, SIM_EINVAL, "expected ',' or ')' in '%s'",
                           x->start);
      }
      *out = acc;
      return 0;
    }
    for (int i = 0; i < DRAM_T_COUNT; i++)
      if (strcmp(g_params[i].name, name) == 0) {
        if (x->set_mask && !(x->set_mask[i / 32] & (1u << (i % 32)))) {
          if (x->missing < 0) x->missing = i;
          *out = 0;
          return 0;
        }
        *out = x->s->t[i];
        return 0;
      }
    for (int i = 0; i < x->s->n_tx; i++)
      if (strcmp(x->s->tx_name[i], name) == 0) {
        *out = x->s->tx[i];
        return 0;
      }
    return sim_err_set(x->err, SIM_EINVAL, "unknown timing name '%s' in "
                       "'%s'", name, x->start);
  }
  return sim_err_set(x->err, SIM_EINVAL, "unexpected '%c' in '%s'",
                     *x->p ? *x->p : '?', x->start);
}

static int xp_sum(xp *x, int64_t *out) {
  int64_t acc;
  int rc = xp_atom(x, &acc);
  if (rc) return rc;
  for (;;) {
    xp_ws(x);
    char op = *x->p;
    if (op != '+' && op != '-' && op != '*') break;
    x->p++;
    int64_t v;
    if ((rc = xp_atom(x, &v))) return rc;
    if (op == '+') {
      if ((v > 0 && acc > INT64_MAX - v) || (v < 0 && acc < INT64_MIN - v))
        return sim_err_set(x->err, SIM_ERANGE, "overflow in '%s'", x->start);
      acc += v;
    } else if (op == '-') {
      if ((v < 0 && acc > INT64_MAX + v) || (v > 0 && acc < INT64_MIN + v))
        return sim_err_set(x->err, SIM_ERANGE, "overflow in '%s'", x->start);
      acc -= v;
    } else {
      if (acc != 0 && (v > INT64_MAX / (acc < 0 ? -acc : acc)))
        return sim_err_set(x->err, SIM_ERANGE, "overflow in '%s'", x->start);
      acc *= v;
    }
  }
  *out = acc;
  return 0;
}

static int xp_eval(const dram_spec *s, const char *expr,
                   const uint32_t *set_mask, int64_t *out, int *missing,
                   sim_err *err) {
  xp x = {s, expr, expr, err, -1, set_mask};
  int rc = xp_sum(&x, out);
  if (rc) return rc;
  xp_ws(&x);
  if (*x.p)
    return sim_err_set(err, SIM_EINVAL, "unexpected '%s' in '%s'", x.p, expr);
  if (missing) *missing = x.missing;
  return 0;
}

int dram_spec_eval(const dram_spec *spec, const char *expr, int64_t *out,
                   sim_err *err) {
  return xp_eval(spec, expr, NULL, out, NULL, err);
}

/* Parses "A|B|C" into a bit mask of command indices. */
static int cmd_mask(const dram_spec *s, const char *list, uint32_t *mask,
                    sim_err *err) {
  *mask = 0;
  const char *p = list;
  while (*p) {
    while (*p == ' ') p++;
    const char *e = p;
    while (*e && *e != '|' && *e != ' ') e++;
    char name[16];
    size_t n = (size_t)(e - p);
    if (n == 0 || n >= sizeof name)
      return sim_err_set(err, SIM_EINVAL, "bad command list '%s'", list);
    memcpy(name, p, n);
    name[n] = '\0';
    int c = dram_cmd_find(s, name);
    if (c < 0)
      return sim_err_set(err, SIM_EINVAL, "unknown command '%s' in '%s'",
                         name, list);
    *mask |= 1u << c;
    while (*e == ' ') e++;
    if (*e == '|') e++;
    p = e;
  }
  if (!*mask)
    return sim_err_set(err, SIM_EINVAL, "empty command list '%s'", list);
  return 0;
}

static int push_tc(dram_spec *s, const dram_tc *tc) {
  if (s->n_tc == s->cap_tc) {
    size_t cap = s->cap_tc ? s->cap_tc * 2 : 64;
    dram_tc *n = sim_realloc(s->tc, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    s->tc = n;
    s->cap_tc = cap;
  }
  s->tc[s->n_tc++] = *tc;
  return 0;
}

/* Commands that this configuration can issue (rows that involve others are
 * left out). */
static uint32_t usable_cmds(const dram_spec *s) {
  uint32_t m = 0;
  for (int i = 0; i < s->n_cmds; i++) m |= 1u << i;
  if (s->refresh == DRAM_REF_NONE) m &= ~(1u << DRAM_CMD_REF);
  if (s->refresh != DRAM_REF_BANK_STAGGERED) m &= ~(1u << DRAM_CMD_REFPB);
  if (s->refresh == DRAM_REF_BANK_STAGGERED) m &= ~(1u << DRAM_CMD_REF);
  /* open page issues RD/WR, closed page RDA/WRA (dram_ctrl.c) */
  if (s->row_policy == DRAM_ROW_OPEN)
    m &= ~((1u << DRAM_CMD_RDA) | (1u << DRAM_CMD_WRA));
  else
    m &= ~((1u << DRAM_CMD_RD) | (1u << DRAM_CMD_WR));
  return m;
}

/* Adds one row; set_mask != NULL: report unset parameters as missing. */
static int add_row(dram_spec *s, int level, const char *prev,
                   const char *next, const char *lat, int window, int sibling,
                   const uint32_t *set_mask, int *missing, sim_err *err) {
  uint32_t pm, nm;
  int rc;
  if ((rc = cmd_mask(s, prev, &pm, err)) || (rc = cmd_mask(s, next, &nm, err)))
    return rc;
  if (level < DRAM_LV_CHANNEL || level > DRAM_LV_BANK)
    return sim_err_set(err, SIM_EINVAL, "bad level %d", level);
  if (window < 0 || window > 64)
    return sim_err_set(err, SIM_EINVAL, "window %d out of 0..64", window);
  uint32_t use = set_mask ? usable_cmds(s) : ~0u;
  pm &= use;
  nm &= use;
  if (!pm || !nm) return 0;
  int64_t v;
  int miss = -1;
  if ((rc = xp_eval(s, lat, set_mask, &v, &miss, err))) return rc;
  if (miss >= 0) {
    *missing = miss;
    return SIM_EINVAL;
  }
  for (int p = 0; p < s->n_cmds; p++) {
    if (!(pm & (1u << p))) continue;
    for (int n = 0; n < s->n_cmds; n++) {
      if (!(nm & (1u << n))) continue;
      dram_tc tc;
      memset(&tc, 0, sizeof tc);
      tc.level = (uint8_t)level;
      tc.sibling = (uint8_t)(sibling != 0);
      tc.prev = (uint8_t)p;
      tc.next = (uint8_t)n;
      tc.window = (uint16_t)window;
      tc.lat_cyc = v;
      snprintf(tc.lat_expr, sizeof tc.lat_expr, "%s", lat);
      if ((rc = push_tc(s, &tc))) return rc;
    }
  }
  return 0;
}

int dram_spec_add_constraint(dram_spec *spec, int level, const char *prev,
                             const char *next, const char *latency,
                             int window, int sibling, sim_err *err) {
  int missing = -1;
  return add_row(spec, level, prev, next, latency, window, sibling, NULL,
                 &missing, err);
}

/* ---------------------------------------------------------------------- */
/* Address mapping                                                        */
/* ---------------------------------------------------------------------- */

static const char *const g_fields[DRAM_F_COUNT] = {"ch", "ra", "bg",
                                                   "ba", "ro", "co"};

static int ilog2_exact(uint64_t v) {
  int n = 0;
  if (v == 0 || (v & (v - 1))) return -1;
  while ((1ull << n) < v) n++;
  return n;
}

void dram_decode(const dram_spec *s, uint64_t addr, dram_addr *out) {
  uint64_t a = addr >> s->line_shift;
  uint32_t v[DRAM_F_COUNT];
  for (int f = 0; f < DRAM_F_COUNT; f++)
    v[f] = (uint32_t)((a >> s->pos[f]) & ((1ull << s->width[f]) - 1));
  out->ch = v[DRAM_F_CH];
  out->ra = v[DRAM_F_RA];
  out->bg = v[DRAM_F_BG];
  out->ba = v[DRAM_F_BA];
  out->ro = v[DRAM_F_RO];
  out->co = v[DRAM_F_CO];
}

uint64_t dram_encode(const dram_spec *s, const dram_addr *x) {
  uint32_t v[DRAM_F_COUNT] = {x->ch, x->ra, x->bg, x->ba, x->ro, x->co};
  uint64_t a = 0;
  for (int f = 0; f < DRAM_F_COUNT; f++)
    a |= ((uint64_t)v[f] & ((1ull << s->width[f]) - 1)) << s->pos[f];
  return a << s->line_shift;
}

/* ---------------------------------------------------------------------- */
/* Compile                                                                */
/* ---------------------------------------------------------------------- */

/* Where a compiled config came from: the loaded file (NULL when built in
 * C) and the dotted key of its `dram:` mapping ("dram" in a class dram
 * file; e.g. "memory.dram" in another class's file). */
typedef struct where {
  const sim_cfg *cfg;
  const char *prefix;
} where;

/* Fails naming `key` ("dram.<rest>", rewritten under w->prefix) and, with
 * a file, its line. */
static int fail(const where *w, sim_err *err, int code, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(const where *w, sim_err *err, int code, const char *key,
                const char *fmt, ...) {
  char msg[SIM_ERR_MSG_MAX], full[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (strncmp(key, "dram", 4) == 0 && w->prefix)
    snprintf(full, sizeof full, "%s%s", w->prefix, key + 4);
  else
    snprintf(full, sizeof full, "%s", key);
  if (w->cfg) return sim_cfg_failc(w->cfg, err, code, full, "%s", msg);
  return sim_err_set(err, code, "%s: %s", full, msg);
}

static int check_org(const dram_cfg *dc, const where *cfg, dram_spec *s,
                     sim_err *err) {
  const dram_org_cfg *o = dc->org;
  const struct {
    const char *key;
    int64_t v;
    int pow2;
  } f[] = {{"dram.org.channels", o->channels, 1},
           {"dram.org.ranks", o->ranks, 1},
           {"dram.org.bankgroups", o->bankgroups, 1},
           {"dram.org.banks_per_group", o->banks_per_group, 1},
           {"dram.org.rows", o->rows, 1},
           {"dram.org.columns", o->columns, 1},
           {"dram.org.device_width", o->device_width, 0},
           {"dram.org.bus_width", o->bus_width, 0},
           {"dram.org.BL", o->BL, 1}};
  for (size_t i = 0; i < N_OF(f); i++) {
    if (f[i].v <= 0)
      return fail(cfg, err, SIM_EINVAL, f[i].key, "must be > 0 (got %lld)",
                  (long long)f[i].v);
    if (f[i].v > (1ll << 31))
      return fail(cfg, err, SIM_ERANGE, f[i].key, "too large (got %lld)",
                  (long long)f[i].v);
    if (f[i].pow2 && ilog2_exact((uint64_t)f[i].v) < 0)
      return fail(cfg, err, SIM_EINVAL, f[i].key,
                  "must be a power of two for the address mapping (got %lld)",
                  (long long)f[i].v);
  }
  if (o->bus_width % o->device_width)
    return fail(cfg, err, SIM_EINVAL, "dram.org.bus_width",
                "%lld is not a multiple of device_width %lld",
                (long long)o->bus_width, (long long)o->device_width);
  if ((o->bus_width * o->BL) % 8 || ilog2_exact((uint64_t)(o->bus_width *
                                                           o->BL / 8)) < 0)
    return fail(cfg, err, SIM_EINVAL, "dram.org.bus_width",
                "bus_width * BL / 8 (%lld bytes per request) must be a power "
                "of two", (long long)(o->bus_width * o->BL / 8));
  if (o->columns < o->BL)
    return fail(cfg, err, SIM_EINVAL, "dram.org.columns",
                "%lld columns hold less than one burst (BL %lld)",
                (long long)o->columns, (long long)o->BL);
  if (o->bankgroups * o->banks_per_group > 64)
    return fail(cfg, err, SIM_ERANGE, "dram.org.banks_per_group",
                "at most 64 banks per rank");
  s->channels = (uint32_t)o->channels;
  s->ranks = (uint32_t)o->ranks;
  s->bankgroups = (uint32_t)o->bankgroups;
  s->banks_per_group = (uint32_t)o->banks_per_group;
  s->rows = (uint32_t)o->rows;
  s->columns = (uint32_t)o->columns;
  s->device_width = (uint32_t)o->device_width;
  s->bus_width = (uint32_t)o->bus_width;
  s->BL = (uint32_t)o->BL;
  s->banks = s->bankgroups * s->banks_per_group;
  s->devices_per_rank = s->bus_width / s->device_width;
  s->line_bytes = s->bus_width / 8 * s->BL;
  /* rows * columns * device_width bits per bank per device */
  s->capacity_bytes = (uint64_t)s->rows * s->columns * s->device_width / 8 *
                      s->devices_per_rank * s->banks * s->ranks * s->channels;
  return 0;
}

static int check_mapping(const dram_cfg *dc, const where *cfg,
                         dram_spec *s, sim_err *err) {
  const char *key = "dram.controller.address_mapping";
  const char *m = dc->controller->address_mapping;
  size_t n = m ? strlen(m) : 0;
  int seen[DRAM_F_COUNT] = {0};
  int order[DRAM_F_COUNT];
  if (n != 2 * DRAM_F_COUNT)
    return fail(cfg, err, SIM_EINVAL, key,
                "'%s' must name the 6 fields ch ra bg ba ro co once each (12 "
                "characters, most significant first)", m ? m : "");
  for (int i = 0; i < DRAM_F_COUNT; i++) {
    int f = -1;
    for (int k = 0; k < DRAM_F_COUNT; k++)
      if (m[2 * i] == g_fields[k][0] && m[2 * i + 1] == g_fields[k][1]) f = k;
    if (f < 0)
      return fail(cfg, err, SIM_EINVAL, key,
                  "'%s': unknown field '%.2s' (fields: ch ra bg ba ro co)", m,
                  m + 2 * i);
    if (seen[f])
      return fail(cfg, err, SIM_EINVAL, key, "'%s': field '%s' appears "
                  "twice", m, g_fields[f]);
    seen[f] = 1;
    order[i] = f;
  }
  uint32_t cols_per_line = s->BL;
  uint64_t size[DRAM_F_COUNT] = {s->channels, s->ranks, s->bankgroups,
                                 s->banks_per_group, s->rows,
                                 s->columns / cols_per_line};
  /* least significant field last in the string */
  int pos = 0;
  for (int i = DRAM_F_COUNT - 1; i >= 0; i--) {
    int f = order[i];
    int w = ilog2_exact(size[f]);
    s->pos[f] = (uint8_t)pos;
    s->width[f] = (uint8_t)w;
    pos += w;
  }
  s->line_shift = (uint8_t)ilog2_exact(s->line_bytes);
  if (pos + s->line_shift > 62)
    return fail(cfg, err, SIM_ERANGE, "dram.org",
                "%d address bits do not fit 64-bit addresses",
                pos + s->line_shift);
  snprintf(s->mapping, sizeof s->mapping, "%s", m);
  return 0;
}

static int load_timing(const dram_cfg *dc, const where *cfg, dram_spec *s,
                       uint32_t *set_mask, sim_err *err) {
  const dram_timing_cfg *t = dc->timing;
  char key[64];
  if (!t->tCK_ps)
    return fail(cfg, err, SIM_EINVAL, "dram.timing",
                "missing required value tCK_ps");
  if (*t->tCK_ps <= 0)
    return fail(cfg, err, SIM_EINVAL, "dram.timing.tCK_ps",
                "must be > 0 (got %lld)", (long long)*t->tCK_ps);
  s->tck_ps = (uint64_t)*t->tCK_ps;
  for (int i = 0; i < DRAM_T_COUNT; i++) {
    if (g_params[i].off == (size_t)-1) continue;
    const int64_t *const *pp =
        (const int64_t *const *)((const char *)t + g_params[i].off);
    snprintf(key, sizeof key, "dram.timing.%s", g_params[i].name);
    if (!*pp) {
      if (g_params[i].flags & P_REQ)
        return fail(cfg, err, SIM_EINVAL, "dram.timing",
                    "missing required value %s", g_params[i].name);
      continue;
    }
    int64_t v = **pp;
    if ((g_params[i].flags & P_NONNEG) ? v < 0 : v <= 0)
      return fail(cfg, err, SIM_EINVAL, key, "must be %s (got %lld)",
                  (g_params[i].flags & P_NONNEG) ? ">= 0" : "> 0",
                  (long long)v);
    uint64_t ps;
    if (sim_mul_u64((uint64_t)v, s->tck_ps, &ps))
      return fail(cfg, err, SIM_ERANGE, key,
                  "%lld cycles of %llu ps overflow 64-bit picoseconds",
                  (long long)v, (unsigned long long)s->tck_ps);
    s->t[i] = v;
    set_mask[i / 32] |= 1u << (i % 32);
  }
  /* recorded-only values: checked for sign and overflow as well */
  const struct {
    const char *name;
    int64_t *v;
  } rec[] = {{"tRPRE", t->tRPRE}, {"tWPRE", t->tWPRE}, {"tXP", t->tXP},
             {"tXS", t->tXS},     {"tCKE", t->tCKE},   {"tCKESR", t->tCKESR}};
  for (size_t i = 0; i < N_OF(rec); i++) {
    if (!rec[i].v) continue;
    uint64_t ps;
    snprintf(key, sizeof key, "dram.timing.%s", rec[i].name);
    if (*rec[i].v < 0)
      return fail(cfg, err, SIM_EINVAL, key, "must be >= 0 (got %lld)",
                  (long long)*rec[i].v);
    if (sim_mul_u64((uint64_t)*rec[i].v, s->tck_ps, &ps))
      return fail(cfg, err, SIM_ERANGE, key,
                  "overflows 64-bit picoseconds");
  }
#define SET(i) (set_mask[(i) / 32] |= 1u << ((i) % 32))
#define ISSET(i) ((set_mask[(i) / 32] >> ((i) % 32)) & 1u)
  /* defaults */
  if (!ISSET(DRAM_T_AL)) s->t[DRAM_T_AL] = 0, SET(DRAM_T_AL);
  if (!ISSET(DRAM_T_BL_CYC)) s->t[DRAM_T_BL_CYC] = s->BL / 2,
                                           SET(DRAM_T_BL_CYC);
  if (!ISSET(DRAM_T_RCDWR)) s->t[DRAM_T_RCDWR] = s->t[DRAM_T_RCD],
                                          SET(DRAM_T_RCDWR);
  if (!ISSET(DRAM_T_PPD)) s->t[DRAM_T_PPD] = 0, SET(DRAM_T_PPD);
  s->t[DRAM_T_RL] = s->t[DRAM_T_AL] + s->t[DRAM_T_CL];
  s->t[DRAM_T_WL] = s->t[DRAM_T_AL] + s->t[DRAM_T_CWL];
  SET(DRAM_T_RL);
  SET(DRAM_T_WL);
  /* one bank group: the _L values are the _S values (DRAMsim3
   * timing.cc: "a bankgroup can be disabled ... tXXX_S used") */
  if (s->bankgroups == 1) {
    s->t[DRAM_T_CCD_L] = s->t[DRAM_T_CCD_S];
    s->t[DRAM_T_WTR_L] = s->t[DRAM_T_WTR_S];
    s->t[DRAM_T_RRD_L] = s->t[DRAM_T_RRD_S];
  }
  /* semantic checks */
  int64_t ras_rp = s->t[DRAM_T_RAS] + s->t[DRAM_T_RP];
  if (s->t[DRAM_T_RC] < ras_rp)
    return fail(cfg, err, SIM_EINVAL, "dram.timing.tRC",
                "%lld < tRAS + tRP = %lld", (long long)s->t[DRAM_T_RC],
                (long long)ras_rp);
  if (s->refresh == DRAM_REF_RANK_STAGGERED ||
      s->refresh == DRAM_REF_RANK_SIMULTANEOUS) {
    if (!ISSET(DRAM_T_RFC) || !ISSET(DRAM_T_REFI))
      return fail(cfg, err, SIM_EINVAL, "dram.timing",
                  "missing required value %s (refresh is on)",
                  ISSET(DRAM_T_RFC) ? "tREFI" : "tRFC");
    if (s->t[DRAM_T_REFI] <= s->t[DRAM_T_RFC])
      return fail(cfg, err, SIM_EINVAL, "dram.timing.tREFI",
                  "%lld <= tRFC %lld: refresh would never end",
                  (long long)s->t[DRAM_T_REFI], (long long)s->t[DRAM_T_RFC]);
    s->refresh_interval_cyc = (uint64_t)s->t[DRAM_T_REFI];
    if (s->refresh == DRAM_REF_RANK_STAGGERED)
      s->refresh_interval_cyc /= s->ranks;
    if (s->refresh_interval_cyc == 0)
      return fail(cfg, err, SIM_EINVAL, "dram.timing.tREFI",
                  "tREFI / ranks is 0");
  } else if (s->refresh == DRAM_REF_BANK_STAGGERED) {
    const int need[] = {DRAM_T_RFCPB, DRAM_T_REFIPB, DRAM_T_PBR2PBR,
                        DRAM_T_PBR2ACT};
    for (size_t i = 0; i < N_OF(need); i++)
      if (!ISSET(need[i]))
        return fail(cfg, err, SIM_EINVAL, "dram.timing",
                    "missing required value %s (refresh: bank_staggered)",
                    g_params[need[i]].name);
    s->refresh_interval_cyc = (uint64_t)s->t[DRAM_T_REFIPB];
  }
#undef SET
#undef ISSET
  s->read_delay_cyc = s->t[DRAM_T_RL] + s->t[DRAM_T_BL_CYC];
  s->write_delay_cyc = s->t[DRAM_T_WL] + s->t[DRAM_T_BL_CYC];
  return 0;
}

static int load_ctrl(const dram_cfg *dc, const where *cfg, dram_spec *s,
                     sim_err *err) {
  const dram_ctrl_cfg *c = dc->controller;
  s->row_policy = (dram_row_policy)c->row_policy;
  s->scheduler = (dram_sched_policy)c->scheduler;
  s->refresh = (dram_refresh_policy)c->refresh;
  const struct {
    const char *key;
    const int64_t *v;
    int64_t dflt, lo, hi;
    uint32_t *out;
  } f[] = {
      {"dram.controller.cmd_queue_size", c->cmd_queue_size, 8, 1, 1024,
       &s->cmd_queue_size},
      {"dram.controller.trans_queue_size", c->trans_queue_size, 32, 1, 65536,
       &s->trans_queue_size},
      {"dram.controller.write_drain_threshold", c->write_drain_threshold, 8,
       0, 65536, &s->write_drain_threshold},
      {"dram.controller.row_hit_cap", c->row_hit_cap, 4, 1, 1u << 30,
       &s->row_hit_cap},
  };
  for (size_t i = 0; i < N_OF(f); i++) {
    int64_t v = f[i].v ? *f[i].v : f[i].dflt;
    if (v < f[i].lo || v > f[i].hi)
      return fail(cfg, err, v < f[i].lo ? SIM_EINVAL : SIM_ERANGE, f[i].key,
                  "must be in %lld..%lld (got %lld)", (long long)f[i].lo,
                  (long long)f[i].hi, (long long)v);
    *f[i].out = (uint32_t)v;
  }
  if (s->write_drain_threshold >= s->trans_queue_size)
    return fail(cfg, err, SIM_EINVAL,
                "dram.controller.write_drain_threshold",
                "%u must be below trans_queue_size %u",
                s->write_drain_threshold, s->trans_queue_size);
  int hbm = s->standard == DRAM_STD_HBM || s->standard == DRAM_STD_HBM2 ||
            s->standard == DRAM_STD_HBM3;
  s->dual_cmd = c->dual_cmd ? *c->dual_cmd : hbm;
  s->write_idle_drain = c->write_idle_drain ? *c->write_idle_drain : 1;
  return 0;
}

static int load_power(const dram_cfg *dc, const where *cfg, dram_spec *s,
                      const uint32_t *set_mask, sim_err *err) {
  const dram_power_cfg *p = dc->power;
  const struct {
    const char *key;
    double v;
  } f[] = {{"dram.power.VDD", p->VDD},     {"dram.power.IDD0", p->IDD0},
           {"dram.power.IDD2N", p->IDD2N}, {"dram.power.IDD3N", p->IDD3N},
           {"dram.power.IDD4R", p->IDD4R}, {"dram.power.IDD4W", p->IDD4W},
           {"dram.power.IDD5AB", p->IDD5AB}};
  for (size_t i = 0; i < N_OF(f); i++)
    if (!(f[i].v > 0) || !isfinite(f[i].v))
      return fail(cfg, err, SIM_EINVAL, f[i].key, "must be > 0 (got %g)",
                  f[i].v);
  const struct {
    const char *key;
    const double *v;
  } o[] = {{"dram.power.IDD5PB", p->IDD5PB}, {"dram.power.IDD2P", p->IDD2P},
           {"dram.power.IDD3P", p->IDD3P},   {"dram.power.IDD6x", p->IDD6x},
           {"dram.power.VPP", p->VPP},       {"dram.power.IPP0", p->IPP0}};
  for (size_t i = 0; i < N_OF(o); i++)
    if (o[i].v && (!(*o[i].v >= 0) || !isfinite(*o[i].v)))
      return fail(cfg, err, SIM_EINVAL, o[i].key, "must be >= 0 (got %g)",
                  *o[i].v);
  double dev = s->devices_per_rank;
  double tck_ns = (double)s->tck_ps / 1000.0;
  double k = p->VDD * dev * tck_ns; /* V x devices x ns: mA -> pJ */
  double act = p->IDD0 * (double)s->t[DRAM_T_RC] -
               (p->IDD3N * (double)s->t[DRAM_T_RAS] +
                p->IDD2N * (double)s->t[DRAM_T_RP]);
  if (act < 0)
    return fail(cfg, err, SIM_EINVAL, "dram.power.IDD0",
                "IDD0 * tRC < IDD3N * tRAS + IDD2N * tRP: negative ACT "
                "energy");
  if (p->IDD4R < p->IDD3N || p->IDD4W < p->IDD3N || p->IDD5AB < p->IDD3N)
    return fail(cfg, err, SIM_EINVAL,
                p->IDD4R < p->IDD3N   ? "dram.power.IDD4R"
                : p->IDD4W < p->IDD3N ? "dram.power.IDD4W"
                                      : "dram.power.IDD5AB",
                "below IDD3N %g: negative command energy", p->IDD3N);
  double tbl = (double)s->t[DRAM_T_BL_CYC];
  s->e_cmd_pj[DRAM_CMD_ACT] = k * act;
  s->e_cmd_pj[DRAM_CMD_RD] = k * (p->IDD4R - p->IDD3N) * tbl;
  s->e_cmd_pj[DRAM_CMD_RDA] = s->e_cmd_pj[DRAM_CMD_RD];
  s->e_cmd_pj[DRAM_CMD_WR] = k * (p->IDD4W - p->IDD3N) * tbl;
  s->e_cmd_pj[DRAM_CMD_WRA] = s->e_cmd_pj[DRAM_CMD_WR];
  if ((set_mask[DRAM_T_RFC / 32] >> (DRAM_T_RFC % 32)) & 1u)
    s->e_cmd_pj[DRAM_CMD_REF] =
        k * (p->IDD5AB - p->IDD3N) * (double)s->t[DRAM_T_RFC];
  if (s->refresh == DRAM_REF_BANK_STAGGERED) {
    if (!p->IDD5PB)
      return fail(cfg, err, SIM_EINVAL, "dram.power",
                  "missing required value IDD5PB (refresh: bank_staggered)");
    double d = *p->IDD5PB - p->IDD3N;
    if (d < 0)
      return fail(cfg, err, SIM_EINVAL, "dram.power.IDD5PB",
                  "below IDD3N %g: negative refresh energy", p->IDD3N);
    s->e_cmd_pj[DRAM_CMD_REFPB] = k * d * (double)s->t[DRAM_T_RFCPB];
  }
  s->e_act_stb_pj = k * p->IDD3N;
  s->e_pre_stb_pj = k * p->IDD2N;
  return 0;
}

/* `dram.timing_extra` and `dram.commands`: named values and added
 * commands, before the constraint rows that use them. */
static int load_extra(const dram_cfg *dc, const where *cfg, dram_spec *s,
                      sim_err *err) {
  for (unsigned i = 0; i < dc->n_timing_extra; i++) {
    const dram_timing_extra_cfg *x = &dc->timing_extra[i];
    sim_err e2 = {0};
    int rc = dram_spec_add_timing(s, x->name, x->cycles, &e2);
    if (rc < 0)
      return fail(cfg, err, rc, "dram.timing_extra", "entry %u: %s", i + 1,
                  e2.msg);
  }
  for (unsigned i = 0; i < dc->n_commands; i++) {
    const dram_cmd_cfg *x = &dc->commands[i];
    if ((x->flags & DRAM_CF_RD) && (x->flags & DRAM_CF_WR))
      return fail(cfg, err, SIM_EINVAL, "dram.commands",
                  "entry %u (%s): flags rd and wr exclude each other", i + 1,
                  x->name);
    if (x->energy_pj && (!(*x->energy_pj >= 0) || !isfinite(*x->energy_pj)))
      return fail(cfg, err, SIM_EINVAL, "dram.commands",
                  "entry %u (%s): energy_pj must be >= 0 (got %g)", i + 1,
                  x->name, *x->energy_pj);
    int rc = dram_spec_add_cmd(s, x->name, x->scope, x->flags);
    if (rc == SIM_ERANGE)
      return fail(cfg, err, rc, "dram.commands", "entry %u (%s): more than "
                  "%d commands", i + 1, x->name, DRAM_CMD_MAX);
    if (rc < 0)
      return fail(cfg, err, rc, "dram.commands", "entry %u: '%s' is not a "
                  "new command name of at most %zu characters", i + 1,
                  x->name, sizeof s->cmds[0].name - 1);
    if (x->energy_pj) s->e_cmd_pj[rc] = *x->energy_pj;
  }
  return 0;
}

static int build_table(const dram_cfg *dc, const where *cfg, dram_spec *s,
                       const uint32_t *set_mask, sim_err *err) {
  const struct {
    const tc_row *rows;
    size_t n;
  } tabs[2] = {{g_common, N_OF(g_common)},
               {g_gddr, (s->standard == DRAM_STD_GDDR5 ||
                         s->standard == DRAM_STD_GDDR6)
                            ? N_OF(g_gddr)
                            : 0}};
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < tabs[k].n; i++) {
      const tc_row *r = &tabs[k].rows[i];
      int missing = -1;
      sim_err e2 = {0};
      int rc = add_row(s, r->level, r->prev, r->next, r->lat, r->window,
                       r->sibling, set_mask, &missing, &e2);
      if (rc && missing >= 0)
        return fail(cfg, err, SIM_EINVAL, "dram.timing",
                    "missing required value %s (the %s constraint %s -> %s "
                    "is '%s')", g_params[missing].name,
                    dram_standard_name(s->standard), r->prev, r->next,
                    r->lat);
      if (rc)
        return sim_err_set(err, rc, "dram: built-in constraint %s -> %s: %s",
                           r->prev, r->next, e2.msg);
    }
  for (unsigned i = 0; i < dc->n_constraints; i++) {
    const dram_constraint_cfg *c = &dc->constraints[i];
    char key[64];
    snprintf(key, sizeof key, "dram.constraints");
    int missing = -1;
    sim_err e2 = {0};
    int64_t w = c->window ? *c->window : 0;
    if (w < 0 || w > 64)
      return fail(cfg, err, SIM_EINVAL, key, "entry %u: window %lld out of "
                  "0..64", i + 1, (long long)w);
    int rc = add_row(s, c->level, c->prev, c->next, c->latency, (int)w,
                     c->sibling ? *c->sibling : 0, set_mask, &missing, &e2);
    if (rc && missing >= 0)
      return fail(cfg, err, SIM_EINVAL, key,
                  "entry %u: missing timing value %s", i + 1,
                  g_params[missing].name);
    if (rc) return fail(cfg, err, rc, key, "entry %u: %s", i + 1, e2.msg);
  }
  return 0;
}

int dram_spec_compile(const dram_cfg *dc, const sim_cfg *cfg,
                      const char *name, dram_spec *s, sim_err *err) {
  return dram_spec_compile_at(dc, cfg, "dram", name, s, err);
}

int dram_spec_compile_at(const dram_cfg *dc, const sim_cfg *cf,
                         const char *key, const char *name, dram_spec *s,
                         sim_err *err) {
  where w = {cf, key ? key : "dram"}, *cfg = &w;
  memset(s, 0, sizeof *s);
  uint32_t set_mask[(DRAM_T_COUNT + 31) / 32] = {0};
  int rc;
  if (!dc || !dc->org || !dc->timing || !dc->power || !dc->controller)
    return sim_err_set(err, SIM_EINVAL, "dram: incomplete configuration "
                       "(org, timing, power and controller are required)");
  if (dc->standard < 0 || dc->standard >= DRAM_STD_COUNT)
    return fail(cfg, err, SIM_EINVAL, "dram.standard", "unknown standard");
  snprintf(s->name, sizeof s->name, "%s", name ? name : "dram");
  s->standard = (dram_standard)dc->standard;
  memcpy(s->cmds, g_builtin_cmds, sizeof g_builtin_cmds);
  s->n_cmds = DRAM_CMD_BUILTIN_COUNT;
  if ((rc = check_org(dc, cfg, s, err)) ||
      (rc = load_ctrl(dc, cfg, s, err)) ||
      (rc = load_timing(dc, cfg, s, set_mask, err)) ||
      (rc = check_mapping(dc, cfg, s, err)) ||
      (rc = load_power(dc, cfg, s, set_mask, err)) ||
      (rc = load_extra(dc, cfg, s, err)) ||
      (rc = build_table(dc, cfg, s, set_mask, err))) {
    dram_spec_fini(s);
    return rc;
  }
  return 0;
}

void dram_spec_fini(dram_spec *s) {
  if (!s) return;
  sim_free(s->tc);
  memset(s, 0, sizeof *s);
}

int dram_spec_load(const char *path, dram_spec *spec, sim_err *err) {
  sim_cfg c;
  memset(spec, 0, sizeof *spec);
  memset(&c, 0, sizeof c);
  int rc = sim_cfg_load(&c, path, &dram_file_schema, err);
  if (rc) return rc;
  const dram_file *f = c.data;
  if (!f->cls || strcmp(f->cls, "dram") != 0) {
    rc = sim_err_set(err, SIM_EINVAL, "%s:%d: class: '%s' is not a dram "
                     "architecture", path, sim_cfg_key_line(path, "class"),
                     f->cls ? f->cls : "");
  } else {
    rc = dram_spec_compile(f->dram, &c, f->name, spec, err);
  }
  sim_cfg_close(&c);
  return rc;
}
