/* Loss models (sim/loss_*.c): loss rates and burst lengths against theory, the Gilbert–Elliott
 * state kept per sending host, lost messages never delivered, and the [network] loss errors. */
#include "sim_net.h"
#include "model_helpers.h"

#define MESSAGES 1000000

static SimLoss *loss_from(const char *network, guint hosts, SimConfig **cfg_out)
{
    g_autofree char *ini = g_strdup_printf("[network]\n%s", network);
    GError *err = NULL;
    SimConfig *cfg = model_cfg_new(ini, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    SimLoss *loss = sim_loss_new(cfg, 3, hosts, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(loss);
    *cfg_out = cfg;
    return loss;
}

typedef struct {
    double rate;        /* fraction lost */
    double mean_burst;  /* mean length of runs of consecutive losses */
} LossStats;

/* Send MESSAGES messages from host 0 and measure. */
static LossStats measure(SimLoss *loss)
{
    guint64 lost = 0, bursts = 0;
    gboolean in_burst = FALSE;
    for (guint i = 0; i < MESSAGES; i++) {
        gboolean l = sim_loss_drops(loss, 0, 1);
        lost += l;
        bursts += l && !in_burst;
        in_burst = l;
    }
    return (LossStats) { (double) lost / MESSAGES, bursts ? (double) lost / bursts : 0 };
}

static void test_none_loses_nothing(void)
{
    SimConfig *cfg;
    SimLoss *loss = loss_from("loss = none\n", 2, &cfg);
    CU_ASSERT_EQUAL(measure(loss).rate, 0);
    CU_ASSERT_EQUAL(sim_loss_rate(loss), 0);
    sim_loss_free(loss);
    sim_config_free(cfg);
}

static void test_bernoulli_loses_its_rate_in_bursts_of_one_over_one_minus_rate(void)
{
    SimConfig *cfg;
    SimLoss *loss = loss_from("loss = bernoulli\nloss_rate = 0.1\n", 2, &cfg);
    LossStats s = measure(loss);
    model_report("bernoulli 0.1: loss rate", s.rate, 0.1);
    model_report("bernoulli 0.1: mean loss burst", s.mean_burst, 1 / 0.9);
    CU_ASSERT(fabs(s.rate - 0.1) < 4 * sqrt(0.1 * 0.9 / MESSAGES));
    ASSERT_REL(s.mean_burst, 1 / 0.9, 0.01);  /* runs are geometric: independence */
    ASSERT_REL(sim_loss_rate(loss), 0.1, 1e-12);
    sim_loss_free(loss);
    sim_config_free(cfg);
}

/* Stationary loss = pi_B h + pi_G k with pi_B = p / (p + r). */
static void test_gilbert_elliott_rate_is_stationary_mix_of_state_losses(void)
{
    SimConfig *cfg;
    SimLoss *loss = loss_from("loss = gilbert-elliott\nloss_p = 0.05\nloss_r = 0.25\n"
                              "loss_bad = 0.8\nloss_good = 0.02\n", 2, &cfg);
    double pi_bad = 0.05 / 0.30, expected = pi_bad * 0.8 + (1 - pi_bad) * 0.02;  /* 0.15 */
    double rate = measure(loss).rate;
    model_report("GE p=.05 r=.25 h=.8 k=.02: loss rate", rate, expected);
    ASSERT_REL(rate, expected, 0.02);
    ASSERT_REL(sim_loss_rate(loss), expected, 1e-12);
    sim_loss_free(loss);
    sim_config_free(cfg);
}

/* With every Bad message lost and no Good one, loss bursts are the Bad runs: mean 1/r. */
static void test_gilbert_elliott_bursts_last_one_over_r(void)
{
    SimConfig *cfg;
    SimLoss *loss = loss_from("loss = gilbert-elliott\nloss_p = 0.02\nloss_r = 0.2\n", 2, &cfg);
    LossStats s = measure(loss);
    model_report("GE p=.02 r=.2 h=1 k=0: mean loss burst", s.mean_burst, 5);
    model_report("GE p=.02 r=.2 h=1 k=0: loss rate", s.rate, 0.02 / 0.22);
    ASSERT_REL(s.mean_burst, 1 / 0.2, 0.03);
    ASSERT_REL(s.rate, 0.02 / 0.22, 0.03);
    sim_loss_free(loss);
    sim_config_free(cfg);
}

/* p = r = 1: each host's link flips at every message it sends, whatever others send. */
static void test_gilbert_elliott_state_belongs_to_the_sending_host(void)
{
    SimConfig *cfg;
    SimLoss *loss = loss_from("loss = gilbert-elliott\nloss_p = 1\nloss_r = 1\n", 3, &cfg);
    gboolean last = sim_loss_drops(loss, 0, 2);
    for (int i = 1; i < 100; i++) {
        for (int j = 0; j < i % 4; j++)  /* host 1 sends a varying number in between */
            sim_loss_drops(loss, 1, 2);
        gboolean now = sim_loss_drops(loss, 0, 2);
        CU_ASSERT_EQUAL(now, !last);
        last = now;
    }
    sim_loss_free(loss);
    sim_config_free(cfg);
}

/* Through the engine: lost messages are never delivered, and every message has one fate. */
static void test_lost_messages_are_discarded_never_delivered(void)
{
    ModelWorld w;
    Sim *sim = model_world_new(&w, "[simulation]\nnodes = 100\nduration = 200s\n"
                                   "[network]\nloss = bernoulli\nloss_rate = 0.2\n"
                                   "[workload]\njoin = instant\nrate_unit = network\n"
                                   "lookup_rate = 200\n");
    sim_run(sim, 200 * SIM_S);
    guint64 sent = 0, lost = 0, delivered = 0;
    for (guint t = 0; t < sim_msg_types(sim); t++) {
        const SimMsgCounters *c = sim_msg_counters(sim, (uint16_t) t);
        sent += c->sent;
        lost += c->fate[SIM_FATE_LOST];
        delivered += c->fate[SIM_FATE_DELIVERED];
    }
    CU_ASSERT(sim_check_conservation(sim, NULL));
    CU_ASSERT(fabs((double) lost / sent - 0.2) < 0.01);
    CU_ASSERT_EQUAL(fake_protocol_stats(sim)->delivered, delivered);
    CU_ASSERT(fake_protocol_stats(sim)->discarded >= lost);
    model_world_free(&w);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_unknown_loss_model_is_an_error_naming_the_key(void)
{
    model_expect_error("[network]\nloss = gilbert\n", "[network] loss", "gilbert-elliott", NULL);
}

static void test_loss_rate_above_one_is_out_of_range(void)
{
    model_expect_error("[network]\nloss = bernoulli\nloss_rate = 1.5\n", "[network] loss_rate",
                       "out of range", NULL);
}

static void test_negative_loss_rate_is_out_of_range(void)
{
    model_expect_error("[network]\nloss = bernoulli\nloss_rate = -0.1\n",
                       "[network] loss_rate", "out of range", NULL);
}

static void test_loss_rate_that_is_not_a_number_is_an_error(void)
{
    model_expect_error("[network]\nloss = bernoulli\nloss_rate = 1%\n", "[network] loss_rate",
                       "not a number", NULL);
}

static void test_gilbert_key_with_bernoulli_is_an_only_if_error(void)
{
    model_expect_error("[network]\nloss = bernoulli\nloss_p = 0.1\n", "[network] loss_p",
                       "applies only when loss = gilbert-elliott", NULL);
}

static void test_gilbert_elliott_without_recovery_is_an_error_naming_loss_r(void)
{
    model_expect_error("[network]\nloss = gilbert-elliott\nloss_r = 0\n",
                       "test.ini: [network] loss_r", "> 0", NULL);
}

static CU_TestInfo tests[] = {
    TEST(test_none_loses_nothing),
    TEST(test_bernoulli_loses_its_rate_in_bursts_of_one_over_one_minus_rate),
    TEST(test_gilbert_elliott_rate_is_stationary_mix_of_state_losses),
    TEST(test_gilbert_elliott_bursts_last_one_over_r),
    TEST(test_gilbert_elliott_state_belongs_to_the_sending_host),
    TEST(test_lost_messages_are_discarded_never_delivered),
    TEST(test_unknown_loss_model_is_an_error_naming_the_key),
    TEST(test_loss_rate_above_one_is_out_of_range),
    TEST(test_negative_loss_rate_is_out_of_range),
    TEST(test_loss_rate_that_is_not_a_number_is_an_error),
    TEST(test_gilbert_key_with_bernoulli_is_an_only_if_error),
    TEST(test_gilbert_elliott_without_recovery_is_an_error_naming_loss_r),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_loss", tests)
