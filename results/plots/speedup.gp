# speedup.gp — speedup of each design point over a baseline, as
# horizontal bars (1.0 = as fast as the baseline; a dashed line marks it).
#
# Usage:  gnuplot -e "data='speedup.dat'; out='speedup.png'" speedup.gp
#   data  whitespace-separated text, '#' starts a comment, one point a
#         line: 1 label (double-quoted)  2 speedup (baseline latency /
#         latency).  docs/results.md has the SQL that computes it from a
#         database (e.g. each mapper against `unfused`).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
# `reset` keeps `set datafile columnheaders` (energy.gp sets it): state
# it here, or the first run is taken for a header line.
set datafile nocolumnheaders
if (!exists("data")) data = 'speedup.dat'
if (!exists("out")) out = 'speedup.png'
stats data using 2 nooutput
n = STATS_records
h = n * 26 + 160
h = (h < 320) ? 320 : ((h > 8000) ? 8000 : h)
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1000,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1000,h noenhanced font 'sans,10'
}
set output out
set title 'Speedup over the baseline'
set xlabel 'speedup (x)'
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set xrange [0:*]
set offsets 0, graph 0.05, 0, 0
set ytics nomirror
set grid xtics
unset key
set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lw 1.5 lc rgb '#000000' front
plot data using ($2/2):0:($2/2):(0.35):ytic(1) with boxxyerror \
     lc rgb '#aa3377'
unset output
