#include "fake_protocol.h"

enum { MSG_REQUEST, MSG_REPLY };

typedef struct {
    uint64_t op_id;
    SimOpKind kind;
    SimHost origin;
    uint64_t key;
    SimTime start;
    SimTimerId timeout;
    gboolean open;
} FakeOp;

typedef struct {
    Sim *sim;
    uint16_t types[2];
    uint16_t timeout_kind;
    GArray *ops;           /* FakeOp[], indexed by payload */
    SimRngState rng;
    FakeStats stats;
} Fake;

static void finish(Fake *f, FakeOp *op, gboolean ok)
{
    op->open = FALSE;
    SimOp r = { .id = op->op_id, .kind = op->kind, .origin = op->origin, .key = op->key,
                .start = op->start, .end = sim_now(f->sim), .hops = ok ? 1 : 0,
                .messages = ok ? 2 : 1, .timeouts = ok ? 0 : 1, .success = ok, .correct = -1 };
    ok ? f->stats.ops_ok++ : f->stats.ops_failed++;
    sim_op_end(f->sim, &r);
}

static void on_timeout(Sim *sim, void *ctx, const SimEvent *ev)
{
    Fake *f = ctx;
    FakeOp *op = &g_array_index(f->ops, FakeOp, ev->data);
    if (op->open)
        finish(f, op, FALSE);
}

static void *fake_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    Fake *f = g_new0(Fake, 1);
    f->sim = sim;
    f->types[MSG_REQUEST] = sim_msg_type_register(sim, "REQUEST");
    f->types[MSG_REPLY] = sim_msg_type_register(sim, "REPLY");
    f->timeout_kind = sim_register_handler(sim, "fake-timeout", on_timeout, f);
    f->ops = g_array_new(FALSE, TRUE, sizeof(FakeOp));
    sim_stream_state(sim, "fake", 0, &f->rng);
    return f;
}

static void fake_free(void *self)
{
    Fake *f = self;
    g_array_free(f->ops, TRUE);
    g_free(f);
}

static void fake_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Fake *f = self;
    f->stats.ups++;
    SimOp r = { .id = sim_op_begin(f->sim), .kind = SIM_OP_JOIN, .origin = host,
                .start = sim_now(f->sim), .end = sim_now(f->sim), .success = TRUE, .correct = -1 };
    sim_op_end(f->sim, &r);
}

static void fake_host_down(void *self, SimHost host, gboolean graceful)
{
    Fake *f = self;
    f->stats.downs++;
    f->stats.graceful_downs += graceful;
}

static void fake_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Fake *f = self;
    f->stats.delivered++;
    FakeOp *op = &g_array_index(f->ops, FakeOp, payload);
    if (type == f->types[MSG_REQUEST]) {
        sim_send(f->sim, dst, src, f->types[MSG_REPLY], FAKE_REPLY_BYTES, payload);
    } else if (op->open) {
        sim_cancel(f->sim, op->timeout);
        finish(f, op, TRUE);
    }
}

static void fake_discard(void *self, uint32_t payload, SimFate fate)
{
    ((Fake *) self)->stats.discarded++;
}

static void fake_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    Fake *f = self;
    f->stats.ops_started++;
    FakeOp op = { .op_id = sim_op_begin(f->sim), .kind = kind, .origin = origin, .key = key,
                  .start = sim_now(f->sim), .open = TRUE };
    uint32_t idx = f->ops->len;
    SimHost peer = sim_random_up_host(f->sim, &f->rng, origin);
    op.timeout = sim_schedule_cancellable(f->sim, sim_now(f->sim) + FAKE_TIMEOUT,
                                          f->timeout_kind, origin, idx, origin);
    g_array_append_val(f->ops, op);
    if (peer != SIM_HOST_NONE)
        sim_send(f->sim, origin, peer, f->types[MSG_REQUEST], FAKE_REQUEST_BYTES, idx);
}

static gsize fake_memory(const void *self) { return 0; }
static void fake_declare(SimConfig *cfg) {}

const SimProtocolClass fake_protocol_class = {
    "fake", fake_declare, fake_create, fake_free, fake_host_up, fake_host_down, fake_deliver,
    fake_discard, fake_start_op, fake_memory, NULL, NULL, NULL, NULL, NULL,
    FALSE, NULL, NULL, NULL, NULL, NULL,
};

const FakeStats *fake_protocol_stats(const Sim *sim)
{
    return &((Fake *) sim_protocol(sim))->stats;
}
