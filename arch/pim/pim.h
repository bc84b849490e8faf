/*
 * pim.h — the `pim` class (PIM-GPT on the DRAM model, arch/pim/pim.c):
 * what a mapper may ask of a loaded pim architecture.
 */
#ifndef TFSIM_ARCH_PIM_H
#define TFSIM_ARCH_PIM_H

#include "arch/arch.h"

/* The global buffer's size in bytes (pim.gbuf_bytes), or 0 when a is not
 * of class pim. */
uint64_t pim_gbuf_bytes(const arch_model *a);

/* The memory's capacity in bytes (all channels), 0 when not pim. */
uint64_t pim_capacity_bytes(const arch_model *a);

extern const arch_ops pim_arch_ops;

#endif
