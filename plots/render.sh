#!/bin/sh
# render.sh DIR... — render the plots of kadsim results folders: DIR/{hops,latency_cdf,
# timeseries,bandwidth}.{png,svg}. Needs gnuplot 5 (GNUPLOT=... to choose another binary).
#   plots/render.sh results/churn
#   plots/render.sh --compare results/k8 results/k16 results/k20   (overlay, into results/k8)
set -e
here=$(dirname "$0")
gnuplot=${GNUPLOT:-gnuplot}
if [ $# -eq 0 ]; then
    echo "usage: $0 DIR...  |  $0 --compare DIR DIR..." >&2
    exit 2
fi
if [ "$1" = "--compare" ]; then
    shift
    exec "$gnuplot" -e "dirs='$*'" "$here/compare.gp"
fi
. "$here/adopt.sh"
# The plots of a results folder: this list is the only one (kadsim runs this script).
plots="hops latency_cdf timeseries bandwidth"
for dir in "$@"; do
    if [ ! -f "$dir/labels.gp" ]; then
        echo "$0: $dir is not a kadsim results folder (no labels.gp)" >&2
        exit 1
    fi
    quoted=$(printf "%s" "$dir" | sed "s/'/''/g")
    for plot in $plots; do
        # Written as NAME.tmp, then adopted; gnuplot's own errors go to stderr.
        "$gnuplot" -e "dir='$quoted'; out_suffix='.tmp'" "$here/$plot.gp"
        ok=1
        for fmt in png svg; do adopt "$dir/$plot.$fmt" || ok=0; done
        [ $ok = 1 ] || exit 1
    done
    echo "$dir: $(echo $plots | sed 's/ /, /g') (.png, .svg)"
done
