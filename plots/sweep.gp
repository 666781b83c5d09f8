# sweep.gp — one metric of a sweep against a swept key, as the mean over the replicates with its
# 95% confidence interval (error bars), one line per value of a second swept key; from
# sweep_summary.csv and sweep_labels.gp of a sweep folder (docs/sweeps.md).
#   gnuplot -e "dir='results/NAME'; metric='latency_ms_p50'" plots/sweep.gp
#       ->  results/NAME/sweep_latency_ms_p50.{png,svg}
# Variables a caller may set with -e before the script:
#   dir         the sweep folder (default: the current folder)
#   metric      a metric of summary.csv (default: latency_ms_p50)
#   x, by       swept keys for the x axis and the lines ("kademlia.alpha"); by = "" for one line
#               (default: [sweep] plot_x and plot_lines)
#   where       other swept keys held fixed, "key=value key=value" (default: their first value)
#   outdir, formats, out_suffix, name   as in common.gp; name defaults to sweep_<metric>
if (!exists("dir")) dir = "."
load dir."/sweep_labels.gp"
if (!exists("outdir")) outdir = dir
if (!exists("formats")) formats = "png svg"
if (!exists("out_suffix")) out_suffix = ""
if (!exists("metric")) metric = "latency_ms_p50"
if (!exists("x")) x = plot_x
if (!exists("by")) by = plot_lines
if (!exists("where")) where = plot_where
if (!exists("name")) name = "sweep_".metric
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

# The x axis is categorical: the values as given, evenly spaced (numbers, durations and model
# names alike). Lines are shifted a little sideways so that their error bars do not overlap.
position(v) = sum [i=1:nx] (word(xs, i) eq v ? i : 0)
shift(l) = nl > 1 ? 0.12 * ((l - 1.0) / (nl - 1) - 0.5) : 0
set xrange [0.5:nx + 0.5]
set xtics () 
do for [i=1:nx] { set xtics add (word(xs, i) i) }
set xlabel label_of(x_key)." (".x_key.")"
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
    plot file using (position(strcol(x_key)) + shift(l)):(column("mean")):(bar_low(l)):(bar_high(l)) \
        with table if (row_ok(l))
    unset table
    set print $lines append
    print ""
    print ""
    unset print
}
set datafile separator whitespace

do for [fmt in formats] {
    if (fmt eq "png") { set terminal pngcairo noenhanced size 1000,640 font 'sans,11' linewidth 1.5 }
    if (fmt eq "svg") { set terminal svg noenhanced size 1000,640 font 'sans,11' dynamic background rgb 'white' }
    set output sprintf("%s/%s.%s%s", outdir, name, fmt, out_suffix)
    set title sprintf("%s vs %s — %s%s\n%s", metric, label_of(x_key), title, fixed, subtitle)
    plot for [l=1:nl] $lines index (l - 1) using 1:2:3:4 with yerrorlines title line_title(l)
    set output
}
