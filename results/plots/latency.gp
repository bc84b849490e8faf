# latency.gp — simulated latency of each run, as horizontal bars.
#
# Usage:  gnuplot -e "data='runs.dat'; out='latency.png'" latency.gp
#   data  whitespace-separated text, '#' starts a comment, one run a line:
#           1 run_id  2 label (double-quoted)  3 latency_s  4 energy_j
#           5 util (0..1)  6 cycles  7 dram_bytes
#         `tfsim report` writes it as runs.dat; docs/results.md shows how
#         to export it from a database with sqlite3.  NaN marks a gap.
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
# The x unit (s, ms, us, ns) follows the largest latency, each bar shows
# its value in its own unit, the axis is logarithmic when the values span
# more than two decades; the first run is at the top.
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
  set terminal svg size 1300,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1300,h noenhanced font 'sans,10'
}
set output out
# A log axis when the latencies span more than two decades (a 20 us
# roofline next to a 4 s microcontroller), else a linear one from 0.
# Each bar is labelled with its value in the unit that suits it.
stats data using ($3 > 0 ? $3 : NaN) nooutput prefix "L"
lo = exists("L_min") ? L_min : 0
logx = (m > 0 && lo > 0 && m / lo > 100)
u = 1e-9; un = 'ns'
if (m >= 1e-6) { u = 1e-6; un = 'us' }
if (m >= 1e-3) { u = 1e-3; un = 'ms' }
if (m >= 1) { u = 1; un = 's' }
tfmt(x) = x >= 1 ? sprintf('%.3g s', x) : x >= 1e-3 ? sprintf('%.3g ms', x*1e3) : x >= 1e-6 ? sprintf('%.3g us', x*1e6) : sprintf('%.3g ns', x*1e9)
set title 'Latency per run'
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set ytics nomirror
set grid xtics
unset key
if (logx) {
  base = 10**floor(log10(lo/u))
  set logscale x
  set xrange [base:*]
  # One tic per decade, each in the unit that suits it.
  set xtics () nomirror
  do for [k=floor(log10(base*u)):ceil(log10(m))] {
    set xtics add (tfmt(10.0**k) 10.0**k/u)
  }
  set xlabel sprintf('latency (%s, log scale)', un)
} else {
  base = 0
  set xrange [0:*]
  set xlabel sprintf('latency (%s)', un)
}
set offsets 0, graph 0.12, 0, 0
plot data using ($3/u):0:(base):($3/u):($0-0.35):($0+0.35):ytic(2) \
     with boxxyerror lc rgb '#4477aa', \
     data using ($3/u):0:(tfmt($3)) with labels left offset 0.5,0
unset output
