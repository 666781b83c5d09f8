/* program — shared by the parts of the program: errors and exit statuses, the configuration,
 * signals, formatting (program.h). */
#include "config.h"

#include "program.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "protocols.h"
#include "sim_folder.h"
#include "sim_results.h"
#include "sim_trace.h"
#include "sweep.h"

G_DEFINE_QUARK(kadsim-usage-error-quark, kadsim_usage_error)

int kadsim_exit_status(const GError *error)
{
    if (error->domain == SIM_CONFIG_ERROR || error->domain == SIM_TIME_ERROR
        || error->domain == G_OPTION_ERROR || error->domain == KADSIM_USAGE_ERROR
        || error->domain == SWEEP_ERROR)
        return EXIT_USAGE;
    if (error->domain == SIM_FOLDER_ERROR)  /* exists, not ours, not a folder: choose another */
        return EXIT_USAGE;
    return EXIT_RUNTIME;
}

int kadsim_fail(const char *prefix, const GError *error)
{
    fprintf(stderr, "%s: %s\n", prefix ? prefix : "kadsim", error->message);
    return kadsim_exit_status(error);
}

/* ---- configuration ---------------------------------------------------------------------- */

SimConfig *kadsim_config_new(void)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);
    kadsim_protocols_declare(cfg);
    sim_trace_declare(cfg);
    sim_config_declare_free_section(cfg, "sweep", "Parameter sweep and replicates: SECTION.KEY = "
                                    "v1, v2, ... per swept key, replicates = N (docs/sweeps.md)");
    return cfg;
}

gboolean kadsim_config_load(SimConfig *cfg, const KadsimOptions *opt, GError **error)
{
    if (!sim_config_load_file(cfg, opt->scenario, error))
        return FALSE;
    if (opt->has_seed) {
        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, opt->seed);
        if (!sim_config_set(cfg, "simulation", "seed", text, "--seed", error))
            return FALSE;
    }
    for (char **s = opt->sets; s && *s; s++)
        if (!sim_config_set_override(cfg, *s, error))
            return FALSE;
    if (!kadsim_protocols_check(cfg, error))
        return FALSE;
    /* The title is resolved into run.ini, so a rerun from run.ini plots under the same name. */
    if (!*sim_config_get_string(cfg, "output", "title")) {
        g_autofree char *name = sim_config_name(cfg);
        return sim_config_set(cfg, "output", "title", name, NULL, error);
    }
    return TRUE;
}

/* A resolved value by name, or NULL when the key is not declared (another protocol's keys):
 * the subtitle names what exists. Caller frees. */
static char *optional_value(GKeyFile *resolved, const char *section, const char *key)
{
    return g_key_file_get_value(resolved, section, key, NULL);
}

static gboolean skipped(const char *const *skip, const char *section, const char *key)
{
    for (; skip && *skip; skip++) {
        gsize n = strlen(section);
        if (strncmp(*skip, section, n) == 0 && (*skip)[n] == '.' && strcmp(*skip + n + 1, key) == 0)
            return TRUE;
    }
    return FALSE;
}

char *kadsim_subtitle(const char *resolved_ini, const char *const *skip, gboolean with_seed)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_load_from_data(kf, resolved_ini, (gsize) -1, G_KEY_FILE_NONE, NULL);
    GString *s = g_string_new(NULL);
    g_autofree char *nodes = optional_value(kf, "simulation", "nodes");
    if (!skipped(skip, "simulation", "nodes"))
        g_string_append_printf(s, "%s nodes", nodes);
    g_autofree char *duration = optional_value(kf, "simulation", "duration");
    g_autofree char *warmup = optional_value(kf, "simulation", "warmup");
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", duration);
    if (warmup && strcmp(warmup, "0") != 0)
        g_string_append_printf(s, " (warm-up %s)", warmup);
    static const struct { const char *section, *key, *label; } shown[] = {
        { "churn", "model", "churn" }, { "network", "latency", "latency" },
        { "network", "loss", "loss" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(shown); i++) {
        g_autofree char *v = optional_value(kf, shown[i].section, shown[i].key);
        if (v && strcmp(v, "none") != 0 && !skipped(skip, shown[i].section, shown[i].key))
            g_string_append_printf(s, ", %s %s", shown[i].label, v);
    }
    kadsim_protocols_subtitle(kf, skip, s);
    g_autofree char *seed = optional_value(kf, "simulation", "seed");
    if (with_seed)
        g_string_append_printf(s, ", seed %s", seed);
    return g_string_free(s, FALSE);
}

gboolean kadsim_key_skipped(const char *const *skip, const char *section, const char *key)
{
    return skipped(skip, section, key);
}

/* ---- signals ---------------------------------------------------------------------------- */

/* The process's signal state: signals are per process, so this is the program's one piece of
 * global mutable state; an atomic int because the threads of a sweep read it. */
static volatile gint interrupt_signal;

static void on_interrupt(int signo)
{
    g_atomic_int_set(&interrupt_signal, signo);  /* lock-free: async-signal-safe */
    /* A second Ctrl-C while the results are written kills at once; PARTIAL says so. */
    signal(signo, SIG_DFL);
}

static void set_handlers(void (*handler)(int))
{
    struct sigaction sa = { .sa_handler = handler };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);  /* what batch schedulers send at the time limit */
}

void kadsim_catch_interrupts(void)
{
    set_handlers(on_interrupt);
}

void kadsim_release_interrupts(void)
{
    set_handlers(SIG_DFL);
}

int kadsim_interrupted(void)
{
    return g_atomic_int_get(&interrupt_signal);
}

/* ---- formatting ------------------------------------------------------------------------- */

/* Stable width for a line redrawn in place. */
void kadsim_format_clock(char *buf, gsize n, double s)
{
    if (!(s >= 0) || s > 1e9) {
        g_strlcpy(buf, "--:--:--", n);
        return;
    }
    guint64 t = (guint64) s, d = t / 86400;
    if (d)
        g_snprintf(buf, n, "%" G_GUINT64_FORMAT "d %02d:%02d:%02d", d, (int) (t / 3600 % 24),
                   (int) (t / 60 % 60), (int) (t % 60));
    else
        g_snprintf(buf, n, "%d:%02d:%02d", (int) (t / 3600), (int) (t / 60 % 60), (int) (t % 60));
}
