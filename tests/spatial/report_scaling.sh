#!/bin/sh
# report_scaling.sh — `tfsim report` draws the scaling figure (speedup
# over unfused and 2D/1D utilisation by length) from runs in a database,
# and leaves it out when no run has an unfused baseline.
# Usage: report_scaling.sh TFSIM
T="$1"
D=$(mktemp -d) || exit 1
trap 'rm -rf "$D"' EXIT
run() { "$T" run --arch arch/configs/$1.yaml --mapper $2 --model bert-base \
          --scope attention --batch 2 --seq $3 --db "$D/a.db" >/dev/null; }
run fusemax fusemax 1024 && run fusemax fusemax 4096 || exit 1
"$T" report --db "$D/a.db" --out "$D/r0" >/dev/null || exit 1
[ ! -e "$D/r0/scaling.dat" ] || { echo "FAIL: scaling without baseline"; exit 1; }
run flat unfused 1024 && run flat unfused 4096 || exit 1
"$T" report --db "$D/a.db" --out "$D/r1" >/dev/null || exit 1
grep -q '"bert-base fusemax attention"' "$D/r1/scaling.dat" || { echo "FAIL: no fusemax line"; exit 1; }
[ "$(grep -c '^[0-9]' "$D/r1/scaling.dat")" -eq 2 ] || { echo "FAIL: rows"; cat "$D/r1/scaling.dat"; exit 1; }
# speedup at 1K: unfused latency / fusemax latency, > 5
awk '/^1024 /{ if ($2 > 5 && $3 > 0.5 && $3 <= 1) ok=1 } END { exit !ok }' "$D/r1/scaling.dat" || { echo "FAIL: values"; cat "$D/r1/scaling.dat"; exit 1; }
[ -s "$D/r1/scaling.png" ] && [ -s "$D/r1/scaling.svg" ] || { echo "FAIL: images"; exit 1; }
echo ok
