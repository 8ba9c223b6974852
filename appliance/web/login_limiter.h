// The login rate limit and lockout. An account is locked for `lock` after
// `account_failures` failed logins within `window` (counted from the first of
// them); while locked even the right password is refused (429), so guessing
// gets five tries per quarter hour. A client address that failed
// `ip_failures` times within `window` is refused (429) whatever the name, which
// limits spraying one password over many names. A success resets the account.
// The arithmetic is pure (testable); the counts live in users and
// login_failures.
#pragma once

#include <Poco/Data/Session.h>

#include <string_view>

namespace moat::web {

struct LoginPolicy {
    int account_failures = 5;
    int ip_failures = 20;
    long long window = 15 * 60;
    long long lock = 15 * 60;
};

struct AccountFailures {
    int count = 0;
    long long since = 0;  // first failure of the current window
    long long locked_until = 0;
};

bool isLocked(const AccountFailures& state, long long now);
// The state after one more failure at `now` (may lock the account).
AccountFailures afterFailure(const AccountFailures& state, long long now,
                             const LoginPolicy& policy);

class LoginLimiter {
  public:
    explicit LoginLimiter(LoginPolicy policy = {}) : policy_(policy) {}
    const LoginPolicy& policy() const { return policy_; }

    bool ipBlocked(Poco::Data::Session& db, std::string_view ip, long long now) const;
    // Records a failure from ip (and forgets failures older than the window).
    void recordIpFailure(Poco::Data::Session& db, std::string_view ip, long long now) const;

  private:
    LoginPolicy policy_;
};

}  // namespace moat::web
