/*
 * sched.c — the schedule container: a growable array of sim_sched_op.
 * Plain data; the arrays are owned by the sim_sched.
 */
#include "sim.h"

#include <string.h>

void sim_sched_init(sim_sched *s, const char *mapper) {
  memset(s, 0, sizeof *s);
  if (mapper) {
    strncpy(s->mapper, mapper, sizeof s->mapper - 1);
  }
}

void sim_sched_fini(sim_sched *s) {
  if (!s) return;
  sim_free(s->ops);
  memset(s, 0, sizeof *s);
}

int sim_sched_push(sim_sched *s, const sim_sched_op *op) {
  if (s->n_ops == s->cap_ops) {
    size_t cap = s->cap_ops ? s->cap_ops * 2 : 64;
    sim_sched_op *n = sim_realloc(s->ops, cap * sizeof *n);
    if (!n) return SIM_ENOMEM;
    s->ops = n;
    s->cap_ops = cap;
  }
  s->ops[s->n_ops] = *op;
  if (s->ops[s->n_ops].repeat == 0) s->ops[s->n_ops].repeat = 1;
  return (int)s->n_ops++;
}
