# sequence.gp — one traced operation as a sequence diagram, from trace.csv (plus ops.csv and
# run.ini when present): one lifeline per node, ordered by XOR distance to the target, time
# flowing down, one arrow per message; lost messages dashed with a cross, timeouts on the
# sender's lifeline, the node that answered highlighted. plots/sequence.sh draws every traced
# operation of a folder with it.
#   gnuplot -e "dir='results/demo'" plots/sequence.gp           ->  results/demo/sequence.{png,svg}
#   gnuplot -e "dir='results/x'; op=1234" plots/sequence.gp     ->  results/x/sequence-1234.{png,svg}
# Variables: dir, op (default: the first operation of trace.csv), name (the image's name),
# outdir (default dir), formats ("png svg"), out_suffix (appended to the file names).
here = ARG0[1:strlen(ARG0) - strlen("sequence.gp")]
if (!exists("dir")) dir = "."
if (!exists("outdir")) outdir = dir
if (!exists("formats")) formats = "png svg"
if (!exists("out_suffix")) out_suffix = ""
if (!exists("op")) op = -1
if (!exists("name")) name = op < 0 ? "sequence" : sprintf("sequence-%d", op)

# The diagram itself: arrows, labels and objects that sequence.awk computes.
load sprintf("< sh '%ssequence.sh' --gnuplot '%s' %d", here, dir, op)

do for [fmt in formats] {
    if (fmt eq "png") {
        set terminal pngcairo size sequence_W, sequence_H font "sans,10" linewidth 1 noenhanced
    } else {
        set terminal svg size sequence_W, sequence_H font "sans,10" dynamic background rgb "white" noenhanced
    }
    set output sprintf("%s/%s.%s%s", outdir, name, fmt, out_suffix)
    plot NaN notitle
    set output
}
