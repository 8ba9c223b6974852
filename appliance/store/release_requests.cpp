#include "store/release_requests.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

using Row = Poco::Tuple<Poco::Int64, Poco::Int64, std::string, Poco::Int64, std::string,
                        std::string, std::string, Poco::Int64, std::string>;
constexpr const char* kColumns =
    "id, archive_id, requested_by, requested, status, queue_id, detail, finished, recipients";

std::vector<ReleaseRequest> requests(const std::vector<Row>& rows) {
    std::vector<ReleaseRequest> out;
    for (const auto& r : rows)
        out.push_back({r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>(),
                       r.get<6>(), r.get<7>(), r.get<8>()});
    return out;
}

}  // namespace

std::optional<long long> pendingReleaseRequest(Poco::Data::Session& session, long long archive_id,
                                              const std::string& by) {
    Poco::Int64 key = archive_id;
    std::string who = by;
    std::vector<Poco::Int64> pending;
    session << "SELECT id FROM release_requests WHERE archive_id = ? AND requested_by = ?"
               " AND status = 'pending'",
        use(key), use(who), into(pending), now;
    if (pending.empty()) return std::nullopt;
    return pending.front();
}

std::optional<long long> addReleaseRequest(Poco::Data::Session& session, long long archive_id,
                                           const std::string& by, long long when,
                                           const RowScope& scope) {
    Poco::Int64 key = archive_id, t = when;
    std::string who = by, domains = scope.domains_json;
    int all = scope.all ? 1 : 0;
    // The recipients are chosen here, in one statement, from the entry's own
    // rows: nothing the caller passes can widen them.
    std::string recipients;
    session << "SELECT COALESCE(CASE WHEN ? = 1 THEN (SELECT recipients FROM archive WHERE id = ?)"
               " ELSE (SELECT group_concat(address, ',') FROM archive_recipients"
               " WHERE archive_id = ? AND domain IN (SELECT value FROM json_each(?))) END, '')",
        use(all), use(key), use(key), use(domains), into(recipients), now;
    if (recipients.empty()) return std::nullopt;
    Poco::Int64 id = 0;
    session << "INSERT INTO release_requests (archive_id, requested_by, requested, recipients)"
               " VALUES (?, ?, ?, ?)",
        use(key), use(who), use(t), use(recipients), now;
    session << "SELECT last_insert_rowid()", into(id), now;
    return id;
}

std::optional<ReleaseRequest> findReleaseRequest(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    std::vector<Row> rows;
    session << std::string("SELECT ") + kColumns + " FROM release_requests WHERE id = ?", use(key),
        into(rows), now;
    auto found = requests(rows);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<ReleaseRequest> pendingReleaseRequests(Poco::Data::Session& session, int limit) {
    Poco::Int64 n = limit;
    std::vector<Row> rows;
    session << std::string("SELECT ") + kColumns +
                   " FROM release_requests WHERE status = 'pending' ORDER BY id LIMIT ?",
        use(n), into(rows), now;
    return requests(rows);
}

void finishReleaseRequest(Poco::Data::Session& session, long long id, bool done,
                          const std::string& queue_id, const std::string& detail, long long when) {
    Poco::Int64 key = id, t = when;
    std::string status = done ? "done" : "failed", queue = queue_id, text = detail;
    session << "UPDATE release_requests SET status = ?, queue_id = ?, detail = ?, finished = ?"
               " WHERE id = ? AND status = 'pending'",
        use(status), use(queue), use(text), use(t), use(key), now;
}

}  // namespace moat::store
