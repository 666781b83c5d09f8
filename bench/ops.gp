# ops.gp — cost against operations at a fixed network size (bench/ops.sh writes ops.csv):
# CPU seconds and messages against lookups, each with its least-squares line. Points on a
# straight line mean each further lookup costs the same: cost linear in operations.
#   gnuplot -e "csv='DIR/ops.csv'" bench/ops.gp   ->  DIR/ops.png, DIR/ops.svg
if (!exists("csv")) csv = "ops.csv"
base = csv[1:strlen(csv) - 4]

set datafile separator comma
set termoption noenhanced
set grid lc rgb "#dddddd"
set border 11
set tics nomirror
set ytics nomirror
set y2tics
set key top left box opaque
set linetype 1 lc rgb "#1f77b4" lw 1.5 pt 7 ps 1.2
set linetype 2 lc rgb "#ff7f0e" lw 1.5 pt 5 ps 1.2

stats csv using 1 skip 1 nooutput
nodes = STATS_max
cpu(x) = c0 + c1 * x
msg(x) = m0 + m1 * x
set fit quiet nolog
fit cpu(x) csv using ($2 / 1e3):4 skip 1 via c0, c1
fit msg(x) csv using ($2 / 1e3):($3 / 1e6) skip 1 via m0, m1

set xlabel "lookups (thousands)"
set ylabel "CPU seconds"
set y2label "messages (millions)"
set xrange [0:*]
set yrange [0:*]
set y2range [0:*]
set title sprintf("kadsim: cost against operations at %.0f nodes (%.1f µs CPU and %.1f messages per lookup)", \
                  nodes, c1 * 1e3, m1 * 1e3)
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,11" }
    if (fmt eq "svg") { set terminal svg size 900,560 font "sans,11" dynamic }
    set output base.".".fmt
    plot csv using ($2 / 1e3):4 skip 1 with points lt 1 title "CPU seconds", \
         cpu(x) with lines lt 1 dt 2 lw 1 title "least-squares line", \
         csv using ($2 / 1e3):($3 / 1e6) skip 1 axes x1y2 with points lt 2 title "messages (millions, right)", \
         msg(x) axes x1y2 with lines lt 2 dt 2 lw 1 title "least-squares line"
    set output
}
