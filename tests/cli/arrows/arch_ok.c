/* Must compile: arch/ sees sim/ (the control for the arrow tests). */
#include "arch/arch.h"
#include "sim/sim.h"
int arrow_arch_ok(void);
int arrow_arch_ok(void) { return SIM_OK; }
