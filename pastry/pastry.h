/* pastry — the Pastry protocol (Rowstron & Druschel, Middleware 2001) as a SimProtocolClass:
 * prefix routing on digits of b bits with proximity neighbour selection, a leaf set of L nodes
 * and a neighbourhood set of M, recursive routing with per-hop acks, joins through a
 * bootstrap node, lazy repair and leaf-set probing, and pairs stored on k nodes of the leaf set.
 *
 * Select it with sim_new(cfg, &pastry_protocol_class, ...) after declaring its keys
 * ([pastry]) with pastry_protocol_class.declare(cfg). The functions below let the tests look
 * inside. */
#pragma once

#include "sim.h"

extern const SimProtocolClass pastry_protocol_class;

typedef struct Pastry Pastry;

/* The protocol state of a simulation built with pastry_protocol_class. */
static inline Pastry *pastry_of(const Sim *sim) { return (Pastry *) sim_protocol(sim); }

/* Entries of the node on `host`: routing table, leaf set, neighbourhood set (0 when none). */
guint pastry_host_table_size(const Pastry *p, SimHost host);
guint pastry_host_leafset_size(const Pastry *p, SimHost host);
guint pastry_host_neighbourhood_size(const Pastry *p, SimHost host);
/* Rows the node on `host` has allocated. */
guint pastry_host_rows(const Pastry *p, SimHost host);
/* Routing-table entries of live nodes that name a node now down (failures not yet found). */
guint64 pastry_dead_table_entries(const Pastry *p);

/* Check every live node's tables (contacts in their slots, leaf sides sorted, never itself).
 * FALSE with a message in *why (caller frees). */
gboolean pastry_check_invariants(const Pastry *p, char **why);

/* Does every live node's leaf set hold exactly the L/2 live nodes on each side (as far as
 * there are that many)? FALSE with a message naming the first node that differs. */
gboolean pastry_check_leafsets(Pastry *p, char **why);

/* Heap bytes of per-node protocol state (tables, sets, records), divided by the nodes. */
double pastry_bytes_per_node(const Pastry *p);

/* Hosts now up that hold workload key number `key`, up to max; returns how many. */
guint pastry_holders(Pastry *p, uint64_t key, SimHost *out, guint max);
/* Replicas a stored pair gets (k). */
guint pastry_replicas(const Pastry *p);

/* Mean route stretch of the lookups that ended (path delay over the direct delay from the
 * origin to the node that answered); 0 when none. */
double pastry_mean_stretch(const Pastry *p);
/* Repair work so far: hops rerouted around a dead next hop, leaf-set and table repairs. */
void pastry_repair_counts(const Pastry *p, uint64_t *reroutes, uint64_t *leaf_repairs,
                          uint64_t *rt_repairs);

/* Store workload key number `key` (a synthetic value) from `origin`, or get it: the same
 * operations the workload runs. Return the operation number (SimOp.id). */
uint64_t pastry_put(Pastry *p, SimHost origin, uint64_t key);
uint64_t pastry_get(Pastry *p, SimHost origin, uint64_t key);
