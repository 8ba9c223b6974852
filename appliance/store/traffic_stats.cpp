#include "store/traffic_stats.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {

std::size_t purgeTrafficStats(Poco::Data::Session& session, long long at) {
    Poco::Int64 hour = (at - kTrafficDays * 86400) / 3600;
    Poco::Int64 seen = at - kMtaDays * 86400;
    std::size_t removed = 0;
    Poco::Data::Statement a(session), b(session), c(session);
    a << "DELETE FROM traffic_hourly WHERE hour < ?", use(hour);
    b << "DELETE FROM refusals_hourly WHERE hour < ?", use(hour);
    c << "DELETE FROM mta_stats WHERE last_seen < ?", use(seen);
    removed += a.execute();
    removed += b.execute();
    removed += c.execute();
    return removed;
}

}  // namespace moat::store
