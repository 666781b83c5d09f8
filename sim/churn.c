/* churn — hosts leaving and coming back ([churn]).
 *
 * model = sessions: each host alternates up sessions and down times drawn from two
 * distributions (sim_dist.h; families or measured presets). model = trace: a file of
 * "time host join|leave|crash" lines is replayed.
 *
 * Sessions start when a host comes up, whoever brought it up: churn watches the engine
 * (sim_add_observer), so the workload's join schedule needs no knowledge of churn. No host
 * leaves before [churn] start. The hosts up at `start` — the initial population — begin with
 * the *equilibrium residual* of the session law (first_session = residual), as if they had been
 * up since long before: with a heavy-tailed law (Weibull shape < 1) fresh sessions all starting
 * at the same instant would make a burst of departures that no real network shows. Hosts that
 * come up after `start`, and hosts that churn brings back, draw fresh sessions.
 *
 * Each host keeps one pending event at most (its departure or its return) and 12 bytes. The
 * k-th draw of host h comes from a stream derived from (seed, h, k), so a host's sessions do not
 * depend on how the other hosts' events interleave. */
#include "sim_world.h"

#include <string.h>

#include "sim_dist.h"

enum { CHURN_NONE, CHURN_SESSIONS, CHURN_TRACE };
enum { FIRST_RESIDUAL, FIRST_FRESH };
enum { TRACE_JOIN, TRACE_LEAVE, TRACE_CRASH };

/* Measured session and down-time laws, in seconds. The KAD figures are Weibull fits of the
 * six-month crawl by Steiner, En-Najjary and Biersack, "Analyzing peer behavior in KAD",
 * Eurecom RR-07-205 (2007), as PeerfactSim.KOM's KadChurnModel uses them. */
static const SimDistPreset session_presets[] = {
    { "kad", { SIM_DIST_WEIBULL, 0.61511, 169.5385 * 60 },
      "KAD sessions from the 2nd crawl on (Steiner et al. 2007): mean 247.1 min" },
    { "kad-first-crawl", { SIM_DIST_WEIBULL, 0.54512, 357.7152 * 60 },
      "KAD sessions, 1st crawl (Steiner et al. 2007): mean 617.5 min" },
};
static const SimDistPreset downtime_presets[] = {
    { "kad", { SIM_DIST_WEIBULL, 0.47648, 413.6765 * 60 },
      "KAD inter-session times, 1st crawl (Steiner et al. 2007): mean 908.0 min" },
};

static const SimCfgKey churn_keys[] = {
    { "churn", "model", SIM_CFG_CHOICE, "none", 0, 0, "none|sessions|trace", NULL,
      "none: hosts stay up once joined; sessions: each host alternates up and down times\n"
      "drawn from `session` and `downtime`; trace: replay the file `trace`" },
    { "churn", "start", SIM_CFG_DURATION, "0", 0, 100.0 * 365 * 86400, NULL, "model=sessions",
      "No host leaves before this time. Hosts up at `start` begin their first session then;\n"
      "hosts coming up later begin one at once. Set it to when the join schedule is done" },
    { "churn", "first_session", SIM_CFG_CHOICE, "residual", 0, 0, "residual|fresh",
      "model=sessions",
      "Sessions of the hosts up at `start`: residual (the time left in a session running at a\n"
      "random instant: departures are stationary from the start) or fresh (all start anew)" },
    { "churn", "session", SIM_CFG_CHOICE, "kad", 0, 0,
      "kad|kad-first-crawl|" SIM_DIST_FAMILIES, "model=sessions",
      "Law of session lengths: a family with the session_* keys, or a measurement:\n"
      "kad = weibull(0.61511, 169.5385min), mean 247.1min; kad-first-crawl =\n"
      "weibull(0.54512, 357.7152min) (Steiner et al., Analyzing peer behavior in KAD, 2007)" },
    SIM_DIST_PARAM_KEYS("churn", "session", "session length", "1h", "0.5", "1h", "1h", "1"),
    { "churn", "downtime", SIM_CFG_CHOICE, "kad", 0, 0, "kad|" SIM_DIST_FAMILIES,
      "model=sessions",
      "Law of the time a host stays away: a family with the downtime_* keys, or\n"
      "kad = weibull(0.47648, 413.6765min), mean 908.0min (Steiner et al. 2007)" },
    SIM_DIST_PARAM_KEYS("churn", "downtime", "down time", "1h", "0.5", "1h", "1h", "1"),
    { "churn", "leave", SIM_CFG_CHOICE, "crash", 0, 0, "crash|graceful", "model=sessions",
      "How a session ends: crash (silently) or graceful (the protocol may say goodbye)" },
    { "churn", "rejoin", SIM_CFG_CHOICE, "same", 0, 0, "same|fresh", "model=sessions|trace",
      "A returning host keeps its identity (same) or comes back with a new one (fresh)" },
    { "churn", "trace", SIM_CFG_PATH, "", 0, 0, NULL, "model=trace",
      "File of lines `TIME HOST join|leave|crash` in time order; TIME a duration (90s, 1.5h)\n"
      "or a number of seconds; HOST from 0 to nodes - 1; # starts a comment line" },
};

