# timeseries.gp — lookup success rate (left axis) and nodes alive (right axis) per output
# interval, from timeseries.csv; the warm-up, excluded from the statistics, is shaded.
#   gnuplot -e "dir='results/NAME'" plots/timeseries.gp   ->  results/NAME/timeseries.{png,svg}
here = ARG0[1:strlen(ARG0) - strlen("timeseries.gp")]
load here."common.gp"

file = dir."/timeseries.csv"
mid(t, d) = (t + d / 2) / time_div
set xlabel sprintf("simulated time (%s)", time_unit)
set ylabel "lookup success rate (per interval)"
set y2label "nodes alive (mean over the interval)"
set yrange [0:1.05]
set y2range [0:*]
set ytics nomirror
set y2tics
set xrange [0:end_s / time_div]
set key bottom center horizontal
eval shade_warmup
if (intervals == 0) { eval no_data("no interval was completed") }

# The success series only when there were lookups (a series without points is an error).
success = lookup_total == 0 ? "" : "file using (mid($1, $2)):'lookup_success_rate' axes x1y1 with linespoints pt 7 ps 0.5 lc rgb '#1f77b4' title 'lookup success rate',"

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("timeseries", fmt)
    set title plot_title("Success and size over time")
    if (intervals == 0) {
        set yrange [0:1]
        plot -1 notitle
    } else {
        plot @success file using (mid($1, $2)):"nodes_alive_mean" axes x1y2 with lines lc rgb "#2ca02c" \
                 title "nodes alive"
    }
    set output
}
