/* protocols — the registry (protocols.h). One line per protocol. */
#include "config.h"

#include "protocols.h"

#include <string.h>

#include "chord.h"
#include "kad.h"
#include "pastry.h"
#include "program.h"

static const char *const kademlia_subtitle[] = { "k", "k", "alpha", "alpha", NULL };
static const char *const chord_subtitle[] = { "r", "successors", NULL };
static const char *const pastry_subtitle[] = { "b", "b", "L", "L", NULL };

static const KadsimProtocol protocols[] = {
    { "kademlia", &kad_protocol_class, "kademlia", kademlia_subtitle,
      "found the true k closest" },
    { "chord", &chord_protocol_class, "chord", chord_subtitle,
      "found the live true successor" },
    { "pastry", &pastry_protocol_class, "pastry", pastry_subtitle,
      "reached the numerically closest live node" },
};

/* [simulation] protocol, its choices ("kademlia|chord") made from the table once: sweeps build
 * configurations in several threads. */
static const SimCfgKey *protocol_key(void)
{
    static gsize once;
    static SimCfgKey key = {
        "simulation", "protocol", SIM_CFG_CHOICE, "kademlia", 0, 0, NULL, NULL,
        "The DHT protocol of every node; its keys are in the section of that name",
    };
    if (g_once_init_enter(&once)) {
        GString *s = g_string_new(NULL);
        for (gsize i = 0; i < G_N_ELEMENTS(protocols); i++)
            g_string_append_printf(s, "%s%s", i ? "|" : "", protocols[i].name);
        key.choices = g_string_free(s, FALSE);
        g_once_init_leave(&once, 1);
    }
    return &key;
}

void kadsim_protocols_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, NULL, protocol_key(), 1);
    for (gsize i = 0; i < G_N_ELEMENTS(protocols); i++)
        protocols[i].cls->declare(cfg);
}

const KadsimProtocol *kadsim_protocol_of(const SimConfig *cfg)
{
    return &protocols[sim_config_get_choice(cfg, "simulation", "protocol")];
}

/* Does the [sweep] section sweep [simulation] protocol over `name`? */
static gboolean swept(const SimConfig *cfg, const char *name)
{
    const char *values = sim_config_free_section_value(cfg, "sweep", "simulation.protocol");
    if (!values)
        return FALSE;
    g_auto(GStrv) list = g_strsplit(values, ",", -1);
    for (char **v = list; *v; v++)
        if (strcmp(g_strstrip(*v), name) == 0)
            return TRUE;
    return FALSE;
}

gboolean kadsim_protocols_check(SimConfig *cfg, GError **error)
{
    const KadsimProtocol *chosen = kadsim_protocol_of(cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(protocols); i++) {
        const KadsimProtocol *p = &protocols[i];
        if (p == chosen || strcmp(p->section, chosen->section) == 0)
            continue;
        if (swept(cfg, p->name)) {
            /* the sweep's points of other protocols use it: listed, not refused */
            continue;
        }
        g_autofree char *why = g_strdup_printf("applies only when [simulation] protocol = %s "
                                               "(it is %s); remove it or choose that protocol",
                                               p->name, chosen->name);
        if (!sim_config_hide_section(cfg, p->section, why, error))
            return FALSE;
    }
    return !chosen->cls->resolve || chosen->cls->resolve(cfg, error);
}

gboolean kadsim_protocols_select(SimConfig *cfg, GError **error)
{
    const KadsimProtocol *chosen = kadsim_protocol_of(cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(protocols); i++)
        if (strcmp(protocols[i].section, chosen->section) != 0)
            sim_config_hide_section(cfg, protocols[i].section, NULL, NULL);
    return !chosen->cls->resolve || chosen->cls->resolve(cfg, error);
}

void kadsim_protocols_subtitle(GKeyFile *resolved, const char *const *skip, GString *out)
{
    g_autofree char *name = g_key_file_get_value(resolved, "simulation", "protocol", NULL);
    const KadsimProtocol *p = NULL;
    for (gsize i = 0; name && i < G_N_ELEMENTS(protocols); i++)
        if (strcmp(protocols[i].name, name) == 0)
            p = &protocols[i];
    /* a sweep over protocols names none of them, nor any one's keys: the lines do */
    if (!p || kadsim_key_skipped(skip, "simulation", "protocol"))
        return;
    if (G_N_ELEMENTS(protocols) > 1)
        g_string_append_printf(out, ", %s", p->name);
    for (const char *const *k = p->subtitle_keys; k && *k; k += 2) {
        g_autofree char *v = g_key_file_get_value(resolved, p->section, k[0], NULL);
        if (v && !kadsim_key_skipped(skip, p->section, k[0]))
            g_string_append_printf(out, ", %s %s", k[1], v);
    }
}
