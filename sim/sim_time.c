#include "sim_time.h"

#include <math.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK(sim-time-error-quark, sim_time_error)

typedef struct {
    const char *name;
    SimTime     ns;
} TimeUnit;

/* Longest names first so that "min" and "ms" are not read as "m..." prefixes of each other. */
static const TimeUnit time_units[] = {
    { "min", SIM_MIN }, { "ns", SIM_NS }, { "us", SIM_US }, { "ms", SIM_MS },
    { "s", SIM_S },     { "h", SIM_H },   { "d", SIM_D },
};

static const TimeUnit *find_unit(const char *text)
{
    for (gsize i = 0; i < G_N_ELEMENTS(time_units); i++)
        if (strcmp(text, time_units[i].name) == 0)
            return &time_units[i];
    return NULL;
}

static gboolean fail(GError **error, const char *text, const char *why)
{
    g_set_error(error, SIM_TIME_ERROR, 0,
                "'%s' is not a duration: %s (write e.g. 250ms, 1.5s, 90min, 6h, 2d; "
                "units ns, us, ms, s, min, h, d)", text, why);
    return FALSE;
}

gboolean sim_time_parse(const char *text, SimTime *out, GError **error)
{
    g_return_val_if_fail(text != NULL && out != NULL, FALSE);
    const char *p = text;
    while (g_ascii_isspace(*p))
        p++;
    if (*p == '-' || *p == '+')
        return fail(error, text, "no sign allowed");

    /* Integer and fractional digits, kept as exact integers. */
    uint64_t whole = 0, frac = 0, frac_scale = 1;
    gboolean any_digit = FALSE;
    for (; g_ascii_isdigit(*p); p++) {
        if (whole > (UINT64_MAX - 9) / 10)
            return fail(error, text, "too large");
        whole = whole * 10 + (uint64_t) (*p - '0');
        any_digit = TRUE;
    }
    if (*p == '.') {
        p++;
        for (; g_ascii_isdigit(*p); p++) {
            if (frac_scale >= 1000000000000000000ULL)
                return fail(error, text, "too many decimals");
            frac = frac * 10 + (uint64_t) (*p - '0');
            frac_scale *= 10;
            any_digit = TRUE;
        }
    }
    if (!any_digit)
        return fail(error, text, "a number must come first");

    char unit_text[8];
    gsize n = 0;
    while (g_ascii_isalpha(*p) && n < sizeof unit_text - 1)
        unit_text[n++] = *p++;
    unit_text[n] = '\0';
    while (g_ascii_isspace(*p))
        p++;
    if (*p != '\0')
        return fail(error, text, "unexpected characters after the unit");

    if (n == 0) {
        if (whole == 0 && frac == 0) {  /* "0" needs no unit */
            *out = 0;
            return TRUE;
        }
        return fail(error, text, "the unit is missing");
    }
    const TimeUnit *unit = find_unit(unit_text);
    if (!unit)
        return fail(error, text, "unknown unit");

    uint64_t ns_per_unit = (uint64_t) unit->ns;
    if (whole > (uint64_t) INT64_MAX / ns_per_unit)
        return fail(error, text, "too large (the limit is about 292 years)");
    uint64_t total = whole * ns_per_unit;
    /* frac / frac_scale units, exact: ns_per_unit * frac must divide by frac_scale. */
    unsigned __int128 frac_ns = (unsigned __int128) frac * ns_per_unit;
    if (frac_ns % frac_scale != 0)
        return fail(error, text, "finer than 1 ns");
    uint64_t add = (uint64_t) (frac_ns / frac_scale);
    if (total > (uint64_t) INT64_MAX - add)
        return fail(error, text, "too large (the limit is about 292 years)");
    *out = (SimTime) (total + add);
    return TRUE;
}

char *sim_time_format(SimTime t)
{
    if (t == 0)
        return g_strdup("0");
    g_return_val_if_fail(t > 0, g_strdup("invalid"));
    /* Largest unit in which t has at most three decimals, e.g. 1.5s rather than 1500ms. */
    static const TimeUnit by_size[] = {
        { "d", SIM_D }, { "h", SIM_H }, { "min", SIM_MIN }, { "s", SIM_S },
        { "ms", SIM_MS }, { "us", SIM_US }, { "ns", SIM_NS },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(by_size); i++) {
        SimTime u = by_size[i].ns;
        if (t % u == 0)
            return g_strdup_printf("%" G_GINT64_FORMAT "%s", t / u, by_size[i].name);
        if (u >= 1000 && u % 1000 == 0 && t >= u && t % (u / 1000) == 0) {
            char frac[8];
            g_snprintf(frac, sizeof frac, "%03" G_GINT64_FORMAT, (t % u) / (u / 1000));
            for (int k = 2; k > 0 && frac[k] == '0'; k--)
                frac[k] = '\0';
            return g_strdup_printf("%" G_GINT64_FORMAT ".%s%s", t / u, frac, by_size[i].name);
        }
    }
    g_assert_not_reached();
}

SimTime sim_time_from_s(double seconds)
{
    if (!(seconds > 0))
        return 0;
    double ns = nearbyint(seconds * (double) SIM_S);
    return ns >= (double) INT64_MAX ? SIM_TIME_NEVER : (SimTime) ns;
}

double sim_thread_cpu_s(void)
{
    struct timespec ts;
    return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? ts.tv_sec + ts.tv_nsec / 1e9 : NAN;
}
