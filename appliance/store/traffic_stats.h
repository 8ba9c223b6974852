// Upkeep of the dashboard aggregates (traffic_hourly, refusals_hourly,
// mta_stats), which the committer fills as it logs: hourly counts older than
// kTrafficDays and sending MTAs not seen for kMtaDays are deleted, so the
// tables stay small whatever the traffic.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>

namespace moat::store {

inline constexpr long long kTrafficDays = 35;
inline constexpr long long kMtaDays = 30;

// Returns how many rows went.
std::size_t purgeTrafficStats(Poco::Data::Session& session, long long at);

}  // namespace moat::store
