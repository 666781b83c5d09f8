/* kad — the Kademlia protocol (Maymounkov & Mazières 2002) as a SimProtocolClass.
 *
 * Select it with sim_new(cfg, &kad_protocol_class, ...) after declaring its keys ([kademlia])
 * with kad_protocol_class.declare(cfg). The functions below let the program and the tests look
 * inside: node IDs, invariant checks, and explicit puts and gets of real bytes (the demo). */
#pragma once

#include "kad_id.h"
#include "sim.h"

extern const SimProtocolClass kad_protocol_class;

typedef struct Kad Kad;

/* The protocol state of a simulation built with kad_protocol_class. */
static inline Kad *kad_of(const Sim *sim) { return (Kad *) sim_protocol(sim); }

guint kad_k(const Kad *kad);

/* Tests: make the limit of node identities (hosts plus fresh-identity rejoins; 2^28 - 1 in a
 * run) `max`, to see a run reach it: sim_run() then stops with SIM_STOP_FAILED. */
void kad_limit_identities(Kad *kad, uint32_t max);
guint kad_id_bits(const Kad *kad);

/* ID of the node now on `host`, or NULL if the host never came up. */
const KadId *kad_host_id(const Kad *kad, SimHost host);
/* Contacts in the routing table of the node on `host`. */
guint kad_host_table_size(const Kad *kad, SimHost host);

/* Check every live node's routing table (never itself, at most k per bucket, contacts in the
 * bucket of their prefix, no duplicates). FALSE with a message in *why (caller frees). */
gboolean kad_check_invariants(const Kad *kad, char **why);

/* Of the contacts in live nodes' routing tables, the fraction behind a NAT (nat_fraction):
 * contacts that no request reaches. 0 when the tables are empty. */
double kad_unreachable_contacts(const Kad *kad);

/* Heap bytes held by the protocol's per-node state, divided by the nodes ever created. */
double kad_bytes_per_node(const Kad *kad);

/* Register a value (real bytes, e.g. from the demo's command line); returns its handle. */
uint32_t kad_value_new(Kad *kad, GBytes *bytes);

/* Store value under key from `origin`, or get key from `origin`: the same operations the
 * workload runs, for a key given as an ID. Return the operation number (SimOp.id). A get whose
 * origin holds the key itself ends at once: its SimOp reaches the observers before kad_get()
 * returns. */
uint64_t kad_put(Kad *kad, SimHost origin, const KadId *key, uint32_t value);
uint64_t kad_get(Kad *kad, SimHost origin, const KadId *key);

/* The bytes a finished get found (NULL when it found nothing or the value is synthetic). */
GBytes *kad_op_value(const Kad *kad, uint64_t op_id);

/* Hosts now up that hold key (unexpired), up to max; returns how many. */
guint kad_holders(Kad *kad, const KadId *key, SimHost *out, guint max);

/* The ID of workload key number `key` (stores and gets). */
KadId kad_key_id(const Kad *kad, uint64_t key);
