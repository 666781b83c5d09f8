#include "sim_rng.h"

#include <string.h>

/* GSL generator type over SimRngState. get() returns 32 bits: GSL's distributions assume
 * get() covers [min, max] uniformly, and unsigned long is 64 bits here but GSL's integer
 * helpers (gsl_rng_uniform_int) need max - min to fit their arithmetic comfortably. */
static unsigned long rng_get(void *state)
{
    return (unsigned long) (sim_rng_state_next(state) >> 32);
}

static double rng_get_double(void *state)
{
    return sim_rng_state_uniform(state);
}

static void rng_set(void *state, unsigned long seed)
{
    sim_rng_state_init(state, (uint64_t) seed, 0);
}

static const gsl_rng_type sim_rng_type = {
    "kadsim-xoshiro256**",
    0xffffffffUL,
    0,
    sizeof(SimRngState),
    rng_set,
    rng_get,
    rng_get_double,
};

const gsl_rng_type *sim_rng_gsl_type = &sim_rng_type;

uint64_t sim_rng_stream_id(const char *name, uint64_t index)
{
    /* FNV-1a over the name, then mixed with the index: stable across platforms and runs. */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *) name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return sim_mix64(h ^ sim_mix64(index + 0x9e3779b97f4a7c15ULL));
}

void sim_rng_state_init(SimRngState *st, uint64_t master_seed, uint64_t stream_id)
{
    uint64_t x = sim_mix64(master_seed) ^ sim_mix64(stream_id ^ 0x6a09e667f3bcc909ULL);
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        st->s[i] = sim_mix64(x);
    }
    if ((st->s[0] | st->s[1] | st->s[2] | st->s[3]) == 0)  /* the one forbidden state */
        st->s[0] = 1;
}

void sim_rng_bind(SimRng *rng, SimRngState *st)
{
    rng->gsl.type = sim_rng_gsl_type;
    rng->gsl.state = st;
}

void sim_rng_init(SimRng *rng, uint64_t master_seed, uint64_t stream_id)
{
    sim_rng_state_init(&rng->st, master_seed, stream_id);
    sim_rng_bind(rng, &rng->st);
}

uint64_t sim_rng_state_below(SimRngState *st, uint64_t n)
{
    g_assert(n > 0);
    unsigned __int128 m = (unsigned __int128) sim_rng_state_next(st) * n;
    uint64_t low = (uint64_t) m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128) sim_rng_state_next(st) * n;
            low = (uint64_t) m;
        }
    }
    return (uint64_t) (m >> 64);
}
