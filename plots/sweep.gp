# sweep.gp — one metric of a sweep against a swept key, as the mean over the replicates with its
# 95% confidence interval (error bars), one line per value of a second swept key; from
# sweep_summary.csv and sweep_labels.gp of a sweep folder (docs/sweeps.md). `kadsim plot DIR`
# runs it with the variables below from options.
#   gnuplot -e "dir='results/NAME'; metric='latency_ms_p50'" plots/sweep.gp
#       ->  results/NAME/sweep_latency_ms_p50.{png,svg}
# Variables a caller may set with -e before the script:
#   dir         the sweep folder (default: the current folder)
#   metric      a metric of summary.csv (default: latency_ms_p50)
#   x, by       swept keys for the x axis and the lines ("kademlia.alpha"); by = "" for one line
#               (default: [sweep] plot_x and plot_lines)
#   where       other swept keys held fixed, "key=value key=value" (default: their first value)
#   xscale      "auto" (default: numbers and durations on a numeric axis, logarithmic when they
#               span a factor 10 or more; anything else categorical), "category", "linear", "log"
#   fit         "" (default), "log2" (y = a·log2(x) + b per line, slope a in the key) or
#               "linear" (y = a·x + b); needs a numeric x axis
#   title, subtitle   replace those of sweep_labels.gp
#   outdir, formats, out_suffix, name   as in common.gp; name defaults to sweep_<metric>
if (!exists("dir")) dir = "."
if (exists("title")) { user_title = title }
if (exists("subtitle")) { user_subtitle = subtitle }
load dir."/sweep_labels.gp"
if (exists("user_title")) { title = user_title }
if (exists("user_subtitle")) { subtitle = user_subtitle }
if (!exists("outdir")) outdir = dir
if (!exists("formats")) formats = "png svg"
if (!exists("out_suffix")) out_suffix = ""
if (!exists("metric")) metric = "latency_ms_p50"
if (!exists("x")) x = plot_x
if (!exists("by")) by = plot_lines
if (!exists("where")) where = plot_where
if (!exists("name")) name = "sweep_".metric
if (!exists("xscale")) xscale = "auto"
if (!exists("fit")) fit = ""
# Inside a plot's `using`, x is gnuplot's dummy variable: the script uses x_key.
x_key = x

file = dir."/sweep_summary.csv"
set datafile separator comma
set key noenhanced box opaque outside right top
set grid lc rgb "#dddddd"
set border 3
set tics nomirror
set tmargin 5
array palette[10] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", \
                     "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
do for [i=1:10] { set linetype i lc rgb palette[i] lw 1.5 pt 7 ps 1.2 }
set linetype cycle 10

# The values of a swept key, by its name ("kademlia.k" -> "8 16 20").
key_index(k) = sum [i=1:words(sweep_keys)] (word(sweep_keys, i) eq k ? i : 0)
values_of(k) = key_index(k) > 0 ? sweep_values[key_index(k)] : ""
label_of(k) = key_index(k) > 0 ? word(sweep_labels, key_index(k)) : k
if (key_index(x_key) == 0) { print sprintf("sweep.gp: x = '%s' is not a swept key (%s)", x_key, sweep_keys); exit status 1 }
if (by ne "" && key_index(by) == 0) { print sprintf("sweep.gp: by = '%s' is not a swept key (%s)", by, sweep_keys); exit status 1 }
xs = values_of(x_key)
bys = by eq "" ? "-" : values_of(by)
nx = words(xs)
nl = words(bys)

# Numbers (and durations, in seconds) go on a numeric axis, logarithmic when they span a
# decade; anything else is categorical: the values as given, evenly spaced. Lines are shifted
# a little sideways so that their error bars do not overlap.
nums = exists("sweep_numbers") ? sweep_numbers[key_index(x_key)] : ""
unit = exists("sweep_units") ? sweep_units[key_index(x_key)] : ""
if (xscale eq "auto") { xscale = nums eq "" ? "category" : "numeric" }
if (xscale ne "category" && nums eq "") { print sprintf("sweep.gp: xscale = '%s' needs numbers, and %s has %s", xscale, x_key, xs); exit status 1 }
if (fit ne "" && xscale eq "category") { print sprintf("sweep.gp: fit = '%s' needs a numeric x axis", fit); exit status 1 }
index_of(v) = sum [i=1:nx] (word(xs, i) eq v ? i : 0)
number_of(v) = nums eq "" ? index_of(v) : real(word(nums, index_of(v)))
xmin = 1; xmax = nx
if (xscale ne "category") { xmin = real(word(nums, 1)); xmax = xmin; do for [i=2:nx] { v = real(word(nums, i)); xmin = v < xmin ? v : xmin; xmax = v > xmax ? v : xmax } }
if (xscale eq "numeric") { xscale = (xmin > 0 && xmax >= 10 * xmin) ? "log" : "linear" }
offset(l) = nl > 1 ? (l - 1.0) / (nl - 1) - 0.5 : 0
if (xscale eq "category") {
    position(v) = index_of(v); shift(l) = 0.12 * offset(l)
    set xrange [0.5:nx + 0.5]
} else {
    if (xscale eq "log") {
        set logscale x
        span = log(xmax / xmin) + (xmax == xmin)
        position(v) = number_of(v); shift(l) = 0
        set xrange [xmin * exp(-0.08 * span):xmax * exp(0.08 * span)]
    } else {
        span = xmax - xmin + (xmax == xmin)
        position(v) = number_of(v); shift(l) = 0.012 * span * offset(l)
        set xrange [xmin - 0.08 * span:xmax + 0.08 * span]
    }
}
set xtics ()
do for [i=1:nx] { set xtics add (word(xs, i) position(word(xs, i))) }
set xlabel label_of(x_key)." (".x_key.(unit ne "" ? ", ".unit : "").(xscale eq "log" ? ", log scale" : "").")"
set ylabel metric

