# speedup.gp — speedup of each design point over a baseline, as bars
# (1.0 = as fast as the baseline; a dashed line marks it).
#
# Usage:  gnuplot -e "data='speedup.dat'; out='speedup.png'" speedup.gp
#   data  whitespace-separated text, '#' starts a comment, one point a
#         line: 1 label (double-quoted)  2 speedup (baseline latency /
#         latency).  docs/results.md has the SQL that computes it from a
#         database (e.g. each mapper against `unfused`).
#   out   output file: *.svg uses the svg terminal, anything else pngcairo.
reset
if (!exists("data")) data = 'speedup.dat'
if (!exists("out")) out = 'speedup.png'
stats data using 2 nooutput
n = STATS_records
w = n * 36 + 320
w = (w < 800) ? 800 : ((w > 8000) ? 8000 : w)
if (out[strlen(out)-2:] eq 'svg') {
  set terminal svg size w,600 noenhanced font 'sans,11' background '#ffffff'
} else {
  set terminal pngcairo size w,600 noenhanced font 'sans,10'
}
set output out
set title 'Speedup over the baseline'
set ylabel 'speedup (x)'
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by 35 right nomirror
set yrange [0:*]
set xrange [-0.6:n-0.4]
set grid ytics
unset key
plot data using 0:2:xtic(1) with boxes lc rgb '#aa3377', \
     1 with lines dt 2 lc rgb '#000000'
unset output
