#include "store/login_failures.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

int loginFailuresSince(Poco::Data::Session& session, const std::string& ip, long long since) {
    std::string key = ip;
    Poco::Int64 after = since;
    int n = 0;
    session << "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND ts > ?", use(key), use(after),
        into(n), now;
    return n;
}

void recordLoginFailure(Poco::Data::Session& session, const std::string& ip, long long at,
                        long long forget_until) {
    std::string key = ip;
    Poco::Int64 t = at, old = forget_until;
    WriteTransaction tx(session);
    session << "INSERT INTO login_failures (ip, ts) VALUES (?, ?)", use(key), use(t), now;
    session << "DELETE FROM login_failures WHERE ts <= ?", use(old), now;
    tx.commit();
}

}  // namespace moat::store
