#!/bin/sh
# mpi_sweep.sh TFSIM_MPI — the validation-scale sweep across 2 MPI ranks
# (mpirun -np 2 --allow-run-as-root --oversubscribe): each rank writes its
# shard, rank 0 merges; the merged database holds every point once and
# matches the pinned baseline (regress, tolerance 0.001 %); a second run
# runs nothing and copies nothing.  Skipped (exit 77) without mpirun.
set -u
MPI_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TFSIM=$(dirname "$MPI_BIN")/tfsim
MPIRUN=$(command -v mpirun || true)
if [ -z "$MPIRUN" ]; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin; .ci/run installs it)"
  exit 77
fi
# Under the sanitizer build (.ci/run): OpenMPI's plugins leak at exit and,
# unloaded by then, cannot be suppressed by name; tfsim's own leaks on
# these paths are checked by test_sweep and sweep_cli.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() {
  timeout 120 "$MPIRUN" -np 2 --allow-run-as-root \
    --oversubscribe "$MPI_BIN" results/baseline/validation-sweep.yaml \
    --db "$T/all.db" >"$T/$1" 2>&1
}
run one.out || fail "mpirun: $(cat "$T/one.out")"
cat "$T/one.out"
grep -q "20 points on 2 ranks; 0 already done; 20 run: 20 ok" "$T/one.out" \
  || fail "summary: $(cat "$T/one.out")"
[ -s "$T/all.db.shards/rank-0.db" ] && [ -s "$T/all.db.shards/rank-1.db" ] \
  || fail "a rank wrote no shard"
[ "$(sqlite3 "$T/all.db" "SELECT count(*) FROM runs")" -eq 20 ] || fail "runs"
[ "$(sqlite3 "$T/all.db" "SELECT count(DISTINCT point_hash) FROM runs")" -eq 20 ] \
  || fail "duplicates"
"$TFSIM" regress --db "$T/all.db" --baseline results/baseline/validation.db \
  --tol 0.001 >"$T/reg.out" 2>&1 || fail "MPI results differ: $(cat "$T/reg.out")"
run two.out || fail "second mpirun: $(cat "$T/two.out")"
grep -q "20 already done; 0 run.*0 runs copied, 20 already there" "$T/two.out" \
  || fail "re-run: $(cat "$T/two.out")"
echo "mpi_sweep: passed"
