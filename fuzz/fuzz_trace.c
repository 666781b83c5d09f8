/* fuzz_trace — arbitrary bytes as a churn trace ([churn] model = trace), read as kadsim reads
 * it: through a scenario that names it (trace = trace.txt; 16 hosts that only the trace brings
 * up, rejoining with the same identity for inputs of even length, a fresh one for odd ones),
 * replayed by the Kademlia protocol. What must hold for every input, beyond "no crash, no
 * sanitizer report, no leak":
 *   - a refused trace is refused with a message that starts with the scenario's name and
 *     names [churn] trace;
 *   - a trace holding a NUL byte is refused; one whose only line ends are CR replays as its
 *     LF twin (the same events, the same hosts up at the end), or is refused alike;
 *   - an accepted one replays for a bounded while (the scenario's 100 years, at most
 *     FUZZ_MAX_EVENTS events) with the clock inside the run and message conservation. */
#include "config.h"

#include "fuzz.h"
#include "fuzz_files.h"
#include "protocols.h"
#include "program.h"

#define FUZZ_MAX_INPUT 65536

static const char *const scenarios[2] = {
    "[simulation]\nnodes = 16\nduration = 36500d\n[workload]\njoin = none\nlookup_rate = 0.01\n"
    "[churn]\nmodel = trace\ntrace = trace.txt\n",
    "[simulation]\nnodes = 16\nduration = 36500d\n[workload]\njoin = none\nlookup_rate = 0.01\n"
    "[churn]\nmodel = trace\ntrace = trace.txt\nrejoin = fresh\n",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

/* Replay `data` as trace.txt: FALSE when refused (checked); else what the run did. */
static gboolean replay(const char *data, size_t size, guint64 *events, guint *up)
{
    const char *scenario = scenarios[size % 2];
    g_autofree char *path = fuzz_write("trace.ini", scenario, strlen(scenario));
    g_free(fuzz_write("trace.txt", data, size));
    SimConfig *cfg = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    if (!sim_config_load_file(cfg, path, &error))
        g_error("the fixed scenario is refused: %s", error->message);
    Sim *sim = sim_new(cfg, kadsim_protocol_of(cfg)->cls, &error);
    if (!sim) {
        fuzz_expect_error(error, path, "[churn] trace", "sim_new");
    } else {
        fuzz_run_bounded(sim, cfg);
        *events = sim_events_processed(sim);
        *up = sim_hosts_up(sim);
        sim_free(sim);
    }
    sim_config_free(cfg);
    return sim != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    guint64 events = 0, twin_events = 0;
    guint up = 0, twin_up = 0;
    gboolean ok = replay((const char *) data, size, &events, &up);
    if (ok)
        fuzz_refuse_nul((const char *) data, size, "a trace");
    g_autofree char *twin = fuzz_lf_twin((const char *) data, size);
    if (twin && (replay(twin, size, &twin_events, &twin_up) != ok || twin_events != events
                 || twin_up != up))
        g_error("a trace with CR line ends replays unlike its LF twin");
    return 0;
}
