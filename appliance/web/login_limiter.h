// Login throttling that slows a guesser without locking the real user out
// (docs/console-login.md). Each password check first reserves an attempt
// (store::reserveLoginAttempt, one write transaction), so parallel requests
// never check more passwords than the limits allow:
// - one address: `per_address` attempts per window, whatever the names;
// - one name from one address: `per_name_and_address` per window, so an
//   attacker's failures at "admin" stop the attacker, not the admin elsewhere;
// - one name from everywhere: `per_name` per window, against guessing spread
//   over many addresses; addresses on a trusted (maintenance) network are
//   exempt, so the right password from there always gets checked.
// Known and unknown names are counted alike, so no answer tells them apart.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/cidr.h"
#include "store/login_failures.h"

namespace moat::web {

using LoginPolicy = store::LoginLimits;

class LoginLimiter {
  public:
    explicit LoginLimiter(LoginPolicy policy = {}, std::vector<net::Cidr> trusted = {})
        : policy_(policy), trusted_(std::move(trusted)) {}
    const LoginPolicy& policy() const { return policy_; }

    bool trusted(std::string_view ip) const;
    // The name as counted: at most 64 bytes of what was typed.
    static std::string nameKey(std::string_view name);
    // `second_factor`: the attempt carries a second factor, which passes the
    // per-name limit (it succeeds only for an account with two-factor login on).
    store::LoginReservation reserve(Poco::Data::Session& db, std::string_view ip,
                                    std::string_view name, long long now,
                                    bool second_factor = false) const;
    void succeeded(Poco::Data::Session& db, long long reservation, std::string_view name) const;

  private:
    LoginPolicy policy_;
    std::vector<net::Cidr> trusted_;
};

}  // namespace moat::web
