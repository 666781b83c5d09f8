/* plot_cmd — `kadsim plot DIR [OPTION…]`: the plots of a sweep folder a student needs without
 * writing gnuplot: a metric against a swept key (numeric or log axis, fitted line), or a metric
 * against another metric, one point per setting, with the convex hull of each family
 * (docs/sweeps.md). */
#pragma once

/* argv[0] is "plot". Returns the exit status: 0, 1 when drawing failed, 2 for a usage error. */
int kadsim_plot_main(int argc, char **argv);
