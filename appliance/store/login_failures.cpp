#include "store/login_failures.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

LoginReservation reserveLoginAttempt(Poco::Data::Session& session, const std::string& ip,
                                     const std::string& name, long long at,
                                     const LoginLimits& limits, bool trusted) {
    std::string addr = ip, who = name;
    Poco::Int64 t = at, since = at - limits.window;
    int per_address = limits.per_address, per_pair = limits.per_name_and_address,
        per_name = limits.per_name, exempt = trusted ? 1 : 0;
    LoginReservation out;
    WriteTransaction tx(session);
    session << "DELETE FROM login_failures WHERE ts <= ?", use(since), now;
    session << "INSERT INTO login_failures (ip, name, ts) SELECT ?, ?, ?"
               " WHERE (SELECT COUNT(*) FROM login_failures WHERE ip = ? AND ts > ?) < ?"
               " AND (SELECT COUNT(*) FROM login_failures WHERE name = ? AND ip = ? AND ts > ?) < ?"
               " AND (? = 1 OR (SELECT COUNT(*) FROM login_failures WHERE name = ? AND ts > ?) < ?)",
        use(addr), use(who), use(t), use(addr), use(since), use(per_address), use(who), use(addr),
        use(since), use(per_pair), use(exempt), use(who), use(since), use(per_name), now;
    int changed = 0;
    session << "SELECT changes()", into(changed), now;
    if (changed == 1) {
        Poco::Int64 id = 0;
        session << "SELECT last_insert_rowid()", into(id), now;
        out.id = id;
    } else {
        int from_address = 0;
        session << "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND ts > ?", use(addr),
            use(since), into(from_address), now;
        out.refused_by = from_address >= per_address ? LoginRefusal::address : LoginRefusal::name;
    }
    tx.commit();
    return out;
}

void loginSucceeded(Poco::Data::Session& session, long long reservation, const std::string& name) {
    Poco::Int64 id = reservation;
    std::string who = name;
    WriteTransaction tx(session);
    session << "DELETE FROM login_failures WHERE rowid = ?", use(id), now;
    session << "DELETE FROM login_failures WHERE name = ?", use(who), now;
    tx.commit();
}

void clearLoginFailures(Poco::Data::Session& session, const std::string& name) {
    std::string who = name;
    session << "DELETE FROM login_failures WHERE name = ?", use(who), now;
}

int loginFailuresForName(Poco::Data::Session& session, const std::string& name, long long since) {
    std::string who = name;
    Poco::Int64 after = since;
    int n = 0;
    session << "SELECT COUNT(*) FROM login_failures WHERE name = ? AND ts > ?", use(who),
        use(after), into(n), now;
    return n;
}

}  // namespace moat::store
