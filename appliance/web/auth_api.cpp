#include "web/auth_api.h"

#include "config/config.h"
#include "net/cidr.h"
#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "store/second_factor.h"
#include "store/store.h"
#include "store/users.h"
#include "store/web_sessions.h"
#include "store/write_transaction.h"
#include "util/log.h"
#include "web/authenticator.h"
#include "web/firewall_link.h"
#include "web/first_run.h"
#include "web/login_limiter.h"
#include "web/password_hash.h"
#include "web/secrets.h"
#include "web/session_store.h"
#include "web/totp.h"
#include "web/wire_parse.h"

namespace moat::web {

namespace {

SessionStore sessionsFor(const ApiContext& ctx) {
    return SessionStore(ctx.config.web.session_idle, ctx.config.web.session_max);
}

LoginLimiter limiterFor(const ApiContext& ctx) {
    std::vector<net::Cidr> trusted;
    for (const auto& text : ctx.config.web.trusted_networks)
        if (auto network = net::Cidr::parse(text)) trusted.push_back(*network);
    return LoginLimiter({}, std::move(trusted));
}

// An address that has used up its login attempts and still tries goes to
// moat-firewall, to be blocked for firewall.block_time — queued, never
// waited for. Maintenance networks are left alone (moat-firewall refuses
// them too, and loopback).
void reportOffender(const ApiContext& ctx, const LoginLimiter& limiter, const std::string& ip) {
    if (!ctx.firewall || limiter.trusted(ip)) return;
    const auto& policy = limiter.policy();
    ctx.firewall->reportOffender(ip, "console-login: " + std::to_string(policy.per_address) +
                                         " failed logins in " + std::to_string(policy.window) +
                                         " s");
}

std::string stringField(const Poco::JSON::Object::Ptr& body, const std::string& name,
                        bool required = true) {
    if (!body->has(name)) {
        if (required) throw HttpError(400, "missing \"" + name + "\"");
        return {};
    }
    auto value = body->get(name);
    if (!value.isString()) throw HttpError(400, "\"" + name + "\" must be a string");
    return value.extract<std::string>();
}

std::vector<std::string> domainsField(const Poco::JSON::Object::Ptr& body) {
    std::vector<std::string> out;
    if (!body->has("domains")) return out;
    auto array = body->getArray("domains");
    if (!array) throw HttpError(400, "\"domains\" must be an array of domain names");
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto v = array->get(static_cast<unsigned>(i));
        if (!v.isString()) throw HttpError(400, "\"domains\" must be an array of domain names");
        out.push_back(v.extract<std::string>());
    }
    return out;
}

Poco::JSON::Object::Ptr userJson(const store::User& user) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(user.id));
    o->set("name", user.name);
    o->set("role", user.role);
    Poco::JSON::Array::Ptr domains = new Poco::JSON::Array;
    for (const auto& d : user.domains) domains->add(d);
    o->set("domains", domains);
    o->set("created", static_cast<Poco::Int64>(user.created));
    o->set("last_login", static_cast<Poco::Int64>(user.last_login));
    o->set("locked_until", static_cast<Poco::Int64>(user.locked_until));
    o->set("second_factor", user.totp_enabled);
    o->set("second_factor_required", user.totp_required);
    return o;
}

store::User loadUser(Poco::Data::Session& db, long long id) {
    auto user = store::findUserById(db, id);
    if (!user) throw HttpError(404, "not found");
    return *user;
}

// --- login, logout, session, first run -------------------------------------

