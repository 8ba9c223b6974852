#include "store/firewall_blocks.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

using namespace Poco::Data::Keywords;

namespace moat::store {

void putFirewallBlock(Poco::Data::Session& session, const FirewallBlock& b) {
    std::string ip = b.ip, set = b.set, reason = b.reason, source = b.source;
    Poco::Int64 created = b.created, until = b.until;
    session << "INSERT INTO firewall_blocks (ip, set_name, reason, source, created, until) VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT (ip) DO UPDATE SET set_name = excluded.set_name, reason = excluded.reason, "
               "source = excluded.source, created = excluded.created, until = excluded.until",
        use(ip), use(set), use(reason), use(source), use(created), use(until), now;
}

bool deleteFirewallBlock(Poco::Data::Session& session, const std::string& ip) {
    std::string key = ip;
    Poco::Data::Statement del(session);
    del << "DELETE FROM firewall_blocks WHERE ip = ?", use(key);
    return del.execute() > 0;
}

std::vector<FirewallBlock> activeFirewallBlocks(Poco::Data::Session& session, long long now_s) {
    std::vector<Poco::Tuple<std::string, std::string, std::string, std::string, Poco::Int64, Poco::Int64>> rows;
    Poco::Int64 t = now_s;
    session << "SELECT ip, set_name, reason, source, created, until FROM firewall_blocks WHERE until > ? "
               "ORDER BY until, ip",
        use(t), into(rows), now;
    std::vector<FirewallBlock> out;
    for (const auto& r : rows) out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()});
    return out;
}

int purgeFirewallBlocks(Poco::Data::Session& session, long long now_s) {
    Poco::Int64 t = now_s;
    Poco::Data::Statement del(session);
    del << "DELETE FROM firewall_blocks WHERE until <= ?", use(t);
    return static_cast<int>(del.execute());
}

}  // namespace moat::store
