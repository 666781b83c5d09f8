/* loss = none: every message arrives. */
#include "sim_net.h"

static void *none_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    return GINT_TO_POINTER(1);  /* no state; non-NULL means success */
}

static gboolean none_drops(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    return FALSE;
}

static double none_rate(const void *self) { return 0; }
static void none_free(void *self) {}

const SimLossClass sim_loss_none = {
    "none", NULL, 0, none_create, none_drops, none_rate, none_free,
};
