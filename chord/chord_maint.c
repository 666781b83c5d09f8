/* chord_maint — keeping the ring right: stabilize and notify (successor and predecessor),
 * fix_fingers, check_predecessor, and the graceful leave that spares the others a timeout.
 * Each periodic task is one event per node carrying the node's epoch, so that the timers of a
 * node that went down (and perhaps came back) die out by themselves. */
#include "chord_private.h"

#include <string.h>

/* A join whose find_successor failed is tried again after this long through another node. */
#define CHORD_REJOIN_DELAY (10 * SIM_S)

static void on_stabilize(Sim *sim, void *ctx, const SimEvent *ev);
static void on_fix(Sim *sim, void *ctx, const SimEvent *ev);
static void on_check(Sim *sim, void *ctx, const SimEvent *ev);
static void on_rejoin(Sim *sim, void *ctx, const SimEvent *ev);

void chord_maint_register(Chord *c)
{
    c->ev_stabilize = sim_register_handler(c->sim, "chord-stabilize", on_stabilize, c);
    c->ev_fix = sim_register_handler(c->sim, "chord-fix-fingers", on_fix, c);
    c->ev_check = sim_register_handler(c->sim, "chord-check-predecessor", on_check, c);
    c->ev_rejoin = sim_register_handler(c->sim, "chord-rejoin", on_rejoin, c);
}

static void schedule(Chord *c, uint32_t node, uint16_t kind, SimTime delay)
{
    sim_schedule(c->sim, sim_now(c->sim) + delay, kind, node, c->nodes[node].epoch,
                 c->node_host[node]);
}

/* The first run of a periodic task at a random phase, so that nodes that joined together do
 * not all stabilize in the same instant. */
static void schedule_first(Chord *c, uint32_t node, uint16_t kind, SimTime period)
{
    if (period == 0)
        return;
    SimTime phase = (SimTime) sim_rng_state_below(&c->nodes[node].rng, (uint64_t) period) + 1;
    schedule(c, node, kind, phase);
}

static void stabilize_now(Chord *c, uint32_t node);

/* A node that has just joined also stabilizes at once: its successor learns of it a round trip
 * later, not up to a period later. */
void chord_maint_start(Chord *c, uint32_t node)
{
    if (c->stabilize > 0)
        stabilize_now(c, node);
    schedule_first(c, node, c->ev_stabilize, c->stabilize);
    schedule_first(c, node, c->ev_fix, c->fix_fingers);
    schedule_first(c, node, c->ev_check, c->check_pred);
}

void chord_stop_maintenance(Chord *c)
{
    c->stabilize = c->fix_fingers = c->check_pred = 0;  /* pending timers see 0 and stop */
}

/* A new successor list; successors that join the first `replicas` get copies of our keys
 * (a failed successor's place is taken, or a node joined in front of them). */
static void set_succ_list(Chord *c, uint32_t node, uint32_t first, const uint32_t *rest,
                          guint n_rest)
{
    uint32_t tmp[CHORD_MAX_SUCCESSORS], before[CHORD_MAX_SUCCESSORS];
    guint n_before = c->nodes[node].n_succ;
    memcpy(before, chord_succ(c, node), sizeof(uint32_t) * n_before);
    guint k = chord_succ_merge(node, first, rest, n_rest, tmp, c->r);
    memcpy(chord_succ(c, node), tmp, sizeof(uint32_t) * k);
    c->nodes[node].n_succ = (uint8_t) k;
    chord_store_replicas_changed(c, node, before, n_before);
}

static void send_notify(Chord *c, uint32_t node, uint32_t to)
{
    chord_msg_send(c, chord_msg_new(c, CHORD_NOTIFY, node, to));
}

/* ---- stabilize -------------------------------------------------------------------------- */

