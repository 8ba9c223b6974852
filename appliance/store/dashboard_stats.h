// The dashboard's figures as the console reads them from the aggregates the
// committer keeps (traffic_hourly, refusals_hourly, mta_stats): message counts
// per hour and category, the checks that refused most, and the sending MTAs
// that were (almost) always wanted or unwanted. Upkeep is traffic_stats.h.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

namespace moat::store {

struct HourlyCount {
    long long hour = 0;  // epoch seconds / 3600
    std::string category;
    long long n = 0;
};
// Hours first..last, inclusive.
std::vector<HourlyCount> trafficCounts(Poco::Data::Session& session, long long first_hour,
                                       long long last_hour);

struct RefusalCount {
    std::string check;
    long long count = 0;
};
// The checks that refused most since first_hour, most first.
std::vector<RefusalCount> topRefusals(Poco::Data::Session& session, long long first_hour,
                                      int limit);

struct MtaCounts {
    std::string ip, name;
    long long connections = 0, wanted = 0, unwanted = 0, last_seen = 0;
};
enum class MtaKind { wanted, unwanted };
// MTAs with at least min_connections of which at least percent % were of `kind`, most connections
// first.
std::vector<MtaCounts> topMtas(Poco::Data::Session& session, MtaKind kind,
                               long long min_connections, long long percent, int limit);

}  // namespace moat::store
