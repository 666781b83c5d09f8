/* pastry_proto — the Pastry protocol as the engine sees it: its scenario keys and state,
 * message dispatch, operations from the workload, inspection, and the SimProtocolClass table.
 * Routing is in pastry_route.c, joins in pastry_join.c, repair and leaving in pastry_repair.c,
 * what a node learns in pastry_node.c, the tables in pastry_rtable.c and pastry_leafset.c. */
#include "pastry_private.h"

#include <string.h>

enum { BOOT_JOIN, BOOT_ORACLE };

static const SimCfgKey pastry_keys[] = {
    { "pastry", "id_bits", SIM_CFG_INT, "128", PASTRY_ID_MIN_BITS, PASTRY_ID_MAX_BITS, NULL, NULL,
      "Bits of a node ID or key (the paper: 128); a multiple of b" },
    { "pastry", "b", SIM_CFG_INT, "4", 1, PASTRY_B_MAX, NULL, NULL,
      "Bits per digit: routing-table rows have 2^b columns (the paper: 4)" },
    { "pastry", "L", SIM_CFG_INT, "16", 2, PASTRY_L_MAX, NULL, NULL,
      "Leaf set size, even: L/2 nodes each side (the paper: 16)" },
    { "pastry", "M", SIM_CFG_INT, "32", 1, PASTRY_M_MAX, NULL, NULL,
      "Neighbourhood set size: the nodes nearest by proximity (the paper: 32)" },
    { "pastry", "pns", SIM_CFG_BOOL, "true", 0, 0, NULL, NULL,
      "Proximity neighbour selection: of the candidates for a routing-table slot keep the\n"
      "nearest (the paper's locality heuristic); false: keep the first (for comparison)" },
    { "pastry", "replicas", SIM_CFG_INT, "5", 1, PASTRY_L_MAX + 1, NULL, NULL,
      "Nodes that keep a stored pair: its root and the leaf-set members closest to the key\n"
      "(k; at most L + 1)" },
    { "pastry", "hop_timeout", SIM_CFG_DURATION, "1s", 1e-6, 3600, NULL, NULL,
      "Time a node waits for the next hop to ack a routed message (and for a probe's reply)\n"
      "before it takes that node for dead and routes around it" },
    { "pastry", "op_timeout", SIM_CFG_DURATION, "20s", 1e-6, 86400, NULL, NULL,
      "Time the origin waits for the answer of a lookup, store or get" },
    { "pastry", "join_timeout", SIM_CFG_DURATION, "10s", 1e-6, 86400, NULL, NULL,
      "Time a joining node waits for the last node's state before it tries again" },
    { "pastry", "leaf_probe", SIM_CFG_DURATION, "30s", 0, 1e9, NULL, NULL,
      "Each node probes its leaf set this often; probe and reply carry both leaf sets\n"
      "(0 = never: failures are then found only by routing)" },
    { "pastry", "proximity", SIM_CFG_CHOICE, "probe", 0, 0, "probe|free", NULL,
      "How a node knows its proximity to another: probe (half the round trip of its own\n"
      "messages: a PING and its PONG, 33 bytes each, or a probe's reply) or free (the latency\n"
      "model's delay read without a message: the behaviour before, for comparison)" },
    { "pastry", "leaf_exchange", SIM_CFG_CHOICE, "neighbours", 0, 0, "neighbours|all", NULL,
      "What a periodic leaf-set probe is: neighbours (a node exchanges leaf sets with its two\n"
      "immediate neighbours and pings the other members) or all (every probe and its reply\n"
      "carry the leaf set, 57 + 22 L bytes each)" },
    { "pastry", "leaf_check", SIM_CFG_CHOICE, "neighbours", 0, 0, "neighbours|members", NULL,
      "Which leaf-set members a node checks every leaf_probe: members (all of them) or\n"
      "neighbours (its two immediate neighbours only; a member missing from a leaf set received\n"
      "that should list it is pinged, and a node that finds a neighbour dead sends its leaf set\n"
      "to every member: failures spread through the exchanges)" },
    { "pastry", "rt_maintenance", SIM_CFG_DURATION, "20min", 0, 1e9, NULL, NULL,
      "Periodic routing-table maintenance: this often each node asks one random entry of\n"
      "each row for that row and offers its entries (nearer ones replace the holders, a dead\n"
      "entry asked is found); 0 = never (only the paper's lazy repair)" },
    { "pastry", "find_near", SIM_CFG_BOOL, "true", 0, 0, NULL, "bootstrap=join",
      "A newcomer first looks for a node near it: it asks its bootstrap, then the nearest node\n"
      "found, for their neighbourhood sets (up to 3 rounds), and joins through the nearest\n"
      "(the paper assumes the bootstrap is near; the engine's is random)" },
    { "pastry", "bootstrap", SIM_CFG_CHOICE, "join", 0, 0, "join|oracle", NULL,
      "Joins: join (through a bootstrap node, as in the paper) or oracle (tables filled from\n"
      "global knowledge: for large static runs; results say so)" },
    { "pastry", "value_size", SIM_CFG_INT, "100", 0, 65000, NULL, NULL,
      "Bytes of a value stored by the workload (for bandwidth)" },
};

