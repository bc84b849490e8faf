#!/bin/sh
# report_browser.sh TFSIM — `tfsim report` of the README demo sweep, seen
# by a real browser: headless Chromium (Debian's chromium package, which
# .ci/run installs) loads index.html; after load the page notes on every
# image the size it rendered at and on <body> how many rendered
# (data-images-rendered="k/n"); every figure must render with a non-zero
# size.  Also: the data behind the bars has one row per design point in
# the database, the Pareto data one point per ok run.  Without chromium
# the test is skipped (exit 77), saying so.
set -u
TFSIM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: chromium is not installed (apt-get install chromium; .ci/run installs it)"
  exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$TFSIM" sweep examples/demo-sweep.yaml --db "$T/demo.db" --jobs 2 >"$T/s.out" 2>&1 \
  || fail "demo sweep: $(cat "$T/s.out")"
"$TFSIM" report --db "$T/demo.db" --out "$T/rep" >"$T/r.out" 2>&1 \
  || fail "report: $(cat "$T/r.out")"
# Bars against the database: one per design point, the Pareto cloud one
# point per ok run.
pts=$(sqlite3 "$T/demo.db" "SELECT count(DISTINCT point_hash) FROM runs WHERE status = 'ok'")
bars=$(grep -vc '^#' "$T/rep/runs.dat")
[ "$bars" -eq "$pts" ] || fail "runs.dat has $bars bars for $pts design points"
ebars=$(grep -v '^#' "$T/rep/energy.dat" | grep -vc '^run ')
[ "$ebars" -eq "$pts" ] || fail "energy.dat has $ebars bars for $pts design points"
# The drawing itself: each plot of bars names every design point once on
# its axis (gnuplot's SVG writes one <text> per tic label).
grep -v '^#' "$T/rep/runs.dat" | sed 's/^[0-9]* "\(.*\)" .*/\1/' > "$T/labels"
for svg in latency util energy; do
  drawn=$(grep -o '<text>[^<]*</text>' "$T/rep/$svg.svg" | sed 's/<[^>]*>//g' \
          | grep -cxFf "$T/labels")
  [ "$drawn" -eq "$pts" ] || fail "$svg.svg draws $drawn bars for $pts design points"
done
# No empty component in the legend.
head -2 "$T/rep/energy.dat" | grep -q '"static"' && fail "an empty component is drawn"
nfig=$(ls "$T/rep"/*.svg | wc -l)
HOME="$T" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
  --disable-dev-shm-usage --allow-file-access-from-files \
  --virtual-time-budget=10000 --dump-dom "file://$T/rep/index.html" \
  >"$T/dom.html" 2>"$T/chromium.log" \
  || fail "chromium failed: $(tail -5 "$T/chromium.log")"
nimg=$(grep -o '<img ' "$T/dom.html" | wc -l)
[ "$nimg" -eq "$nfig" ] || fail "index.html shows $nimg of $nfig figures"
grep -q "data-images-rendered=\"$nfig/$nfig\"" "$T/dom.html" \
  || fail "not every image rendered: $(grep -o 'data-images-rendered="[^"]*"' "$T/dom.html")"
grep -o 'data-size="[^"]*"' "$T/dom.html" | grep -q 'data-size="0x\|x0"' \
  && fail "an image of size zero"
# The run parameters are on the page.
grep -q "ideal.mem_bw_gbps" "$T/dom.html" || fail "run parameters missing"
echo "report_browser: $nfig figures rendered in $CHROMIUM, $bars bars = $pts design points"
