/* kad_rtable — one node's routing table: k-buckets in the paper's splitting-tree layout.
 *
 * The table starts as one bucket (the "home" bucket, whose range holds the node's own ID) and
 * splits it when it is full and a new contact falls in it (Maymounkov & Mazières, section 2.4).
 * With b bits per routing digit (section 4.2), every split adds one level of 2^b - 1 buckets,
 * one per digit value other than the node's own: exactly the buckets the paper's rule "split a
 * bucket when its range holds our ID, or when its depth is not a multiple of b" produces.
 *
 * Memory is the scale limit (DESIGN.md decision 4), so a table is one allocation of fixed-size
 * bucket records; a contact is a 32-bit node number whose top 4 bits count its RPC failures in a
 * row; least-recently-seen order is the position in the bucket (head = least recent). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "kad_id.h"

/* Contact encoding: node number in the low 28 bits, consecutive failures in the top 4. */
#define KAD_CONTACT_BITS 28
#define KAD_CONTACT_MASK ((1u << KAD_CONTACT_BITS) - 1)
#define KAD_MAX_NODES    KAD_CONTACT_MASK
#define KAD_MAX_FAILS    15u
/* Largest bucket size k and replacement cache: a bucket counts its entries in 8 bits. Every
 * list of contacts (a reply's, a lookup's seeds, an oracle fill's picks) is sized by these,
 * and the scenario keys' ranges are these, so no list can overflow. */
#define KAD_K_MAX        255u
#define KAD_REPL_MAX     255u
G_STATIC_ASSERT(KAD_K_MAX <= UINT8_MAX && KAD_REPL_MAX <= UINT8_MAX);

/* Parameters shared by every table of a network. */
typedef struct {
    guint id_bits;      /* bits of an ID */
    guint k;            /* bucket size */
    guint b;            /* bits per routing digit */
    guint repl;         /* replacement cache entries per bucket */
    guint stale_limit;  /* consecutive failures after which a contact is dropped */
    /* derived by kad_rtable_params_init() */
    guint per_level;    /* 2^b - 1 buckets per level */
    guint max_depth;    /* levels at most: id_bits / b */
    gsize bucket_size;  /* bytes of one bucket record */
} KadRtableParams;

void kad_rtable_params_init(KadRtableParams *p);

typedef struct {
    uint8_t *block;   /* bucket records: levels 0..depth-1, then home */
    uint16_t depth;   /* levels split off so far */
} KadRtable;

typedef enum {
    KAD_RT_SELF,      /* the node itself: ignored */
    KAD_RT_MOVED,     /* known: moved to the tail, failures reset */
    KAD_RT_ADDED,     /* new, and there was room */
    KAD_RT_FULL,      /* new, bucket full: kept in the replacement cache */
} KadRtSeen;

/* Hints (no state changes): start fetching the bucket that `id` falls into; the buckets that
 * kad_rtable_closest_set() will most likely read for `target`. */
void kad_rtable_prefetch(const KadRtable *rt, const KadRtableParams *p, const KadId *self,
                         const KadId *id);
void kad_rtable_prefetch_closest(const KadRtable *rt, const KadRtableParams *p,
                                 const KadId *self, const KadId *target);

void kad_rtable_init(KadRtable *rt, const KadRtableParams *p);
void kad_rtable_free(KadRtable *rt);

/* Buckets in the table now (levels * per_level + 1). */
guint kad_rtable_buckets(const KadRtable *rt, const KadRtableParams *p);

/* Bucket that holds (or would hold) an ID at distance from self with common prefix `cpl` and
 * the given ID (the digit after the prefix picks the bucket within a level). */
guint kad_rtable_bucket_of(const KadRtable *rt, const KadRtableParams *p, const KadId *self,
                           const KadId *id);

/* A message from `contact` arrived (request or reply): the paper's update rule. On KAD_RT_FULL,
 * *ping_out is the least-recently-seen contact to ping before it may be evicted, or
 * KAD_MAX_NODES + 1 when a ping for that bucket is already outstanding. */
KadRtSeen kad_rtable_seen(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, uint32_t contact, uint32_t *ping_out);

/* Give an empty table `depth` levels at once (bootstrap = oracle, which knows the final shape
 * in advance and so avoids splitting, and re-reading IDs, again and again). */
void kad_rtable_presplit(KadRtable *rt, const KadRtableParams *p, guint depth);

/* Put contact into bucket `bucket` known to be its own (no ID is read): at the tail when there
 * is room, else in the replacement cache. */
void kad_rtable_add(KadRtable *rt, const KadRtableParams *p, guint bucket, uint32_t contact);

/* `contact` did not answer an RPC. It is removed when `evict` is set (the eviction ping of a
 * full bucket failed), when it has failed stale_limit times in a row, or when the replacement
 * cache has someone to take its place (section 4.1: stale contacts are replaced when a
 * replacement is known). A removed contact's place goes to the most recently seen replacement.
 * Returns TRUE when it was removed. */
gboolean kad_rtable_failed(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                           uint32_t self, uint32_t contact, gboolean evict);

/* The eviction ping for contact's bucket is over (answered or not): allow the next. */
void kad_rtable_ping_done(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, uint32_t contact);

/* Is contact in the table (not the replacement cache)? */
gboolean kad_rtable_contains(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                             uint32_t self, uint32_t contact);

/* The up to `max` (at most 256) contacts closest to target (XOR), leaving out `except` (pass
 * KAD_MAX_NODES + 1 for none), in no particular order. Cheap: buckets that are taken whole are
 * copied without reading a single ID. Returns how many. */
guint kad_rtable_closest_set(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                             const KadId *self, const KadId *target, uint32_t except,
                             uint32_t *out, guint max);

/* The same set, closest first. */
guint kad_rtable_closest(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                         const KadId *self, const KadId *target, uint32_t *out, guint max);

/* Contacts in the table, and in bucket i. */
guint kad_rtable_size(const KadRtable *rt, const KadRtableParams *p);
guint kad_rtable_bucket_count(const KadRtable *rt, const KadRtableParams *p, guint bucket);
/* The j-th contact of bucket i, least recently seen first (node number, failures stripped). */
uint32_t kad_rtable_bucket_contact(const KadRtable *rt, const KadRtableParams *p, guint bucket,
                                   guint j);
guint kad_rtable_bucket_repl_count(const KadRtable *rt, const KadRtableParams *p, guint bucket);

/* Time (seconds of simulated time) a lookup last went into bucket i's range, for refresh. */
uint32_t kad_rtable_bucket_touched(const KadRtable *rt, const KadRtableParams *p, guint bucket);
void kad_rtable_touch(KadRtable *rt, const KadRtableParams *p, const KadId *self,
                      const KadId *target, uint32_t now_s);

/* A random ID in bucket i's range (to refresh it). */
KadId kad_rtable_bucket_random_id(const KadRtable *rt, const KadRtableParams *p,
                                  const KadId *self, guint bucket, SimRngState *rng);

/* Heap bytes of the table. */
gsize kad_rtable_bytes(const KadRtable *rt, const KadRtableParams *p);

/* Check the invariants (never itself, at most k per bucket, every contact in the bucket its ID
 * belongs to, no duplicates); FALSE with a message in *why. */
gboolean kad_rtable_check(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, char **why);
