# durability.gp — plot of validation check 3 (docs/validation.md) from val_durability's data:
#   gnuplot -e "dir='validation'" validate/durability.gp   ->  dir/durability.png
if (!exists("dir")) dir = "validation"
set terminal pngcairo size 900,560 font ",11"
set output dir."/durability.png"
set datafile missing "nan"
set grid lc rgb "#dddddd"
set title "Stored keys still held by a live node, under churn (exponential sessions, mean 1 h)"
set xlabel "hours since the keys were stored"
set ylabel "fraction of keys"
set yrange [0:1.05]
set key bottom left Left reverse box opaque
plot dir."/durability.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1b9e77" title "replication on (5 min, republish 1 h): alive", \
     "" using 1:3 with points pt 6 ps 1.2 lc rgb "#1b9e77" title "on: get succeeds", \
     "" using 1:4:(1.96*$5) with yerrorbars pt 5 lc rgb "#d95f02" title "off: alive (mean of 4 seeds, 95%)", \
     "" using 1:6 with points pt 4 ps 1.2 lc rgb "#d95f02" title "off: get succeeds", \
     "" using 1:7 with lines lw 2 dt 2 lc rgb "#333333" title "model: 1 - (1 - e^{-t/m})^{h_0}"
