/* sim_time — simulated time as a 64-bit integer count of nanoseconds.
 *
 * Integer time keeps event order exact: a floating-point clock would make the order of two
 * events depend on rounding. INT64 nanoseconds reach about 292 years of simulated time. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef int64_t SimTime;

#define SIM_NS  ((SimTime) 1)
#define SIM_US  ((SimTime) 1000)
#define SIM_MS  ((SimTime) 1000000)
#define SIM_S   ((SimTime) 1000000000)
#define SIM_MIN (60 * SIM_S)
#define SIM_H   (60 * SIM_MIN)
#define SIM_D   (24 * SIM_H)
#define SIM_TIME_NEVER INT64_MAX

#define SIM_TIME_ERROR (sim_time_error_quark())
GQuark sim_time_error_quark(void);

/* Parse a non-negative duration such as "250ms", "1.5s", "90min", "6h", "2d", "0".
 * Units: ns, us, ms, s, min, h, d. The number is decimal (no exponent) and is converted
 * exactly: "1.5s" is 1500000000 ns, never 1499999999. A fraction finer than 1 ns, a missing
 * or unknown unit, a sign, or a value past ~292 years is an error with a message that says
 * what is allowed. Returns FALSE and sets error on failure. */
gboolean sim_time_parse(const char *text, SimTime *out, GError **error);

/* Shortest exact text for t in the largest unit that represents it without rounding, e.g.
 * "1.5s", "250ms", "6h"; parses back to t with sim_time_parse(). Caller frees. */
char *sim_time_format(SimTime t);

static inline double sim_time_to_s(SimTime t)  { return (double) t / (double) SIM_S; }
static inline double sim_time_to_ms(SimTime t) { return (double) t / (double) SIM_MS; }

/* Nearest time for a number of seconds (for values drawn from continuous distributions). */
SimTime sim_time_from_s(double seconds);

/* CPU seconds used so far by the calling thread (NaN if the system cannot tell): what a
 * simulation cost, whatever else shares the machine (a sweep runs each on its own thread). */
double sim_thread_cpu_s(void);
