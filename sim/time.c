/*
 * time.c — overflow-checked picosecond arithmetic.  Time is uint64_t ps:
 * 2^64 ps is about 213 days of simulated time, so config values that
 * overflow it (a tREFI of 10^9 s) are rejected as SIM_ERANGE, never
 * wrapped.
 */
#include "sim.h"

#include <math.h>

int sim_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (a && b > UINT64_MAX / a) return SIM_ERANGE;
  *out = a * b;
  return 0;
}

int sim_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (b > UINT64_MAX - a) return SIM_ERANGE;
  *out = a + b;
  return 0;
}

int sim_s_to_ps(double s, uint64_t *out_ps) {
  if (!isfinite(s) || s < 0) return SIM_ERANGE;
  double ps = s * (double)SIM_PS_PER_S + 0.5;
  /* 2^64 as a double is exact; anything at or above it does not fit.
   * (llround would be undefined from 2^63 up: convert directly.) */
  if (ps >= 18446744073709551616.0) return SIM_ERANGE;
  *out_ps = (uint64_t)ps;
  return 0;
}
