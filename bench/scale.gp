# scale.gp — the scaling curve of a scale benchmark (bench/scale.sh writes scale.csv), against
# nodes on a logarithmic axis:
#   left:   messages per node, with its least-squares line a + b ln N: total work grows as
#           N log N exactly when the points lie on that straight line;
#   middle: CPU time per message: what one protocol message costs the simulator (flat = CPU time
#           proportional to messages; rising = the working set leaving the caches);
#   right:  memory per node (peak RSS, and the protocol's own state), with the 2 KB line.
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
set xlabel "nodes"
array palette[4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
do for [i=1:4] { set linetype i lc rgb palette[i] lw 1.5 pt 7 ps 1.2 }

# The fit needs two sizes at least (a single-size run, such as bench-churn, draws points only).
per_node(x) = a + b * log(x)
stats csv using 1 skip 1 nooutput
fitted = STATS_records >= 2
if (!fitted) { set xrange [STATS_min / 2:STATS_max * 2] }
if (fitted) {
    set fit quiet nolog
    a = 1; b = 1
    fit per_node(x) csv using 1:($2 / $1) skip 1 via a, b
}

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1800,560 font "sans,11" }
    if (fmt eq "svg") { set terminal svg size 1800,560 font "sans,11" dynamic }
    set output base.".".fmt
    set multiplot layout 1,3 title title
    set yrange [0:*]
    set ylabel "messages per node"
    set title "Work per node (N log N = a straight line here)"
    if (fitted) {
        plot per_node(x) with lines lc rgb "black" dt 2 lw 1 title sprintf("fit: %.0f + %.1f ln N", a, b), \
             csv using 1:($2 / $1) skip 1 with points lt 2 title "messages / nodes"
    } else {
        plot csv using 1:($2 / $1) skip 1 with points lt 2 title "messages / nodes"
    }
    set ylabel "CPU nanoseconds per message"
    set title "Cost of one message to the simulator"
    plot csv using 1:($5 * 1e9 / $2) skip 1 with linespoints lt 1 title "CPU time / messages"
    set ylabel "bytes per node"
    set title "Memory per node"
    plot csv using 1:9 skip 1 with linespoints lt 3 title "peak RSS / nodes", \
         csv using 1:10 skip 1 with linespoints lt 4 title "protocol state / nodes", \
         2048 with lines lt 0 lw 1 title "2 KB"
    unset multiplot
    set output
}
