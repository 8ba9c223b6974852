#include "store/users.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/String.h>

#include "store/domains.h"
#include "store/store.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

void checkUserName(std::string_view name) {
    if (name.empty() || name.size() > 64)
        throw std::invalid_argument("an account name has 1 to 64 characters");
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
        if (!ok)
            throw std::invalid_argument("invalid account name '" + log::printable(name, 64) +
                                        "': only letters, digits and . _ @ + - are allowed");
    }
}

void checkRole(std::string_view role) {
    if (role != "admin" && role != "domain_admin")
        throw std::invalid_argument("role must be admin or domain_admin");
}

namespace {

void loadDomains(Poco::Data::Session& session, User& user) {
    Poco::Int64 id = user.id;
    std::vector<Poco::Int64> ids;
    std::vector<std::string> names;
    session << "SELECT d.id, d.name FROM user_domains u JOIN domains d ON d.id = u.domain_id"
               " WHERE u.user_id = ? ORDER BY d.name",
        use(id), into(ids), into(names), now;
    user.domain_ids.assign(ids.begin(), ids.end());
    user.domains = std::move(names);
}

constexpr const char* kColumns =
    "SELECT id, name, password, role, created, failed_logins, failed_since, locked_until, "
    "last_login, totp_secret <> '', totp_required FROM users ";

std::vector<User> readUsers(Poco::Data::Session& session, Poco::Data::Statement& st) {
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<User> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
        User u;
        u.id = rs[0].convert<Poco::Int64>();
        u.name = rs[1].convert<std::string>();
        u.password = rs[2].convert<std::string>();
        u.role = rs[3].convert<std::string>();
        u.created = rs[4].convert<Poco::Int64>();
        u.failed_logins = rs[5].convert<int>();
        u.failed_since = rs[6].convert<Poco::Int64>();
        u.locked_until = rs[7].convert<Poco::Int64>();
        u.last_login = rs[8].convert<Poco::Int64>();
        u.totp_enabled = rs[9].convert<int>() != 0;
        u.totp_required = rs[10].convert<int>() != 0;
        out.push_back(std::move(u));
    }
    for (auto& u : out) loadDomains(session, u);
    return out;
}

std::vector<Poco::Int64> domainIds(Poco::Data::Session& session,
                                   const std::vector<std::string>& domains) {
    std::vector<Poco::Int64> ids;
    for (const auto& name : domains) {
        auto d = findDomain(session, Poco::toLower(name));
        if (!d)
            throw std::invalid_argument("no protected domain '" + log::printable(name, 100) + "'");
        ids.push_back(d->id);
    }
    return ids;
}

void writeDomains(Poco::Data::Session& session, Poco::Int64 user,
                  const std::vector<Poco::Int64>& ids) {
    session << "DELETE FROM user_domains WHERE user_id = ?", use(user), now;
    for (auto domain : ids) {
        Poco::Int64 d = domain;
        session << "INSERT OR IGNORE INTO user_domains (user_id, domain_id) VALUES (?, ?)",
            use(user), use(d), now;
    }
}

}  // namespace

std::vector<User> listUsers(Poco::Data::Session& session) {
    Poco::Data::Statement st(session);
    st << std::string(kColumns) + "ORDER BY name";
    return readUsers(session, st);
}

std::optional<User> findUser(Poco::Data::Session& session, std::string_view name) {
    std::string key(name);
    Poco::Data::Statement st(session);
    st << std::string(kColumns) + "WHERE name = ?", use(key);
    auto found = readUsers(session, st);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::optional<User> findUserById(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    Poco::Data::Statement st(session);
    st << std::string(kColumns) + "WHERE id = ?", use(key);
    auto found = readUsers(session, st);
    if (found.empty()) return std::nullopt;
    return found.front();
}

int countAdmins(Poco::Data::Session& session) {
    int n = 0;
    session << "SELECT COUNT(*) FROM users WHERE role = 'admin'", into(n), now;
    return n;
}

bool anyAdmin(Poco::Data::Session& session) {
    return countAdmins(session) > 0;
}

User addUser(Poco::Data::Session& session, std::string_view name, std::string_view password_hash,
             std::string_view role, const std::vector<std::string>& domains) {
    checkUserName(name);
    checkRole(role);
    auto ids = domainIds(session, domains);
    std::string n(name), p(password_hash), r(role);
    Poco::Int64 created = nowSeconds();
    Poco::Data::Statement insert(session);
    insert << "INSERT INTO users (name, password, role, created) VALUES (?, ?, ?, ?) ON CONFLICT "
              "(name) DO NOTHING",
        use(n), use(p), use(r), use(created);
    if (insert.execute() == 0) throw DuplicateUser("an account named " + n + " already exists");
    auto user = findUser(session, n);
    if (!user) throw std::runtime_error("account " + n + " vanished right after it was added");
    writeDomains(session, user->id, ids);
    return *findUserById(session, user->id);
}

bool removeUser(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    session << "DELETE FROM user_domains WHERE user_id = ?", use(key), now;
    session << "DELETE FROM web_sessions WHERE user_id = ?", use(key), now;
    session << "DELETE FROM api_tokens WHERE user_id = ?", use(key), now;
    Poco::Data::Statement del(session);
    del << "DELETE FROM users WHERE id = ?", use(key);
    return del.execute() > 0;
}

void setUserPassword(Poco::Data::Session& session, long long id, std::string_view password_hash) {
    Poco::Int64 key = id;
    std::string p(password_hash);
    session << "UPDATE users SET password = ?, failed_logins = 0, failed_since = 0, locked_until = "
               "0 WHERE id = ?",
        use(p), use(key), now;
}

void setUserRole(Poco::Data::Session& session, long long id, std::string_view role) {
    checkRole(role);
    Poco::Int64 key = id;
    std::string r(role);
    session << "UPDATE users SET role = ? WHERE id = ?", use(r), use(key), now;
}

void setUserDomains(Poco::Data::Session& session, long long id,
                    const std::vector<std::string>& domains) {
    writeDomains(session, id, domainIds(session, domains));
}

void saveLoginFailures(Poco::Data::Session& session, long long id, int failed_logins,
                       long long failed_since, long long locked_until) {
    Poco::Int64 key = id, since = failed_since, until = locked_until;
    int n = failed_logins;
    session
        << "UPDATE users SET failed_logins = ?, failed_since = ?, locked_until = ? WHERE id = ?",
        use(n), use(since), use(until), use(key), now;
}

void recordLogin(Poco::Data::Session& session, long long id, long long now_ts) {
    Poco::Int64 key = id, t = now_ts;
    session << "UPDATE users SET failed_logins = 0, failed_since = 0, locked_until = 0, last_login "
               "= ? WHERE id = ?",
        use(t), use(key), now;
}

}  // namespace moat::store
