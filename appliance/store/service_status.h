// Liveness rows for the console's System page (table service_status): each
// daemon that reaches the store upserts its row every few seconds; a row
// whose heartbeat is old means the daemon is not running.
#pragma once

#include <Poco/Data/Session.h>

#include <string>

namespace moat::store {

void heartbeat(Poco::Data::Session& session, const std::string& name, long long pid,
               long long started, long long at, const std::string& detail);

}  // namespace moat::store
