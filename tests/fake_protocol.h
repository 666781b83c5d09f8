/* A minimal protocol for testing sim/ without Kademlia: every operation is one request to a
 * random up host and its reply (hops 1, messages 2); a reply that does not come within
 * FAKE_TIMEOUT fails the operation. Joins succeed at once. */
#pragma once

#include "sim.h"

#define FAKE_TIMEOUT (1 * SIM_S)
#define FAKE_REQUEST_BYTES 100
#define FAKE_REPLY_BYTES 60

extern const SimProtocolClass fake_protocol_class;

/* Counters for assertions. */
typedef struct {
    guint64 ups, downs, graceful_downs, delivered, discarded, ops_started, ops_ok, ops_failed;
} FakeStats;
const FakeStats *fake_protocol_stats(const Sim *sim);
