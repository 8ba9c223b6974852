// Recipient validation by SMTP callout: asks a domain's backend EHLO, MAIL FROM:<>,
// RCPT TO:<address>, QUIT (no message is sent) and remembers definite answers in
// memory and in store::callout_cache for the domain's TTLs. Concurrent questions
// about one address share one connection; an unreachable backend is not asked
// again for failure_memory. No lock is held while a backend is asked.
#pragma once

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/domains.h"
#include "store/store.h"

namespace moat::policy {

class Callout {
  public:
    enum class Verdict { valid, invalid, unknown };
    struct Result {
        Verdict verdict = Verdict::unknown;
        // valid/invalid: the backend's reply ("550 5.1.1 ..."); unknown: why
        // the backend could not give a definite answer.
        std::string reply;
        bool cached = false;  // from the cache or the failure memory: no connection was made
    };
    struct Options {
        std::string helo_name;
        std::chrono::milliseconds connect_timeout{5000};
        std::chrono::milliseconds command_timeout{10000};
        std::chrono::seconds failure_memory{30};
        std::size_t max_memory_entries = 100000;  // beyond it, the store still answers
    };

    Callout(const store::Store& store, Options options);
    Callout(const Callout&) = delete;
    Callout& operator=(const Callout&) = delete;

    // address: the recipient as parsed (sent as is; cached in lower case).
    // generation: the policy snapshot's store generation; entries remembered
    // under another one are checked against the store again, so a
    // `moatctl callout flush` (which bumps it) takes effect at once.
    Result verify(const std::string& address, const store::Domain& domain,
                  std::chrono::seconds positive_ttl, std::chrono::seconds negative_ttl,
                  long long generation);

  private:
    struct Remembered {
        bool valid = false;
        std::string reply;
        long long expires = 0;  // policy clock
        long long generation = 0;
    };
    // The backend's answer, or unknown; unreachable is set when the backend
    // could not be talked to at all (connection, greeting or dialogue failed).
    Result ask(const std::string& address, const store::Domain& domain, bool& unreachable);
    // The store's answer if it has a live one, else the backend's; expires:
    // when a definite answer stops being valid (policy clock).
    Result lookupOrAsk(const std::string& address, const std::string& key,
                       const store::Domain& domain, std::chrono::seconds positive_ttl,
                       std::chrono::seconds negative_ttl, bool& unreachable, long long& expires);

    const store::Store& store_;
    Options options_;
    std::mutex mutex_;
    std::unordered_map<std::string, Remembered> memory_;  // lower-case address -> answer
    std::unordered_map<std::string, std::shared_future<Result>> in_flight_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point>
        down_;                   // "host:port" -> until
    long long last_expiry_ = 0;  // when expired store rows were last dropped (policy clock)
};

}  // namespace moat::policy
