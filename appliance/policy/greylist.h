// Greylisting: a triplet (client network, sender, recipient) seen for the first
// time is deferred with 451; a retry after the delay and within the window
// passes, and the passed triplet is remembered. Networks that passed often are
// whitelisted automatically. Decisions come from an in-memory map (a cache of
// the store, bounded in size); changes reach the store from a background thread
// in batched transactions, so a slow or failing store never holds up a session.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Net/IPAddress.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store.h"
#include "util/clock.h"

namespace moat::policy {

struct GreylistSettings {
    bool enabled = false;
    std::chrono::seconds delay{300};
    std::chrono::seconds window{4 * 3600};
    std::chrono::seconds remember{36 * 24 * 3600};
    int auto_whitelist_passes = 10;  // 0 = never
};

// The network a client is greylisted as: its /24 for IPv4 (IPv4-mapped IPv6
// counts as IPv4), its /64 for IPv6; canonical text such as "192.0.2.0/24".
// Big senders retry from another host of the same pool; grouping keeps that a retry.
std::string greylistNetwork(const Poco::Net::IPAddress& client);

class Greylist {
  public:
    // Loads up to max_entries triplets (most recently seen first) and the
    // client pass counts; a store that cannot be read is logged, not fatal.
    explicit Greylist(const store::Store& store, std::function<long long()> clock = util::policyNow,
                      std::size_t max_entries = 250000);
    ~Greylist();
    Greylist(const Greylist&) = delete;
    Greylist& operator=(const Greylist&) = delete;

    struct Result {
        enum Verdict { pass, defer } verdict = pass;
        long long retry_after = 0;  // seconds, for defer
        std::string reason;         // plain words for logs
        bool client_whitelisted = false;
    };

    // sender: the parsed reverse path without brackets, "" (or "<>") for the
    // null sender; recipient: the parsed forward path. Both compared case-blind.
    // Never throws for store trouble and never waits for a write.
    Result check(const Poco::Net::IPAddress& client, std::string_view sender,
                 std::string_view recipient, const GreylistSettings& settings);

    // Writes every change made so far now (tests, shutdown); store errors are logged.
    void flush();

    // Drops triplets not seen for settings.remember and unconfirmed ones whose
    // first attempt is older than settings.window, and client networks not seen
    // for settings.remember, from the store and the map. Pass the longest
    // window and remember in force (per-domain overrides included). Returns the
    // number of triplets removed from the store.
    std::size_t expire(const GreylistSettings& settings = {});

    // The text after "451 4.7.1 " that the client sees for a deferral.
    static std::string replyText(long long retry_after);

  private:
    struct Entry {
        long long first_seen = 0;
        long long last_seen = 0;
        bool passed = false;
        long long keep_until = 0;  // after this the map may drop it (the store decides)
        std::uint64_t version = 0, stored_version = 0;  // unequal: not yet in the store
    };
    struct Client {
        long long passes = 0;
        long long last_seen = 0;
        long long keep_until = 0;
    };
    struct ClientDelta {
        long long passes = 0;
        long long last_seen = 0;
    };
    struct StoredTriplet {
        long long first_seen = 0, last_seen = 0;
        bool passed = false;
    };
    struct StoreView {
        bool ok = false;
        std::optional<StoredTriplet> triplet;
        long long client_passes = 0;
    };

    Result decide(const std::string& key, const std::string& network, long long now,
                  const GreylistSettings& settings);
    Result whitelisted(const std::string& network, long long now, const GreylistSettings& settings);
    bool isWhitelisted(const std::string& network, const GreylistSettings& settings) const;
    void touchClient(const std::string& network, long long passes, long long now,
                     const GreylistSettings& settings);
    StoreView readStore(const std::string& network, std::string_view sender,
                        std::string_view recipient);
    std::unique_ptr<Poco::Data::Session> takeSession();
    void returnSession(std::unique_ptr<Poco::Data::Session> session);

    void load();
    void run();
    bool writeBatch(std::unique_ptr<Poco::Data::Session>& session);
    void maintain(long long now);

    const store::Store& store_;
    std::function<long long()> clock_;
    std::size_t max_entries_;

    mutable std::mutex mutex_;  // guards everything below up to sessions_mutex_
    std::unordered_map<std::string, Entry> triplets_;  // key: network \0 sender \0 recipient
    std::unordered_map<std::string, Client> clients_;  // key: network
    std::unordered_set<std::string> dirty_;            // triplet keys to write
    std::unordered_map<std::string, ClientDelta> client_deltas_;
    std::uint64_t flush_wanted_ = 0, flush_done_ = 0;
    std::uint64_t commits_ = 0;  // successful writes, to spot store reads that raced one
    bool stopping_ = false;
    bool dropped_unwritten_ = false;
    std::condition_variable wake_;
    std::condition_variable flushed_;

    std::mutex sessions_mutex_;
    std::vector<std::unique_ptr<Poco::Data::Session>> idle_sessions_;

    std::thread writer_;
};

}  // namespace moat::policy
