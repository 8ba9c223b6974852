#include "store/tokens.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

using Row = Poco::Tuple<std::string, Poco::Int64, std::string, std::string, Poco::Int64,
                        Poco::Int64, Poco::Int64>;
constexpr const char* kColumns =
    "SELECT token, domain_id, recipient, sender, created, expires, used FROM tokens ";

TokenRow fromRow(const Row& r) {
    return TokenRow{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(),
                    r.get<4>(), r.get<5>(), r.get<6>()};
}

}  // namespace

std::optional<TokenRow> findActiveToken(Poco::Data::Session& session, long long domain_id,
                                        const std::string& recipient, const std::string& sender,
                                        long long when) {
    std::vector<Row> rows;
    Poco::Int64 id = domain_id, at = when;
    std::string rcpt = recipient, from = sender;
    session
        << std::string(kColumns) +
               "WHERE domain_id = ? AND recipient = ? COLLATE NOCASE AND sender = ? COLLATE NOCASE"
               " AND used = 0 AND expires > ? ORDER BY created DESC LIMIT 1",
        use(id), useRef(rcpt), useRef(from), use(at), into(rows), now;
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

std::optional<TokenRow> findToken(Poco::Data::Session& session, const std::string& token) {
    std::vector<Row> rows;
    std::string t = token;
    session << std::string(kColumns) + "WHERE token = ?", useRef(t), into(rows), now;
    if (rows.empty()) return std::nullopt;
    return fromRow(rows.front());
}

bool insertToken(Poco::Data::Session& session, const TokenRow& row) {
    std::string token = row.token, rcpt = row.recipient, from = row.sender;
    Poco::Int64 id = row.domain_id, created = row.created, expires = row.expires;
    Poco::Data::Statement insert(session);
    insert << "INSERT OR IGNORE INTO tokens (token, domain_id, recipient, sender, created, "
              "expires, used)"
              " VALUES (?, ?, ?, ?, ?, ?, 0)",
        useRef(token), use(id), useRef(rcpt), useRef(from), use(created), use(expires);
    return insert.execute() == 1;
}

bool spendToken(Poco::Data::Session& session, const std::string& token, long long when) {
    std::string t = token;
    Poco::Int64 at = when;
    Poco::Data::Statement update(session);
    update << "UPDATE tokens SET used = ? WHERE token = ? AND used = 0", use(at), useRef(t);
    return update.execute() == 1;
}

std::vector<TokenRow> listTokens(Poco::Data::Session& session, long long domain_id) {
    std::vector<Row> rows;
    Poco::Int64 id = domain_id;
    session << std::string(kColumns) + "WHERE ? = 0 OR domain_id = ? ORDER BY created DESC, token",
        use(id), use(id), into(rows), now;
    std::vector<TokenRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(fromRow(r));
    return out;
}

bool deleteToken(Poco::Data::Session& session, const std::string& token) {
    std::string t = token;
    Poco::Data::Statement del(session);
    del << "DELETE FROM tokens WHERE token = ?", useRef(t);
    return del.execute() == 1;
}

std::size_t purgeExpiredTokens(Poco::Data::Session& session, long long when) {
    Poco::Int64 at = when;
    Poco::Data::Statement del(session);
    del << "DELETE FROM tokens WHERE expires < ?", use(at);
    return del.execute();
}

}  // namespace moat::store
