# pareto.gp — latency against energy of every run, with the Pareto front
# of each workload (its runs that no other run of it beats in both).
#
# Usage:  gnuplot -e "data='pareto.dat'; out='pareto.png'" pareto.gp
#   data  blocks separated by two blank lines, '#' starts a comment.
#         Block 0: every run, one a line: 1 run_id  2 label (double-quoted)
#         3 latency_s  4 energy_j.  Blocks 1..: one per workload, the runs
#         on its front sorted by latency, same columns, after a header line
#         whose second field (double-quoted) names the workload.  Values
#         must be > 0 (log axes).  `tfsim report` writes it as pareto.dat.
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
# `reset` keeps `set datafile columnheaders` (energy.gp sets it): state
# it here, or the first run is taken for a header line.
set datafile nocolumnheaders
if (!exists("data")) data = 'pareto.dat'
if (!exists("out")) out = 'pareto.png'
stats data using 3 nooutput
nb = STATS_blocks
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1000,700 noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1000,700 noenhanced font 'sans,10'
}
set output out
set title 'Latency and energy of every run, Pareto front per workload'
set xlabel 'latency (s)'
set ylabel 'energy (J)'
set logscale xy
set format x '%.1e'
set format y '%.1e'
set grid
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
set key outside right top
plot data index 0 using 3:4 with points pt 7 ps 0.8 lc rgb '#bbbbbb' \
       title 'all runs', \
     for [b=1:nb-1] data index b using 3:4 with linespoints pt 7 ps 1.2 \
       lw 2 title columnheader(2)
unset output
