/* sim_csv — numbers and names as kadsim's tables write them: locale-independent (the program
 * runs under setlocale), exact where they can be, readable by gnuplot, R and pandas. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_time.h"

/* A real number with 9 significant digits; NaN is an empty field. */
void sim_csv_append_real(GString *out, double v);
/* A count, in full. */
void sim_csv_append_count(GString *out, uint64_t n);
/* t (>= 0) nanoseconds in `unit`, exactly, without trailing zeros: 1.5 s -> "1.5". */
void sim_csv_append_time(GString *out, SimTime t, SimTime unit);
/* A name usable as (part of) a column header: anything but letters, digits and '_' becomes
 * '_', so that gnuplot's column("bytes_X") finds it. Caller frees. */
char *sim_csv_column_name(const char *name);
