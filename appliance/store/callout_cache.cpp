#include "store/callout_cache.h"

#include <Poco/Data/Statement.h>
#include <Poco/Data/Transaction.h>
#include <Poco/Tuple.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

using Row = Poco::Tuple<std::string, std::string, std::string, Poco::Int64, Poco::Int64>;

CalloutEntry entry(const Row& r) {
    return {r.get<0>(), r.get<1>() == "valid", r.get<2>(), r.get<3>(), r.get<4>()};
}

}  // namespace

std::optional<CalloutEntry> findCalloutEntry(Poco::Data::Session& session,
                                             std::string_view address) {
    std::string a(address);
    std::vector<Row> rows;
    session
        << "SELECT address, result, reply, checked, expires FROM callout_cache WHERE address = ?",
        use(a), into(rows), now;
    if (rows.empty()) return std::nullopt;
    return entry(rows[0]);
}

void saveCalloutEntry(Poco::Data::Session& session, const CalloutEntry& e) {
    std::string address = e.address, result = e.valid ? "valid" : "invalid", reply = e.reply;
    Poco::Int64 checked = e.checked, expires = e.expires;
    session << "INSERT OR REPLACE INTO callout_cache (address, result, reply, checked, expires)"
               " VALUES (?, ?, ?, ?, ?)",
        use(address), use(result), use(reply), use(checked), use(expires), now;
}

std::size_t flushCalloutEntries(Poco::Data::Session& session, std::string_view address) {
    Poco::Data::Transaction tx(session);
    Poco::Data::Statement del(session);
    std::string a(address);
    if (a.empty())
        del << "DELETE FROM callout_cache";
    else
        del << "DELETE FROM callout_cache WHERE address = ?", use(a);
    std::size_t n = del.execute();
    session << "UPDATE generation SET n = n + 1 WHERE id = 1", now;
    tx.commit();
    return n;
}

std::size_t expireCalloutEntries(Poco::Data::Session& session, long long now_ts) {
    Poco::Int64 t = now_ts;
    Poco::Data::Statement del(session);
    del << "DELETE FROM callout_cache WHERE expires < ?", use(t);
    return del.execute();
}

}  // namespace moat::store