static void pastry_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "The Pastry protocol (Rowstron & Druschel 2001)", pastry_keys,
                       G_N_ELEMENTS(pastry_keys));
}

static gboolean check_keys(const SimConfig *cfg, guint bits, guint b, guint L, guint k,
                           GError **error)
{
    if (bits % b != 0)
        return sim_config_fail(cfg, error, "pastry", "id_bits", "must be a multiple of b (%u)", b);
    if (L % 2 != 0)
        return sim_config_fail(cfg, error, "pastry", "L", "must be even (L/2 on each side)");
    if (k > L + 1)
        return sim_config_fail(cfg, error, "pastry", "replicas",
                               "must not exceed L + 1 (%u): replicas live in the leaf set", L + 1);
    return TRUE;
}

static void *pastry_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    guint bits = (guint) sim_config_get_int(cfg, "pastry", "id_bits");
    guint b = (guint) sim_config_get_int(cfg, "pastry", "b");
    guint L = (guint) sim_config_get_int(cfg, "pastry", "L");
    guint k = (guint) sim_config_get_int(cfg, "pastry", "replicas");
    if (!check_keys(cfg, bits, b, L, k, error))
        return NULL;
    Pastry *p = g_new0(Pastry, 1);
    p->sim = sim;
    pastry_id_space_init(&p->s, bits, b);
    p->L = L;
    p->half = L / 2;
    p->M = (guint) sim_config_get_int(cfg, "pastry", "M");
    p->replicas = k;
    p->value_size = (guint) sim_config_get_int(cfg, "pastry", "value_size");
    p->hop_timeout = sim_config_get_duration(cfg, "pastry", "hop_timeout");
    p->op_timeout = sim_config_get_duration(cfg, "pastry", "op_timeout");
    p->join_timeout = sim_config_get_duration(cfg, "pastry", "join_timeout");
    p->leaf_probe = sim_config_get_duration(cfg, "pastry", "leaf_probe");
    p->rt_maintenance = sim_config_get_duration(cfg, "pastry", "rt_maintenance");
    p->prox_probe = sim_config_get_choice(cfg, "pastry", "proximity") == 0;
    p->leaf_exchange_all = sim_config_get_choice(cfg, "pastry", "leaf_exchange") == 1;
    p->leaf_check_all = sim_config_get_choice(cfg, "pastry", "leaf_check") == 1;
    p->oracle_bootstrap = sim_config_get_choice(cfg, "pastry", "bootstrap") == BOOT_ORACLE;
    p->pns = sim_config_get_bool(cfg, "pastry", "pns");
    p->find_near = !p->oracle_bootstrap && sim_config_get_bool(cfg, "pastry", "find_near");
    pastry_msg_init(p);  /* message types first: their order is the tables' column order */
    pastry_nodes_init(p);
    pastry_repair_init(p);
    pastry_oracle_init(p);
    pastry_pairset_init(&p->probing);
    p->values = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add(p->values, g_bytes_new_static("", 0));  /* handle 0: synthetic */
    p->op_values = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    return p;
}

static void pastry_free(void *self)
{
    Pastry *p = self;
    pastry_nodes_free(p);
    pastry_msg_free(p);
    pastry_oracle_free(p);
    pastry_pairset_free(&p->probing);
    g_ptr_array_free(p->values, TRUE);
    g_hash_table_destroy(p->op_values);
    g_free(p);
}

