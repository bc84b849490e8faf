#!/bin/sh
# regress_baseline.sh TFSIM — the validation-scale sweep against the
# baseline kept in results/baseline/validation.db: every metric and every
# schedule must match (tolerance 0.001 %).  When this fails because a
# change moved a number on purpose, refresh the baseline deliberately:
#   ./build/tfsim sweep results/baseline/validation-sweep.yaml --db new.db
#   ./build/tfsim regress --db new.db \
#       --baseline results/baseline/validation.db --update
# (it prints what changed) and commit the new validation.db with a reason.
#
# Then: regress itself is checked on copies of the fresh database with a
# metric moved, a schedule changed and a point failed (each exits 1 and is
# named), and --update on a copy of the baseline says what it accepted.
set -u
TFSIM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
B=results/baseline/validation.db
"$TFSIM" sweep results/baseline/validation-sweep.yaml --db "$T/new.db" \
  --jobs 2 >"$T/sweep.out" 2>&1 || fail "sweep: $(cat "$T/sweep.out")"
"$TFSIM" regress --db "$T/new.db" --baseline "$B" --tol 0.001 >"$T/r.out" 2>&1
rc=$?
cat "$T/r.out"
[ $rc -eq 0 ] || fail "the validation sweep moved against $B (see above; refresh with --update if intended)"
grep -q "20 compared" "$T/r.out" || fail "not every point compared"

# A metric 10 % off is a regression, named with its values.
cp "$T/new.db" "$T/moved.db"
sqlite3 "$T/moved.db" "UPDATE metrics SET value = value * 1.1 WHERE key = 'dram.reads'
  AND run_id = (SELECT min(id) FROM runs WHERE arch_class = 'dram')"
n=$(sqlite3 "$T/moved.db" "SELECT changes()")
"$TFSIM" regress --db "$T/moved.db" --baseline "$B" --tol 1 >"$T/m.out" 2>&1
[ $? -eq 1 ] || fail "a moved metric passed: $(tail -3 "$T/m.out")"
grep -q "REGRESSED" "$T/m.out" && grep -q "+10.00%" "$T/m.out" \
  || fail "moved metric not shown: $(cat "$T/m.out")"
# A changed schedule with the same cost is reported and fails.
cp "$T/new.db" "$T/map.db"
sqlite3 "$T/map.db" "UPDATE runs SET sched_hash = '0123456789abcdef' WHERE id = 1"
"$TFSIM" regress --db "$T/map.db" --baseline "$B" >"$T/p.out" 2>&1
[ $? -eq 1 ] || fail "a changed schedule passed"
grep -q "^MAPPING" "$T/p.out" && grep -q "the schedule changed (.* -> 0123456789abcdef" "$T/p.out" \
  || fail "schedule change not shown: $(cat "$T/p.out")"
# A point that fails now.
cp "$T/new.db" "$T/fail.db"
sqlite3 "$T/fail.db" "UPDATE runs SET status = 'failed', error = 'boom' WHERE id = 2"
"$TFSIM" regress --db "$T/fail.db" --baseline "$B" >"$T/f.out" 2>&1
[ $? -eq 1 ] && grep -q "^FAILED" "$T/f.out" || fail "a failing point passed: $(cat "$T/f.out")"
# Nothing in common: exit 1 with a message.
"$TFSIM" sweep results/baseline/validation-sweep.yaml --db "$T/none.db" --shard 1/2 >/dev/null 2>&1
sqlite3 "$T/none.db" "UPDATE runs SET point_hash = 'x' || point_hash"
"$TFSIM" regress --db "$T/none.db" --baseline "$B" >"$T/n.out" 2>"$T/n.err"
[ $? -eq 1 ] && grep -q "nothing to compare" "$T/n.err" || fail "nothing compared passed"
# A version 1 baseline (no hashes, no schedules): matched by key, read as
# it is (not migrated by a reader).
cp "$B" "$T/v1.db"
sqlite3 "$T/v1.db" "DROP INDEX runs_point; ALTER TABLE runs DROP COLUMN point_hash;
  ALTER TABLE runs DROP COLUMN sched_hash; ALTER TABLE runs DROP COLUMN error;
  PRAGMA user_version = 1"
"$TFSIM" regress --db "$T/new.db" --baseline "$T/v1.db" --tol 0.001 >"$T/v.out" 2>&1 \
  || fail "against a version 1 baseline: $(tail -3 "$T/v.out")"
grep -q "20 compared" "$T/v.out" || fail "v1 baseline: $(tail -1 "$T/v.out")"
[ "$(sqlite3 "$T/v1.db" "PRAGMA user_version")" -eq 1 ] || fail "regress migrated the baseline"
# --update accepts the change deliberately and says what it accepted.
cp "$B" "$T/base.db"
"$TFSIM" regress --db "$T/map.db" --baseline "$T/base.db" --update >"$T/u.out" 2>&1 \
  || fail "--update: $(cat "$T/u.out")"
grep -q "updated from .*map.db: 1 regressed points accepted (0 moved, 1 mapping changed" "$T/u.out" \
  || fail "--update summary: $(tail -2 "$T/u.out")"
"$TFSIM" regress --db "$T/map.db" --baseline "$T/base.db" >/dev/null 2>&1 \
  || fail "after --update the baseline still differs"
echo "regress_baseline: all passed"
