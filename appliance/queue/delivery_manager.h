// The queue manager: schedules delivery of every queued message, runs the
// delivery workers, and records outcomes through the Committer.
// Routing: a recipient in a protected domain goes to that domain's backend;
// any other recipient (only accepted from relay-authorised clients) goes by
// MX (RFC 5321 §5, falling back to A/AAAA). Temporary failures are retried
// with exponential backoff until the lifetime runs out; permanent failures and
// expiry produce one DSN to the sender. Fresh mail is handed over in memory;
// deferred mail (and everything after a restart) is found by polling the
// store, so the queue resumes by itself and `moatctl queue flush` works.
#pragma once

#include "config/config.h"
#include "mail/envelope.h"
#include "queue/smtp_client.h"
#include "store/store.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <functional>
#include <optional>
#include <vector>

namespace moat::dns {
class Resolver;
}
namespace moat::queue {

class Committer;
class Spool;

// Where mail for a protected domain goes: its backend's host and port, or
// nothing when the domain is not protected (delivered by MX). Given by the
// program (from the policy snapshot), so the queue depends on no policy code.
struct Backend {
    std::string host;
    std::uint16_t port = 25;
};
using BackendLookup = std::function<std::optional<Backend>(const std::string& domain)>;

class DeliveryManager {
public:
    DeliveryManager(const config::Config& config, const store::Store& store, Spool& spool, Committer& committer,
                    BackendLookup backend_of, dns::Resolver* resolver, Poco::Net::Context::Ptr client_tls);
    ~DeliveryManager();
    DeliveryManager(const DeliveryManager&) = delete;
    DeliveryManager& operator=(const DeliveryManager&) = delete;

    void start();
    void stop();

    // A session reserves the id before committing so that the poller never
    // picks up a message that is about to be handed over in memory.
    void reserve(const std::string& id);
    void release(const std::string& id);
    void submit(const mail::Envelope& envelope);

    std::size_t inFlight() const;

private:
    struct Route {
        std::string key;     // "backend:host:port", "mx:domain" or "literal:ip"
        std::string domain;  // recipient domain
        std::string host;    // backend host or literal IP
        std::uint16_t port = 25;
        bool mx = false;
    };
    struct Outcome {
        int status = 0;  // 0 pending (retry), 1 delivered, 2 failed
        mail::Reply reply;
        std::string remote;
    };
    struct Message {
        mail::Envelope envelope;
        std::mutex mutex;
        int outstanding = 0;
        std::map<std::string, Outcome> outcomes;
    };
    struct Job {
        std::shared_ptr<Message> message;
        Route route;
        std::vector<std::string> recipients;
    };
    struct Target {
        Poco::Net::SocketAddress address;
        std::string name;  // host name for SNI and logs
    };

    void schedule(std::shared_ptr<Message> message);
    void worker();
    void poller();
    void pollOnce(Poco::Data::Session& session);
    Route route(const std::string& recipient) const;
    // Resolves a route to addresses to try in order; on failure fills `failure`.
    std::vector<Target> targets(const Route& route, mail::Reply& failure);
    void deliver(Job& job);
    void finishJob(Job& job, const std::vector<Outcome>& outcomes);
    void finishMessage(Message& message);
    std::unique_ptr<SmtpClient> takeCached(const std::string& key);
    void putCached(const std::string& key, std::unique_ptr<SmtpClient> client);
    // Closes cached connections idle for kIdleConnection (the poller, every
    // second): a connection the server has closed is not kept open on our side.
    void expireCached();

    const config::Config& config_;
    const store::Store& store_;
    Spool& spool_;
    Committer& committer_;
    BackendLookup backend_of_;
    dns::Resolver* resolver_;
    ClientOptions client_options_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::unordered_set<std::string> in_flight_;
    // Messages whose completion or deferral the store has not taken yet (a
    // full disk): not delivered again before `until` (completed: never)
    // whatever the queue rows say; dropped once the committer writes them.
    std::unordered_map<std::string, long long> held_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;

    std::mutex cache_mutex_;
    std::multimap<std::string, std::pair<std::unique_ptr<SmtpClient>, std::chrono::steady_clock::time_point>> cache_;
};

}  // namespace moat::queue
