// Liveness rows for the console's System page (table service_status): each
// daemon that reaches the store upserts its row every few seconds; a row
// whose heartbeat is old means the daemon is not running. serviceStatuses()
// reads them all for the System page.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

namespace moat::store {

void heartbeat(Poco::Data::Session& session, const std::string& name, long long pid,
               long long started, long long at, const std::string& detail);

struct ServiceStatus {
    std::string name;
    long long pid = 0, heartbeat = 0;
    std::string detail;
};
// Every row, by name.
std::vector<ServiceStatus> serviceStatuses(Poco::Data::Session& session);

}  // namespace moat::store
