/* fuzz_matrix — arbitrary bytes as a latency matrix (latency = matrix), read as kadsim reads
 * it: through a scenario that names it (latency_matrix = matrix.txt, in ms for inputs of even
 * length, in us for odd ones). What must hold for every input, beyond "no crash, no sanitizer
 * report, no leak":
 *   - a refused matrix is refused with a message that starts with the scenario's name and
 *     names [network] latency_matrix;
 *   - a matrix holding a NUL byte is refused; one whose only line ends are CR gives the same
 *     delays as its LF twin (or is refused alike);
 *   - an accepted one gives every pair of hosts (more hosts than a small matrix has) a delay
 *     from 1 ns to an hour (the largest RTT allowed is two hours), and a mean in that range. */
#include "config.h"

#include <math.h>

#include "fuzz.h"
#include "fuzz_files.h"
#include "program.h"
#include "sim_net.h"

/* A matrix of this size is about a megabyte of text; larger teaches nothing new. */
#define FUZZ_MAX_INPUT (1 << 20)
#define HOSTS 24
/* One-way delays are kept as floats (sim/latency_matrix.c): an hour rounds by up to 2^18 ns. */
#define MAX_DELAY (SIM_H + SIM_MS)

static const char *const scenarios[2] = {
    "[simulation]\nnodes = 24\n[network]\nlatency = matrix\nlatency_matrix = matrix.txt\n",
    "[simulation]\nnodes = 24\n[network]\nlatency = matrix\nlatency_matrix = matrix.txt\n"
    "latency_matrix_unit = us\n",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

/* The model built from `data` as matrix.txt, or NULL (refused, checked); *cfg_out keeps its
 * configuration (caller frees both). */
static SimLatency *load(const char *data, size_t size, SimConfig **cfg_out)
{
    const char *scenario = scenarios[size % 2];
    g_autofree char *path = fuzz_write("matrix.ini", scenario, strlen(scenario));
    g_free(fuzz_write("matrix.txt", data, size));
    SimConfig *cfg = *cfg_out = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    if (!sim_config_load_file(cfg, path, &error))
        g_error("the fixed scenario is refused: %s", error->message);
    SimLatency *lat = sim_latency_new(cfg, 1, HOSTS, &error);
    if (!lat)
        fuzz_expect_error(error, path, "[network] latency_matrix", "sim_latency_new");
    return lat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    SimConfig *cfg;
    SimLatency *lat = load((const char *) data, size, &cfg);
    if (!lat) {
        sim_config_free(cfg);
        return 0;
    }
    fuzz_refuse_nul((const char *) data, size, "a matrix");
    for (SimHost a = 0; a < HOSTS; a++)
        for (SimHost b = 0; b < HOSTS; b++) {
            SimTime d = sim_latency_delay(lat, a, b);
            if (d < 1 || d > MAX_DELAY)
                g_error("delay %u -> %u is %" G_GINT64_FORMAT " ns", a, b, d);
        }
    double mean = sim_latency_mean(lat);
    if (!(isfinite(mean) && mean >= 0 && mean <= (double) MAX_DELAY))
        g_error("mean delay %g ns", mean);
    g_autofree char *twin = fuzz_lf_twin((const char *) data, size);
    if (twin) {
        SimConfig *twin_cfg;
        SimLatency *twin_lat = load(twin, size, &twin_cfg);
        for (SimHost a = 0; twin_lat && a < HOSTS; a++)
            for (SimHost b = 0; b < HOSTS; b++)
                if (sim_latency_delay(lat, a, b) != sim_latency_delay(twin_lat, a, b))
                    g_error("a matrix with CR line ends reads unlike its LF twin");
        if (!twin_lat)
            g_error("a matrix with CR line ends is accepted, its LF twin refused");
        sim_latency_free(twin_lat);
        sim_config_free(twin_cfg);
    }
    sim_latency_free(lat);
    sim_config_free(cfg);
    return 0;
}
