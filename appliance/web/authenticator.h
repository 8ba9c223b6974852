// Who is asking, and may this name and password log in. authenticate() takes
// `Authorization: Bearer <api token>` (if present, and then only that) or the
// moat_session cookie and yields the account's Principal — with the session's
// CSRF token for cookie sessions. checkLogin() applies the lockout and the
// per-address limit (web/login_limiter), verifies the password (a dummy hash
// for an unknown name, so both cost the same) and does the bookkeeping.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>

#include "store/users.h"
#include "web/http.h"
#include "web/login_limiter.h"
#include "web/principal.h"
#include "web/session_store.h"

namespace moat::web {

struct Authenticated {
    Principal principal;
    std::string csrf;  // "" for API tokens
};

Principal principalFor(const store::User& user);

std::optional<Authenticated> authenticate(Poco::Data::Session& db, const Request& request,
                                          const SessionStore& sessions, long long now);

enum class LoginOutcome { ok, bad_credentials, account_locked, address_blocked };

struct LoginResult {
    LoginOutcome outcome = LoginOutcome::bad_credentials;
    std::optional<store::User> user;  // the account, when ok
    long long locked_until = 0;       // account_locked: until when
};

LoginResult checkLogin(Poco::Data::Session& db, const LoginLimiter& limiter,
                       const std::string& name, const std::string& password,
                       const std::string& client_ip, long long now);

}  // namespace moat::web
