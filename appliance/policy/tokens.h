// Whitelist-only mode's one-time tokens for the SMTP sessions: issue() hands
// out the token for a refused sender and recipient (the same one again while
// it is valid), reserve() claims a token address at RCPT so that two
// concurrent sessions cannot both use it, and Reservation::spend() marks it
// used once the message is accepted. A reservation dropped unspent (the
// transaction failed) frees the token again. Store failures throw
// Poco::Exception: the caller answers 4xx, the client retries.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

#include "policy/token_address.h"
#include "store/store.h"
#include "util/clock.h"

namespace moat::policy {

class Tokens {
  public:
    explicit Tokens(const store::Store& store, std::function<long long()> clock = util::policyNow);
    Tokens(const Tokens&) = delete;
    Tokens& operator=(const Tokens&) = delete;

    struct Issued {
        std::string token;
        long long expires = 0;
    };
    // The valid token for domain, recipient and sender, or a new one valid for ttl seconds.
    Issued issue(long long domain_id, const std::string& recipient, const std::string& sender,
                 long long ttl);

    // A claim on one token, released on destruction unless spent.
    class Reservation {
      public:
        Reservation() = default;
        Reservation(Reservation&& other) noexcept { *this = std::move(other); }
        Reservation& operator=(Reservation&& other) noexcept;
        ~Reservation() { release(); }
        const std::string& token() const { return token_; }
        // Marks the token used in the store; false (logged) if that failed or
        // it was spent meanwhile (revoked by the administrator).
        bool spend();

      private:
        friend class Tokens;
        Reservation(Tokens* owner, std::string token) : owner_(owner), token_(std::move(token)) {}
        void release();
        Tokens* owner_ = nullptr;
        std::string token_;
    };

    struct Claim {
        enum Result { ok, invalid, busy } result = invalid;  // busy: reserved by another session
        std::string recipient;    // ok, busy: the address the token stands for
        Reservation reservation;  // ok
    };
    // Claims token for domain_id when it exists there, is unspent, unexpired
    // and was issued for a recipient whose local part is `base` (case-blind).
    Claim reserve(long long domain_id, const TokenLocalPart& address);

    // Drops expired tokens from the store; returns how many.
    std::size_t purge();

  private:
    const store::Store& store_;
    std::function<long long()> clock_;
    std::mutex mutex_;
    std::unordered_set<std::string> reserved_;
};

}  // namespace moat::policy
