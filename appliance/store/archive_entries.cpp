#include "store/archive_entries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

// A domain administrator sees the entries of its domains that are not
// viruses, and of their recipients only those in its domains.
const MessageTable kArchive{"archive", "archive_recipients", "archive_domains", "archive_id",
                            {"recipients", ""}, "outcome", "outcome <> 'virus'"};

// Reads ?1 (all) and ?2 (domains) of message_search.h: a domain administrator's
// recipients are only those in its domains (archive_recipients), and
// other_recipients counts the entry's recipients outside them.
constexpr const char* kColumns =
    "SELECT id, ts, log_id, file, size, client_ip, sender,"
    " CASE WHEN ?1 = 1 THEN recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM archive_recipients r WHERE r.archive_id = archive.id"
    "  AND r.domain IN (SELECT value FROM json_each(?2))), '') END AS recipients,"
    " CASE WHEN ?1 = 1 THEN 0 ELSE (SELECT COUNT(*) FROM archive_recipients r"
    "  WHERE r.archive_id = archive.id AND r.domain NOT IN (SELECT value FROM json_each(?2)))"
    " END AS other_recipients,"
    " subject, from_header, message_id, outcome, reason, released, last_release";

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
    SearchBinds binds(filter, scope);
    Poco::Data::Statement st(session);
    st << kColumns + searchSql(kArchive);
    binds.bindSearch(st);
    return rows(st);
}

std::optional<ArchiveEntry> findArchiveEntry(Poco::Data::Session& session, long long id,
                                             const RowScope& scope) {
    SearchBinds binds({}, scope);
    Poco::Data::Statement st(session);
    st << kColumns + findSql(kArchive);
    binds.bindFind(st, id);
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
