// Console browser sessions as rows (table web_sessions); web::SessionStore
// decides what they mean (ids are the SHA-256 of the cookie, idle and maximum
// lifetimes). Here: insert, find by id, touch, delete one, a user's, or the
// expired ones, a session's CSRF token, and how many are alive (GET /metrics).
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>

namespace moat::store {

struct WebSessionRow {
    std::string id;
    long long user_id = 0;
    std::string csrf;
    long long created = 0, last_seen = 0, expires = 0;
};

void insertWebSession(Poco::Data::Session& session, const WebSessionRow& row,
                      const std::string& client_ip);
std::optional<WebSessionRow> findWebSession(Poco::Data::Session& session, const std::string& id);
std::optional<std::string> webSessionCsrf(Poco::Data::Session& session, const std::string& id);
void touchWebSession(Poco::Data::Session& session, const std::string& id, long long last_seen);
void deleteWebSession(Poco::Data::Session& session, const std::string& id);
void deleteUserWebSessions(Poco::Data::Session& session, long long user_id);
// All the user's sessions but `keep_id` (the one that changed its own password).
void deleteUserWebSessionsExcept(Poco::Data::Session& session, long long user_id,
                                 const std::string& keep_id);
// Sessions alive at `now`: not expired and last seen after `idle_edge`.
long long countWebSessions(Poco::Data::Session& session, long long now, long long idle_edge);
// Deletes sessions expired at `now` or last seen at or before `idle_edge`; returns how many.
int purgeWebSessions(Poco::Data::Session& session, long long now, long long idle_edge);

}  // namespace moat::store
