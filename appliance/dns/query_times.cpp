#include "dns/query_times.h"

#include <algorithm>

namespace moat::dns {

void QueryTimes::record(std::string_view type, std::chrono::microseconds took) {
    std::int64_t us = std::max<std::int64_t>(0, took.count());
    std::lock_guard lock(mutex_);
    auto it = by_type_.find(type);
    if (it == by_type_.end())
        it = by_type_.emplace(std::string(type), Histogram{std::string(type)}).first;
    auto& h = it->second;
    ++h.count;
    h.sum_us += us;
    for (std::size_t i = 0; i < kBoundsUs.size(); ++i)
        if (us <= kBoundsUs[i]) ++h.cumulative[i];
}

std::vector<QueryTimes::Histogram> QueryTimes::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<Histogram> out;
    for (const auto& [type, h] : by_type_) out.push_back(h);
    return out;
}

}  // namespace moat::dns
