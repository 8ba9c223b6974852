#include "store/client_events.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

std::vector<ClientEventRow> listClientEvents(Poco::Data::Session& session, long long since) {
    std::vector<Poco::Tuple<Poco::Int64, Poco::Int64, std::string, std::string, std::string>> rows;
    Poco::Int64 from = since;
    session << "SELECT id, ts, ip, kind, detail FROM client_events WHERE ts >= ? ORDER BY ts, id",
        use(from), into(rows), now;
    std::vector<ClientEventRow> out;
    for (const auto& r : rows)
        out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
    return out;
}

void appendClientEvents(Poco::Data::Session& session, const std::vector<ClientEventRow>& events) {
    WriteTransaction tx(session);
    Poco::Int64 ts = 0;
    std::string ip, kind, detail;
    Poco::Data::Statement insert(session);
    insert << "INSERT INTO client_events (ts, ip, kind, detail) VALUES (?, ?, ?, ?)", useRef(ts),
        useRef(ip), useRef(kind), useRef(detail);
    for (const auto& e : events) {
        ts = e.ts;
        ip = e.ip;
        kind = e.kind;
        detail = e.detail;
        insert.execute();
    }
    tx.commit();
}

}  // namespace moat::store