Response login(const Request& request, const Principal&, ApiContext& ctx) {
    auto body = request.jsonBody();
    auto name = stringField(body, "name");
    auto password = stringField(body, "password");
    auto second_factor = stringField(body, "totp", false);
    auto db = ctx.store.connect();
    long long now_ts = store::nowSeconds();
    auto limiter = limiterFor(ctx);
    auto result = checkLogin(db, limiter, name, password, request.client_ip, now_ts,
                             second_factor);
    auto shown = log::printable(name, 64);
    switch (result.outcome) {
        case LoginOutcome::address_blocked:
            store::audit(db, shown, request.client_ip, "login.refused", shown,
                         "too many failures from this address");
            log::warning("webui: login refused for " + request.client_ip +
                         ": too many failures from this address");
            reportOffender(ctx, limiter, request.client_ip);
            return Response::error(
                429, "too many failed logins from your address; try again in a few minutes");
        case LoginOutcome::account_locked:
            store::audit(db, shown, request.client_ip, "login.refused", shown,
                         "too many failures for this name");
            log::warning("webui: login refused for " + shown + " from " + request.client_ip +
                         ": too many failures for this name");
            // The same answer whether the name exists or not.
            return Response::error(
                429,
                "too many failed logins for this name; try again in a few minutes, log in from a "
                "maintenance network, or ask an administrator (moatctl user unlock NAME)");
        case LoginOutcome::bad_credentials:
            store::audit(db, shown, request.client_ip, "login.failure", shown);
            log::info("webui: failed login as " + shown + " from " + request.client_ip);
            return Response::error(401, "wrong name or password");
        case LoginOutcome::second_factor_needed: {
            store::audit(db, shown, request.client_ip, "login.second_factor", shown);
            Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
            o->set("error", "enter the code from your authenticator app, or a recovery code");
            o->set("second_factor", true);
            return Response::json(401, o);
        }
        case LoginOutcome::ok:
            break;
    }
    auto sessions = sessionsFor(ctx);
    // A new session id at every login; a session the browser still holds ends.
    auto cookies = parseCookies(request.header("cookie"));
    if (auto old = cookies.find(SessionStore::kCookieName); old != cookies.end())
        sessions.remove(db, sha256Hex(old->second));
    auto created = sessions.create(db, result.user->id, request.client_ip, now_ts);
    store::audit(db, result.user->name, request.client_ip, "login", result.user->name);
    log::info("webui: " + result.user->name + " logged in from " + request.client_ip);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("user", userJson(*result.user));
    o->set("csrf", created.session.csrf);
    auto response = Response::json(200, o);
    response.headers.emplace_back("Set-Cookie", sessions.cookie(created.cookie_value));
    return response;
}

Response logout(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto db = ctx.store.connect();
    if (!principal.session_id.empty()) sessionsFor(ctx).remove(db, principal.session_id);
    store::audit(db, principal.name, request.client_ip, "logout", principal.name);
    auto response = Response::noContent();
    response.headers.emplace_back("Set-Cookie", SessionStore::clearingCookie());
    return response;
}

Response session(const Request&, const Principal& principal, ApiContext& ctx) {
    auto db = ctx.store.connect();
    auto user = loadUser(db, principal.user_id);
    std::string csrf;
    if (!principal.session_id.empty())
        csrf = store::webSessionCsrf(db, principal.session_id).value_or("");
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("user", userJson(user));
    o->set("csrf", csrf);
    return Response::json(200, o);
}

Response firstRun(const Request& request, const Principal&, ApiContext& ctx) {
    auto body = request.jsonBody();
    auto token = stringField(body, "token");
    auto name = stringField(body, "name");
    auto password = stringField(body, "password");
    store::checkUserName(name);
    checkPasswordRules(password);
    auto hash = hashPassword(password);
    auto db = ctx.store.connect();
    store::WriteTransaction tx(db);
    if (store::anyAdmin(db))
        throw HttpError(403, "an administrator exists already; log in instead");
    if (!consumeFirstRunToken(db, token, store::nowSeconds()))
        throw HttpError(
            403,
            "this first-run link is invalid, used or expired (restart moat-webui for a new one)");
    auto user = store::addUser(db, name, hash, "admin", {});
    store::audit(db, user.name, request.client_ip, "user.add", user.name,
                 "first administrator (first-run link)");
    // Logged in at once: the setup wizard goes on with this session.
    auto sessions = sessionsFor(ctx);
    auto created = sessions.create(db, user.id, request.client_ip, store::nowSeconds());
    store::audit(db, user.name, request.client_ip, "login", user.name, "first-run link");
    tx.commit();
    log::info("webui: first administrator " + user.name + " created from " + request.client_ip);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("user", userJson(user));
    o->set("csrf", created.session.csrf);
    auto response = Response::json(201, o);
    response.headers.emplace_back("Set-Cookie", sessions.cookie(created.cookie_value));
    return response;
}

// --- users (admin) ---------------------------------------------------------

Response listUsers(const Request&, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto db = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& u : store::listUsers(db)) out->add(userJson(u));
    return Response::json(200, out);
}

Response addUser(const Request& request, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    auto name = stringField(body, "name");
    auto password = stringField(body, "password");
    auto role = stringField(body, "role");
    auto domains = domainsField(body);
    store::checkUserName(name);
    store::checkRole(role);
    checkPasswordRules(password);
    auto db = ctx.store.connect();
    try {
        auto user = store::addUser(db, name, hashPassword(password), role, domains);
        store::audit(db, principal.name, request.client_ip, "user.add", user.name,
                     "role " + user.role);
        return Response::json(201, userJson(user));
    } catch (const store::DuplicateUser& e) {
        throw HttpError(409, e.what());
    }
}