static void stabilize_now(Chord *c, uint32_t node)
{
    ChordNode *n = &c->nodes[node];
    if (n->stabilizing || n->state != NODE_UP)
        return;
    if (n->n_succ == 0) {
        /* Alone, or every successor failed: the predecessor, else the nearest finger, is the
         * best successor known (a lone first node learns of the second this way). */
        uint32_t s = n->pred != CHORD_NONE ? n->pred
                                           : n->fingers.n ? n->fingers.node[0] : CHORD_NONE;
        if (s == CHORD_NONE)
            return;
        set_succ_list(c, node, s, NULL, 0);
    }
    n->stabilizing = 1;
    uint32_t mi = chord_msg_new(c, CHORD_GET_PRED, node, chord_succ(c, node)[0]);
    chord_rpc_send(c, mi, RPC_STABILIZE, CHORD_NONE, c->rpc_timeout);
}

static void on_stabilize(Sim *sim, void *ctx, const SimEvent *ev)
{
    Chord *c = ctx;
    (void) sim;
    if (!chord_node_is(c, ev->target, (uint16_t) ev->data) || c->stabilize == 0)
        return;
    schedule(c, ev->target, c->ev_stabilize, c->stabilize);
    stabilize_now(c, ev->target);
}

/* The successor s told us its predecessor x and its successor list: if x sits between us, it
 * is our successor now; our list is the successor's, one step back. Then notify it. A node
 * whose successor changed stabilizes again at once instead of a period later (the papers
 * wait): nodes that joined into the same gap are then found in round trips, not periods
 * (with 5 s periods, a ring of 1024 nodes built over 5 minutes still had nodes walking
 * towards their successor one node per period 5 minutes after the last join).
 * A reply from a node that is no longer our successor (a HINT or our own-ID lookup found a
 * closer one while the GET_PRED was out) speaks of the old gap: ask the new successor
 * instead. Taking it undid those repairs: at 300k real joins, 32 nodes with a successor far
 * round the ring walked back one node a round trip, every own-ID lookup overwritten, and their
 * neighbours skipped them to the end of the run (lookups of their keys ended past them). */
void chord_stabilize_reply(Chord *c, uint32_t node, const ChordMsg *m)
{
    c->nodes[node].stabilizing = 0;
    uint32_t s = m->from, x = m->pred;
    if (c->nodes[node].n_succ > 0 && chord_succ(c, node)[0] != s) {
        stabilize_now(c, node);
        return;
    }
    const ChordId *self = &c->ids[node];
    gboolean closer = x != CHORD_NONE && x != node &&
                      chord_id_in_open(&c->ids[x], self, &c->ids[s]);
    if (closer) {
        uint32_t rest[CHORD_MAX_SUCCESSORS + 1];
        rest[0] = s;
        memcpy(&rest[1], m->nodes, sizeof(uint32_t) * m->n_nodes);
        set_succ_list(c, node, x, rest, m->n_nodes + 1u);
    } else if (m->n_nodes > 0) {
        set_succ_list(c, node, s, m->nodes, m->n_nodes);
    } else {
        /* A successor that lists nobody (it has just rejoined under its old ID) would cut our
         * list to one node: keep ours past it until it knows better. */
        uint32_t rest[CHORD_MAX_SUCCESSORS];
        guint k = c->nodes[node].n_succ;
        memcpy(rest, chord_succ(c, node), sizeof(uint32_t) * k);
        set_succ_list(c, node, s, rest, k);
    }
    if (c->nodes[node].n_succ)
        send_notify(c, node, chord_succ(c, node)[0]);
    if (closer)
        stabilize_now(c, node);
}

/* The successor did not answer (chord_forget dropped it): go on with the next one now. */
void chord_stabilize_failed(Chord *c, uint32_t node, uint32_t dead)
{
    (void) dead;
    c->nodes[node].stabilizing = 0;
    stabilize_now(c, node);
}

/* `from` thinks it might be our predecessor. A node that takes a new predecessor hands it the
 * keys it is now responsible for (keeping them as the first replica), and tells the old one
 * that a node sits between it and us (HINT), so that it need not wait for its next period to
 * find out: in a burst of joins, chains of nodes that skip each other otherwise merge one node
 * per period (4096 joins over 5 minutes left 209 wrong successors at the end of the ramp and
 * 18 ten minutes later, with 5 s periods). */
