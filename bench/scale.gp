# scale.gp — the scaling curve of a scale benchmark (bench/scale.sh writes scale.csv):
#   left:  CPU seconds and messages against nodes (log-log), each with an N log N guide through
#          its smallest run: points on or below the guide grow no faster than N log N;
#   right: memory per node (peak RSS, and the protocol's own state) against nodes.
#   gnuplot -e "csv='DIR/scale.csv'" bench/scale.gp   ->  DIR/scale.png, DIR/scale.svg
if (!exists("csv")) csv = "scale.csv"
if (!exists("title")) title = "kadsim scale benchmark"
base = csv[1:strlen(csv) - 4]

set datafile separator comma
set termoption noenhanced
set grid lc rgb "#dddddd"
set border 3
set tics nomirror
set key top left box opaque
set logscale x 10
set format x "%.0s%c"
array palette[4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
do for [i=1:4] { set linetype i lc rgb palette[i] lw 1.5 pt 7 ps 1.2 }

# The guides go through the smallest run: f(N) = y0 * (N log N) / (N0 log N0).
stats csv using 1 skip 1 nooutput
n0 = STATS_min
stats csv using ($1 == n0 ? $5 : 1/0) skip 1 nooutput
cpu0 = STATS_max
stats csv using ($1 == n0 ? $2 : 1/0) skip 1 nooutput
msg0 = STATS_max
nlogn(n, y0) = y0 * n * log(n) / (n0 * log(n0))

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1400,560 font "sans,11" }
    if (fmt eq "svg") { set terminal svg size 1400,560 font "sans,11" dynamic }
    set output base.".".fmt
    set multiplot layout 1,2 title title
    set logscale y 10
    set xlabel "nodes"
    set ylabel "CPU seconds / millions of messages"
    set title "Work: CPU time and messages (whole run)"
    plot csv using 1:5 skip 1 with linespoints lt 1 title "CPU seconds", \
         csv using 1:($2 / 1e6) skip 1 with linespoints lt 2 title "messages (millions)", \
         [n0:*] nlogn(x, cpu0) with lines lt 1 dt 2 lw 1 title "N log N through the first run", \
         [n0:*] nlogn(x, msg0 / 1e6) with lines lt 2 dt 2 lw 1 notitle
    unset logscale y
    set yrange [0:*]
    set ylabel "bytes per node"
    set title "Memory per node"
    plot csv using 1:9 skip 1 with linespoints lt 3 title "peak RSS / nodes", \
         csv using 1:10 skip 1 with linespoints lt 4 title "protocol state / nodes", \
         2048 with lines lt 0 lw 1 title "2 KB"
    unset multiplot
    set yrange [*:*]
    set output
}
