#include "store/audit_log.h"

#include "store/store.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <limits>

using namespace Poco::Data::Keywords;

namespace moat::store {

namespace {
std::string cut(std::string_view s, std::size_t max) { return std::string(s.substr(0, max)); }
}  // namespace

void audit(Poco::Data::Session& session, std::string_view user, std::string_view client_ip,
           std::string_view action, std::string_view target, std::string_view detail) {
    Poco::Int64 ts = nowSeconds();
    std::string u = cut(user, 200), ip = cut(client_ip, 64), a = cut(action, 100), t = cut(target, 500),
                d = cut(detail, 2000);
    session << "INSERT INTO audit_log (ts, user, client_ip, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
        use(ts), use(u), use(ip), use(a), use(t), use(d), now;
}

std::vector<AuditEntry> listAudit(Poco::Data::Session& session, int limit, long long before_id) {
    Poco::Int64 before = before_id > 0 ? before_id : std::numeric_limits<Poco::Int64>::max();
    int n = limit;
    Poco::Data::Statement st(session);
    st << "SELECT id, ts, user, client_ip, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
        use(before), use(n);
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<AuditEntry> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
        AuditEntry e;
        e.id = rs[0].convert<Poco::Int64>();
        e.ts = rs[1].convert<Poco::Int64>();
        e.user = rs[2].convert<std::string>();
        e.client_ip = rs[3].convert<std::string>();
        e.action = rs[4].convert<std::string>();
        e.target = rs[5].convert<std::string>();
        e.detail = rs[6].convert<std::string>();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace moat::store
