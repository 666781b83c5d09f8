/* latency = matrix: measured round-trip times between M real hosts, from a file; the one-way
 * delay of a message is half the RTT of the pair its hosts map onto.
 *
 * The file is the all-pairs matrix of the King and Meridian data sets: M lines of M numbers,
 * line i giving the RTTs from matrix host i to hosts 0 .. M-1, separated by blanks or commas,
 * in the unit latency_matrix_unit says. Blank lines and lines starting with # are skipped.
 * A negative value means "not measured": the pair takes the reverse direction's value, or the
 * matrix's mean RTT when both are missing (the King data misses a few percent of pairs).
 *
 * Host h maps onto matrix host perm[h mod M], perm a random permutation drawn from the model's
 * setup stream: distinct hosts get distinct matrix hosts while hosts <= M, and each matrix host
 * carries at most ceil(hosts / M) hosts beyond. Two hosts on the same matrix host are "in the
 * same site": they get the diagonal entry if it is positive, else half the smallest RTT of that
 * row (its nearest measured neighbour). */
#include "sim_net.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { UNIT_MS, UNIT_US };
/* Values kept per matrix host pair: one-way delay in ns as a float (24-bit mantissa: 8 ns of
 * rounding on a 100 ms delay, 4 bytes instead of 8; the King matrix is 1740^2 of them). */
#define MISSING (-1.0f)
/* The largest RTT a matrix may hold: a one-way delay of an hour, the cap of every other latency
 * model's keys. Larger is a mistake in the data (a wrong unit, a sentinel such as 1e30), and
 * would overflow the nanosecond clock. */
#define MAX_RTT_NS (2.0 * 3600 * SIM_S)

static const SimCfgKey matrix_keys[] = {
    { "network", "latency_matrix", SIM_CFG_PATH, "", 0, 0, NULL, "latency=matrix",
      "All-pairs RTT matrix (King / Meridian layout: M lines of M values; negative = not\n"
      "measured). One-way delay = RTT / 2. Relative paths start at the scenario's folder" },
    { "network", "latency_matrix_unit", SIM_CFG_CHOICE, "ms", 0, 0, "ms|us", "latency=matrix",
      "Unit of the matrix's values: ms or us (microseconds)" },
};

typedef struct {
    guint m;          /* matrix hosts */
    float *oneway;    /* m * m one-way delays in ns; the diagonal holds the same-site delay */
    uint32_t *map;    /* host -> matrix host */
    double mean_ns;   /* mean one-way delay over distinct matrix pairs */
} Matrix;

static void matrix_free(void *self)
{
    Matrix *mx = self;
    if (!mx)
        return;
    g_free(mx->oneway);
    g_free(mx->map);
    g_free(mx);
}

/* Split one line into numbers; FALSE and *bad pointing at the offending token if one is not. */
static gboolean parse_row(char *line, GArray *row, char **bad)
{
    g_array_set_size(row, 0);
    char *save = NULL;  /* strtok_r: matrices may load in several sweep threads at once */
    for (char *tok = strtok_r(line, " \t,\r", &save); tok; tok = strtok_r(NULL, " \t,\r", &save)) {
        char *end;
        errno = 0;
        double v = g_ascii_strtod(tok, &end);
        if (errno || *end || !isfinite(v)) {
            *bad = tok;
            return FALSE;
        }
        g_array_append_val(row, v);
    }
    return TRUE;
}

/* Read the file's RTTs into a list of rows; errors name the file and the line. */
static gboolean read_rows(const SimConfig *cfg, const char *path, double unit_ns, GArray *values,
                          guint *m, GError **error)
{
    GError *ferr = NULL;
    char *text = sim_text_file_read(path, "latency matrix", SIM_DATA_FILE_MAX_BYTES, &ferr);
    if (!text) {
        sim_config_fail(cfg, error, "network", "latency_matrix", "%s", ferr->message);
        g_error_free(ferr);
        return FALSE;
    }
    char **lines = g_strsplit(text, "\n", -1);
    g_free(text);
    GArray *row = g_array_new(FALSE, FALSE, sizeof(double));
    gboolean ok = TRUE;
    *m = 0;
    guint rows = 0;
    for (guint ln = 0; lines[ln] && ok; ln++) {
        char *line = g_strstrip(lines[ln]);
        if (!*line || *line == '#')
            continue;
        char *bad = NULL;
        if (!parse_row(line, row, &bad)) {
            ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                                 "%s:%u: '%s' is not a number", path, ln + 1, bad);
        } else if (rows == 0 && row->len == 0) {
            continue;
        } else if (rows > 0 && row->len != *m) {
            ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                                 "%s:%u: %u values where the first row has %u (the matrix must "
                                 "be square: one value per pair)", path, ln + 1, row->len, *m);
        } else if (rows >= row->len) {
            ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                                 "%s:%u: more rows than the %u columns of a square matrix",
                                 path, ln + 1, row->len);
        } else {
            *m = row->len;
            for (guint j = 0; j < row->len && ok; j++) {
                double v = g_array_index(row, double, j);
                if (v * unit_ns > MAX_RTT_NS)
                    ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                                         "%s:%u: value %u, %.15g, is out of range: an RTT is at "
                                         "most %.0f %s (a one-way delay of an hour)", path, ln + 1,
                                         j + 1, v, MAX_RTT_NS / unit_ns, unit_ns == SIM_MS
                                         ? "ms" : "us");
                float f = v < 0 ? MISSING : (float) (v * unit_ns / 2);
                g_array_append_val(values, f);
            }
            rows++;
        }
    }
    if (ok && rows != *m)
        ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                             "%s: %u rows for %u columns; the matrix must be square (M lines of "
                             "M values)", path, rows, *m);
    if (ok && *m < 2)
        ok = sim_config_fail(cfg, error, "network", "latency_matrix",
                             "%s: a matrix needs at least 2 hosts", path);
    g_array_free(row, TRUE);
    g_strfreev(lines);
    return ok;
}

