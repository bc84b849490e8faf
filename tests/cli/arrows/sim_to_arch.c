/* Must NOT compile: sim/ depends on libc only (DESIGN.md section 1). */
#include "arch/arch.h"
int arrow_sim_to_arch(void);
int arrow_sim_to_arch(void) { return 0; }
