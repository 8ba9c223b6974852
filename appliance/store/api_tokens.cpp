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
