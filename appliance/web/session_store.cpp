#include "web/session_store.h"

#include <algorithm>

#include "store/web_sessions.h"
#include "web/secrets.h"

namespace moat::web {

namespace {
constexpr long long kTouchEvery = 10;  // seconds between last_seen updates
}

NewSession SessionStore::create(Poco::Data::Session& db, long long user_id,
                                std::string_view client_ip, long long now_ts) const {
    NewSession out;
    out.cookie_value = randomToken();
    auto& s = out.session;
    s.id = sha256Hex(out.cookie_value);
    s.user_id = user_id;
    s.csrf = randomToken();
    s.created = s.last_seen = now_ts;
    s.expires = now_ts + max_;
    store::insertWebSession(db, {s.id, s.user_id, s.csrf, s.created, s.last_seen, s.expires},
                            std::string(client_ip.substr(0, 64)));
    return out;
}

std::optional<WebSession> SessionStore::find(Poco::Data::Session& db, std::string_view cookie_value,
                                             long long now_ts) const {
    if (cookie_value.empty() || cookie_value.size() > 128) return std::nullopt;
    std::string id = sha256Hex(cookie_value);
    auto row = store::findWebSession(db, id);
    if (!row) return std::nullopt;
    if (row->expires <= now_ts || row->last_seen + idle_ <= now_ts) {
        remove(db, id);
        return std::nullopt;
    }
    WebSession s{id, row->user_id, row->csrf, row->created, row->last_seen, row->expires};
    if (now_ts - s.last_seen >= std::min(kTouchEvery, idle_ / 4)) {
        store::touchWebSession(db, id, now_ts);
        s.last_seen = now_ts;
    }
    return s;
}

void SessionStore::remove(Poco::Data::Session& db, std::string_view stored_id) const {
    store::deleteWebSession(db, std::string(stored_id));
}

void SessionStore::removeUserSessions(Poco::Data::Session& db, long long user_id) const {
    store::deleteUserWebSessions(db, user_id);
}

int SessionStore::purge(Poco::Data::Session& db, long long now_ts) const {
    return store::purgeWebSessions(db, now_ts, now_ts - idle_);
}

std::string SessionStore::cookie(std::string_view cookie_value) const {
    return std::string(kCookieName) + "=" + std::string(cookie_value) +
           "; Path=/; Max-Age=" + std::to_string(max_) + "; Secure; HttpOnly; SameSite=Strict";
}

std::string SessionStore::clearingCookie() {
    return std::string(kCookieName) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

}  // namespace moat::web
