// Failed logins per source address within a sliding window, for the
// reporters that turn repeated failures into a block (moat-sshwatch). add()
// says when an address reaches the threshold; its count then starts again,
// so one report goes out per `threshold` failures, not one per failure.
// Bounded: at most `capacity` addresses are tracked; when full, the one
// whose last failure is oldest is forgotten, so a flood of addresses costs
// memory only up to the bound. Not thread-safe (one reader owns it).
#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>

namespace moat::firewall {

class FailureCounter {
  public:
    FailureCounter(int threshold, long long window_seconds, std::size_t capacity = 10000);

    // One failure of address at now (epoch seconds): true when it is the
    // threshold-th within the window.
    bool add(const std::string& address, long long now);
    std::size_t tracked() const { return entries_.size(); }

  private:
    struct Entry {
        std::deque<long long> times;  // within the window, oldest first; fewer than threshold
        std::list<std::string>::iterator recency;
    };
    int threshold_;
    long long window_;
    std::size_t capacity_;
    std::unordered_map<std::string, Entry> entries_;
    std::list<std::string> recency_;  // most recently failed first
};

}  // namespace moat::firewall
