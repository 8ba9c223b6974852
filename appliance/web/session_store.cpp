#include "web/session_store.h"

#include <Poco/Data/Statement.h>

#include <algorithm>
#include <vector>

#include "web/secrets.h"

using namespace Poco::Data::Keywords;

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
    Poco::Int64 user = user_id, created = s.created, expires = s.expires;
    std::string ip(client_ip.substr(0, 64));
    db << "INSERT INTO web_sessions (id, user_id, csrf, client_ip, created, last_seen, expires)"
          " VALUES (?, ?, ?, ?, ?, ?, ?)",
        use(s.id), use(user), use(s.csrf), use(ip), use(created), use(created), use(expires), now;
    return out;
}

std::optional<WebSession> SessionStore::find(Poco::Data::Session& db, std::string_view cookie_value,
                                             long long now_ts) const {
    if (cookie_value.empty() || cookie_value.size() > 128) return std::nullopt;
    std::string id = sha256Hex(cookie_value);
    std::vector<Poco::Int64> users, created, last_seen, expires;
    std::vector<std::string> csrf;
    db << "SELECT user_id, csrf, created, last_seen, expires FROM web_sessions WHERE id = ?",
        use(id), into(users), into(csrf), into(created), into(last_seen), into(expires), now;
    if (users.empty()) return std::nullopt;
    if (expires[0] <= now_ts || last_seen[0] + idle_ <= now_ts) {
        remove(db, id);
        return std::nullopt;
    }
    WebSession s{id, users[0], csrf[0], created[0], last_seen[0], expires[0]};
    if (now_ts - s.last_seen >= std::min(kTouchEvery, idle_ / 4)) {
        Poco::Int64 t = now_ts;
        db << "UPDATE web_sessions SET last_seen = ? WHERE id = ?", use(t), use(id), now;
        s.last_seen = now_ts;
    }
    return s;
}

void SessionStore::remove(Poco::Data::Session& db, std::string_view stored_id) const {
    std::string id(stored_id);
    db << "DELETE FROM web_sessions WHERE id = ?", use(id), now;
}

void SessionStore::removeUserSessions(Poco::Data::Session& db, long long user_id) const {
    Poco::Int64 user = user_id;
    db << "DELETE FROM web_sessions WHERE user_id = ?", use(user), now;
}

int SessionStore::purge(Poco::Data::Session& db, long long now_ts) const {
    Poco::Int64 t = now_ts, idle_edge = now_ts - idle_;
    Poco::Data::Statement del(db);
    del << "DELETE FROM web_sessions WHERE expires <= ? OR last_seen <= ?", use(t), use(idle_edge);
    return static_cast<int>(del.execute());
}

std::string SessionStore::cookie(std::string_view cookie_value) const {
    return std::string(kCookieName) + "=" + std::string(cookie_value) +
           "; Path=/; Max-Age=" + std::to_string(max_) + "; Secure; HttpOnly; SameSite=Strict";
}

std::string SessionStore::clearingCookie() {
    return std::string(kCookieName) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

}  // namespace moat::web
