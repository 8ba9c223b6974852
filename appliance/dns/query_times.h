// How long a resolver's queries took on the wire, by record type: one
// histogram with fixed buckets per type, for the monitoring endpoint (moat-smtpd
// writes snapshots to the store with its heartbeat). Cache hits send nothing
// and are not counted; a query shared by several askers counts once; a
// timeout counts with the time it took to give up. Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dns {

class QueryTimes {
  public:
    // Upper bounds of the buckets in microseconds (1 ms .. 10 s); +Inf is the count.
    static constexpr std::array<std::int64_t, 13> kBoundsUs = {
        1000,   2500,   5000,    10000,   25000,   50000,   100000,
        250000, 500000, 1000000, 2500000, 5000000, 10000000};

    struct Histogram {
        std::string type;  // "a", "aaaa", "mx", "ptr", "txt"
        std::int64_t count = 0;
        std::int64_t sum_us = 0;
        std::array<std::int64_t, kBoundsUs.size()> cumulative{};  // queries at or under each bound
    };

    void record(std::string_view type, std::chrono::microseconds took);
    // Every type seen so far, by name.
    std::vector<Histogram> snapshot() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, Histogram, std::less<>> by_type_;
};

}  // namespace moat::dns
