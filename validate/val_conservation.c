/* Validation of message conservation: the engine's counters (SimMsgCounters: sent, and the fate
 * of each message: delivered, lost, dead, in flight) against counts kept outside the engine, in
 * a lossy run under churn:
 *   - sends: every sim_send() call, counted by a link-time wrapper (-Wl,--wrap=sim_send), so the
 *     count sits between the protocol and the engine and shares no code with the engine's;
 *   - deliveries and discards: a protocol class that is Kademlia's with deliver() and discard()
 *     wrapped to count the calls (per type; per fate), and to check that nothing is delivered to
 *     a host that is down;
 *   - the message tracer (sim_set_tracer), whose rows must never exceed the engine's counts;
 *   - the loss model: lost / sent against the configured Bernoulli rate.
 * In flight at the end is then sends - deliveries - discards, an independent figure too. */
#include "val.h"

#include "sim_config.h"

#define MAX_TYPES 32

/* The counters live in statics: the wrapped sim_send() has no context argument. */
static struct {
    Sim *sim;
    guint64 sent[MAX_TYPES], bytes[MAX_TYPES], delivered[MAX_TYPES], discarded[SIM_FATES];
    guint64 delivered_to_down, traced[MAX_TYPES][SIM_FATES];
} count;

void __real_sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes,
                     uint32_t payload);
void __wrap_sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes,
                     uint32_t payload);
void __wrap_sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes,
                     uint32_t payload)
{
    g_assert(type < MAX_TYPES);
    count.sent[type]++;
    count.bytes[type] += bytes;
    __real_sim_send(sim, src, dst, type, bytes, payload);
}

static void counting_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    count.delivered[type]++;
    count.delivered_to_down += !sim_host_is_up(count.sim, dst);
    kad_protocol_class.deliver(self, dst, src, type, payload);
}

static void counting_discard(void *self, uint32_t payload, SimFate fate)
{
    count.discarded[fate]++;
    kad_protocol_class.discard(self, payload, fate);
}

static void trace_row(void *ctx, const SimTraceRow *row)
{
    (void) ctx;
    count.traced[row->type][row->fate]++;
}

