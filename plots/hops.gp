# hops.gp — distribution of the hop count of successful lookups (and gets) in the
# measurement window, from hops.csv.
#   gnuplot -e "dir='results/NAME'" plots/hops.gp   ->  results/NAME/hops.{png,svg}
here = ARG0[1:strlen(ARG0) - strlen("hops.gp")]
load here."common.gp"

file = dir."/hops.csv"
set xlabel "hops (referral chain length)"
set ylabel "fraction of successful operations"
set yrange [0:*]
set xtics 1
# from half a bar left of the fewest hops to half a bar right of the most (autoscaling with
# offsets started the axis at -1)
if (lookup_ok + get_ok > 0) { stats file using (strcol(1) eq 'lookup' || strcol(1) eq 'get' ? $2 : NaN) nooutput; set xrange [STATS_min - 0.6:STATS_max + 0.6] }
set boxwidth 0.4
set key top right
if (lookup_ok + get_ok == 0) { eval no_data("no successful lookups or gets in the measurement window") }

# One series per kind that has data (gnuplot complains about a series without points).
shift = lookup_ok > 0 && get_ok > 0 ? 0.2 : 0
lookups = lookup_ok == 0 ? "" : sprintf("file using ($2 - shift):(strcol(1) eq 'lookup' ? $4 : NaN) with boxes lc rgb '#1f77b4' title 'lookups (%d successful after warm-up)'", lookup_ok)
gets = get_ok == 0 ? "" : sprintf("file using ($2 + shift):(strcol(1) eq 'get' ? $4 : NaN) with boxes lc rgb '#ff7f0e' title 'gets (%d successful after warm-up)'", get_ok)
sep = lookup_ok > 0 && get_ok > 0 ? "," : ""

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("hops", fmt)
    set title plot_title("Hop count")
    if (lookup_ok + get_ok == 0) {
        set xrange [0:10]
        set yrange [0:1]
        plot -1 notitle
    } else {
        plot @lookups @sep @gets
    }
    set output
}
