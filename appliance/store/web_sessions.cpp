#include "store/web_sessions.h"

#include <Poco/Data/Statement.h>

#include <vector>

using namespace Poco::Data::Keywords;

namespace moat::store {

void insertWebSession(Poco::Data::Session& session, const WebSessionRow& row,
                      const std::string& client_ip) {
    std::string id = row.id, csrf = row.csrf, ip = client_ip;
    Poco::Int64 user = row.user_id, created = row.created, last_seen = row.last_seen,
                expires = row.expires;
    session
        << "INSERT INTO web_sessions (id, user_id, csrf, client_ip, created, last_seen, expires)"
           " VALUES (?, ?, ?, ?, ?, ?, ?)",
        use(id), use(user), use(csrf), use(ip), use(created), use(last_seen), use(expires), now;
}

std::optional<WebSessionRow> findWebSession(Poco::Data::Session& session, const std::string& id) {
    std::string key = id;
    std::vector<Poco::Int64> users, created, last_seen, expires;
    std::vector<std::string> csrf;
    session << "SELECT user_id, csrf, created, last_seen, expires FROM web_sessions WHERE id = ?",
        use(key), into(users), into(csrf), into(created), into(last_seen), into(expires), now;
    if (users.empty()) return std::nullopt;
    return WebSessionRow{id, users[0], csrf[0], created[0], last_seen[0], expires[0]};
}

std::optional<std::string> webSessionCsrf(Poco::Data::Session& session, const std::string& id) {
    std::string key = id;
    std::vector<std::string> found;
    session << "SELECT csrf FROM web_sessions WHERE id = ?", use(key), into(found), now;
    if (found.empty()) return std::nullopt;
    return found[0];
}

void touchWebSession(Poco::Data::Session& session, const std::string& id, long long last_seen) {
    std::string key = id;
    Poco::Int64 t = last_seen;
    session << "UPDATE web_sessions SET last_seen = ? WHERE id = ?", use(t), use(key), now;
}

void deleteWebSession(Poco::Data::Session& session, const std::string& id) {
    std::string key = id;
    session << "DELETE FROM web_sessions WHERE id = ?", use(key), now;
}

void deleteUserWebSessions(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 user = user_id;
    session << "DELETE FROM web_sessions WHERE user_id = ?", use(user), now;
}

void deleteUserWebSessionsExcept(Poco::Data::Session& session, long long user_id,
                                 const std::string& keep_id) {
    Poco::Int64 user = user_id;
    std::string keep = keep_id;
    session << "DELETE FROM web_sessions WHERE user_id = ? AND id <> ?", use(user), use(keep), now;
}

long long countWebSessions(Poco::Data::Session& session, long long now_ts, long long idle_edge) {
    Poco::Int64 t = now_ts, edge = idle_edge, n = 0;
    session << "SELECT count(*) FROM web_sessions WHERE expires > ? AND last_seen > ?", use(t),
        use(edge), into(n), now;
    return n;
}

int purgeWebSessions(Poco::Data::Session& session, long long now_ts, long long idle_edge) {
    Poco::Int64 t = now_ts, edge = idle_edge;
    Poco::Data::Statement del(session);
    del << "DELETE FROM web_sessions WHERE expires <= ? OR last_seen <= ?", use(t), use(edge);
    return static_cast<int>(del.execute());
}

}  // namespace moat::store
