# hops.gp — plots of validation check 2 (docs/validation.md) from the data val_lookup writes:
#   gnuplot -e "dir='validation'" validate/hops.gp   ->  dir/hops_vs_n.png, dir/hops_vs_k_b.png
if (!exists("dir")) dir = "validation"
set terminal pngcairo size 900,560 font ",11"
set datafile missing "nan"
set grid lc rgb "#dddddd"
set key top left box opaque

set output dir."/hops_vs_n.png"
load dir."/hops_fit.gp"
set title "Mean lookup hops against network size (static, k = 20, b = 1; error bars: 95%)"
set xlabel "log_2 N"
set ylabel "mean hops (referral chain)"
set xrange [7.5:16.5]
set yrange [1:*]
plot dir."/hops_vs_n.dat" using 2:9 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "model: greedy, ideal uniform buckets", \
     "" using 2:11 with linespoints lw 2 pt 5 dt 2 lc rgb "#7570b3" title "model: greedy, clustered buckets", \
     "" using 2:7:(1.96*$8) with yerrorbars pt 6 ps 1.3 lc rgb "#d95f02" title "kadsim alpha 1, oracle tables", \
     "" using 2:3:(1.96*$4) with yerrorbars pt 4 ps 1.3 lc rgb "#e7298a" title "kadsim alpha 3, oracle tables", \
     "" using 2:5:(1.96*$6) with yerrorbars pt 9 ps 1.5 lc rgb "#666666" title "kadsim alpha 3, joined tables", \
     c0_a1 + c1_a1 * x lc rgb "#d95f02" dt 3 title sprintf("fit alpha 1: %.3f + %.4f log_2 N", c0_a1, c1_a1), \
     c0_a3 + c1_a3 * x lc rgb "#e7298a" dt 3 title sprintf("fit alpha 3: %.3f + %.4f log_2 N", c0_a3, c1_a3)

set output dir."/hops_vs_k_b.png"
set multiplot layout 1,2 title "Mean hops against bucket size and digit size: kadsim and the greedy models (95% error bars)"
set key top right
set title "against k (b = 1, N = 16384, oracle tables)"
set xlabel "bucket size k"
set logscale x 2
set xrange [1.5:45]
set yrange [1.5:*]
plot dir."/hops_vs_k.dat" using 1:6 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "model (alpha 1)", \
     "" using 1:4:(1.96*$5) with yerrorbars pt 6 ps 1.3 lc rgb "#d95f02" title "kadsim alpha 1", \
     "" using 1:2:(1.96*$3) with yerrorbars pt 4 ps 1.3 lc rgb "#e7298a" title "kadsim alpha 3"
unset logscale x
set title "against b (k = 20, N = 4096)"
set xlabel "bits per digit b"
set xrange [0.5:4.5]
set xtics 1
set yrange [1.5:5.2]
plot dir."/hops_vs_b.dat" using 1:8 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "model, uniform buckets", \
     "" using 1:10 with linespoints lw 2 pt 5 dt 2 lc rgb "#7570b3" title "model, clustered buckets", \
     "" using 1:4:(1.96*$5) with yerrorbars pt 6 ps 1.3 lc rgb "#d95f02" title "kadsim alpha 1, joined", \
     "" using 1:2:(1.96*$3) with yerrorbars pt 4 ps 1.3 lc rgb "#e7298a" title "kadsim alpha 3, joined", \
     "" using 1:6:(1.96*$7) with yerrorbars pt 9 ps 1.5 lc rgb "#666666" title "kadsim alpha 3, oracle (bug)"
unset multiplot
