#include "sim_csv.h"

#include <inttypes.h>
#include <math.h>

void sim_csv_append_real(GString *out, double v)
{
    if (isnan(v))
        return;
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.9g", v == 0 ? 0.0 : v));
}

void sim_csv_append_count(GString *out, uint64_t n)
{
    g_string_append_printf(out, "%" PRIu64, n);
}

void sim_csv_append_time(GString *out, SimTime t, SimTime unit)
{
    g_assert(t >= 0);
    g_string_append_printf(out, "%" PRId64, t / unit);
    SimTime frac = t % unit;
    if (frac == 0)
        return;
    int digits = 0;
    for (SimTime u = unit; u > 1; u /= 10)
        digits++;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    g_string_append_printf(out, ".%0*" PRId64, digits, frac);
}

char *sim_csv_column_name(const char *name)
{
    char *s = g_strdup(name);
    for (char *p = s; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_')
            *p = '_';
    return s;
}
