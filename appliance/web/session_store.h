// Browser sessions in the store (web_sessions). The cookie carries 32 random
// bytes (base64url); the row's id is their SHA-256, so the database holds no
// usable session. A session ends after `idle` without a request, after `max`
// in any case, and at logout; every login makes a new one (no fixation).
// Each session has its own random CSRF token.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace moat::web {

struct WebSession {
    std::string id;  // the stored id: SHA-256 hex of the cookie value
    long long user_id = 0;
    std::string csrf;
    long long created = 0, last_seen = 0, expires = 0;
};

struct NewSession {
    std::string cookie_value;  // goes to the browser only
    WebSession session;
};

class SessionStore {
  public:
    SessionStore(std::chrono::seconds idle, std::chrono::seconds max)
        : idle_(idle.count()), max_(max.count()) {}

    NewSession create(Poco::Data::Session& db, long long user_id, std::string_view client_ip,
                      long long now) const;
    // The live session for a cookie value; refreshes last_seen (at most every
    // few seconds, to spare the store writes). An expired one is deleted.
    std::optional<WebSession> find(Poco::Data::Session& db, std::string_view cookie_value,
                                   long long now) const;
    void remove(Poco::Data::Session& db, std::string_view stored_id) const;
    void removeUserSessions(Poco::Data::Session& db, long long user_id) const;
    // Deletes expired sessions; returns how many.
    int purge(Poco::Data::Session& db, long long now) const;

    // The Set-Cookie values for a new session and for logging out.
    std::string cookie(std::string_view cookie_value) const;
    static std::string clearingCookie();

    static constexpr const char* kCookieName = "moat_session";

  private:
    long long idle_, max_;
};

}  // namespace moat::web
