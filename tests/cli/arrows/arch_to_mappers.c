/* Must NOT compile: arch/ must not see mappers/ (DESIGN.md section 1). */
#include "mappers/map.h"
int arrow_arch_to_mappers(void);
int arrow_arch_to_mappers(void) { return 0; }