/* Fill missing pairs (reverse direction, else the mean) and the diagonal (same site). */
static gboolean complete(Matrix *mx, const SimConfig *cfg, const char *path, GError **error)
{
    guint m = mx->m;
    float *d = mx->oneway;
    double sum = 0;
    guint64 n = 0;
    for (guint i = 0; i < m; i++)
        for (guint j = 0; j < m; j++) {
            if (i != j && d[i * m + j] < 0)
                d[i * m + j] = d[j * m + i];
            if (i != j && d[i * m + j] >= 0)
                sum += d[i * m + j], n++;
        }
    if (n == 0)
        return sim_config_fail(cfg, error, "network", "latency_matrix",
                               "%s: no pair of hosts has a measured RTT", path);
    mx->mean_ns = sum / (double) n;
    for (guint i = 0; i < m; i++) {
        float nearest = G_MAXFLOAT;
        for (guint j = 0; j < m; j++) {
            if (i != j && d[i * m + j] < 0)
                d[i * m + j] = (float) mx->mean_ns;
            if (i != j && d[i * m + j] > 0)
                nearest = MIN(nearest, d[i * m + j]);
        }
        if (!(d[i * m + i] > 0))
            d[i * m + i] = nearest < G_MAXFLOAT ? nearest : (float) mx->mean_ns;
    }
    return TRUE;
}

static void *matrix_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    g_autofree char *path = sim_config_get_path(cfg, "network", "latency_matrix");
    if (!*path) {
        sim_config_fail(cfg, error, "network", "latency_matrix",
                        "latency = matrix needs the file of RTTs: set latency_matrix");
        return NULL;
    }
    double unit_ns = sim_config_get_choice(cfg, "network", "latency_matrix_unit") == UNIT_MS
                         ? (double) SIM_MS : (double) SIM_US;
    Matrix *mx = g_new0(Matrix, 1);
    GArray *values = g_array_new(FALSE, FALSE, sizeof(float));
    if (!read_rows(cfg, path, unit_ns, values, &mx->m, error)) {
        g_array_free(values, TRUE);
        matrix_free(mx);
        return NULL;
    }
    mx->oneway = (float *) g_array_free(values, FALSE);
    if (!complete(mx, cfg, path, error)) {
        matrix_free(mx);
        return NULL;
    }
    uint32_t *perm = g_new(uint32_t, mx->m);
    for (guint i = 0; i < mx->m; i++)
        perm[i] = i;
    for (guint i = mx->m - 1; i > 0; i--) {  /* Fisher–Yates */
        guint j = (guint) sim_rng_below(rng, i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    mx->map = g_new(uint32_t, hosts);
    for (guint h = 0; h < hosts; h++)
        mx->map[h] = perm[h % mx->m];
    g_free(perm);
    return mx;
}

static SimTime matrix_delay(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    const Matrix *mx = self;
    return (SimTime) mx->oneway[(gsize) mx->map[src] * mx->m + mx->map[dst]];
}

static SimTime matrix_min(const void *self)
{
    const Matrix *mx = self;
    float least = mx->oneway[0];
    for (gsize i = 1; i < (gsize) mx->m * mx->m; i++)
        least = MIN(least, mx->oneway[i]);
    return (SimTime) least;  /* converted as matrix_delay() converts */
}

static double matrix_mean(const void *self)
{
    return ((const Matrix *) self)->mean_ns;
}

const SimLatencyClass sim_latency_matrix = {
    "matrix", matrix_keys, G_N_ELEMENTS(matrix_keys),
    matrix_create, matrix_delay, matrix_mean, matrix_free, matrix_min,
};