# A row belongs to line l when it is of the metric, of the line's value and of every `where`.
where_key(w) = w[1:strstrt(w, "=") - 1]
where_value(w) = w[strstrt(w, "=") + 1:]
where_ok = "(where eq '' || sum [i=1:words(where)] (strcol(where_key(word(where, i))) eq where_value(word(where, i)) ? 0 : 1) == 0)"
row_ok(l) = strcol("metric") eq metric && (by eq "" || strcol(by) eq word(bys, l)) && @where_ok
# An interval that does not apply (one replicate) is drawn as no bar.
bar_low(l) = (lo = column("ci95_low"), lo == lo ? lo : column("mean"))
bar_high(l) = (hi = column("ci95_high"), hi == hi ? hi : column("mean"))
line_title(l) = by eq "" ? metric : sprintf("%s = %s", label_of(by), word(bys, l))

fixed = where eq "" ? "" : sprintf(" (%s)", where)
stats file using (strcol("metric") eq metric ? column("mean") : NaN) nooutput
if (STATS_records == 0) { print sprintf("sweep.gp: no metric '%s' in %s", metric, file); exit status 1 }
# A metric that is the same everywhere (a success rate of 1) still gets a y range.
if (STATS_max == STATS_min) { pad = STATS_min == 0 ? 1 : abs(STATS_min) * 0.05; set yrange [STATS_min - pad:STATS_max + pad] }

# The points of each line, in x order, one block of $lines each (a line is drawn through
# consecutive points only, and sweep_summary.csv interleaves all metrics and lines).
set table $lines
unset table
do for [l=1:nl] {
    set table $lines append
    plot file using (position(strcol(x_key)) + shift(l)):(column("mean")):(bar_low(l)):(bar_high(l)):(position(strcol(x_key))) \
        with table if (row_ok(l))
    unset table
    set print $lines append
    print ""
    print ""
    unset print
}
set datafile separator whitespace

# A fitted line per line of points: its slope goes into the key.
array fit_a[nl]
array fit_b[nl]
fit_f(v, a, b) = fit eq "log2" ? a * log(v) / log(2) + b : a * v + b
if (fit ne "") {
    set fit quiet nolog
    do for [l=1:nl] {
        fa = 1; fb = 1
        fit fit_f(x, fa, fb) $lines index (l - 1) using 5:2 via fa, fb
        fit_a[l] = fa; fit_b[l] = fb
    }
}
fit_title(l) = fit eq "" ? "" : sprintf(", fit %.3g·%s %+.3g", fit_a[l], fit eq "log2" ? "log2 x" : "x", fit_b[l])
line_name(l) = by eq "" && fit ne "" ? "mean" : line_title(l)
# One line needs no key unless it carries a fit; a fit's longer key goes below the frame.
if (nl == 1 && fit eq "") { unset key }
if (fit ne "") { set key below left; set bmargin 6 }

# The title and subtitle are centred on the image, not on the frame (which the key pushes to
# the left), and the subtitle is broken at its "; " so that a long one is not cut off.
set tmargin 6
main_title = sprintf("%s vs %s — %s%s", metric, label_of(x_key), title, fixed)
sub_lines = subtitle
while (strstrt(sub_lines, "; ") > 0) { i = strstrt(sub_lines, "; "); sub_lines = sub_lines[1:i - 1]."\n".sub_lines[i + 2:] }
set label 101 main_title at screen 0.5, screen 0.965 center font ',12'
set label 102 sub_lines at screen 0.5, screen 0.925 center font ',10' tc rgb '#444444'
do for [fmt in formats] {
    if (fmt eq "png") { set terminal pngcairo noenhanced size 1000,640 font 'sans,11' linewidth 1.5 }
    if (fmt eq "svg") { set terminal svg noenhanced size 1000,640 font 'sans,11' dynamic background rgb 'white' }
    set output sprintf("%s/%s.%s%s", outdir, name, fmt, out_suffix)
    if (fit eq "") {
        plot for [l=1:nl] $lines index (l - 1) using 1:2:3:4 with yerrorlines title line_title(l)
    } else {
        plot for [l=1:nl] $lines index (l - 1) using 1:2:3:4 with yerrorbars pt 7 lc l title line_name(l).fit_title(l), \
             for [l=1:nl] fit_f(x, fit_a[l], fit_b[l]) with lines dt 2 lc l notitle
    }
    set output
}