void chord_handle_notify(Chord *c, uint32_t node, uint32_t from)
{
    ChordNode *n = &c->nodes[node];
    uint32_t old = n->pred;
    if (from == node || from == old)
        return;
    if (old != CHORD_NONE && !chord_id_in_open(&c->ids[from], &c->ids[old], &c->ids[node]))
        return;
    n->pred = from;
    if (n->n_succ == 0)  /* a lone node: its first peer is its successor too */
        set_succ_list(c, node, from, NULL, 0);
    if (old == CHORD_NONE) {
        /* Our range is known again (after the predecessor failed, or a first time after our
         * join): it may include a failed node's keys, which we held as its first replica.
         * Copy them to our successors, or the crash cost them a copy for good. */
        chord_store_replicate_range(c, node, &c->ids[from], &c->ids[node], CHORD_NONE);
        return;
    }
    chord_store_hand_over(c, node, from, &c->ids[old], &c->ids[from]);
    uint32_t mi = chord_msg_new(c, CHORD_HINT, node, old);
    chord_msg_at(c, mi)->pred = from;
    chord_msg_send(c, mi);
}

/* x is said to lie between us and our successor: take it for successor if it is closer than
 * the one we have, and stabilize with it now. */
static void closer_successor(Chord *c, uint32_t node, uint32_t x)
{
    ChordNode *n = &c->nodes[node];
    if (x == CHORD_NONE || n->state != NODE_UP || x == node || n->n_succ == 0 ||
        !chord_id_in_open(&c->ids[x], &c->ids[node], &c->ids[chord_succ(c, node)[0]]))
        return;
    uint32_t rest[CHORD_MAX_SUCCESSORS];
    memcpy(rest, chord_succ(c, node), sizeof(uint32_t) * n->n_succ);
    set_succ_list(c, node, x, rest, n->n_succ);
    stabilize_now(c, node);
}

/* Our successor says m->pred joined between us. */
void chord_handle_hint(Chord *c, uint32_t node, const ChordMsg *m)
{
    closer_successor(c, node, m->pred);
}

/* ---- graceful leave --------------------------------------------------------------------- */

/* Keys go to the successor; the successor learns our predecessor, the predecessor our
 * successor list (the 2001 paper's voluntary departure). */
void chord_leave(Chord *c, uint32_t node)
{
    ChordNode *n = &c->nodes[node];
    const uint32_t *succ = chord_succ(c, node);
    if (n->n_succ > 0) {
        chord_store_hand_over(c, node, succ[0], NULL, NULL);
        uint32_t mi = chord_msg_new(c, CHORD_LEAVE, node, succ[0]);
        chord_msg_at(c, mi)->pred = n->pred;
        chord_msg_send(c, mi);
    }
    if (n->pred != CHORD_NONE && n->pred != (n->n_succ ? succ[0] : CHORD_NONE)) {
        uint32_t mi = chord_msg_new(c, CHORD_LEAVE, node, n->pred);
        ChordMsg *m = chord_msg_at(c, mi);
        m->n_nodes = n->n_succ;
        memcpy(m->nodes, succ, sizeof(uint32_t) * n->n_succ);
        chord_msg_send(c, mi);
    }
}

void chord_handle_leave(Chord *c, uint32_t node, const ChordMsg *m)
{
    ChordNode *n = &c->nodes[node];
    uint32_t gone = m->from;
    gboolean was_succ = n->n_succ > 0 && chord_succ(c, node)[0] == gone;
    gboolean was_pred = n->pred == gone;
    chord_forget(c, node, gone);
    if (was_pred && m->pred != node)
        n->pred = m->pred;
    if (was_succ && m->n_nodes > 0)
        set_succ_list(c, node, m->nodes[0], &m->nodes[1], m->n_nodes - 1u);
}

