/* flash_census — what a Kademlia run leaves in its routing tables, over time (issue 23: flash
 * crowds). Runs a scenario as kadsim does and, every --every seconds of simulated time, prints
 * one CSV row:
 *   t_s                 simulated time
 *   up                  nodes up
 *   contacts_mean       contacts per routing table (replacement caches left out)
 *   contacts_min
 *   known_by_mean       of a node's k closest live nodes (the truth), how many have it in
 *                       their table: k when the neighbourhood is consistent
 *   unknown             nodes that none of their k closest know: lookups of IDs they own
 *                       can reach them only through farther nodes, and in a static network
 *                       with refresh off nothing repairs that
 *   lookups, failed, inexact   lookups that ended in the interval, those that did not find
 *                       the owner, those that did not find the exact k closest
 *   lookups_in_flight, messages_in_flight   pool records in use at the sample
 *   protocol_bytes_per_node   as perf.csv reports it (pools at their peak so far)
 * At the end, a breakdown of those bytes goes to stderr: per node, per routing table, and per
 * pool its record size, records allocated (cap), ever handed out (the peak in use) and in use.
 * Usage: flash_census SCENARIO.ini [--every S] [section.key=value ...] */
#include "kad_private.h"
#include "sim_results.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    guint64 lookups, failed, inexact;
} Interval;

static void on_op(void *ctx, const SimOp *op)
{
    Interval *iv = ctx;
    if (op->kind != SIM_OP_LOOKUP)
        return;
    iv->lookups++;
    iv->failed += !op->success;
    iv->inexact += op->correct != 1;
}

static void census_row(Kad *kad, const Interval *iv)
{
    guint64 up = 0, contacts = 0, known_by = 0, unknown = 0;
    guint cmin = G_MAXUINT;
    for (uint32_t x = 0; x < kad->n_nodes; x++) {
        if (kad->nodes[x].state == NODE_DOWN)
            continue;
        up++;
        guint size = kad_rtable_size(&kad->nodes[x].rt, &kad->rp);
        contacts += size;
        cmin = MIN(cmin, size);
        guint nc;
        guint knows = kad_known_by_closest(kad, x, &nc);
        known_by += knows;
        unknown += nc > 0 && knows == 0;
    }
    const SimProtocolClass *cls = &kad_protocol_class;
    double bytes = kad->n_nodes ? (double) cls->memory(kad) / kad->n_nodes : 0;
    printf("%.0f,%" G_GUINT64_FORMAT ",%.2f,%u,%.3f,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
           ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%u,%u,%.0f\n",
           (double) sim_now(kad->sim) / SIM_S, up, up ? (double) contacts / up : 0.0,
           up ? cmin : 0, up ? (double) known_by / up : 0.0, unknown, iv->lookups, iv->failed,
           iv->inexact, sim_pools_live(&kad->lookups), sim_pools_live(&kad->msgs), bytes);
    fflush(stdout);
}

static void pool_row(const char *name, const SimPool *p, uint32_t n)
{
    fprintf(stderr, "%-10s %5zu B/record  cap %9u  peak %9u  live %9u  %8.1f B/node\n", name,
            p->elem + sizeof(uint32_t), p->cap, p->used, p->live,
            n ? (double) sim_pool_bytes(p) / n : 0.0);
}

/* Where protocol_bytes_per_node goes (kad_memory's terms), at the end of the run. */
static void breakdown(Kad *kad)
{
    uint32_t n = kad->n_nodes;
    if (n == 0)
        return;
    gsize rt = 0, buckets = 0;
    for (uint32_t x = 0; x < n; x++) {
        rt += kad_rtable_bytes(&kad->nodes[x].rt, &kad->rp);
        buckets += kad_rtable_buckets(&kad->nodes[x].rt, &kad->rp);
    }
    gsize fixed = (sizeof(KadNode) + sizeof(KadId) + sizeof(uint32_t)) * (gsize) kad->cap_nodes +
                  sizeof(uint32_t) * sim_hosts(kad->sim);
    fprintf(stderr, "breakdown over %u nodes (B/node):\n", n);
    fprintf(stderr, "node records, IDs, maps    %8.1f\n", (double) fixed / n);
    fprintf(stderr, "routing tables             %8.1f  (%.1f buckets of %zu B a node)\n",
            (double) rt / n, (double) buckets / n, kad->rp.bucket_size);
    pool_row("lookups", &kad->lookups.pool[0], n);
    pool_row("rpcs", &kad->rpcs.pool[0], n);
    pool_row("messages", &kad->msgs.pool[0], n);
    fprintf(stderr, "timeout lanes              %8.1f\n",
            (double) sim_timeouts_bytes(kad->timeouts[0]) / n);
    fprintf(stderr, "total                      %8.1f\n",
            (double) kad_protocol_class.memory(kad) / n);
}

int main(int argc, char **argv)
{
    double every = 20;
    const char *scenario = NULL;
    GPtrArray *sets = g_ptr_array_new();
    for (int i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--every") && i + 1 < argc)
            every = atof(argv[++i]);
        else if (!scenario)
            scenario = argv[i];
        else
            g_ptr_array_add(sets, argv[i]);
    }
    if (!scenario || every <= 0) {
        fprintf(stderr, "usage: flash_census SCENARIO.ini [--every S] [section.key=value ...]\n");
        return 2;
    }
    GError *err = NULL;
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);  /* the scenario's [output] is read, not used */
    kad_protocol_class.declare(cfg);
    gboolean ok = sim_config_load_file(cfg, scenario, &err);
    for (guint i = 0; ok && i < sets->len; i++)
        ok = sim_config_set_override(cfg, g_ptr_array_index(sets, i), &err);
    ok = ok && kad_protocol_class.resolve(cfg, &err);
    Sim *sim = ok ? sim_new(cfg, &kad_protocol_class, &err) : NULL;
    if (!sim) {
        fprintf(stderr, "flash_census: %s\n", err ? err->message : "?");
        return 2;
    }
    Interval iv = { 0 };
    SimObserver obs = { .op_done = on_op };
    sim_add_observer(sim, &obs, &iv);
    Kad *kad = kad_of(sim);
    SimTime end = sim_config_get_duration(cfg, "simulation", "duration");
    SimTime step = (SimTime) (every * (double) SIM_S);
    printf("t_s,up,contacts_mean,contacts_min,known_by_mean,unknown,lookups,failed,inexact,"
           "lookups_in_flight,messages_in_flight,protocol_bytes_per_node\n");
    for (SimTime t = step; t <= end; t += step) {
        SimStopReason why = sim_run(sim, t);
        census_row(kad, &iv);
        iv = (Interval) { 0 };
        if (why == SIM_STOP_FAILED || why == SIM_STOP_REQUESTED)
            break;
    }
    breakdown(kad);
    sim_free(sim);
    sim_config_free(cfg);
    g_ptr_array_free(sets, TRUE);
    return 0;
}
