#include "firewall/failure_counter.h"

#include <stdexcept>

namespace moat::firewall {

FailureCounter::FailureCounter(int threshold, long long window_seconds, std::size_t capacity)
    : threshold_(threshold), window_(window_seconds), capacity_(capacity) {
    if (threshold < 1 || window_seconds < 1 || capacity < 1)
        throw std::invalid_argument(
            "a failure counter needs a threshold, a window and room for one address");
}

bool FailureCounter::add(const std::string& address, long long now) {
    auto it = entries_.find(address);
    if (it == entries_.end()) {
        if (entries_.size() >= capacity_) {
            entries_.erase(recency_.back());
            recency_.pop_back();
        }
        recency_.push_front(address);
        it = entries_.emplace(address, Entry{{}, recency_.begin()}).first;
    } else {
        recency_.splice(recency_.begin(), recency_, it->second.recency);
    }
    auto& times = it->second.times;
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
    times.push_back(now);
    if (static_cast<int>(times.size()) < threshold_) return false;
    recency_.erase(it->second.recency);
    entries_.erase(it);
    return true;
}

}  // namespace moat::firewall
