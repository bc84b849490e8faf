# latency.gp — simulated latency of each run, as horizontal bars.
#
# Usage:  gnuplot -e "data='runs.dat'; out='latency.png'" latency.gp
#   data  whitespace-separated text, '#' starts a comment, one run a line:
#           1 run_id  2 label (double-quoted)  3 latency_s  4 energy_j
#           5 util (0..1)  6 cycles  7 dram_bytes
#         `tfsim report` writes it as runs.dat; docs/results.md shows how
#         to export it from a database with sqlite3.  NaN marks a gap.
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
# The x unit (s, ms, us, ns) follows the largest latency; the first run
# is at the top.
reset
# `reset` keeps `set datafile columnheaders` (energy.gp sets it): state
# it here, or the first run is taken for a header line.
set datafile nocolumnheaders
if (!exists("data")) data = 'runs.dat'
if (!exists("out")) out = 'latency.png'
stats data using 3 nooutput
n = STATS_records
m = STATS_max
h = n * 26 + 160
h = (h < 320) ? 320 : ((h > 8000) ? 8000 : h)
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1000,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1000,h noenhanced font 'sans,10'
}
set output out
u = 1e-9; un = 'ns'
if (m >= 1e-6) { u = 1e-6; un = 'us' }
if (m >= 1e-3) { u = 1e-3; un = 'ms' }
if (m >= 1) { u = 1; un = 's' }
set title 'Latency per run'
set xlabel sprintf('latency (%s)', un)
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set xrange [0:*]
set offsets 0, graph 0.05, 0, 0
set ytics nomirror
set grid xtics
unset key
plot data using ($3/u/2):0:($3/u/2):(0.35):ytic(2) with boxxyerror \
     lc rgb '#4477aa'
unset output
