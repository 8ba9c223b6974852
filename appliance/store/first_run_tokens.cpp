#include "store/first_run_tokens.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

void clearFirstRunTokens(Poco::Data::Session& session) {
    session << "DELETE FROM first_run", now;
}

void replaceFirstRunToken(Poco::Data::Session& session, const std::string& token_hash,
                          long long created, long long expires) {
    std::string hash = token_hash;
    Poco::Int64 c = created, e = expires;
    WriteTransaction tx(session);
    session << "DELETE FROM first_run", now;
    session << "INSERT INTO first_run (token_hash, created, expires) VALUES (?, ?, ?)", use(hash),
        use(c), use(e), now;
    tx.commit();
}

bool consumeFirstRunToken(Poco::Data::Session& session, const std::string& token_hash,
                          long long now_ts) {
    std::string hash = token_hash;
    Poco::Int64 t = now_ts;
    Poco::Data::Statement del(session);
    del << "DELETE FROM first_run WHERE token_hash = ? AND expires > ?", use(hash), use(t);
    return del.execute() > 0;
}

}  // namespace moat::store
