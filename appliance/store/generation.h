// The store's policy generation: a counter that triggers move on whenever
// data a running gateway caches changes (domains, relay data, settings,
// lists, valid addresses, zones). A reader compares it with the number it
// loaded at to know whether to reload.
#pragma once

#include <Poco/Data/Session.h>

namespace moat::store {

long long policyGeneration(Poco::Data::Session& session);

}  // namespace moat::store
