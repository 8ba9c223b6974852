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

}  // namespace moat::store
