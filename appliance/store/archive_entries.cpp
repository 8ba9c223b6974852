#include "store/archive_entries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

// Binds (all, domains_json, all, domains_json): a domain administrator's
// recipients are only those in its domains (archive_recipients), and
// other_recipients counts the entry's recipients outside them.
constexpr const char* kColumns =
    "id, ts, log_id, file, size, client_ip, sender,"
    " CASE WHEN ? = 1 THEN recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM archive_recipients r WHERE r.archive_id = archive.id"
    "  AND r.domain IN (SELECT value FROM json_each(?))), '') END AS recipients,"
    " CASE WHEN ? = 1 THEN 0 ELSE (SELECT COUNT(*) FROM archive_recipients r"
    "  WHERE r.archive_id = archive.id AND r.domain NOT IN (SELECT value FROM json_each(?)))"
    " END AS other_recipients,"
    " subject, from_header, message_id, outcome, reason, released, last_release";

// Binds (all, domains_json): a domain administrator sees non-virus entries of its domains.
constexpr const char* kScope =
    " AND (? = 1 OR (outcome <> 'virus' AND id IN (SELECT archive_id FROM archive_domains"
    " WHERE domain IN (SELECT value FROM json_each(?)))))";

std::vector<ArchiveEntry> rows(Poco::Data::Statement& st) {
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<ArchiveEntry> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
        ArchiveEntry e;
        e.id = rs["id"].convert<Poco::Int64>();
        e.ts = rs["ts"].convert<Poco::Int64>();
        e.log_id = rs["log_id"].convert<Poco::Int64>();
        e.file = rs["file"].convert<std::string>();
        e.size = rs["size"].convert<Poco::Int64>();
        e.client_ip = rs["client_ip"].convert<std::string>();
        e.sender = rs["sender"].convert<std::string>();
        e.recipients = rs["recipients"].convert<std::string>();
        e.subject = rs["subject"].convert<std::string>();
        e.from_header = rs["from_header"].convert<std::string>();
        e.message_id = rs["message_id"].convert<std::string>();
        e.outcome = rs["outcome"].convert<std::string>();
        e.reason = rs["reason"].convert<std::string>();
        e.released = rs["released"].convert<Poco::Int64>();
        e.last_release = rs["last_release"].convert<Poco::Int64>();
        e.other_recipients = rs["other_recipients"].convert<Poco::Int64>();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

std::vector<ArchiveEntry> searchArchive(Poco::Data::Session& session,
                                        const MessageSearchFilter& filter, const RowScope& scope) {
    auto q = filter;
    Poco::Int64 before = q.before, from = q.from, to = q.to, limit = q.limit;
    int all = scope.all ? 1 : 0;
    std::string domains = scope.domains_json;
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns +
              " FROM archive WHERE id < ?"
              " AND (? = '' OR sender LIKE '%' || ? || '%' ESCAPE '\\')"
              // A recipient search: a domain administrator's over its own recipients only.
              " AND (? = '' OR (? = 1 AND archive.recipients LIKE '%' || ? || '%' ESCAPE '\\')"
              "  OR (? = 0 AND id IN (SELECT archive_id FROM archive_recipients"
              "  WHERE address LIKE '%' || ? || '%' ESCAPE '\\'"
              "  AND domain IN (SELECT value FROM json_each(?)))))"
              " AND (? = '' OR client_ip LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR subject LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR outcome = ?)"
              " AND ts >= ? AND ts <= ?"
              // ?domain= names one of the principal's own domains or matches nothing.
              " AND (? = '' OR id IN (SELECT archive_id FROM archive_domains WHERE domain = ?"
              "  AND (? = 1 OR domain IN (SELECT value FROM json_each(?)))))" +
              kScope + " ORDER BY id DESC LIMIT ?",
        use(all), use(domains), use(all), use(domains), use(before), use(q.sender), use(q.sender),
        use(q.recipient), use(all), use(q.recipient), use(all), use(q.recipient), use(domains),
        use(q.client_ip), use(q.client_ip), use(q.subject), use(q.subject), use(q.outcome),
        use(q.outcome), use(from), use(to), use(q.domain), use(q.domain), use(all), use(domains),
        use(all), use(domains), use(limit);
    return rows(st);
}

std::optional<ArchiveEntry> findArchiveEntry(Poco::Data::Session& session, long long id,
                                             const RowScope& scope) {
    Poco::Int64 key = id;
    int all = scope.all ? 1 : 0;
    std::string domains = scope.domains_json;
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns + " FROM archive WHERE id = ?" + kScope, use(all),
        use(domains), use(all), use(domains), use(key), use(all), use(domains);
    auto found = rows(st);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

void countArchiveRelease(Poco::Data::Session& session, long long id, long long when) {
    Poco::Int64 key = id, t = when;
    session << "UPDATE archive SET released = released + 1, last_release = ? WHERE id = ?", use(t),
        use(key), now;
}

}  // namespace moat::store