typedef struct {
    SimTime  time;
    uint32_t host;
    uint32_t action;
} TraceEvent;

struct SimChurn {
    Sim *sim;
    int model;
    SimDist session, downtime;
    SimTime start;
    int first_session;
    gboolean graceful, fresh_identity;
    gboolean started;      /* `start` has passed */
    gboolean acting;       /* inside our own sim_host_up/down: the observer knows who did it */
    SimTimerId *pending;   /* per host: its scheduled departure or return, 0 when none */
    uint32_t *draws;       /* per host: draws so far, to derive the next draw's stream */
    uint16_t leave_kind, return_kind, start_kind, trace_kind;
    GArray *trace;         /* TraceEvent[] */
    guint trace_next;
};

void sim_churn_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "Hosts leaving and returning", churn_keys, G_N_ELEMENTS(churn_keys));
}

/* ---- sessions -------------------------------------------------------------------------- */

static SimTime draw(SimChurn *c, SimHost host, const SimDist *d, gboolean residual)
{
    SimRngState st;
    sim_stream_state(c->sim, "churn", ((uint64_t) host << 32) | c->draws[host]++, &st);
    gsl_rng g = sim_rng_gsl_view(&st);
    double s = residual ? sim_dist_sample_residual(d, &g) : sim_dist_sample(d, &g);
    return MAX(sim_time_from_s(s), 1);  /* a zero-length session would undo itself unseen */
}

/* now + d, saturating: a heavy tail can draw a time past the end of simulated time. */
static SimTime after_now(const SimChurn *c, SimTime d)
{
    SimTime now = sim_now(c->sim);
    return d > SIM_TIME_NEVER - now ? SIM_TIME_NEVER : now + d;
}

static void begin_session(SimChurn *c, SimHost host, gboolean residual)
{
    SimTime at = after_now(c, draw(c, host, &c->session, residual));
    c->pending[host] = sim_schedule_cancellable(c->sim, at, c->leave_kind, host, 0,
                                                SIM_ORIGIN_CHURN);
}

static void on_leave(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimChurn *c = ctx;
    c->pending[ev->target] = 0;
    c->acting = TRUE;
    sim_host_down(sim, ev->target, c->graceful);
    c->acting = FALSE;
}

static void on_return(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimChurn *c = ctx;
    c->pending[ev->target] = 0;
    c->acting = TRUE;
    sim_host_up(sim, ev->target, c->fresh_identity);
    c->acting = FALSE;
}

static void on_start(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimChurn *c = ctx;
    c->started = TRUE;
    for (guint i = 0; i < sim_hosts_up(sim); i++) {
        SimHost h = sim_up_host(sim, i);
        if (!c->pending[h])
            begin_session(c, h, c->first_session == FIRST_RESIDUAL);
    }
}

