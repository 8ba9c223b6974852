#include "store/dashboard_stats.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {

std::vector<HourlyCount> trafficCounts(Poco::Data::Session& session, long long first_hour,
                                       long long last_hour) {
    Poco::Int64 first = first_hour, last = last_hour;
    std::vector<Poco::Int64> hour, n;
    std::vector<std::string> category;
    session << "SELECT hour, category, n FROM traffic_hourly WHERE hour >= ? AND hour <= ?",
        use(first), use(last), into(hour), into(category), into(n), now;
    std::vector<HourlyCount> out;
    for (std::size_t i = 0; i < hour.size(); ++i) out.push_back({hour[i], category[i], n[i]});
    return out;
}

std::vector<RefusalCount> topRefusals(Poco::Data::Session& session, long long first_hour,
                                      int limit) {
    Poco::Int64 first = first_hour, top = limit;
    std::vector<std::string> checks;
    std::vector<Poco::Int64> counts;
    session << "SELECT check_name, SUM(n) AS total FROM refusals_hourly WHERE hour >= ?"
               " GROUP BY check_name ORDER BY total DESC, check_name LIMIT ?",
        use(first), use(top), into(checks), into(counts), now;
    std::vector<RefusalCount> out;
    for (std::size_t i = 0; i < checks.size(); ++i) out.push_back({checks[i], counts[i]});
    return out;
}

std::vector<MtaCounts> topMtas(Poco::Data::Session& session, MtaKind kind,
                               long long min_connections, long long percent, int limit) {
    std::vector<std::string> ips, names;
    std::vector<Poco::Int64> connections, wanted, unwanted, last_seen;
    Poco::Int64 min = min_connections, share = percent, top = limit;
    // Two fixed statements: a column name is never built from a value.
    const char* sql =
        kind == MtaKind::wanted
            ? "SELECT ip, name, connections, wanted, unwanted, last_seen FROM mta_stats"
              " WHERE connections >= ? AND wanted * 100 >= ? * connections"
              " ORDER BY connections DESC, ip LIMIT ?"
            : "SELECT ip, name, connections, wanted, unwanted, last_seen FROM mta_stats"
              " WHERE connections >= ? AND unwanted * 100 >= ? * connections"
              " ORDER BY connections DESC, ip LIMIT ?";
    session << sql, use(min), use(share), use(top), into(ips), into(names), into(connections),
        into(wanted), into(unwanted), into(last_seen), now;
    std::vector<MtaCounts> out;
    for (std::size_t i = 0; i < ips.size(); ++i)
        out.push_back({ips[i], names[i], connections[i], wanted[i], unwanted[i], last_seen[i]});
    return out;
}

}  // namespace moat::store
