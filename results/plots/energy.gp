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
  set terminal svg size 1100,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1100,h noenhanced font 'sans,10'
}
set output out
u = 1e-9; un = 'nJ'
if (m >= 1e-6) { u = 1e-6; un = 'uJ' }
if (m >= 1e-3) { u = 1e-3; un = 'mJ' }
if (m >= 1) { u = 1; un = 'J' }
set title 'Energy breakdown per run'
set xlabel sprintf('energy (%s)', un)
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set xrange [0:*]
set offsets 0, graph 0.05, 0, 0
set ytics nomirror
set grid xtics
set key outside right top vertical Left reverse
# Component i spans from the sum of the components before it to that sum
# plus its own value.
left(i) = (i > 3) ? sum [j=3:i-1] column(j) : 0
plot for [i=3:nc] data \
     using ((left(i) + column(i)/2)/u):0:(column(i)/2/u):(0.35):ytic(2) \
     with boxxyerror title columnheader(i)
unset output
set datafile nocolumnheaders