/* ---- message handling ------------------------------------------------------------------- */

static void dispatch(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryRpc r;
    switch ((PastryMsgType) m->type) {
    case PASTRY_LOOKUP: case PASTRY_STORE: case PASTRY_GET: case PASTRY_JOIN:
        pastry_route_step(p, node, m);
        break;
    case PASTRY_HOP_ACK:
        pastry_rpc_answered(p, m, &r);
        break;
    case PASTRY_LOOKUP_REPLY: case PASTRY_STORE_REPLY: case PASTRY_GET_REPLY:
        pastry_route_reply(p, node, m);
        break;
    case PASTRY_JOIN_STATE:
        pastry_join_state(p, node, m);
        break;
    case PASTRY_ANNOUNCE:
        pastry_announce_received(p, node, m);
        break;
    case PASTRY_LEAF_PROBE: case PASTRY_LEAF_REPLY:
        pastry_leaf_received(p, node, m);
        break;
    case PASTRY_RT_REPAIR:
        pastry_rt_repair_received(p, node, m);
        break;
    case PASTRY_RT_REPAIR_REPLY:
        pastry_rt_repair_reply(p, node, m);
        break;
    case PASTRY_REPLICA:
        pastry_store_local(p, node, m->target, m->value);
        break;
    case PASTRY_LEAVE:
        pastry_leave_received(p, node, m);
        break;
    case PASTRY_NEAR_REQUEST:
        pastry_near_request(p, node, m);
        break;
    case PASTRY_NEAR_REPLY:
        pastry_near_reply(p, node, m);
        break;
    case PASTRY_ROW_REQUEST:
        pastry_row_request(p, node, m);
        break;
    case PASTRY_ROW_REPLY:
        pastry_row_reply(p, node, m);
        break;
    case PASTRY_PING: case PASTRY_PONG:
        pastry_ping_received(p, node, m);
        break;
    case PASTRY_MSG_TYPES:
        g_assert_not_reached();
    }
}

static void pastry_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Pastry *p = self;
    (void) src;
    (void) type;
    /* Work on a copy and recycle the pooled record first: answering allocates messages, and a
     * pool that grows moves its records. The copy owns the join state's table. */
    G_STATIC_ASSERT((1u << PASTRY_B_MAX) <= PASTRY_L_MAX);  /* a table row fits as a leaf set */
    union {
        PastryMsg m;
        uint8_t raw[sizeof(PastryMsg) + PASTRY_L_MAX * sizeof(uint32_t)];
    } buf;
    PastryMsg *pooled = pastry_msg_at(p, payload);
    memcpy(&buf, pooled, sizeof(PastryMsg) + sizeof(uint32_t) * pooled->n);
    pooled->table = NULL;
    pastry_msg_release(p, payload);
    const PastryMsg *m = &buf.m;
    uint32_t node = p->host_node[dst];
    /* The identity it was meant for may have left this host (a fresh-ID rejoin): lost. */
    if (node == m->to && pastry_node_live(p, node)) {
        pastry_oracle_fill(p, node);
        dispatch(p, node, m);
    }
    g_free(buf.m.table);
}

static void pastry_discard(void *self, uint32_t payload, SimFate fate)
{
    (void) fate;
    pastry_msg_release(self, payload);
}

/* ---- operations from the workload ------------------------------------------------------- */

static uint64_t start(Pastry *p, SimOpKind kind, SimHost origin, uint64_t key)
{
    uint32_t node = p->host_node[origin];
    PastryId target = kind == SIM_OP_LOOKUP ? pastry_lookup_target(p, key)
                                            : pastry_id_from_u64(&p->s, key);
    uint64_t op = sim_op_begin(p->sim);
    pastry_oracle_fill(p, node);
    pastry_route_start(p, kind, node, &target, op, key, 0);
    return op;
}

static void pastry_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    start(self, kind, origin, key);
}

uint64_t pastry_put(Pastry *p, SimHost origin, uint64_t key)
{
    return start(p, SIM_OP_STORE, origin, key);
}

uint64_t pastry_get(Pastry *p, SimHost origin, uint64_t key)
{
    return start(p, SIM_OP_GET, origin, key);
}

/* ---- inspection ------------------------------------------------------------------------- */

