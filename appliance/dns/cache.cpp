#include "dns/cache.h"

namespace moat::dns {

std::string Cache::key(std::uint16_t type, std::string_view name) {
    std::string k = std::to_string(type);
    k += ' ';
    k += name;
    return k;
}

std::optional<Answer> Cache::get(std::uint16_t type, std::string_view name, Clock::time_point now) {
    if (capacity_ == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(type, name));
    if (it == entries_.end()) return std::nullopt;
    if (it->second.expires <= now) {
        recency_.erase(it->second.recency);
        entries_.erase(it);
        return std::nullopt;
    }
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return it->second.answer;
}

void Cache::put(std::uint16_t type, std::string_view name, const Answer& answer,
                std::chrono::seconds ttl, Clock::time_point now) {
    if (capacity_ == 0 || ttl <= std::chrono::seconds::zero()) return;
    std::string k = key(type, name);
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(k); it != entries_.end()) {
        it->second.answer = answer;
        it->second.expires = now + ttl;
        recency_.splice(recency_.begin(), recency_, it->second.recency);
        return;
    }
    while (entries_.size() >= capacity_) {
        entries_.erase(recency_.back());
        recency_.pop_back();
    }
    recency_.push_front(k);
    entries_.emplace(std::move(k), Entry{answer, now + ttl, recency_.begin()});
}

std::size_t Cache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace moat::dns
