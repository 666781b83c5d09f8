# compare.gp — overlay several runs on one plot: hop-count distributions and lookup latency
# CDFs (e.g. the same scenario with k = 8, 16, 20).
#   gnuplot -e "dirs='results/k8 results/k16 results/k20'" plots/compare.gp
# writes compare_hops.{png,svg} and compare_latency_cdf.{png,svg} into outdir (default: the
# first folder, so that a comparison never lands wherever gnuplot was started). Optional:
# names for the legend (default: the folders), separated by commas when a name holds a space
# ('seed 1,seed 2') or else by spaces ('k=8 k=16 k=20'); title='...' for the plot titles.
# Folder names may not contain spaces.
if (!exists("dirs")) { print "compare.gp: set dirs='results/a results/b ...'"; exit status 1 }
if (!exists("names")) names = dirs
if (!exists("outdir")) outdir = word(dirs, 1)
# the names of the legend: comma-separated when names holds a comma, else space-separated
array name_list[words(dirs)]
if (strstrt(names, ",") > 0) {
    rest = names; i = 1
    while (strstrt(rest, ",") > 0 && i < words(dirs)) { c = strstrt(rest, ","); name_list[i] = rest[1:c - 1]; rest = rest[c + 1:]; i = i + 1 }
    name_list[i] = rest
} else {
    do for [i=1:words(dirs)] { name_list[i] = word(names, i) }
}
if (exists("title")) compare_title = title
dir = word(dirs, 1)
here = ARG0[1:strlen(ARG0) - strlen("compare.gp")]
load here."common.gp"
n = words(dirs)

# One series per run that has successful lookups (gnuplot refuses a series without points).
hops_cmd = ""
cdf_cmd = ""
do for [i=1:n] {
    load word(dirs, i)."/labels.gp"
    if (lookup_ok > 0) {
        hops_cmd = hops_cmd.(strlen(hops_cmd) ? ", " : "").sprintf("'%s/hops.csv' using 2:(strcol(1) eq 'lookup' ? $4 : NaN) with linespoints lw 2 pt 7 title '%s'", word(dirs, i), name_list[i])
        cdf_cmd = cdf_cmd.(strlen(cdf_cmd) ? ", " : "").sprintf("'%s/latency_cdf.csv' using 2:(strcol(1) eq 'lookup' ? $3 : NaN) with steps lw 2 title '%s'", word(dirs, i), name_list[i])
    }
}
if (exists("compare_title")) { title = compare_title } else { title = "comparison of runs" }
have_data = strlen(hops_cmd) > 0
if (!have_data) {
    eval no_data("no run has successful lookups")
    hops_cmd = "-1 notitle"
    cdf_cmd = "-1 notitle"
    set yrange [0:1]
    set xrange [0:10]
}

set key top right
do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("compare_hops", fmt)
    set title sprintf("Hop count of successful lookups — %s", title)
    set xlabel "hops (referral chain length)"
    set ylabel "fraction of successful lookups"
    set xtics 1
    if (have_data) { set yrange [0:*] }
    plot @hops_cmd
    set output
}
set key bottom right
set xtics autofreq
do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output image("compare_latency_cdf", fmt)
    set title sprintf("Latency CDF of successful lookups — %s", title)
    set xlabel "latency (ms)"
    set ylabel "fraction of successful lookups done within the latency"
    if (have_data) { set yrange [0:1.02]; set xrange [0:*] }
    plot @cdf_cmd
    set output
}
