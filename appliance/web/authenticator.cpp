#include "web/authenticator.h"

#include "store/api_tokens.h"
#include "web/password_hash.h"
#include "web/secrets.h"
#include "web/totp.h"
#include "web/wire_parse.h"

namespace moat::web {

Principal principalFor(const store::User& user) {
    Principal p;
    p.user_id = user.id;
    p.name = user.name;
    p.role = user.role == "admin" ? Role::admin : Role::domain_admin;
    p.domain_ids = user.domain_ids;
    p.domains = user.domains;
    p.second_factor_on = user.totp_enabled;
    p.second_factor_required = user.totp_required;
    return p;
}

std::optional<Authenticated> authenticate(Poco::Data::Session& db, const Request& request,
                                          const SessionStore& sessions, long long now) {
    auto authorization = request.header("authorization");
    if (!authorization.empty()) {
        constexpr std::string_view kBearer = "Bearer ";
        if (authorization.size() <= kBearer.size() ||
            authorization.compare(0, kBearer.size(), kBearer) != 0 || authorization.size() > 200)
            return std::nullopt;
        auto token = store::findApiToken(db, sha256Hex(authorization.substr(kBearer.size())));
        if (!token) return std::nullopt;
        auto user = store::findUserById(db, token->user_id);
        if (!user) return std::nullopt;
        store::touchApiToken(db, token->id, now);
        Authenticated out{principalFor(*user), ""};
        out.principal.via_token = true;
        return out;
    }
    auto cookies = parseCookies(request.header("cookie"));
    auto it = cookies.find(SessionStore::kCookieName);
    if (it == cookies.end()) return std::nullopt;
    auto session = sessions.find(db, it->second, now);
    if (!session) return std::nullopt;
    auto user = store::findUserById(db, session->user_id);
    if (!user) return std::nullopt;
    Authenticated out{principalFor(*user), session->csrf};
    out.principal.session_id = session->id;
    return out;
}

LoginResult checkLogin(Poco::Data::Session& db, const LoginLimiter& limiter,
                       const std::string& name, const std::string& password,
                       const std::string& client_ip, long long now,
                       const std::string& second_factor) {
    LoginResult result;
    // The attempt is counted before the password is checked (and given back on
    // success): a burst of parallel guesses cannot get past the limits.
    auto reservation = limiter.reserve(db, client_ip, name, now);
    bool exempted = false;
    if (!reservation.id && reservation.refused_by == store::LoginRefusal::name &&
        !second_factor.empty()) {
        reservation = limiter.reserve(db, client_ip, name, now, true);
        exempted = reservation.id.has_value();
    }
    if (!reservation.id) {
        result.outcome = reservation.refused_by == store::LoginRefusal::address
                             ? LoginOutcome::address_blocked
                             : LoginOutcome::account_locked;
        return result;
    }
    std::optional<store::User> user;
    bool plausible = !name.empty() && name.size() <= 64 && password.size() <= kMaxPasswordLength;
    if (plausible) user = store::findUser(db, name);
    // Past the per-name limit only an account with a second factor may succeed.
    if (user && exempted && !user->totp_enabled) user.reset();
    // The maintenance networks' logins go first at the password check: a flood
    // of guesses from elsewhere does not keep the administrator waiting.
    const auto priority = limiter.trusted(client_ip) ? HashPriority::first : HashPriority::normal;
    if (user) {
        if (verifyPassword(user->password, password, priority)) {
            if (user->totp_enabled) {
                if (second_factor.empty()) {
                    result.outcome = LoginOutcome::second_factor_needed;
                    return result;
                }
                if (!secondFactorMatches(db, *user, second_factor, now)) {
                    result.outcome = LoginOutcome::bad_credentials;
                    return result;
                }
            }
            limiter.succeeded(db, *reservation.id, name);
            store::recordLogin(db, user->id, now);
            result.outcome = LoginOutcome::ok;
            result.user = std::move(user);
            return result;
        }
    } else {
        verifyDummy(password.substr(0, kMaxPasswordLength), priority);
    }
    result.outcome = LoginOutcome::bad_credentials;
    return result;
}

}  // namespace moat::web
