/* pastry-measure — run a scenario with Pastry and print what docs/pastry.md reports and the
 * results folder does not: route stretch, repair work, protocol memory per node, leaf-set
 * exactness at the end; optionally crash a fraction of the nodes at once and count lookups
 * before the crash, during the first minute after it, and later apart (with late=DURATION,
 * those started that long after the crash apart again). Not a test (make check builds it;
 * docs/pastry.md runs it):
 *   tests/test_pastry_measure SCENARIO.ini [crash=FRACTION@TIME [late=DURATION]]
 *       [SECTION.KEY=VALUE ...] */
#include "pastry.h"
#include "protocols.h"
#include "program.h"
#include "sim.h"

#include <stdio.h>
#include <string.h>

/* Largest network whose leaf sets are compared with the ring (a quadratic check). */
#define LEAFSET_CHECK_MAX_NODES 20000

/* Lookups started before the crash, in the minute after it, later, and `late` after it. */
enum { BEFORE, DURING, AFTER, LATE, PHASES };
static const char *const phase_names[PHASES] = { "before", "first_minute", "after", "late" };

typedef struct {
    guint64 lookups, correct, hops, timeouts, messages;
} Tally;

typedef struct {
    Tally t[PHASES];
    SimTime crash_at, late;
    double crash_fraction;
} Measure;

static void on_op(void *ctx, const SimOp *op)
{
    Measure *m = ctx;
    if (op->kind != SIM_OP_LOOKUP)
        return;
    int phase = m->crash_fraction <= 0 || op->start < m->crash_at ? BEFORE
                : op->start < m->crash_at + SIM_MIN                ? DURING
                : m->late > 0 && op->start >= m->crash_at + m->late ? LATE
                                                                   : AFTER;
    Tally *t = &m->t[phase];
    t->lookups++;
    t->correct += op->correct == 1;
    t->hops += op->hops;
    t->timeouts += op->timeouts;
    t->messages += op->messages;
}

/* Crash each up host with probability crash_fraction (its own draw: the same hosts whatever
 * else happens in the run). */
static void on_crash(Sim *sim, void *ctx, const SimEvent *ev)
{
    Measure *m = ctx;
    (void) ev;
    guint crashed = 0;
    for (SimHost h = 0; h < sim_hosts(sim); h++) {
        double u = (double) (sim_mix64(h ^ sim_seed(sim)) >> 11) * 0x1.0p-53;
        if (u < m->crash_fraction && sim_host_is_up(sim, h)) {
            sim_host_down(sim, h, FALSE);
            crashed++;
        }
    }
    printf("crashed %u\n", crashed);
}

static void print_tally(const char *phase, const Tally *t)
{
    double n = (double) MAX(t->lookups, 1u);
    printf("%s: lookups %" G_GUINT64_FORMAT " correct_rate %.6f hops_mean %.4f "
           "timeouts_per_lookup %.4f messages_per_lookup %.3f\n", phase, t->lookups,
           (double) t->correct / n, (double) t->hops / n, (double) t->timeouts / n,
           (double) t->messages / n);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCENARIO.ini [SECTION.KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    GError *err = NULL;
    SimConfig *cfg = kadsim_config_new();
    gboolean ok = sim_config_load_file(cfg, argv[1], &err);
    Measure m = { .crash_at = 0 };
    for (int i = 2; ok && i < argc; i++) {
        if (g_str_has_prefix(argv[i], "crash=")) {
            char *at = strchr(argv[i], '@');
            m.crash_fraction = g_ascii_strtod(argv[i] + 6, NULL);
            ok = at && sim_time_parse(at + 1, &m.crash_at, &err);
            continue;
        }
        if (g_str_has_prefix(argv[i], "late=")) {
            ok = sim_time_parse(argv[i] + 5, &m.late, &err);
            continue;
        }
        ok = sim_config_set_override(cfg, argv[i], &err);
    }
    Sim *sim = ok ? sim_new(cfg, &pastry_protocol_class, &err) : NULL;
    if (!sim) {
        fprintf(stderr, "%s\n", err ? err->message : "?");
        return 2;
    }
    SimObserver obs = { .op_done = on_op };
    sim_add_observer(sim, &obs, &m);
    if (m.crash_fraction > 0)
        sim_schedule(sim, m.crash_at, sim_register_handler(sim, "crash", on_crash, &m),
                     SIM_HOST_NONE, 0, SIM_ORIGIN_ENGINE);
    sim_run(sim, sim_config_get_duration(cfg, "simulation", "duration"));
    for (int ph = 0; ph < PHASES; ph++)
        if (m.t[ph].lookups)
            print_tally(phase_names[ph], &m.t[ph]);
    Pastry *p = pastry_of(sim);
    uint64_t reroutes, leaf, rt;
    pastry_repair_counts(p, &reroutes, &leaf, &rt);
    /* the check compares every node with the whole ring: quadratic, so only for small runs;
     * with bootstrap = oracle, nodes that never acted have no tables at all */
    char *why = NULL;
    gboolean exact = sim_hosts(sim) <= LEAFSET_CHECK_MAX_NODES &&
                     pastry_check_leafsets(p, &why);
    if (!exact && !why)
        why = g_strdup("not checked (too many nodes)");
    printf("nodes_up %u\nstretch_mean %.4f\nreroutes %" G_GUINT64_FORMAT "\n"
           "leaf_repairs %" G_GUINT64_FORMAT "\ntable_repairs %" G_GUINT64_FORMAT "\n"
           "bytes_per_node %.1f\nleafsets_exact %s\n", sim_hosts_up(sim),
           pastry_mean_stretch(p), reroutes, leaf, rt, pastry_bytes_per_node(p),
           exact ? "yes" : why);
    for (guint ty = 0; ty < sim_msg_types(sim); ty++) {
        const SimMsgCounters *c = sim_msg_counters(sim, (uint16_t) ty);
        printf("messages_%s %" G_GUINT64_FORMAT "\n", sim_msg_type_name(sim, (uint16_t) ty),
               c->sent);
    }
    g_free(why);
    sim_free(sim);
    sim_config_free(cfg);
    return 0;
}