static uint32_t live_node(const Pastry *p, SimHost host)
{
    uint32_t node = p->host_node[host];
    return node != PASTRY_NONE && pastry_node_live(p, node) ? node : PASTRY_NONE;
}

guint pastry_host_table_size(const Pastry *p, SimHost host)
{
    uint32_t n = live_node(p, host);
    return n == PASTRY_NONE ? 0 : pastry_rtable_size(&p->nodes[n].rt, p->s.cols);
}

guint pastry_host_leafset_size(const Pastry *p, SimHost host)
{
    uint32_t n = live_node(p, host), members[PASTRY_L_MAX];
    return n == PASTRY_NONE ? 0 : pastry_leafset_members(&p->nodes[n].ls, p->half, members);
}

guint pastry_host_neighbourhood_size(const Pastry *p, SimHost host)
{
    uint32_t n = live_node(p, host);
    return n == PASTRY_NONE ? 0 : p->nodes[n].n_nbr;
}

guint pastry_host_rows(const Pastry *p, SimHost host)
{
    uint32_t n = live_node(p, host);
    return n == PASTRY_NONE ? 0 : p->nodes[n].rt.rows;
}

guint64 pastry_dead_table_entries(const Pastry *p)
{
    guint64 dead = 0;
    for (uint32_t n = 0; n < p->n_nodes; n++) {
        const PastryRtable *rt = &p->nodes[n].rt;
        for (guint i = 0; pastry_node_live(p, n) && i < (guint) rt->rows * p->s.cols; i++)
            dead += pastry_rtable_slot_at(rt, i) != PASTRY_NONE &&
                    !pastry_node_live(p, pastry_rtable_slot_at(rt, i));
    }
    return dead;
}

