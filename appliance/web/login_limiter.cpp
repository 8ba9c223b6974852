#include "web/login_limiter.h"

#include <string>

#include "store/login_failures.h"

namespace moat::web {

bool isLocked(const AccountFailures& state, long long now) {
    return state.locked_until > now;
}

AccountFailures afterFailure(const AccountFailures& state, long long now,
                             const LoginPolicy& policy) {
    AccountFailures next = state;
    if (next.count == 0 || now - next.since >= policy.window) {
        next.count = 0;
        next.since = now;
    }
    ++next.count;
    if (next.count >= policy.account_failures) {
        next.locked_until = now + policy.lock;
        next.count = 0;
        next.since = 0;
    }
    return next;
}

bool LoginLimiter::ipBlocked(Poco::Data::Session& db, std::string_view ip, long long now_ts) const {
    return store::loginFailuresSince(db, std::string(ip), now_ts - policy_.window) >= policy_.ip_failures;
}

void LoginLimiter::recordIpFailure(Poco::Data::Session& db, std::string_view ip,
                                   long long now_ts) const {
    store::recordLoginFailure(db, std::string(ip.substr(0, 64)), now_ts, now_ts - policy_.window);
}

}  // namespace moat::web
