# roofline.gp — every run as a point in the roofline plane: arithmetic
# intensity (FLOP per off-chip byte, FLOP = 2 x MACs) against achieved
# FLOP/s, both on log axes, each point labelled.  Runs of one machine lie
# under its roof: min(peak, bandwidth x intensity).
#
# Usage:  gnuplot -e "data='roofline.dat'; out='roofline.png'" roofline.gp
#   data  one run a line: 1 label (double-quoted)  2 FLOP/byte
#         3 FLOP/s.  `tfsim report` writes it (runs with MACs and
#         off-chip bytes).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
set datafile nocolumnheaders
if (!exists("data")) data = 'roofline.dat'
if (!exists("out")) out = 'roofline.png'
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1100,700 noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1100,700 noenhanced font 'sans,10'
}
set output out
set title 'Achieved throughput against arithmetic intensity'
set xlabel 'arithmetic intensity (FLOP per off-chip byte, log scale)'
set ylabel 'achieved FLOP/s (log scale)'
set logscale xy
set format x '%g'
set format y '%.0e'
set grid
unset key
set offsets graph 0.05, graph 0.3, graph 0.1, graph 0.1
plot data using 2:3 with points pt 7 ps 1.2 lc rgb '#4477aa', \
     data using 2:3:1 with labels left offset 0.8,0 font ',8' tc rgb '#333333'
unset output
