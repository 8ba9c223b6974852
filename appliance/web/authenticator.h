// Who is asking, and may this name and password log in. authenticate() takes
// `Authorization: Bearer <api token>` (if present, and then only that) or the
// moat_session cookie and yields the account's Principal — with the session's
// CSRF token for cookie sessions. checkLogin() reserves the attempt with
// web/login_limiter (refused: account_locked or address_blocked, for known
// and unknown names alike), verifies the password (a dummy hash for an
// unknown name, so both cost the same) and does the bookkeeping.
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

// account_locked: the name's limit (not only a real account's).
// second_factor_needed: the password was right, the account has two-factor
// login on and no code came with it.
enum class LoginOutcome { ok, bad_credentials, account_locked, address_blocked, second_factor_needed };

struct LoginResult {
    LoginOutcome outcome = LoginOutcome::bad_credentials;
    std::optional<store::User> user;  // the account, when ok
};

// `second_factor`: a TOTP or recovery code typed with the password ("" for none).
// With one, an attempt the per-name limit would refuse is still checked, and
// succeeds only for an account with two-factor login on and the right code.
LoginResult checkLogin(Poco::Data::Session& db, const LoginLimiter& limiter,
                       const std::string& name, const std::string& password,
                       const std::string& client_ip, long long now,
                       const std::string& second_factor = "");

}  // namespace moat::web
