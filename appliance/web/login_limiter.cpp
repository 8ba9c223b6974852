#include "web/login_limiter.h"

#include <Poco/Data/Statement.h>

#include <string>

using namespace Poco::Data::Keywords;

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
    std::string key(ip);
    Poco::Int64 since = now_ts - policy_.window;
    int n = 0;
    db << "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND ts > ?", use(key), use(since),
        into(n), now;
    return n >= policy_.ip_failures;
}

void LoginLimiter::recordIpFailure(Poco::Data::Session& db, std::string_view ip,
                                   long long now_ts) const {
    std::string key(ip.substr(0, 64));
    Poco::Int64 t = now_ts, old = now_ts - policy_.window;
    db << "INSERT INTO login_failures (ip, ts) VALUES (?, ?)", use(key), use(t), now;
    db << "DELETE FROM login_failures WHERE ts <= ?", use(old), now;
}

}  // namespace moat::web