Response changeUser(const Request& request, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto id = idParam(request);
    auto body = request.jsonBody();
    auto db = ctx.store.connect();
    store::WriteTransaction tx(db);
    auto user = loadUser(db, id);
    std::string changes;
    if (body->has("role")) {
        auto role = stringField(body, "role");
        store::checkRole(role);
        if (user.role == "admin" && role != "admin" && store::countAdmins(db) <= 1)
            throw HttpError(409, "this is the last administrator; make another one first");
        store::setUserRole(db, id, role);
        changes += " role " + role;
    }
    if (body->has("domains")) {
        store::setUserDomains(db, id, domainsField(body));
        changes += " domains";
    }
    if (body->has("second_factor_required")) {
        auto v = body->get("second_factor_required");
        if (!v.isBoolean()) throw HttpError(422, "\"second_factor_required\" must be true or false");
        store::setSecondFactorRequired(db, id, v.extract<bool>());
        changes += v.extract<bool>() ? " second factor required" : " second factor optional";
    }
    if (body->has("password")) {
        auto password = stringField(body, "password");
        checkPasswordRules(password);
        store::setUserPassword(db, id, hashPassword(password));
        // Every other session of the account ends (the caller's own stays when
        // it changes its own password), and its API tokens are revoked.
        if (id == principal.user_id)
            store::deleteUserWebSessionsExcept(db, id, principal.session_id);
        else
            sessionsFor(ctx).removeUserSessions(db, id);
        int revoked = store::revokeUserApiTokens(db, id);
        changes += " password (other sessions ended, " + std::to_string(revoked) +
                   " API tokens revoked)";
    }
    store::audit(db, principal.name, request.client_ip, "user.change", user.name,
                 changes.empty() ? "nothing" : changes.substr(1));
    tx.commit();
    return Response::json(200, userJson(loadUser(db, id)));
}

Response removeUser(const Request& request, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto id = idParam(request);
    auto db = ctx.store.connect();
    store::WriteTransaction tx(db);
    auto user = loadUser(db, id);
    if (user.role == "admin" && store::countAdmins(db) <= 1)
        throw HttpError(409, "this is the last administrator; make another one first");
    store::removeUser(db, id);
    store::audit(db, principal.name, request.client_ip, "user.remove", user.name);
    tx.commit();
    return Response::noContent();
}

// --- one's own password (every account) -----------------------------------

// PUT /api/v1/password {"current","password"}: the current password is checked
// like a login (the same throttling), then every other session of the account
// ends and its API tokens are revoked; the caller's session stays.
Response changeOwnPassword(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto body = request.jsonBody();
    auto current = stringField(body, "current");
    auto password = stringField(body, "password");
    try {
        checkPasswordRules(password);
    } catch (const std::invalid_argument& e) {
        throw HttpError(422, e.what());
    }
    auto db = ctx.store.connect();
    auto limiter = limiterFor(ctx);
    auto reservation = limiter.reserve(db, request.client_ip, principal.name, store::nowSeconds());
    if (!reservation.id)
        throw HttpError(429, "too many failed password checks; try again in a few minutes");
    auto user = loadUser(db, principal.user_id);
    if (current.size() > kMaxPasswordLength || !verifyPassword(user.password, current)) {
        store::audit(db, principal.name, request.client_ip, "user.password.failure", user.name);
        throw HttpError(403, "the current password is wrong");
    }
    limiter.succeeded(db, *reservation.id, principal.name);
    auto hash = hashPassword(password);
    store::WriteTransaction tx(db);
    store::setUserPassword(db, user.id, hash);
    store::deleteUserWebSessionsExcept(db, user.id, principal.session_id);
    int revoked = store::revokeUserApiTokens(db, user.id);
    store::audit(db, principal.name, request.client_ip, "user.password", user.name,
                 "own password; other sessions ended, " + std::to_string(revoked) +
                     " API tokens revoked");
    tx.commit();
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("tokens_revoked", revoked);
    return Response::json(200, o);
}

// --- two-factor login (one's own) -------------------------------------------

Response secondFactorStatus(const Request&, const Principal& principal, ApiContext& ctx) {
    auto db = ctx.store.connect();
    auto user = loadUser(db, principal.user_id);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("enabled", user.totp_enabled);
    o->set("required", user.totp_required ||
                           (user.role == "admin" && ctx.config.web.require_second_factor_admins));
    o->set("recovery_codes_left", store::recoveryCodesLeft(db, user.id));
    return Response::json(200, o);
}

// A new secret, pending until a code from it confirms it: its QR code (SVG),
// URI and base32 text for apps that take it typed.
Response secondFactorEnrol(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto db = ctx.store.connect();
    auto user = loadUser(db, principal.user_id);
    if (user.totp_enabled)
        throw HttpError(409, "two-factor login is on already; an administrator can reset it "
                             "(moatctl user 2fa reset NAME)");
    auto secret = newTotpSecret();
    store::setPendingSecondFactor(db, user.id, secret);
    auto uri = totpUri(user.name, secret);
    store::audit(db, principal.name, request.client_ip, "2fa.enrol.start", user.name);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("secret", totpBase32(secret));
    o->set("uri", uri);
    o->set("qr_svg", qrSvg(uri));
    return Response::json(200, o);
}

