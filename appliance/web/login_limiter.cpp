#include "web/login_limiter.h"

namespace moat::web {

bool LoginLimiter::trusted(std::string_view ip) const {
    auto address = net::parseIp(ip);
    if (!address) return false;
    for (const auto& network : trusted_)
        if (network.contains(*address)) return true;
    return false;
}

std::string LoginLimiter::nameKey(std::string_view name) {
    return std::string(name.substr(0, 64));
}

store::LoginReservation LoginLimiter::reserve(Poco::Data::Session& db, std::string_view ip,
                                              std::string_view name, long long now,
                                              bool second_factor) const {
    return store::reserveLoginAttempt(db, std::string(ip.substr(0, 64)), nameKey(name), now,
                                      policy_, second_factor || trusted(ip));
}

void LoginLimiter::succeeded(Poco::Data::Session& db, long long reservation,
                             std::string_view name) const {
    store::loginSucceeded(db, reservation, nameKey(name));
}

}  // namespace moat::web
