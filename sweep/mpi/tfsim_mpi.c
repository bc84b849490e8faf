/*
 * tfsim_mpi.c — `tfsim-mpi`: one sweep across the ranks of an MPI job
 * (DESIGN.md section 10).  Built only when CMake finds MPI (OpenMPI).
 *
 *   mpirun -np 64 tfsim-mpi SWEEP.yaml --db OUT.db [--jobs N]
 *
 * Rank r runs shard r+1 of size (the same hash split as `tfsim sweep
 * --shard`) into its own database, OUT.db.shards/rank-<r>.db, so no two
 * ranks write one file (a parallel file system need not support SQLite's
 * locks across nodes).  After a barrier rank 0 merges the shards into
 * OUT.db (res_merge_dedup: nothing twice, so a re-run after a failure
 * merges only what is new) and prints the summary.  Each rank resumes
 * from its own shard database like `tfsim sweep` does.
 *
 * Exit status: 0 when every point of every rank succeeded, 1 when any
 * failed (errors stored with the runs) or a rank could not run, 2 for bad
 * input (checked on every rank, so all ranks agree and exit together).
 */
#include <errno.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results/res.h"
#include "sweep/sweep.h"

static int usage(int rank) {
  if (rank == 0)
    fprintf(stderr, "usage: tfsim-mpi SWEEP.yaml --db OUT.db [--jobs N]\n");
  return 2;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *file = NULL, *out = NULL;
  unsigned jobs = 1;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc) out = argv[++i];
    else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
      int j = atoi(argv[++i]);
      if (j < 1 || j > 1024) bad = 1;
      jobs = (unsigned)j;
    } else if (argv[i][0] != '-' && !file) file = argv[i];
    else bad = 1;
  }
  if (bad || !file || !out) {
    int rc = usage(rank);
    MPI_Finalize();
    return rc;
  }
  sim_err err = {0};
  sweep_spec s;
  if (sweep_load(file, &s, &err)) {
    if (rank == 0) fprintf(stderr, "tfsim-mpi: %s\n", err.msg);
    MPI_Finalize();
    return sim_err_exit_status(err.code);
  }
  char dir[4096], shard[4200];
  snprintf(dir, sizeof dir, "%s.shards", out);
  if (rank == 0 && mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "tfsim-mpi: %s: %s\n", dir, strerror(errno));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  snprintf(shard, sizeof shard, "%s/rank-%d.db", dir, rank);
  sweep_opts o = {.db_path = shard, .jobs = jobs,
                  .shard_i = (unsigned)rank + 1, .shard_n = (unsigned)size};
  sweep_summary sum;
  int rc = sweep_run(&s, &o, &sum, &err);
  if (rc) fprintf(stderr, "tfsim-mpi: rank %d: %s\n", rank, err.msg);
  /* counts: in shard, skipped, ok, failed, lost, rank errors */
  long long mine[6] = {(long long)sum.in_shard, (long long)sum.skipped,
                       (long long)sum.ok, (long long)sum.failed,
                       (long long)sum.lost, rc ? 1 : 0};
  long long tot[6] = {0};
  if (rc) memset(mine, 0, 5 * sizeof mine[0]);
  MPI_Reduce(mine, tot, 6, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  int status = 0;
  if (rank == 0) {
    res_db *db = NULL;
    long long copied = 0, dups = 0;
    if (res_db_open(out, &db, &err)) {
      fprintf(stderr, "tfsim-mpi: %s\n", err.msg);
      status = sim_err_exit_status(err.code);
    }
    for (int r = 0; db && r < size; r++) {
      int64_t n = 0, d = 0;
      snprintf(shard, sizeof shard, "%s/rank-%d.db", dir, r);
      if (res_merge_dedup(db, shard, &n, &d, &err)) {
        fprintf(stderr, "tfsim-mpi: merge: %s\n", err.msg);
        status = 1;
        continue;
      }
      copied += n;
      dups += d;
    }
    res_db_close(db);
    printf("tfsim-mpi %s: %zu points on %d ranks; %lld already done; %lld "
           "run: %lld ok, %lld failed, %lld lost; %d rank errors; merged "
           "into %s: %lld runs copied, %lld already there\n",
           s.name, s.n, size, tot[1], tot[2] + tot[3] + tot[4], tot[2],
           tot[3], tot[4], (int)tot[5], out, copied, dups);
    if (!status && (tot[3] || tot[4] || tot[5])) status = 1;
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  sweep_spec_fini(&s);
  MPI_Finalize();
  return status;
}
