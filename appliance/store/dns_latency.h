// moat-smtpd's DNS query times as rows (tables dns_latency and
// dns_latency_buckets), so GET /metrics in moat-webui can show them: the
// daemon rewrites them with each heartbeat, the console reads them. Figures
// run since the daemon started (a restart is a counter reset to Prometheus).
// Bucket counts are cumulative, each bound in microseconds; the +Inf bucket
// is `count`.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moat::store {

struct DnsLatencyRow {
    std::string type;  // the record type asked for: "a", "aaaa", "mx", "ptr", "txt"
    std::int64_t count = 0;
    std::int64_t sum_us = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>>
        buckets;  // (le_us, cumulative count), ascending
};

// Replaces every row with `rows` in one transaction.
void putDnsLatency(Poco::Data::Session& session, const std::vector<DnsLatencyRow>& rows,
                   long long at_time);

// Every type, by name, buckets ascending.
std::vector<DnsLatencyRow> dnsLatency(Poco::Data::Session& session);

}  // namespace moat::store
