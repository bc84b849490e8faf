# util.gp — compute utilisation of each run (percent), as horizontal bars.
#
# Usage:  gnuplot -e "data='runs.dat'; out='util.png'" util.gp
#   data  the runs.dat format of latency.gp: 1 run_id  2 label (quoted)
#         3 latency_s  4 energy_j  5 util (0..1)  6 cycles  7 dram_bytes
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
# `reset` keeps `set datafile columnheaders` (energy.gp sets it): state
# it here, or the first run is taken for a header line.
set datafile nocolumnheaders
if (!exists("data")) data = 'runs.dat'
if (!exists("out")) out = 'util.png'
stats data using 5 nooutput
n = STATS_records
h = n * 26 + 160
h = (h < 320) ? 320 : ((h > 8000) ? 8000 : h)
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size 1300,h noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size 1300,h noenhanced font 'sans,10'
}
set output out
set title 'Compute utilisation per run'
set xlabel 'utilisation (%)'
set style fill solid 0.85 border -1
set yrange [n-0.5:-0.5]
set xrange [0:118]
set xtics 0,20,100
set ytics nomirror
set grid xtics
unset key
plot data using ($5*50):0:($5*50):(0.35):ytic(2) with boxxyerror \
     lc rgb '#228833', \
     data using ($5*100):0:(sprintf('%.3g %%', $5*100)) with labels left \
     offset 0.5,0
unset output
