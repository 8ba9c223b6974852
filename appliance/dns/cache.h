// The resolver's answer cache: one entry per (record type, canonical name),
// each kept for the TTL it was stored with and bounded in number; when full,
// the least recently used entry goes. Thread-safe. The resolver decides what
// is stored and for how long (never timeouts or server failures).
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/resolver.h"

namespace moat::dns {

// One parsed answer, in the form the resolver caches and hands out.
struct Answer {
    Status status = Status::servfail;
    std::vector<std::string> items;          // addresses, names, texts or MX hosts
    std::vector<std::uint16_t> preferences;  // MX only: one per item, ascending
};

class Cache {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Cache(std::size_t capacity) : capacity_(capacity) {}

    std::optional<Answer> get(std::uint16_t type, std::string_view name, Clock::time_point now);
    // A ttl of zero (or a capacity of zero) stores nothing.
    void put(std::uint16_t type, std::string_view name, const Answer& answer,
             std::chrono::seconds ttl, Clock::time_point now);
    std::size_t size() const;

  private:
    struct Entry {
        Answer answer;
        Clock::time_point expires;
        std::list<std::string>::iterator recency;
    };

    static std::string key(std::uint16_t type, std::string_view name);

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> recency_;  // keys, most recently used first
};

}  // namespace moat::dns
