/* kad — the Kademlia protocol (Maymounkov & Mazières 2002) as a SimProtocolClass. */
#pragma once

#include "sim.h"

extern const SimProtocolClass kad_protocol_class;
