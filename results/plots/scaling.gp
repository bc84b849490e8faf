# scaling.gp — speedup over the `unfused` mapper (top) and 2D / 1D array
# utilisation (bottom, 2D solid, 1D dashed) by sequence length, one line
# per (workload, mapper): the shape of FuseMax's figures 8 and 9
# (docs/spatial.md).
#
# Usage:  gnuplot -e "data='scaling.dat'; out='scaling.png'" scaling.gp
#   data  blocks separated by two blank lines; each starts with a header
#         row whose first column is the line's title, then rows
#         1 seq  2 speedup  3 util_2d  4 util_1d (NaN: not reported).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
if (!exists("data")) data = 'scaling.dat'
if (!exists("out")) out = 'scaling.png'
stats data using 1 nooutput
nb = STATS_blocks
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1000,900 noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1000,900 noenhanced font 'sans,10'
}
set output out
set multiplot layout 2,1 title 'Speedup over unfused and array utilisation by sequence length'
set logscale x 2
set format x '%.0b%B'
set grid
set key outside right top
set xlabel 'sequence length (tokens)'
set ylabel 'speedup over unfused (x)'
plot for [i=0:nb-1] data index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1)
set ylabel 'utilisation'
set yrange [0:1.05]
plot for [i=0:nb-1] data index i using 1:3 with linespoints lw 2 pt 7 lc i+1 title columnheader(1), \
     for [i=0:nb-1] data index i using 1:4 with linespoints lw 1 dt 2 pt 6 lc i+1 notitle
unset multiplot
