#include "store/dns_latency.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

void putDnsLatency(Poco::Data::Session& session, const std::vector<DnsLatencyRow>& rows,
                   long long at_time) {
    WriteTransaction tx(session);
    session << "DELETE FROM dns_latency", Poco::Data::Keywords::now;
    session << "DELETE FROM dns_latency_buckets", Poco::Data::Keywords::now;
    Poco::Int64 at = at_time;
    for (const auto& r : rows) {
        Poco::Int64 count = r.count, sum = r.sum_us;
        session << "INSERT INTO dns_latency (type, count, sum_us, updated) VALUES (?, ?, ?, ?)",
            useRef(r.type), use(count), use(sum), use(at), Poco::Data::Keywords::now;
        for (const auto& [le, n] : r.buckets) {
            Poco::Int64 bound = le, cumulative = n;
            session << "INSERT INTO dns_latency_buckets (type, le_us, count) VALUES (?, ?, ?)",
                useRef(r.type), use(bound), use(cumulative), Poco::Data::Keywords::now;
        }
    }
    tx.commit();
}

std::vector<DnsLatencyRow> dnsLatency(Poco::Data::Session& session) {
    std::vector<std::string> types;
    std::vector<Poco::Int64> counts, sums;
    session << "SELECT type, count, sum_us FROM dns_latency ORDER BY type", into(types),
        into(counts), into(sums), now;
    std::vector<std::string> bucket_types;
    std::vector<Poco::Int64> bounds, cumulative;
    session << "SELECT type, le_us, count FROM dns_latency_buckets ORDER BY type, le_us",
        into(bucket_types), into(bounds), into(cumulative), now;
    std::vector<DnsLatencyRow> out;
    for (std::size_t i = 0; i < types.size(); ++i) {
        DnsLatencyRow row{types[i], counts[i], sums[i], {}};
        for (std::size_t j = 0; j < bucket_types.size(); ++j)
            if (bucket_types[j] == types[i]) row.buckets.emplace_back(bounds[j], cumulative[j]);
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace moat::store
