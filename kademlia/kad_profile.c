/* kad_profile — profiles of deployed Kademlia DHTs ([kademlia] profile): the documented
 * parameters of an implementation, each with its source, used for every key the scenario does
 * not give itself (sim_config_is_given). docs/kademlia.md quotes the sources. */
#include "kad_private.h"

#include <string.h>

typedef struct {
    const char *key, *value;
} KadProfileValue;

/* BitTorrent's Mainline DHT, BEP 5 ("DHT Protocol", bittorrent.org/beps/bep_0005.html). */
static const KadProfileValue mainline[] = {
    { "id_bits", "160" },          /* "the same 160-bit space as BitTorrent infohashes" */
    { "k", "8" },                  /* "Each bucket can only hold K nodes, currently eight" */
    { "eviction", "ping" },        /* "the least recently seen node is pinged" */
    { "replacement_cache", "0" },  /* "When the bucket is full of good nodes, the new node is
                                      simply discarded" */
    { "stale_limit", "2" },        /* bad after failing "multiple queries in a row"; "try once
                                      more before discarding the node" */
    { "rpc_retries", "0" },        /* KRPC: "There is no retry" */
    { "refresh", "15min" },        /* "Buckets that have not been changed in 15 minutes should
                                      be refreshed" */
    { "termination", "paper" },    /* "iteratively queries nodes that are closer to the target
                                      infohash until it cannot find any closer nodes" */
    { NULL, NULL },
};

/* The IPFS (Amino) DHT: the libp2p Kademlia DHT specification (libp2p/specs kad-dht/README.md)
 * and go-libp2p-kad-dht's defaults (amino/defaults.go, internal/config/config.go,
 * internal/net/message_manager.go), with kubo's reprovide interval (config/reprovider.go). */
static const KadProfileValue ipfs[] = {
    { "id_bits", "256" },          /* keys and IDs compared as SHA-256 digests */
    { "k", "20" },                 /* DefaultBucketSize = 20 */
    { "alpha", "10" },             /* DefaultConcurrency = 10 */
    { "termination", "beta" },     /* a query path completes when Resiliency peers answered */
    { "beta", "3" },               /* DefaultResiliency = 3 */
    { "rpc_timeout", "10s" },      /* dhtReadMessageTimeout = 10 * time.Second */
    { "refresh", "10min" },        /* RoutingTable.RefreshInterval = 10 * time.Minute */
    { "replicate", "0" },          /* holders do not re-store: only the provider reprovides */
    { "republish", "22h" },        /* DefaultReproviderInterval = 22h (kubo) */
    { "expire", "48h" },           /* DefaultProvideValidity = 48h */
    { NULL, NULL },
};

/* In the order of the key's choices "paper|mainline|ipfs"; the paper sets nothing. */
static const KadProfileValue *const profiles[] = { NULL, mainline, ipfs };

/* Does some profile set this key? */
static gboolean profiled(const char *key)
{
    for (gsize p = 0; p < G_N_ELEMENTS(profiles); p++)
        for (const KadProfileValue *v = profiles[p]; v && v->key; v++)
            if (strcmp(v->key, key) == 0)
                return TRUE;
    return FALSE;
}

gboolean kad_profile_resolve(SimConfig *cfg, GError **error)
{
    /* Keys not given go back to their defaults first: a sweep's point that changes the profile
     * must not keep what the base scenario's profile wrote. */
    gsize n;
    const SimCfgKey *keys = kad_keys_table(&n);
    for (const SimCfgKey *k = keys; k < keys + n; k++)
        if (profiled(k->key) && !sim_config_is_given(cfg, "kademlia", k->key)
            && !sim_config_set(cfg, "kademlia", k->key, k->default_value, "profile", error))
            return FALSE;
    const KadProfileValue *values = profiles[sim_config_get_choice(cfg, "kademlia", "profile")];
    for (const KadProfileValue *v = values; v && v->key; v++)
        if (!sim_config_is_given(cfg, "kademlia", v->key)  /* the scenario's value wins */
            && !sim_config_set(cfg, "kademlia", v->key, v->value, "profile", error))
            return FALSE;
    return TRUE;
}

void kad_profile_describe(const SimConfig *cfg, GString *note)
{
    guint profile = sim_config_get_choice(cfg, "kademlia", "profile");
    const KadProfileValue *values = profiles[profile];
    if (!values)
        return;
    g_auto(GStrv) names = g_strsplit(KAD_PROFILE_CHOICES, "|", -1);
    g_string_append_printf(note, "profile = %s:", names[profile]);
    gboolean any = FALSE;
    for (const KadProfileValue *v = values; v->key; v++) {
        if (sim_config_is_given(cfg, "kademlia", v->key))
            continue;
        g_string_append_printf(note, "%s %s = %s", any ? "," : "", v->key, v->value);
        any = TRUE;
    }
    g_string_append(note, " (keys given in the scenario keep their values)\n");
}
