/* chord — the Chord protocol (Stoica et al., SIGCOMM 2001; IEEE/ACM ToN 2003) as a
 * SimProtocolClass.
 *
 * Select it with sim_new(cfg, &chord_protocol_class, ...) after declaring its keys ([chord])
 * with chord_protocol_class.declare(cfg). The functions below let the tests and measurement
 * drivers look inside: IDs, pointers, the ring's invariants, and who holds a key. */
#pragma once

#include "chord_id.h"
#include "sim.h"

extern const SimProtocolClass chord_protocol_class;

typedef struct Chord Chord;

/* The protocol state of a simulation built with chord_protocol_class. */
static inline Chord *chord_of(const Sim *sim) { return (Chord *) sim_protocol(sim); }

guint chord_id_bits(const Chord *chord);
guint chord_successors(const Chord *chord);

/* ID of the node now on `host`, or NULL if the host never came up. */
const ChordId *chord_host_id(const Chord *chord, SimHost host);
/* The host of the node that `host`'s node takes for its successor / predecessor, or
 * SIM_HOST_NONE (no such pointer, or the host is down). */
SimHost chord_host_successor(const Chord *chord, SimHost host);
SimHost chord_host_predecessor(const Chord *chord, SimHost host);
/* Distinct fingers of the node on `host`. */
guint chord_host_fingers(const Chord *chord, SimHost host);

/* The ID of workload key number `key` (stores and gets); of a lookup's random target. */
ChordId chord_key_id(const Chord *chord, uint64_t key);
ChordId chord_lookup_target(const Chord *chord, uint64_t key);

/* Structural invariants of every live node (never itself in its lists, no duplicates, fingers
 * in clockwise order). FALSE with a message in *why (caller frees). */
gboolean chord_check_invariants(const Chord *chord, char **why);

/* The ring against the truth: every live, joined node's successor and predecessor are the
 * true ones; with `fingers`, every finger is the true successor of its start too. FALSE with
 * the first difference in *why (caller frees). */
gboolean chord_check_ring(const Chord *chord, gboolean fingers, char **why);

/* Hosts now up that hold key number `key`, up to max; returns how many. */
guint chord_holders(const Chord *chord, uint64_t key, SimHost *out, guint max);
/* The host now responsible for key number `key` (the live successor of its ID). */
SimHost chord_owner(const Chord *chord, uint64_t key);

/* From now on no node stabilizes, fixes fingers or checks its predecessor (the papers'
 * experiments of failures with no stabilization afterwards). */
void chord_stop_maintenance(Chord *chord);
/* bootstrap = oracle: fill every live node's state now rather than when it first acts. */
void chord_oracle_fill_all(Chord *chord);

/* Tests: every live node's successor list and predecessor skip every other node, as if the
 * ring went round twice: a state stabilization alone never repairs (each node's pointers
 * agree with its neighbours'). Fingers stay as they are. */
void chord_make_loopy(Chord *chord);
/* Tests: `node` believes its successor lies `far` nodes round the ring and knows no
 * predecessor; its true predecessor and successor know each other and not it (the state of
 * 32 nodes at the end of a 300k real-join run). Fingers stay as they are. */
void chord_make_skipped(Chord *chord, uint32_t node, guint far);

/* Heap bytes of per-node protocol state divided by the nodes ever created. */
double chord_bytes_per_node(const Chord *chord);
