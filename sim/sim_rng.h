/* sim_rng — deterministic random streams derived from one master seed.
 *
 * Every consumer of randomness (a node, a model, the workload) draws from its own stream,
 * identified by a name and an index, so adding a draw in one place never shifts the draws of
 * another (DESIGN.md decision 3). The generator is xoshiro256** (32 bytes of state, period
 * 2^256 - 1); it is exposed as a gsl_rng so that every gsl_ran_* distribution works on it.
 * We rejected GSL's own generators for this: mt19937 carries 5 KB of state per stream, and
 * gsl_rng_alloc() allocates, which rules out one stream per node at a million nodes. */
#pragma once

#include <glib.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>

/* The bare 32-byte state: what a per-node array stores. */
typedef struct {
    uint64_t s[4];
} SimRngState;

/* A stream usable with GSL: pass sim_rng_gsl(&rng) to gsl_ran_*(). The gsl_rng inside points
 * at the state inside, so a SimRng must not be copied by value (re-init or re-bind instead). */
typedef struct {
    gsl_rng     gsl;
    SimRngState st;
} SimRng;

/* Stream identity from a name ("node", "latency", "churn", ...) and an index. */
uint64_t sim_rng_stream_id(const char *name, uint64_t index);

/* Seed state for (master seed, stream id). Distinct ids give statistically independent
 * streams (the pair is hashed with SplitMix64, the seeding xoshiro's authors recommend). */
void sim_rng_state_init(SimRngState *st, uint64_t master_seed, uint64_t stream_id);
void sim_rng_init(SimRng *rng, uint64_t master_seed, uint64_t stream_id);

/* Make a gsl_rng view onto external state (e.g. one element of a per-node array). The view is
 * valid while st is; draws through it advance st. */
void sim_rng_bind(SimRng *rng_view_out, SimRngState *st);
/* The same, for callers that want only the gsl_rng (on the stack, no copy of the state). */
extern const gsl_rng_type *sim_rng_gsl_type;
static inline gsl_rng sim_rng_gsl_view(SimRngState *st)
{
    gsl_rng g = { sim_rng_gsl_type, st };
    return g;
}

static inline gsl_rng *sim_rng_gsl(SimRng *rng) { return &rng->gsl; }

static inline uint64_t sim_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits (xoshiro256**). */
static inline uint64_t sim_rng_state_next(SimRngState *st)
{
    uint64_t *s = st->s;
    const uint64_t result = sim_rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rng_rotl(s[3], 45);
    return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double sim_rng_state_uniform(SimRngState *st)
{
    return (double) (sim_rng_state_next(st) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method). */
uint64_t sim_rng_state_below(SimRngState *st, uint64_t n);

static inline uint64_t sim_rng_u64(SimRng *rng)            { return sim_rng_state_next(&rng->st); }
static inline double sim_rng_uniform(SimRng *rng)          { return sim_rng_state_uniform(&rng->st); }
static inline uint64_t sim_rng_below(SimRng *rng, uint64_t n) { return sim_rng_state_below(&rng->st, n); }

/* SplitMix64 finaliser: a good 64-bit mixing function, also used to hash identities. */
static inline uint64_t sim_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
