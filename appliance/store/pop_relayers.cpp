#include "store/pop_relayers.h"

#include <Poco/Data/Statement.h>

#include <stdexcept>

#include "net/cidr.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

std::string canonical(std::string_view text) {
    auto ip = net::parseIp(text);
    if (!ip) throw std::invalid_argument("invalid IP address '" + log::printable(text, 100) + "'");
    return net::canonicalIp(*ip);
}

}  // namespace

PopRelayer addPopRelayer(Poco::Data::Session& session, std::string_view ip, long long ts) {
    PopRelayer p{canonical(ip), ts};
    if (ts < 0) throw std::invalid_argument("timestamp must not be negative");
    Poco::Int64 stamp = ts;
    session << "INSERT INTO pop_relayers (ip, ts) VALUES (?, ?) ON CONFLICT (ip) DO UPDATE SET ts "
               "= excluded.ts",
        use(p.ip), use(stamp), now;
    return p;
}

bool deletePopRelayer(Poco::Data::Session& session, std::string_view ip) {
    std::string key = canonical(ip);
    Poco::Data::Statement del(session);
    del << "DELETE FROM pop_relayers WHERE ip = ?", use(key);
    return del.execute() > 0;
}

std::size_t expirePopRelayers(Poco::Data::Session& session, long long older_than_ts) {
    Poco::Int64 limit = older_than_ts;
    Poco::Data::Statement del(session);
    del << "DELETE FROM pop_relayers WHERE ts < ?", use(limit);
    return del.execute();
}

std::vector<PopRelayer> listPopRelayers(Poco::Data::Session& session, long long since_ts) {
    Poco::Int64 since = since_ts;
    std::vector<std::string> ips;
    std::vector<Poco::Int64> stamps;
    session << "SELECT ip, ts FROM pop_relayers WHERE ts >= ? ORDER BY ts, ip", use(since),
        into(ips), into(stamps), now;
    std::vector<PopRelayer> out(ips.size());
    for (std::size_t i = 0; i < ips.size(); ++i) out[i] = {ips[i], stamps[i]};
    return out;
}

}  // namespace moat::store
