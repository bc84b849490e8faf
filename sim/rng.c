/*
 * rng.c — seeded random streams, one per component (DESIGN.md section 2:
 * "per-component RNG streams").  This is the project's one splitmix64:
 * the DRAM trace generator (arch/dram/tracegen.c) and the workload
 * evaluator (workloads/eval.c) draw from it too.
 *
 * splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; the constants are those of Vigna's
 * splitmix64.c, which Python and Java ports copy):
 *
 *   state += 0x9E3779B97F4A7C15
 *   z = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   return z ^ (z >> 31)                          (all mod 2^64)
 *
 * Seed 0 gives 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F
 * (tests/sim/test_rng.c checks them).
 *
 * Streams.  sim_rng_for(r, seed, "component") derives a stream from a run
 * seed and a component name, deterministically: the name is hashed with
 * 64-bit FNV-1a (a fixed function of its bytes: no pointer, no hash-table
 * order, no wall clock), combined with the seed once mixed, and mixed
 * again into the initial state.  Two streams are two windows on the same
 * Weyl sequence; they overlap only if their hashed states lie within a
 * few draws of each other (times the gamma), which for 64-bit states and
 * the short streams a run draws is negligible, not impossible.
 *
 * sim_rng_below(n) is unbiased: it rejects the 2^64 mod n lowest raw
 * values, so every residue is equally likely (the arc4random_uniform
 * method; the expected number of draws is below 2).
 */
#include "sim.h"

#include <assert.h>

#define SIM_RNG_GAMMA 0x9E3779B97F4A7C15ull
#define FNV64_OFFSET 0xCBF29CE484222325ull /* FNV-1a 64-bit offset basis */
#define FNV64_PRIME 0x00000100000001B3ull  /* FNV-1a 64-bit prime */

uint64_t sim_splitmix64(uint64_t *state) {
  uint64_t z = (*state += SIM_RNG_GAMMA);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed) { r->state = seed; }

static uint64_t fnv1a64(const char *s) {
  uint64_t h = FNV64_OFFSET;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= FNV64_PRIME;
  }
  return h;
}

void sim_rng_for(sim_rng *r, uint64_t seed, const char *component) {
  assert(component);
  uint64_t s = seed;
  uint64_t t = sim_splitmix64(&s) ^ fnv1a64(component);
  r->state = sim_splitmix64(&t);
}

uint64_t sim_rng_u64(sim_rng *r) { return sim_splitmix64(&r->state); }

uint64_t sim_rng_below(sim_rng *r, uint64_t n) {
  assert(n > 0);
  if (n == 0) return 0;
  /* (2^64 - n) mod n == 2^64 mod n: the size of the biased low slice. */
  uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t x = sim_splitmix64(&r->state);
    if (x >= threshold) return x % n;
  }
}

double sim_rng_unit(sim_rng *r) {
  /* The top 53 bits, scaled by 2^-53: every double k / 2^53, k < 2^53. */
  return (double)(sim_splitmix64(&r->state) >> 11) *
         (1.0 / 9007199254740992.0);
}
