# timeline.gp — memory timeline of one run: live bytes over the schedule,
# stacked by buffer (the planner's tensors of an mcu run).
#
# Usage:  gnuplot -e "data='timeline.dat'; out='timeline.png'; cap=327680" timeline.gp
#   data  written by tfsim (run --timeline, report): a header line
#         `op NAME NAME ...`, then one row per schedule op: its index and
#         the bytes each buffer holds at that op (its size while it is
#         live, 0 otherwise).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
#   cap   optional: the memory's capacity in bytes, drawn as a dashed line.
#   hw    optional: the placement's high-water mark in bytes (peak SRAM:
#         above the stacked peak when the placement leaves holes), dotted.
#   peak  optional: the largest stacked total in bytes (sets the y range
#         so the capacity line shows).
#   ttl   optional: the title.
reset
set datafile columnheaders
if (!exists("data")) data = 'timeline.dat'
if (!exists("out")) out = 'timeline.png'
if (!exists("ttl")) ttl = 'Memory timeline: live bytes per op, stacked by buffer'
stats data using 1 nooutput
ncol = STATS_columns
nrow = STATS_records
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1100,600 noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1100,600 noenhanced font 'sans,10'
}
set output out
set title ttl
set xlabel 'schedule op'
set ylabel 'live KiB'
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb '#404040'
set boxwidth 1
set xrange [-0.5:nrow-0.5]
set grid ytics
top = exists("peak") ? peak : 0
if (exists("cap") && cap > top) top = cap
if (exists("hw") && hw > top) top = hw
if (top > 0) { set yrange [0:1.12*top/1024.0] } else { set yrange [0:*] }
if (ncol > 25) { unset key } else { set key outside right top }
if (exists("cap") && cap > 0) {
  set arrow 1 from graph 0, first cap/1024.0 to graph 1, first cap/1024.0 \
      nohead lc rgb '#cc0000' dt 2 lw 2 front
  set label 1 sprintf('capacity %.1f KiB', cap/1024.0) at graph 0.01, \
      first cap/1024.0 offset 0,0.7 tc rgb '#cc0000' front
}
if (exists("hw") && hw > 0) {
  set arrow 2 from graph 0, first hw/1024.0 to graph 1, first hw/1024.0 \
      nohead lc rgb '#0044aa' dt 3 lw 2 front
  set label 2 sprintf('peak SRAM as placed %.1f KiB', hw/1024.0) at \
      graph 0.99, first hw/1024.0 right offset 0,0.7 tc rgb '#0044aa' front
}
plot for [i=2:ncol] data using (column(i)/1024.0) title columnhead(i)
unset output
