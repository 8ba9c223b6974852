// Console login attempts by client address and name (table login_failures),
// for web::LoginLimiter. A row is reserved in one write transaction before a
// password is checked, and only while every limit still allows it, so parallel
// attempts can never check more passwords than the limits say; a success
// gives its row back and clears the name's failures. Rows older than the
// window are forgotten as new ones come.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>

namespace moat::store {

struct LoginLimits {
    int per_address = 20;           // attempts from one address, any names
    int per_name_and_address = 5;   // attempts at one name from one address
    int per_name = 10;              // attempts at one name from anywhere (trusted addresses exempt)
    long long window = 15 * 60;     // seconds
};

enum class LoginRefusal { address, name };

struct LoginReservation {
    std::optional<long long> id;  // the reserved row; nothing when refused
    LoginRefusal refused_by = LoginRefusal::address;
};

// Reserves one password check for `name` from `ip` at `at`. `trusted`: the
// address is on a maintenance network, exempt from the per-name limit.
LoginReservation reserveLoginAttempt(Poco::Data::Session& session, const std::string& ip,
                                     const std::string& name, long long at,
                                     const LoginLimits& limits, bool trusted);
// A successful login: its reservation and the name's earlier failures go.
void loginSucceeded(Poco::Data::Session& session, long long reservation, const std::string& name);
// Forgets the name's failures (moatctl user unlock).
void clearLoginFailures(Poco::Data::Session& session, const std::string& name);
// Attempts recorded against the name since `since`.
int loginFailuresForName(Poco::Data::Session& session, const std::string& name, long long since);

}  // namespace moat::store
