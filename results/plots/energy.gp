# energy.gp — energy of each run, stacked by component (horizontal bars).
#
# Usage:  gnuplot -e "data='energy.dat'; out='energy.png'" energy.gp
#   data  whitespace-separated text, '#' starts a comment.  The first
#         other line is a header naming the columns: run label comp1 comp2
#         ...; then one run a line: run_id, label (double-quoted), then
#         the energy of each component in joules (0 when absent).
#         `tfsim report` writes it as energy.dat (from the components
#         table: statistics with unit pJ and kind sum, per component).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
# The x unit (J, mJ, uJ, nJ) follows the largest total; the first run is
# at the top.
reset
# The header line names the components.  `reset` does not undo this
# setting, so it is undone at the end for the scripts loaded after this.
if (!exists("data")) data = 'energy.dat'
if (!exists("out")) out = 'energy.png'
set datafile columnheaders
stats data using 1 nooutput
n = STATS_records
nc = STATS_columns
stats data using (sum [i=3:nc] column(i)) nooutput
m = STATS_max
h = n * 26 + 160
h = (h < 320) ? 320 : ((h > 8000) ? 8000 : h)
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1400,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1400,h noenhanced font 'sans,10'
}
set output out
# Stacked segments as cumulative boxes (component i spans the sum of the
# components before it to the sum including it), so the same drawing
# works on a log axis, used when the totals span more than two decades;
# the total is written at the end of each bar in the unit that suits it.
tot(x) = sum [i=3:nc] column(i)
# (no run with energy: no E_min, and a linear axis)
stats data using (tot(0) > 0 ? tot(0) : NaN) nooutput prefix "E"
lo = exists("E_min") ? E_min : 0
logx = (m > 0 && lo > 0 && m / lo > 100)
u = 1e-9; un = 'nJ'
if (m >= 1e-6) { u = 1e-6; un = 'uJ' }
if (m >= 1e-3) { u = 1e-3; un = 'mJ' }
if (m >= 1) { u = 1; un = 'J' }
efmt(x) = x >= 1 ? sprintf('%.3g J', x) : x >= 1e-3 ? sprintf('%.3g mJ', x*1e3) : x >= 1e-6 ? sprintf('%.3g uJ', x*1e6) : x >= 1e-9 ? sprintf('%.3g nJ', x*1e9) : sprintf('%.3g pJ', x*1e12)
set title 'Energy breakdown per run'
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set ytics nomirror
set grid xtics
set key outside right top vertical Left reverse
if (logx) {
  base = 10**floor(log10(lo/u)) / 10
  set logscale x
  set xrange [base:*]
  # One tic per decade, each in the unit that suits it.
  set xtics () nomirror
  do for [k=floor(log10(base*u)):ceil(log10(m))] {
    set xtics add (efmt(10.0**k) 10.0**k/u)
  }
  set xlabel sprintf('energy (%s, log scale)', un)
} else {
  base = 0
  set xrange [0:*]
  set xlabel sprintf('energy (%s)', un)
}
set offsets 0, graph 0.12, 0, 0
left(i) = (i > 3) ? sum [j=3:i-1] column(j) : 0
lft(i) = (left(i)/u > base) ? left(i)/u : base
plot for [i=3:nc] data \
     using ((lft(i) + (left(i) + column(i))/u)/2):0:(lft(i)):((left(i) + column(i))/u):($0-0.35):($0+0.35):ytic(2) \
     with boxxyerror title columnheader(i), \
     data using (tot(0)/u):0:(efmt(tot(0))) \
     with labels left offset 0.5,0 notitle
unset output
set datafile nocolumnheaders
