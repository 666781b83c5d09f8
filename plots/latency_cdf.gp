# latency_cdf.gp — cumulative distribution of the latency of successful lookups (and gets) in
# the measurement window, from latency_cdf.csv.
#   gnuplot -e "dir='results/NAME'" plots/latency_cdf.gp   ->  results/NAME/latency_cdf.{png,svg}
here = ARG0[1:strlen(ARG0) - strlen("latency_cdf.gp")]
load here."common.gp"

file = dir."/latency_cdf.csv"
set xlabel "latency (ms)"
set ylabel "fraction of successful operations done within the latency"
# up to the largest latency of a lookup or get, not to the next round tic (which could double
# the axis); before the y range is set, which stats would apply to the latencies
if (lookup_ok + get_ok > 0) { stats file using (strcol(1) eq 'lookup' || strcol(1) eq 'get' ? $2 : NaN) nooutput; set xrange [0:STATS_max * 1.03 + (STATS_max == 0)] }
set yrange [0:1.02]
set key bottom right
if (lookup_ok + get_ok == 0) { eval no_data("no successful lookups or gets in the measurement window") }

# One series per kind that has data (gnuplot complains about a series without points).
lookups = lookup_ok == 0 ? "" : sprintf("file using 2:(strcol(1) eq 'lookup' ? $3 : NaN) with steps lw 2 lc rgb '#1f77b4' title 'lookups (%d successful after warm-up)'", lookup_ok)
gets = get_ok == 0 ? "" : sprintf("file using 2:(strcol(1) eq 'get' ? $3 : NaN) with steps lw 2 lc rgb '#ff7f0e' title 'gets (%d successful after warm-up)'", get_ok)
sep = lookup_ok > 0 && get_ok > 0 ? "," : ""

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("latency_cdf", fmt)
    set title plot_title("Latency CDF")
    if (lookup_ok + get_ok == 0) {
        set xrange [0:1000]
        plot -1 notitle
    } else {
        plot @lookups @sep @gets
    }
    set output
}