static void host_changed(void *ctx, SimHost host, gboolean up, gboolean graceful)
{
    SimChurn *c = ctx;
    sim_cancel(c->sim, c->pending[host]);  /* whoever changed it, its old plan is void */
    c->pending[host] = 0;
    if (!up) {
        /* Only hosts we took down come back: another module's removal is for good. */
        if (c->acting) {
            SimTime at = after_now(c, draw(c, host, &c->downtime, FALSE));
            c->pending[host] = sim_schedule_cancellable(c->sim, at, c->return_kind, host, 0,
                                                        SIM_ORIGIN_CHURN);
        }
        return;
    }
    if (c->acting)
        begin_session(c, host, FALSE);  /* back from a down time */
    else if (sim_now(c->sim) == c->start)
        begin_session(c, host, c->first_session == FIRST_RESIDUAL);  /* initial population */
    else if (c->started)
        begin_session(c, host, FALSE);  /* a newcomer */
    /* else: before `start`; on_start gives it its first session */
}

static gboolean sessions_init(SimChurn *c, const SimConfig *cfg, GError **error)
{
    Sim *sim = c->sim;
    c->session = sim_dist_from_config(cfg, "churn", "session", session_presets,
                                      G_N_ELEMENTS(session_presets));
    c->downtime = sim_dist_from_config(cfg, "churn", "downtime", downtime_presets,
                                       G_N_ELEMENTS(downtime_presets));
    c->start = sim_config_get_duration(cfg, "churn", "start");
    c->first_session = (int) sim_config_get_choice(cfg, "churn", "first_session");
    c->graceful = strcmp(sim_config_get_string(cfg, "churn", "leave"), "graceful") == 0;
    if (c->first_session == FIRST_RESIDUAL && !sim_dist_has_residual(&c->session))
        return sim_config_fail(cfg, error, "churn", "first_session",
                               "residual sessions need a session law with a finite mean "
                               "(pareto needs session_shape > 1); use first_session = fresh");
    c->pending = g_new0(SimTimerId, sim_hosts(sim));
    c->draws = g_new0(uint32_t, sim_hosts(sim));
    c->leave_kind = sim_register_handler(sim, "churn-leave", on_leave, c);
    c->return_kind = sim_register_handler(sim, "churn-return", on_return, c);
    c->start_kind = sim_register_handler(sim, "churn-start", on_start, c);
    sim_schedule(sim, c->start, c->start_kind, 0, 0, SIM_ORIGIN_CHURN);
    static const SimObserver observer = { NULL, host_changed };
    sim_add_observer(sim, &observer, c);
    return TRUE;
}

/* ---- trace ----------------------------------------------------------------------------- */

static void on_trace(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimChurn *c = ctx;
    const TraceEvent *e = &g_array_index(c->trace, TraceEvent, c->trace_next++);
    if (e->action == TRACE_JOIN)
        sim_host_up(sim, e->host, c->fresh_identity);
    else
        sim_host_down(sim, e->host, e->action == TRACE_LEAVE);
    if (c->trace_next < c->trace->len) {
        SimTime t = g_array_index(c->trace, TraceEvent, c->trace_next).time;
        sim_schedule(sim, t, c->trace_kind, 0, 0, SIM_ORIGIN_CHURN);
    }
}

/* A trace time: a duration with its unit, or a bare number of seconds. */
static gboolean parse_trace_time(const char *text, SimTime *out)
{
    gboolean bare = text[0] && strspn(text, "0123456789.") == strlen(text);
    g_autofree char *with_unit = bare ? g_strconcat(text, "s", NULL) : g_strdup(text);
    return sim_time_parse(with_unit, out, NULL);
}

