/* latency = euclidean: hosts placed uniformly at random in a square plane or on a sphere; the
 * one-way delay is distance * euclidean_per_km + euclidean_access.
 *
 * Positions are drawn once, in host order, from the model's setup stream and kept as floats
 * (8 bytes per host on the plane, 12 on the sphere): a float is exact to a metre or so here,
 * far below what the delay can resolve. On the sphere the great-circle distance comes from the
 * chord between unit vectors, 2 asin(chord / 2), which stays accurate for close hosts where
 * acos(dot product) loses all its digits.
 *
 * The defaults (Earth's radius, 8 us/km, 10 ms access) give a mean one-way delay of
 * pi/2 * 6371 km * 8 us/km + 10 ms = 90 ms, close to the King data set's 89 ms. */
#include "sim_net.h"

#include <math.h>

enum { SPACE_PLANE, SPACE_SPHERE };

/* Mean distance between two uniform points in a unit square: (2 + sqrt 2 + 5 asinh 1) / 15. */
#define UNIT_SQUARE_MEAN_DISTANCE 0.5214054331647207

static const SimCfgKey euclidean_keys[] = {
    { "network", "euclidean_space", SIM_CFG_CHOICE, "sphere", 0, 0, "plane|sphere",
      "latency=euclidean", "Where hosts are placed, uniformly: a square plane or a sphere" },
    { "network", "euclidean_side", SIM_CFG_DOUBLE, "10000", 1e-3, 1e6, NULL,
      "euclidean_space=plane", "Side of the square, in km" },
    { "network", "euclidean_radius", SIM_CFG_DOUBLE, "6371", 1e-3, 1e6, NULL,
      "euclidean_space=sphere", "Radius of the sphere, in km (6371: the Earth)" },
    { "network", "euclidean_per_km", SIM_CFG_DURATION, "8us", 0, 1, NULL, "latency=euclidean",
      "Delay per km of distance (light in fibre: 5us/km; routes are longer than the\n"
      "straight line)" },
    { "network", "euclidean_access", SIM_CFG_DURATION, "10ms", 0, 3600, NULL, "latency=euclidean",
      "Fixed delay added to every message: both ends' access links together" },
};

typedef struct {
    int space;
    guint dims;       /* 2 (plane) or 3 (sphere) */
    float *pos;       /* dims floats per host: km on the plane, a unit vector on the sphere */
    double size_km;   /* side or radius */
    double per_km_ns, access_ns;
} Euclidean;

static void place(Euclidean *e, guint hosts, SimRng *rng)
{
    for (guint h = 0; h < hosts; h++) {
        float *p = &e->pos[(gsize) h * e->dims];
        if (e->space == SPACE_PLANE) {
            p[0] = (float) (sim_rng_uniform(rng) * e->size_km);
            p[1] = (float) (sim_rng_uniform(rng) * e->size_km);
            continue;
        }
        /* Uniform on the sphere: z uniform in [-1, 1] (Archimedes), longitude uniform. */
        double z = 2 * sim_rng_uniform(rng) - 1, phi = 2 * M_PI * sim_rng_uniform(rng);
        double r = sqrt(1 - z * z);
        p[0] = (float) (r * cos(phi));
        p[1] = (float) (r * sin(phi));
        p[2] = (float) z;
    }
}

static void *euclidean_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    Euclidean *e = g_new0(Euclidean, 1);
    e->space = (int) sim_config_get_choice(cfg, "network", "euclidean_space");
    e->dims = e->space == SPACE_PLANE ? 2 : 3;
    e->size_km = sim_config_get_double(cfg, "network",
                                       e->space == SPACE_PLANE ? "euclidean_side"
                                                               : "euclidean_radius");
    e->per_km_ns = (double) sim_config_get_duration(cfg, "network", "euclidean_per_km");
    e->access_ns = (double) sim_config_get_duration(cfg, "network", "euclidean_access");
    e->pos = g_new(float, (gsize) hosts * e->dims);
    place(e, hosts, rng);
    return e;
}

static double distance_km(const Euclidean *e, SimHost a, SimHost b)
{
    const float *p = &e->pos[(gsize) a * e->dims], *q = &e->pos[(gsize) b * e->dims];
    double sq = 0;
    for (guint i = 0; i < e->dims; i++)
        sq += ((double) p[i] - q[i]) * ((double) p[i] - q[i]);
    if (e->space == SPACE_PLANE)
        return sqrt(sq);
    double half_chord = MIN(sqrt(sq) / 2, 1.0);  /* float rounding may overshoot 1 */
    return 2 * asin(half_chord) * e->size_km;
}

static SimTime euclidean_delay(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    const Euclidean *e = self;
    return (SimTime) llround(distance_km(e, src, dst) * e->per_km_ns + e->access_ns);
}

static double euclidean_mean(const void *self)
{
    const Euclidean *e = self;
    double mean_km = e->space == SPACE_PLANE ? UNIT_SQUARE_MEAN_DISTANCE * e->size_km
                                             : M_PI / 2 * e->size_km;
    return mean_km * e->per_km_ns + e->access_ns;
}

static void euclidean_free(void *self)
{
    Euclidean *e = self;
    g_free(e->pos);
    g_free(e);
}

const SimLatencyClass sim_latency_euclidean = {
    "euclidean", euclidean_keys, G_N_ELEMENTS(euclidean_keys),
    euclidean_create, euclidean_delay, euclidean_mean, euclidean_free,
    NULL,  /* no positive minimum known: two hosts may sit close together */
};
