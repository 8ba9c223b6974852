// Per-client-IP counters of unknown recipients and rejections over a sliding
// window, shared by all sessions: beyond the "slow" threshold every reply to
// the IP is delayed (tarpit), at the "max" threshold the IP gets 421 and is
// shut out for one window. Memory is bounded (fixed buckets per IP, a cap on
// IPs); crossings are written to client_events by a batching thread, so a
// session never waits for the store and the firewall agent can act later.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/store.h"
#include "util/clock.h"

namespace moat::policy {

struct RateLimits {
    long long window = 600;  // seconds
    long long unknown_slow = 10, unknown_max = 50;
    long long rejects_slow = 20, rejects_max = 100;
};

// What a client IP has earned: nothing, a tarpit, or a shut door.
struct ClientStatus {
    bool slow = false;
    std::optional<std::string>
        blocked;  // "too many unknown recipients" / "too many rejected commands"
};

struct ClientEvent {
    long long ts = 0;
    std::string ip, kind, detail;  // kind: unknown_recipients_slow|_limit, rejections_slow|_limit
};

class ClientCounters {
  public:
    // Buckets per window: the window slides in steps of window / kBuckets.
    static constexpr std::size_t kBuckets = 16;

    // store: where events go (null: nowhere, for unit tests).
    explicit ClientCounters(const store::Store* store,
                            std::function<long long()> clock = util::policyNow,
                            std::size_t max_clients = 50000);
    ~ClientCounters();
    ClientCounters(const ClientCounters&) = delete;
    ClientCounters& operator=(const ClientCounters&) = delete;

    // Counts one refusal for ip (an unknown recipient also counts as a
    // rejection) and returns the IP's status after it.
    ClientStatus recordRejection(const std::string& ip, bool unknown_recipient,
                                 const RateLimits& limits);
    ClientStatus status(const std::string& ip, const RateLimits& limits);

    // Events not yet handed to the writer thread (unit tests without a store)
    // or, with a store, written now; returns what was taken.
    std::vector<ClientEvent> takeEvents();
    void flush();  // writes pending events now (tests, shutdown)

  private:
    struct Window {
        std::array<long long, kBuckets> start{};  // bucket start times, 0 = unused
        std::array<long long, kBuckets> count{};
        bool slowed = false;  // the slow event was written for the current episode
        void add(long long now, long long width);
        long long sum(long long now, long long window) const;
    };
    struct Client {
        Window unknown, rejects;
        long long blocked_until = 0;
        std::string blocked_reason;
        long long last_seen = 0;
    };

    ClientStatus statusLocked(Client& c, long long now, const RateLimits& limits) const;
    void event(long long now, const std::string& ip, std::string kind, std::string detail);
    void makeRoom(long long now, long long window);
    void run();
    bool write(const std::vector<ClientEvent>& events);

    const store::Store* store_;
    std::function<long long()> clock_;
    std::size_t max_clients_;

    std::mutex mutex_;
    std::unordered_map<std::string, Client> clients_;
    std::vector<ClientEvent> pending_;
    std::uint64_t flush_wanted_ = 0, flush_done_ = 0;
    bool stopping_ = false;
    std::condition_variable wake_, flushed_;
    std::thread writer_;
};

}  // namespace moat::policy
