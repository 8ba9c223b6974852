#include "store/service_status.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {

void heartbeat(Poco::Data::Session& session, const std::string& name, long long pid,
               long long started, long long at, const std::string& detail) {
    Poco::Int64 p = pid, s = started, n = at;
    session << "INSERT INTO service_status (name, pid, started, heartbeat, detail) VALUES (?, ?, "
               "?, ?, ?)"
               " ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, started = excluded.started,"
               " heartbeat = excluded.heartbeat, detail = excluded.detail",
        useRef(name), use(p), use(s), use(n), useRef(detail), now;
}

std::vector<ServiceStatus> serviceStatuses(Poco::Data::Session& session) {
    std::vector<std::string> names, details;
    std::vector<Poco::Int64> pids, heartbeats;
    session << "SELECT name, pid, heartbeat, detail FROM service_status ORDER BY name", into(names), into(pids),
        into(heartbeats), into(details), now;
    std::vector<ServiceStatus> out;
    for (std::size_t i = 0; i < names.size(); ++i) out.push_back({names[i], pids[i], heartbeats[i], details[i]});
    return out;
}

}  // namespace moat::store
