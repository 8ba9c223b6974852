#include "store/api_tokens.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <stdexcept>

#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

namespace {
std::vector<ApiToken> read(Poco::Data::Statement& st) {
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<ApiToken> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
        ApiToken t;
        t.id = rs[0].convert<Poco::Int64>();
        t.user_id = rs[1].convert<Poco::Int64>();
        t.name = rs[2].convert<std::string>();
        t.created = rs[3].convert<Poco::Int64>();
        t.last_used = rs[4].convert<Poco::Int64>();
        if (rs.columnCount() > 5) t.owner = rs[5].convert<std::string>();
        out.push_back(std::move(t));
    }
    return out;
}
}  // namespace

long long addApiToken(Poco::Data::Session& session, long long user_id, std::string_view name,
                      std::string_view token_hash) {
    if (name.empty() || name.size() > 100)
        throw std::invalid_argument("a token name has 1 to 100 characters");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            throw std::invalid_argument("a token name must not contain control characters");
    Poco::Int64 user = user_id, created = nowSeconds();
    std::string n(name), h(token_hash);
    session << "INSERT INTO api_tokens (user_id, name, token_hash, created) VALUES (?, ?, ?, ?)",
        use(user), use(n), use(h), use(created), now;
    Poco::Int64 id = 0;
    session << "SELECT id FROM api_tokens WHERE token_hash = ?", use(h), into(id), now;
    return id;
}

std::vector<ApiToken> listApiTokens(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 user = user_id;
    Poco::Data::Statement st(session);
    st << "SELECT id, user_id, name, created, last_used FROM api_tokens WHERE user_id = ? ORDER BY "
          "id",
        use(user);
    return read(st);
}

std::vector<ApiToken> listAllApiTokens(Poco::Data::Session& session) {
    Poco::Data::Statement st(session);
    st << "SELECT t.id, t.user_id, t.name, t.created, t.last_used, u.name FROM api_tokens t"
          " JOIN users u ON u.id = t.user_id ORDER BY t.id";
    return read(st);
}

std::optional<ApiToken> revokeApiToken(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    Poco::Data::Statement st(session);
    st << "SELECT t.id, t.user_id, t.name, t.created, t.last_used, u.name FROM api_tokens t"
          " JOIN users u ON u.id = t.user_id WHERE t.id = ?",
        use(key);
    auto found = read(st);
    if (found.empty()) return std::nullopt;
    session << "DELETE FROM api_tokens WHERE id = ?", use(key), now;
    return found.front();
}

int revokeUserApiTokens(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 user = user_id;
    Poco::Data::Statement del(session);
    del << "DELETE FROM api_tokens WHERE user_id = ?", use(user);
    return static_cast<int>(del.execute());
}

bool removeApiToken(Poco::Data::Session& session, long long user_id, long long id) {
    Poco::Int64 user = user_id, key = id;
    Poco::Data::Statement del(session);
    del << "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", use(key), use(user);
    return del.execute() > 0;
}

std::optional<ApiToken> findApiToken(Poco::Data::Session& session, std::string_view token_hash) {
    std::string h(token_hash);
    Poco::Data::Statement st(session);
    st << "SELECT id, user_id, name, created, last_used FROM api_tokens WHERE token_hash = ?",
        use(h);
    auto found = read(st);
    if (found.empty()) return std::nullopt;
    return found.front();
}

void touchApiToken(Poco::Data::Session& session, long long id, long long now_ts) {
    Poco::Int64 key = id, t = now_ts;
    session << "UPDATE api_tokens SET last_used = ? WHERE id = ?", use(t), use(key), now;
}

}  // namespace moat::store