Response secondFactorConfirm(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto code = stringField(request.jsonBody(), "code");
    auto db = ctx.store.connect();
    auto user = loadUser(db, principal.user_id);
    auto state = store::secondFactor(db, user.id);
    if (state.pending.empty()) throw HttpError(409, "start the enrolment first");
    auto step = matchTotp(state.pending, code, store::nowSeconds());
    if (!step) throw HttpError(422, "that code does not match; check the phone's clock and try again");
    auto codes = newRecoveryCodes(10);
    std::vector<std::string> hashes;
    for (const auto& c : codes) hashes.push_back(recoveryCodeHash(c));
    store::confirmSecondFactor(db, user.id, *step, hashes);
    store::audit(db, principal.name, request.client_ip, "2fa.enrol", user.name,
                 "two-factor login on; 10 recovery codes");
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& c : codes) list->add(c);
    o->set("recovery_codes", list);
    return Response::json(200, o);
}

// --- every account's API tokens (admin) -------------------------------------

Poco::JSON::Object::Ptr tokenJson(const store::ApiToken& t) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(t.id));
    o->set("name", t.name);
    o->set("created", static_cast<Poco::Int64>(t.created));
    o->set("last_used", static_cast<Poco::Int64>(t.last_used));
    if (!t.owner.empty()) {
        o->set("user_id", static_cast<Poco::Int64>(t.user_id));
        o->set("owner", t.owner);
    }
    return o;
}

Response listAllTokens(const Request&, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto db = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& t : store::listAllApiTokens(db)) out->add(tokenJson(t));
    return Response::json(200, out);
}

Response revokeToken(const Request& request, const Principal& principal, ApiContext& ctx) {
    principal.requireAdmin();
    auto id = idParam(request);
    auto db = ctx.store.connect();
    store::WriteTransaction tx(db);
    auto revoked = store::revokeApiToken(db, id);
    if (!revoked) throw HttpError(404, "not found");
    store::audit(db, principal.name, request.client_ip, "token.revoke", revoked->owner,
                 "token " + std::to_string(revoked->id) + " (" + revoked->name + ")");
    tx.commit();
    return Response::noContent();
}

// --- API tokens (one's own) ------------------------------------------------

Response listTokens(const Request&, const Principal& principal, ApiContext& ctx) {
    auto db = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& t : store::listApiTokens(db, principal.user_id)) out->add(tokenJson(t));
    return Response::json(200, out);
}

Response addToken(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto name = stringField(request.jsonBody(), "name");
    auto secret = randomToken();
    auto db = ctx.store.connect();
    auto id = store::addApiToken(db, principal.user_id, name, sha256Hex(secret));
    store::audit(db, principal.name, request.client_ip, "token.add", name);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(id));
    o->set("name", name);
    o->set("token", secret);
    return Response::json(201, o);
}

Response removeToken(const Request& request, const Principal& principal, ApiContext& ctx) {
    auto id = idParam(request);
    auto db = ctx.store.connect();
    if (!store::removeApiToken(db, principal.user_id, id)) throw HttpError(404, "not found");
    store::audit(db, principal.name, request.client_ip, "token.remove", std::to_string(id));
    return Response::noContent();
}

}  // namespace

void registerAuthApi(Router& router) {
    router.add("POST", "/api/v1/login", login);
    router.add("POST", "/api/v1/logout", logout);
    router.add("GET", "/api/v1/session", session);
    router.add("POST", "/api/v1/first-run", firstRun);
    router.add("GET", "/api/v1/users", listUsers);
    router.add("POST", "/api/v1/users", addUser);
    router.add("PUT", "/api/v1/users/{id}", changeUser);
    router.add("DELETE", "/api/v1/users/{id}", removeUser);
    router.add("PUT", "/api/v1/password", changeOwnPassword);
    router.add("GET", "/api/v1/2fa", secondFactorStatus);
    router.add("POST", "/api/v1/2fa/enrol", secondFactorEnrol);
    router.add("POST", "/api/v1/2fa/confirm", secondFactorConfirm);
    router.add("GET", "/api/v1/admin/tokens", listAllTokens);
    router.add("DELETE", "/api/v1/admin/tokens/{id}", revokeToken);
    router.add("GET", "/api/v1/tokens", listTokens);
    router.add("POST", "/api/v1/tokens", addToken);
    router.add("DELETE", "/api/v1/tokens/{id}", removeToken);
}

}  // namespace moat::web
