/* protocols — the registry of DHT protocols: `[simulation] protocol` chooses one by name, as
 * [network] latency chooses a latency model. Adding a protocol: its folder, one line in
 * protocols.c, its tests (docs/architecture.md). */
#pragma once

#include <glib.h>

#include "sim.h"

typedef struct {
    const char *name;                 /* the value of [simulation] protocol */
    const SimProtocolClass *cls;
    const char *section;              /* its scenario section ("kademlia") */
    /* Keys of its section shown in plot subtitles as "label value" (NULL-terminated pairs). */
    const char *const *subtitle_keys;
    /* What an exact lookup is (SimOp.correct), for the summary: "found the true k closest". */
    const char *exact;
} KadsimProtocol;

/* Declare [simulation] protocol and every protocol's section (each is then hidden or refused
 * by kadsim_protocols_check() when not chosen). */
void kadsim_protocols_declare(SimConfig *cfg);

/* After a scenario and its overrides are loaded: the sections of the protocols that are not
 * chosen are left out of listings, and a key given in one is an error naming file, section and
 * key (a sweep over [simulation] protocol chooses each protocol it names); then the chosen
 * protocol resolves the values that depend on others (SimProtocolClass.resolve: profiles). */
gboolean kadsim_protocols_check(SimConfig *cfg, GError **error);

/* A point of a sweep: leave out the sections of the protocols it does not run (their keys
 * serve the sweep's other points), and resolve the chosen one's dependent values. */
gboolean kadsim_protocols_select(SimConfig *cfg, GError **error);

/* The chosen protocol of a loaded configuration. */
const KadsimProtocol *kadsim_protocol_of(const SimConfig *cfg);

/* Append ", k 20, alpha 3" (the chosen protocol's subtitle keys, and its name when the
 * configuration can hold more than one) for keys not in `skip`. */
void kadsim_protocols_subtitle(GKeyFile *resolved, const char *const *skip, GString *out);