gboolean pastry_check_invariants(const Pastry *p, char **why)
{
    for (uint32_t n = 0; n < p->n_nodes; n++) {
        if (!pastry_node_live(p, n))
            continue;
        char *inner = NULL;
        if (!pastry_rtable_check(&p->nodes[n].rt, &p->s, p->ids, n, &inner) ||
            !pastry_leafset_check(&p->nodes[n].ls, p->half, &p->s, p->ids, n, &inner)) {
            *why = g_strdup_printf("node %u: %s", n, inner);
            g_free(inner);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean pastry_check_leafsets(Pastry *p, char **why)
{
    guint up = g_tree_nnodes(p->live);
    for (uint32_t n = 0; n < p->n_nodes; n++) {
        if (p->nodes[n].state != NODE_UP)
            continue;
        /* the truth: the leaf set an oracle would give */
        PastryLeafset truth = { .m = g_new(uint32_t, p->L) };
        for (uint32_t c = 0; c < p->n_nodes; c++)
            if (p->nodes[c].state == NODE_UP)
                pastry_leafset_insert(&truth, p->half, &p->s, p->ids, n, c);
        const PastryLeafset *ls = &p->nodes[n].ls;
        gboolean same = ls->n[0] == truth.n[0] && ls->n[1] == truth.n[1] &&
                        memcmp(ls->m, truth.m, sizeof(uint32_t) * ls->n[0]) == 0 &&
                        memcmp(&ls->m[p->half], &truth.m[p->half],
                               sizeof(uint32_t) * ls->n[1]) == 0;
        if (!same) {
            GString *w = g_string_new(NULL);
            g_string_append_printf(w, "node %u of %u up: leaf set differs from the live ring:",
                                   n, up);
            for (int side = 0; side < 2; side++) {
                g_string_append_printf(w, " side %d has", side);
                for (guint i = 0; i < ls->n[side]; i++) {
                    uint32_t c = ls->m[side * p->half + i];
                    g_string_append_printf(w, " %u%s", c, p->nodes[c].state == NODE_UP ? "" : "(down)");
                }
                g_string_append(w, ", should have");
                for (guint i = 0; i < truth.n[side]; i++)
                    g_string_append_printf(w, " %u", truth.m[side * p->half + i]);
            }
            g_free(truth.m);
            *why = g_string_free(w, FALSE);
            return FALSE;
        }
        g_free(truth.m);
    }
    return TRUE;
}

double pastry_bytes_per_node(const Pastry *p)
{
    if (p->n_nodes == 0)
        return 0;
    gsize bytes = (sizeof(PastryNode) + sizeof(PastryId) + sizeof(uint32_t)) * p->cap_nodes;
    bytes += sizeof(uint32_t) * sim_hosts(p->sim);  /* host -> node */
    for (uint32_t n = 0; n < p->n_nodes; n++) {
        const PastryNode *x = &p->nodes[n];
        bytes += pastry_rtable_bytes(&x->rt, p->s.cols);
        if (x->ls.m)
            bytes += sizeof(uint32_t) * (p->L + 2 * p->M);
        if (x->store)
            bytes += sizeof(GArray) + x->store->len * sizeof(PastryItem);
    }
    return (double) bytes / p->n_nodes;
}

guint pastry_holders(Pastry *p, uint64_t key, SimHost *out, guint max)
{
    PastryId id = pastry_id_from_u64(&p->s, key);
    guint k = 0;
    for (uint32_t n = 0; n < p->n_nodes && k < max; n++)
        if (pastry_node_live(p, n) && pastry_store_find(p, n, id))
            out[k++] = p->node_host[n];
    return k;
}

guint pastry_replicas(const Pastry *p) { return p->replicas; }

double pastry_mean_stretch(const Pastry *p)
{
    return p->stretch_n ? p->stretch_sum / (double) p->stretch_n : 0;
}

void pastry_repair_counts(const Pastry *p, uint64_t *reroutes, uint64_t *leaf_repairs,
                          uint64_t *rt_repairs)
{
    *reroutes = p->reroutes;
    *leaf_repairs = p->leaf_repairs;
    *rt_repairs = p->rt_repairs;
}

static gsize pastry_memory(const void *self)
{
    const Pastry *p = self;
    return (gsize) (pastry_bytes_per_node(p) * p->n_nodes) + sim_pool_bytes(&p->msgs) +
           sim_pool_bytes(&p->rpcs) + sim_pool_bytes(&p->ops) + pastry_oracle_bytes(p) +
           sim_timeouts_bytes(p->rpc_timeouts) + sim_timeouts_bytes(p->op_timeouts) +
           pastry_pairset_bytes(&p->probing);
}

static void pastry_describe(const void *self, GString *out)
{
    const Pastry *p = self;
    if (p->oracle_bootstrap)
        g_string_append(out, "bootstrap = oracle: routing tables, leaf sets and neighbourhood "
                              "sets were filled from global knowledge, not built by joins\n");
    if (p->stretch_n)
        g_string_append_printf(out, "pastry: mean route stretch %.3f over %" G_GUINT64_FORMAT
                               " lookups; repairs: %" G_GUINT64_FORMAT " reroutes, %"
                               G_GUINT64_FORMAT " leaf-set, %" G_GUINT64_FORMAT " table\n",
                               pastry_mean_stretch(p), p->stretch_n, p->reroutes,
                               p->leaf_repairs, p->rt_repairs);
}

static gboolean pastry_trace_info(const void *self, uint32_t payload, SimTraceRow *row)
{
    const Pastry *p = self;
    const PastryMsg *m = sim_pool_at(&p->msgs, payload);
    if (m->op_id == PASTRY_NO_OP || !(m->flags & PASTRY_MSG_COUNTED))
        return FALSE;
    row->sent = m->sent;
    row->op = m->op_id;
    row->key = m->key;
    row->hop = m->hop;
    gboolean has_target = pastry_type_routed(m->type) || m->type == PASTRY_JOIN_STATE;
    row->bits_to_target = has_target ? (int32_t) pastry_id_prefix_bits(&p->s, p->ids[m->to],
                                                                       m->target)
                                     : -1;
    row->late = m->type == PASTRY_HOP_ACK && m->rpc != PASTRY_NONE &&
                !sim_pool_valid(&p->rpcs, m->rpc, m->rpc_gen);
    return TRUE;
}

const SimProtocolClass pastry_protocol_class = {
    "pastry", pastry_declare, pastry_create, pastry_free, pastry_host_up, pastry_host_down,
    pastry_deliver, pastry_discard, pastry_start_op, pastry_memory, pastry_describe,
    pastry_trace_info, NULL, NULL, NULL, FALSE, NULL, NULL, NULL, NULL, NULL,  /* one thread: not partitioned yet */
};