int main(int argc, char **argv)
{
    ValReport rep;
    val_init(&rep, argc, argv, "message conservation");
    const double loss = 0.05;
    guint nodes = rep.full ? 1000 : 200;
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nseed = 3\nnodes = %u\nduration = %s\n"
        "[network]\nlatency = lognormal\nloss = bernoulli\nloss_rate = %g\n"
        "[churn]\nmodel = sessions\nsession = exponential\nsession_mean = 30min\n"
        "downtime = exponential\ndowntime_mean = 30min\nstart = 5min\nleave = crash\n"
        "rejoin = same\n"
        "[workload]\njoin = ramp\njoin_ramp = 4min\nstart = 5min\nrate_unit = per-node\n"
        "lookup_rate = 0.005\nstore_rate = 0.001\nget_rate = 0.003\nkeys = 500\n"
        "[kademlia]\nrefresh = 10min\nreplicate = 10min\n",
        nodes, rep.full ? "3h" : "40min", loss);
    printf("-- 5. %u nodes, Bernoulli loss %g, exponential churn (sessions and down times of mean "
           "30 min), lookups, stores and gets\n", nodes, loss);
    SimProtocolClass counting = kad_protocol_class;
    counting.deliver = counting_deliver;
    counting.discard = counting_discard;
    SimConfig *cfg = val_config_new(ini, &counting, NULL);
    Sim *sim = val_sim_new(cfg, &counting);
    count.sim = sim;
    sim_set_tracer(sim, trace_row, NULL);
    sim_run(sim, sim_config_get_duration(cfg, "simulation", "duration"));

    guint types = sim_msg_types(sim);
    g_assert(types <= MAX_TYPES);
    guint64 e_sent = 0, e_fate[SIM_FATES] = { 0 }, w_sent = 0, w_delivered = 0;
    gboolean per_type = TRUE, traced_ok = TRUE;
    val_note("%-18s %10s %10s %10s %10s %10s %10s %10s", "type", "sent", "(counted)", "delivered",
             "(counted)", "lost", "dead", "in flight");
    for (guint t = 0; t < types; t++) {
        const SimMsgCounters *c = sim_msg_counters(sim, (uint16_t) t);
        val_note("%-18s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                 " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
                 " %10" G_GUINT64_FORMAT, sim_msg_type_name(sim, (uint16_t) t), c->sent,
                 count.sent[t], c->fate[SIM_FATE_DELIVERED], count.delivered[t],
                 c->fate[SIM_FATE_LOST], c->fate[SIM_FATE_DEAD], c->fate[SIM_FATE_IN_FLIGHT]);
        per_type = per_type && c->sent == count.sent[t] && c->bytes_sent == count.bytes[t] &&
                   c->fate[SIM_FATE_DELIVERED] == count.delivered[t];
        for (int f = 0; f < SIM_FATES; f++) {
            e_fate[f] += c->fate[f];
            traced_ok = traced_ok && count.traced[t][f] <= c->fate[f];
        }
        e_sent += c->sent;
        w_sent += count.sent[t];
        w_delivered += count.delivered[t];
    }
    guint64 w_in_flight = w_sent - w_delivered - count.discarded[SIM_FATE_LOST] -
                          count.discarded[SIM_FATE_DEAD];
    val_check(&rep, per_type, "sent, bytes and delivered, per type",
              "engine = counted outside it for all %u types (%" G_GUINT64_FORMAT " messages)",
              types, e_sent);
    val_check(&rep, e_fate[SIM_FATE_LOST] == count.discarded[SIM_FATE_LOST] &&
                        e_fate[SIM_FATE_DEAD] == count.discarded[SIM_FATE_DEAD],
              "lost and dead = discard() calls", "lost %" G_GUINT64_FORMAT " = %" G_GUINT64_FORMAT
              ", dead %" G_GUINT64_FORMAT " = %" G_GUINT64_FORMAT, e_fate[SIM_FATE_LOST],
              count.discarded[SIM_FATE_LOST], e_fate[SIM_FATE_DEAD], count.discarded[SIM_FATE_DEAD]);
    val_check(&rep, e_fate[SIM_FATE_IN_FLIGHT] == w_in_flight, "in flight at the end",
              "engine %" G_GUINT64_FORMAT ", sends - deliveries - discards %" G_GUINT64_FORMAT,
              e_fate[SIM_FATE_IN_FLIGHT], w_in_flight);
    guint64 sum = e_fate[0] + e_fate[1] + e_fate[2] + e_fate[3];
    val_check(&rep, sum == e_sent && sim_check_conservation(sim, NULL), "the counters add up",
              "delivered + lost + dead + in flight = %" G_GUINT64_FORMAT " = sent %" G_GUINT64_FORMAT,
              sum, e_sent);
    val_check(&rep, count.delivered_to_down == 0 && e_fate[SIM_FATE_DEAD] > 0,
              "nothing delivered to a host that is down", "%" G_GUINT64_FORMAT " such deliveries; "
              "%" G_GUINT64_FORMAT " messages reached down hosts and were dropped",
              count.delivered_to_down, e_fate[SIM_FATE_DEAD]);
    val_check(&rep, traced_ok, "traced messages <= engine counts", "per type and fate");
    /* Kademlia answers every request it receives (iterative mode): replies sent = requests
     * delivered, type by type. */
    gboolean replies = TRUE;
    for (guint t = 0; t + 1 < types; t++) {
        g_autofree char *reply = g_strconcat(sim_msg_type_name(sim, (uint16_t) t), "_REPLY", NULL);
        if (g_str_equal(sim_msg_type_name(sim, (uint16_t) (t + 1)), reply))
            replies = replies && count.sent[t + 1] == count.delivered[t];
    }
    val_check(&rep, replies, "replies sent = requests delivered", "PING, FIND_NODE, FIND_VALUE, "
              "STORE (counted outside the engine)");
    double rate = (double) e_fate[SIM_FATE_LOST] / e_sent;
    double z = (rate - loss) / sqrt(loss * (1 - loss) / e_sent);
    val_check(&rep, fabs(z) < 4, "loss rate = Bernoulli rate", "%.5f of %" G_GUINT64_FORMAT
              " lost, expected %g (z = %+.2f)", rate, e_sent, loss, z);
    FILE *dat = val_data(&rep, "conservation.tsv");
    if (dat) {
        fprintf(dat, "sent\tdelivered\tlost\tdead\tin_flight\tcounted_sent\tcounted_delivered\t"
                     "counted_lost\tcounted_dead\n");
        fprintf(dat, "%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%"
                G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\n", e_sent,
                e_fate[SIM_FATE_DELIVERED], e_fate[SIM_FATE_LOST], e_fate[SIM_FATE_DEAD],
                e_fate[SIM_FATE_IN_FLIGHT], w_sent, w_delivered, count.discarded[SIM_FATE_LOST],
                count.discarded[SIM_FATE_DEAD]);
        fclose(dat);
    }
    sim_free(sim);
    sim_config_free(cfg);
    return val_finish(&rep);
}