static gboolean parse_trace_line(SimChurn *c, char *line, TraceEvent *e, const char **why)
{
    static const char *actions[] = { "join", "leave", "crash" };
    g_auto(GStrv) f = g_strsplit_set(line, " \t", -1);
    const char *w[3];
    guint n = 0;
    for (guint i = 0; f[i]; i++)
        if (*f[i] && n < 3)
            w[n++] = f[i];
        else if (*f[i])
            return *why = "more than three fields (write: TIME HOST join|leave|crash)", FALSE;
    if (n != 3)
        return *why = "expected three fields: TIME HOST join|leave|crash", FALSE;
    if (!parse_trace_time(w[0], &e->time))
        return *why = "the time is neither a duration (90s, 1.5h) nor a number of seconds", FALSE;
    char *end;
    guint64 host = g_ascii_strtoull(w[1], &end, 10);
    if (*end || end == w[1] || host >= sim_hosts(c->sim))
        return *why = "the host is not a number from 0 to nodes - 1", FALSE;
    e->host = (uint32_t) host;
    for (e->action = 0; e->action < G_N_ELEMENTS(actions); e->action++)
        if (strcmp(w[2], actions[e->action]) == 0)
            return TRUE;
    return *why = "the action is not join, leave or crash", FALSE;
}

static gboolean trace_init(SimChurn *c, const SimConfig *cfg, GError **error)
{
    g_autofree char *path = sim_config_get_path(cfg, "churn", "trace");
    if (!*path)
        return sim_config_fail(cfg, error, "churn", "trace",
                               "model = trace needs the file to replay: set trace");
    GError *ferr = NULL;
    g_autofree char *text = sim_text_file_read(path, "churn trace", SIM_DATA_FILE_MAX_BYTES, &ferr);
    if (!text) {
        sim_config_fail(cfg, error, "churn", "trace", "%s", ferr->message);
        g_error_free(ferr);
        return FALSE;
    }
    c->trace = g_array_new(FALSE, FALSE, sizeof(TraceEvent));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    SimTime last = 0;
    for (guint ln = 0; lines[ln]; ln++) {
        char *line = g_strstrip(lines[ln]);
        if (!*line || *line == '#')
            continue;
        TraceEvent e;
        const char *why = NULL;
        if (!parse_trace_line(c, line, &e, &why))
            return sim_config_fail(cfg, error, "churn", "trace", "%s:%u: %s", path, ln + 1, why);
        if (e.time < last)
            return sim_config_fail(cfg, error, "churn", "trace",
                                   "%s:%u: time goes backwards (lines must be in time order)",
                                   path, ln + 1);
        last = e.time;
        g_array_append_val(c->trace, e);
    }
    c->trace_kind = sim_register_handler(c->sim, "churn-trace", on_trace, c);
    if (c->trace->len > 0)
        sim_schedule(c->sim, g_array_index(c->trace, TraceEvent, 0).time, c->trace_kind, 0, 0,
                     SIM_ORIGIN_CHURN);
    return TRUE;
}

/* ---- the module ------------------------------------------------------------------------ */

SimChurn *sim_churn_new(Sim *sim, const SimConfig *cfg, GError **error)
{
    SimChurn *c = g_new0(SimChurn, 1);
    c->sim = sim;
    c->model = (int) sim_config_get_choice(cfg, "churn", "model");
    if (c->model != CHURN_NONE)
        c->fresh_identity = strcmp(sim_config_get_string(cfg, "churn", "rejoin"), "fresh") == 0;
    gboolean ok = TRUE;
    if (c->model == CHURN_SESSIONS)
        ok = sessions_init(c, cfg, error);
    else if (c->model == CHURN_TRACE)
        ok = trace_init(c, cfg, error);
    if (!ok) {
        sim_churn_free(c);
        return NULL;
    }
    return c;
}

void sim_churn_free(SimChurn *churn)
{
    if (!churn)
        return;
    g_free(churn->pending);
    g_free(churn->draws);
    if (churn->trace)
        g_array_free(churn->trace, TRUE);
    g_free(churn);
}
