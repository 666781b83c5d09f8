/* Placeholder while the protocol is written: joins succeed at once, operations fail. */
#include "kad.h"

static void declare(SimConfig *cfg) {}
static void *create(Sim *sim, const SimConfig *cfg, GError **error) { return sim; }
static void pfree(void *self) {}
static void host_up(void *self, SimNode host, SimNode bootstrap, gboolean fresh) {}
static void host_down(void *self, SimNode host, gboolean graceful) {}
static void deliver(void *self, SimNode dst, SimNode src, uint16_t type, uint32_t payload) {}
static void discard(void *self, uint32_t payload, SimFate fate) {}
static void start_op(void *self, SimOpKind kind, SimNode origin, uint64_t key)
{
    Sim *sim = self;
    SimOp op = { .id = sim_op_begin(sim), .kind = kind, .origin = origin, .key = key,
                 .start = sim_now(sim), .end = sim_now(sim), .correct = -1 };
    sim_op_end(sim, &op);
}
static gsize memory(const void *self) { return 0; }

const SimProtocolClass kad_protocol_class = {
    "kademlia", declare, create, pfree, host_up, host_down, deliver, discard, start_op, memory, NULL,
};
