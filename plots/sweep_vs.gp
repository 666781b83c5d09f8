# sweep_vs.gp — one metric of a sweep against another, one point per setting (the mean over the
# replicates, with both 95% intervals as error bars), and the convex hull of each family of
# points (one value of a swept key): Li et al.'s performance-versus-cost view (INFOCOM 2005).
# Drawn by `kadsim plot DIR --y METRIC --vs METRIC`, which writes the two tables it reads:
#   DIR/<data>.csv       family,label,x,x_low,x_high,y,y_low,y_high; one block per family
#   DIR/<data>_hull.csv  x,y of each family's hull, closed; one block per family
# Variables: dir, data, xmetric, ymetric, family_key ("" for one family), families (its values,
# space-separated, in block order), title, outdir,
# formats, out_suffix, name (default: data).
if (!exists("dir")) dir = "."
if (exists("title")) { user_title = title }
load dir."/sweep_labels.gp"
if (exists("user_title")) { title = user_title }
if (!exists("outdir")) outdir = dir
if (!exists("formats")) formats = "png svg"
if (!exists("out_suffix")) out_suffix = ""
if (!exists("name")) name = data
if (!exists("family_key")) family_key = ""
file = dir."/".data.".csv"
hull = dir."/".data."_hull.csv"

set datafile separator comma
nf = family_key eq "" ? 1 : words(families)
array palette[10] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", \
                     "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
do for [i=1:10] { set linetype i lc rgb palette[i] lw 1.5 pt 7 ps 1.2 }
set linetype cycle 10
set grid lc rgb "#dddddd"
set border 3
set tics nomirror
set key noenhanced box opaque outside right top
if (nf == 1) { unset key }
set xlabel xmetric
set ylabel ymetric
set offsets graph 0.06, graph 0.06, graph 0.06, graph 0.06
set tmargin 6
family_name(f) = family_key eq "" ? ymetric : sprintf("%s = %s", family_key[strstrt(family_key, ".") + 1:], word(families, f + 1))
sub_lines = subtitle
while (strstrt(sub_lines, "; ") > 0) { i = strstrt(sub_lines, "; "); sub_lines = sub_lines[1:i - 1]."\n".sub_lines[i + 2:] }
set label 101 sprintf("%s vs %s — %s", ymetric, xmetric, title) at screen 0.5, screen 0.965 center font ',12'
set label 102 sub_lines at screen 0.5, screen 0.925 center font ',10' tc rgb '#444444'
do for [fmt in formats] {
    if (fmt eq "png") { set terminal pngcairo noenhanced size 1000,640 font 'sans,11' linewidth 1.5 }
    if (fmt eq "svg") { set terminal svg noenhanced size 1000,640 font 'sans,11' dynamic background rgb 'white' }
    set output sprintf("%s/%s.%s%s", outdir, name, fmt, out_suffix)
    plot for [f=0:nf - 1] hull index f using 1:2 with lines dt 2 lc (f + 1) notitle, \
         for [f=0:nf - 1] file index f using 3:6:4:5:7:8 with xyerrorbars lc (f + 1) title family_name(f), \
         for [f=0:nf - 1] file index f using 3:6:2 with labels offset char 0.6, char 0.7 left font ',8' tc lt (f + 1) notitle
    set output
}