/* ---- fix_fingers ------------------------------------------------------------------------ */

static void on_fix(Sim *sim, void *ctx, const SimEvent *ev)
{
    Chord *c = ctx;
    uint32_t node = ev->target;
    (void) sim;
    if (!chord_node_is(c, node, (uint16_t) ev->data) || c->fix_fingers == 0)
        return;
    schedule(c, node, c->ev_fix, c->fix_fingers);
    ChordNode *n = &c->nodes[node];
    if (n->fixing || n->n_succ == 0 || n->state != NODE_UP)
        return;
    guint i = n->next_finger;
    if (i == 0 && c->self_lookup && !n->checking) {
        /* A new round: the node's own ID too, from the others' tables (ring convergence) */
        n->checking = 1;
        chord_lookup_start(c, node, &c->ids[node], P_SELF, CHORD_NO_OP, 0, 0, CHORD_NONE);
        n = &c->nodes[node];
    }
    ChordId off = chord_id_pow2(i, c->id_bits);
    ChordId start = chord_id_add(&c->ids[node], &off);
    n->fixing = 1;  /* before the start: a lookup answered locally ends inside it */
    chord_lookup_start(c, node, &start, P_FIX_FINGER, CHORD_NO_OP, i, 0, CHORD_NONE);
}

/* The lookup of finger `finger`'s start ended at `answer` (CHORD_NONE: failed). */
void chord_fix_finger_done(Chord *c, uint32_t node, guint finger, uint32_t answer)
{
    ChordNode *n = &c->nodes[node];
    n->fixing = 0;
    guint next = finger + 1;
    if (answer != CHORD_NONE)
        next = chord_fingers_set(&n->fingers, c->ids, node, finger, answer, c->id_bits);
    n->next_finger = (uint8_t) (next >= c->id_bits ? 0 : next);
}

/* The others' tables say `answer` follows our ID: if it lies before our successor we had
 * skipped it (a node with a wrong successor and no predecessor never learns of it by
 * stabilizing: nobody notifies it). Take it for successor and stabilize with it now. */
void chord_self_lookup_done(Chord *c, uint32_t node, uint32_t answer)
{
    c->nodes[node].checking = 0;
    closer_successor(c, node, answer);
}

/* ---- check_predecessor ------------------------------------------------------------------ */

static void on_check(Sim *sim, void *ctx, const SimEvent *ev)
{
    Chord *c = ctx;
    uint32_t node = ev->target;
    (void) sim;
    if (!chord_node_is(c, node, (uint16_t) ev->data) || c->check_pred == 0)
        return;
    schedule(c, node, c->ev_check, c->check_pred);
    ChordNode *n = &c->nodes[node];
    if (n->pred == CHORD_NONE || n->pinging)
        return;
    n->pinging = 1;
    uint32_t mi = chord_msg_new(c, CHORD_PING, node, n->pred);
    chord_rpc_send(c, mi, RPC_CHECK_PRED, CHORD_NONE, c->rpc_timeout);
}

/* ---- joins that failed ------------------------------------------------------------------ */

void chord_rejoin_later(Chord *c, uint32_t node)
{
    schedule(c, node, c->ev_rejoin, CHORD_REJOIN_DELAY);
}

static void on_rejoin(Sim *sim, void *ctx, const SimEvent *ev)
{
    Chord *c = ctx;
    uint32_t node = ev->target;
    if (!chord_node_is(c, node, (uint16_t) ev->data) || c->nodes[node].state != NODE_JOINING)
        return;
    SimHost boot = sim_random_up_host(sim, &c->nodes[node].rng, c->node_host[node]);
    uint64_t op = sim_op_begin(sim);
    if (boot == SIM_HOST_NONE || c->host_node[boot] == CHORD_NONE) {
        chord_join_alone(c, node, op);  /* nobody else is up: a ring of one */
        return;
    }
    chord_lookup_start(c, node, &c->ids[node], P_JOIN, op, 0, 0, c->host_node[boot]);
}
