# common.gp — shared set-up of kadsim's plot scripts (loaded by each of them).
#
# Variables a caller may set with -e before the script:
#   dir         the results folder to plot (default: the current folder)
#   outdir      where the images go (default: dir)
#   formats     image formats, among "png svg" (default: both)
#   out_suffix  appended to image names (kadsim renders to NAME.tmp, then renames)
if (!exists("dir")) dir = "."
if (!exists("outdir")) outdir = dir
if (!exists("formats")) formats = "png svg"
if (!exists("out_suffix")) out_suffix = ""
# title and subtitle given with -e win over those of labels.gp
if (exists("title")) { user_title = title }
if (exists("subtitle")) { user_subtitle = subtitle }
load dir."/labels.gp"
if (exists("user_title")) { title = user_title }
if (exists("user_subtitle")) { subtitle = user_subtitle }

set datafile separator comma
# Titles and names (FIND_NODE, my_scenario, a title ending in a backslash) are plain text, not
# enhanced markup: here and in term_png and term_svg, which set the terminal anew.
set termoption noenhanced
set key noenhanced box opaque
set grid lc rgb "#dddddd"
set border 3
# room for the two title lines and the warm-up label above the frame
set tmargin 5
set tics nomirror
set style fill solid 0.8 border -1
# A palette without black (black dashed is "all types"): Tableau 10.
array palette[10] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", \
                     "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
do for [i=1:10] { set linetype i lc rgb palette[i] lw 1.5 pt 7 }
set linetype cycle 10

# The title of every plot: what it shows, then the scenario and its key parameters.
plot_title(what) = sprintf("%s — %s%s\n%s", what, title, partial ? " (PARTIAL run)" : "", subtitle)

# Time axis: the largest unit that keeps the numbers readable.
time_div = end_s > 2 * 86400 ? 86400 : end_s > 3 * 3600 ? 3600 : end_s > 180 ? 60 : 1
time_unit = time_div == 86400 ? "d" : time_div == 3600 ? "h" : time_div == 60 ? "min" : "s"

# Set the terminal and output file for one format; call before each plot command.
term_png = "set terminal pngcairo noenhanced size 1000,640 font 'sans,11' linewidth 1.5"
term_svg = "set terminal svg noenhanced size 1000,640 font 'sans,11' dynamic background rgb 'white'"
image(name, fmt) = sprintf("%s/%s.%s%s", outdir, name, fmt, out_suffix)

# The warm-up, excluded from the statistics, shaded on time axes and named above the frame.
shade_warmup = "if (warmup_s > 0) { set object 1 rect from 0, graph 0 to warmup_s / time_div, graph 1 back fc rgb '#eeeeee' fs solid 1.0 noborder; set label 2 'warm-up' at warmup_s / time_div / 2, graph 1.02 center }"

# When a plot has no data, draw this note in an empty frame rather than fail.
no_data(text) = sprintf("set label 99 '%s' at graph 0.5, 0.5 center front", text)
