# bandwidth.gp — bytes sent per node per second by message type over time, from the
# bytes_<TYPE> columns of timeseries.csv divided by the interval's node-seconds.
#   gnuplot -e "dir='results/NAME'" plots/bandwidth.gp   ->  results/NAME/bandwidth.{png,svg}
here = ARG0[1:strlen(ARG0) - strlen("bandwidth.gp")]
load here."common.gp"

file = dir."/timeseries.csv"
mid(t, d) = (t + d / 2) / time_div
node_s = '(column("nodes_alive_mean") * column("duration_s"))'
set xlabel sprintf("simulated time (%s)", time_unit)
set ylabel "bytes sent per node per second"
set yrange [0:*]
set xrange [0:end_s / time_div]
set key outside right top vertical
eval shade_warmup
no_msgs = intervals == 0 || strlen(msg_types) == 0
if (no_msgs) { eval no_data("no messages were sent") }

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("bandwidth", fmt)
    set title plot_title("Bandwidth per node by message type")
    if (no_msgs) {
        set yrange [0:1]
        plot -1 notitle
    } else {
        plot for [t in msg_types] file using (mid($1, $2)):(column("bytes_".t) / @node_s) \
                 with linespoints pt 7 ps 0.4 title t, \
             file using (mid($1, $2)):"bytes_per_node_per_s" with lines dt 2 lc rgb "black" \
                 title "all types"
    }
    set output
}
