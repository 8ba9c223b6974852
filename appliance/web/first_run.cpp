#include "web/first_run.h"

#include <Poco/Data/Statement.h>

#include "store/users.h"
#include "web/secrets.h"

using namespace Poco::Data::Keywords;

namespace moat::web {

std::optional<std::string> createFirstRunToken(Poco::Data::Session& db, long long now_ts) {
    if (store::anyAdmin(db)) {
        db << "DELETE FROM first_run", now;
        return std::nullopt;
    }
    auto secret = randomToken();
    auto hash = sha256Hex(secret);
    Poco::Int64 created = now_ts, expires = now_ts + kFirstRunValidity;
    db << "DELETE FROM first_run", now;
    db << "INSERT INTO first_run (token_hash, created, expires) VALUES (?, ?, ?)", use(hash),
        use(created), use(expires), now;
    return secret;
}

bool consumeFirstRunToken(Poco::Data::Session& db, std::string_view secret, long long now_ts) {
    if (secret.empty() || secret.size() > 128) return false;
    auto hash = sha256Hex(secret);
    Poco::Int64 t = now_ts;
    Poco::Data::Statement del(db);
    del << "DELETE FROM first_run WHERE token_hash = ? AND expires > ?", use(hash), use(t);
    return del.execute() > 0;
}

}  // namespace moat::web
