#!/bin/sh
# sweep_cli.sh TFSIM — `tfsim sweep` and `tfsim merge` end to end:
#  1. bad input: one line naming file:line and key, exit 2, no database;
#  2. kill and resume: a sweep killed with SIGKILL mid-run leaves only
#     whole runs (no duplicate point); the re-run completes it, running
#     only what was missing; nothing is lost or duplicated;
#  3. a failing point is stored with its error, the sweep goes on, the
#     summary counts it and the exit status is 1;
#  4. shards 1/3..3/3 cover the sweep exactly once, merge combines them,
#     merging again copies nothing;
#  5. a version 1 database is migrated when a sweep writes to it.
set -u
TFSIM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { sqlite3 "$1" "$2"; }

# ---- 1. bad input --------------------------------------------------------
cat > "$T/unknown.yaml" <<'Y'
name: bad
fixed: {arch: ideal, model: gpt2-s}
product:
  seq: [128, 256]
  sequence: [1, 2]
Y
out=$("$TFSIM" sweep "$T/unknown.yaml" --db "$T/x.db" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "unknown key: exit $rc"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "unknown key: not one line: $out"
echo "$out" | grep -q "unknown.yaml:5: product.sequence: unknown parameter" \
  || fail "unknown key message: $out"
printf 'name: bad\nfixed: {arch: ideal, model: gpt2-s}\nprodct: {seq: [1]}\n' > "$T/topkey.yaml"
out=$("$TFSIM" sweep "$T/topkey.yaml" --db "$T/x.db" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "topkey.yaml:3: prodct: unknown key" \
  || fail "unknown top key: $rc $out"
printf 'fixed: {arch: ideal, model: gpt2-s}\nproduct:\n  seq: []\n' > "$T/empty.yaml"
out=$("$TFSIM" sweep "$T/empty.yaml" --db "$T/x.db" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "empty.yaml:3: product.seq: empty list" \
  || fail "empty product: $rc $out"
printf 'fixed: {arch: ideal, model: gpt2-s}\n' > "$T/one.yaml"
out=$("$TFSIM" sweep "$T/one.yaml" --db "$T/x.db" --shard 3/2 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "shard: '3/2'" || fail "shard 3/2: $rc $out"
for bad in 0/2 1/0 a/b 1/2/3 /2 2; do
  "$TFSIM" sweep "$T/one.yaml" --db "$T/x.db" --shard $bad >/dev/null 2>&1
  [ $? -eq 2 ] || fail "shard $bad accepted"
done
[ ! -e "$T/x.db" ] || fail "bad input created the database"
sqlite3 "$T/other.db" "CREATE TABLE t (x)"
out=$("$TFSIM" sweep "$T/one.yaml" --db "$T/other.db" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "other.db: not a tfsim results database" \
  || fail "foreign database: $rc $out"
"$TFSIM" sweep "$T/one.yaml" --db "$T/newer.db" >/dev/null 2>&1 || fail "one point"
sqlite3 "$T/newer.db" "PRAGMA user_version = 9"
out=$("$TFSIM" sweep "$T/one.yaml" --db "$T/newer.db" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "schema version 9 is newer" \
  || fail "newer schema: $rc $out"

# ---- 2. kill and resume --------------------------------------------------
cat > "$T/kill.yaml" <<'Y'
name: kill
fixed: {arch: ideal, model: gpt2-xl, phase: decode, gen: 16}
product:
  kv: [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240]
  batch: [1, 2, 4, 8]
Y
N=64
"$TFSIM" sweep "$T/kill.yaml" --db "$T/k.db" --jobs 2 >"$T/k1.out" 2>&1 &
pid=$!
i=0
while :; do
  n=$(sqlite3 "$T/k.db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 5 ] && break
  i=$((i + 1)); [ $i -lt 600 ] || fail "sweep never wrote 5 runs"
  sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.3   # the workers die with their parent (PR_SET_PDEATHSIG)
n1=$(q "$T/k.db" "SELECT count(*) FROM runs")
d1=$(q "$T/k.db" "SELECT count(DISTINCT point_hash) FROM runs")
[ "$n1" -eq "$d1" ] || fail "after SIGKILL: $n1 runs but $d1 points"
[ "$n1" -lt $N ] || fail "the sweep finished before it was killed ($n1)"
orphans=$(q "$T/k.db" "SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)")
[ "$orphans" -eq 0 ] || fail "rows of a half-written run"
sleep 0.5
n1b=$(q "$T/k.db" "SELECT count(*) FROM runs")
[ "$n1b" -eq "$n1" ] || fail "a worker outlived the killed sweep ($n1 -> $n1b)"
"$TFSIM" sweep "$T/kill.yaml" --db "$T/k.db" --jobs 2 >"$T/k2.out" 2>"$T/k2.err" \
  || fail "resume failed: $(cat "$T/k2.out" "$T/k2.err")"
grep -q "$n1 already done; $((N - n1)) run: $((N - n1)) ok" "$T/k2.out" \
  || fail "resume summary: $(cat "$T/k2.out")"
n2=$(q "$T/k.db" "SELECT count(*) FROM runs")
d2=$(q "$T/k.db" "SELECT count(DISTINCT point_hash) FROM runs WHERE status = 'ok'")
[ "$n2" -eq $N ] && [ "$d2" -eq $N ] || fail "after resume: $n2 runs, $d2 points"
# Piped stderr: one plain line per point, no bar.
[ "$(grep -c '^sweep: [0-9]*/[0-9]* ok ' "$T/k2.err")" -eq $((N - n1)) ] \
  || fail "plain progress lines: $(head -3 "$T/k2.err")"
grep -q "$(printf '\r')" "$T/k2.err" && fail "a progress bar on a pipe"
echo "kill-and-resume: $n1 of $N runs stored when killed, $((N - n1)) run on resume, $n2 runs, no duplicate"

# ---- 3. a failing point --------------------------------------------------
cat > "$T/fail.yaml" <<'Y'
name: failing
fixed: {model: gpt2-s, seq: 128}
product:
  arch: [ideal, no-such-arch, stm32h743]
Y
"$TFSIM" sweep "$T/fail.yaml" --db "$T/f.db" >"$T/f.out" 2>"$T/f.err"; rc=$?
[ $rc -eq 1 ] || fail "failing points: exit $rc"
grep -q "3 run: 1 ok, 2 failed" "$T/f.out" || fail "summary: $(cat "$T/f.out")"
[ "$(q "$T/f.db" "SELECT count(*) FROM runs WHERE status = 'failed' AND error <> ''")" -eq 2 ] \
  || fail "failed runs without their error"
q "$T/f.db" "SELECT error FROM runs WHERE arch_name = 'no-such-arch'" | grep -q "no-such-arch" \
  || fail "error does not name the arch"
# The report lists the failed points with their errors.
"$TFSIM" report --db "$T/f.db" --out "$T/frep" >/dev/null 2>&1 || fail "report with failures"
grep -q "Failed design points" "$T/frep/index.html" && grep -q "no-such-arch: no such file" "$T/frep/index.html" \
  || fail "failed points not in index.html"
# Failed points count as done; --retry-failed runs them again.
"$TFSIM" sweep "$T/fail.yaml" --db "$T/f.db" >"$T/f2.out" 2>&1
grep -q "3 already done" "$T/f2.out" || fail "failed points re-run: $(cat "$T/f2.out")"
"$TFSIM" sweep "$T/fail.yaml" --db "$T/f.db" --retry-failed >"$T/f3.out" 2>&1
grep -q "1 already done; 2 run" "$T/f3.out" || fail "--retry-failed: $(cat "$T/f3.out")"

# ---- 4. shards and merge -------------------------------------------------
for i in 1 2 3; do
  "$TFSIM" sweep "$T/kill.yaml" --db "$T/s$i.db" --shard $i/3 >/dev/null 2>&1 \
    || fail "shard $i/3"
done
"$TFSIM" merge --db "$T/all.db" "$T/s1.db" "$T/s2.db" "$T/s3.db" >"$T/m.out" \
  || fail "merge: $(cat "$T/m.out")"
[ "$(q "$T/all.db" "SELECT count(*) FROM runs")" -eq $N ] || fail "shards do not cover the sweep"
[ "$(q "$T/all.db" "SELECT count(DISTINCT point_hash) FROM runs")" -eq $N ] || fail "shards overlap"
"$TFSIM" merge --db "$T/all.db" "$T/s2.db" "$T/k.db" >"$T/m2.out" || fail "merge again"
grep -q "merged 2 databases into .*: 0 runs copied" "$T/m2.out" || fail "merge twice: $(cat "$T/m2.out")"
[ "$(q "$T/all.db" "SELECT count(*) FROM runs")" -eq $N ] || fail "merge duplicated runs"
# The merged sweep is complete: nothing left to run.
"$TFSIM" sweep "$T/kill.yaml" --db "$T/all.db" 2>/dev/null | grep -q "$N already done; 0 run" \
  || fail "merged database not complete"
"$TFSIM" merge --db "$T/all.db" "$T/nope.db" >/dev/null 2>&1
[ $? -eq 2 ] || fail "merge of a missing file: not exit 2"

# ---- 5. a version 1 database --------------------------------------------
"$TFSIM" run --arch ideal --model gpt2-s --seq 64 --db "$T/v1.db" >/dev/null || fail "run"
sqlite3 "$T/v1.db" "DROP TABLE buffers; DROP INDEX runs_point; ALTER TABLE runs DROP COLUMN point_hash;
  ALTER TABLE runs DROP COLUMN sched_hash; ALTER TABLE runs DROP COLUMN error;
  PRAGMA user_version = 1"
"$TFSIM" report --db "$T/v1.db" --out "$T/rep1" >/dev/null 2>&1 || fail "report of a v1 database"
[ "$(q "$T/v1.db" "PRAGMA user_version")" -eq 1 ] || fail "a reader migrated the file"
"$TFSIM" sweep "$T/one.yaml" --db "$T/v1.db" >/dev/null 2>&1 || fail "sweep into v1"
[ "$(q "$T/v1.db" "PRAGMA user_version")" -eq 2 ] || fail "v1 not migrated"
[ "$(q "$T/v1.db" "SELECT count(*) FROM runs")" -eq 2 ] || fail "v1 runs lost"
echo "sweep_cli: all passed"
