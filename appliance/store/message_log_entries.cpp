#include "store/message_log_entries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

// Binds (all, domains_json, all, domains_json): a domain administrator's
// recipients and refused recipients are only those in its domains, built from
// message_log_recipients; the others' never leave the store.
constexpr const char* kColumns =
    "id, ts, client_ip, client_name, helo, tls, sender,"
    " CASE WHEN ? = 1 THEN recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM message_log_recipients r WHERE r.log_id = message_log.id AND r.refused = 0"
    "  AND r.domain IN (SELECT value FROM json_each(?))), '') END AS recipients,"
    " CASE WHEN ? = 1 THEN refused_recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM message_log_recipients r WHERE r.log_id = message_log.id AND r.refused = 1"
    "  AND r.domain IN (SELECT value FROM json_each(?))), '') END AS refused_recipients,"
    " subject, from_header, message_id, size, queue_id, outcome, category, reason, refused_by,"
    " score, archive_id, checks";

// Binds (all, domains_json).
constexpr const char* kScope =
    " AND (? = 1 OR id IN (SELECT log_id FROM message_log_domains WHERE domain IN (SELECT value "
    "FROM json_each(?))))";

std::vector<LogEntry> rows(Poco::Data::Statement& st) {
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<LogEntry> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
        LogEntry e;
        e.id = rs["id"].convert<Poco::Int64>();
        e.ts = rs["ts"].convert<Poco::Int64>();
        e.client_ip = rs["client_ip"].convert<std::string>();
        e.client_name = rs["client_name"].convert<std::string>();
        e.helo = rs["helo"].convert<std::string>();
        e.tls = rs["tls"].convert<std::string>();
        e.sender = rs["sender"].convert<std::string>();
        e.recipients = rs["recipients"].convert<std::string>();
        e.refused_recipients = rs["refused_recipients"].convert<std::string>();
        e.subject = rs["subject"].convert<std::string>();
        e.from_header = rs["from_header"].convert<std::string>();
        e.message_id = rs["message_id"].convert<std::string>();
        e.size = rs["size"].convert<Poco::Int64>();
        e.queue_id = rs["queue_id"].convert<std::string>();
        e.outcome = rs["outcome"].convert<std::string>();
        e.category = rs["category"].convert<std::string>();
        e.reason = rs["reason"].convert<std::string>();
        e.refused_by = rs["refused_by"].convert<std::string>();
        e.score = rs["score"].convert<double>();
        e.archive_id = rs["archive_id"].convert<Poco::Int64>();
        e.checks = rs["checks"].convert<std::string>();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

std::vector<LogEntry> searchMessageLog(Poco::Data::Session& session,
                                       const MessageSearchFilter& filter, const RowScope& scope) {
    auto q = filter;
    Poco::Int64 before = q.before, from = q.from, to = q.to, limit = q.limit;
    int all = scope.all ? 1 : 0;
    std::string domains = scope.domains_json;
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns +
              " FROM message_log WHERE id < ?"
              " AND (? = '' OR sender LIKE '%' || ? || '%' ESCAPE '\\')"
              // A recipient search: an administrator's over both stored lists, a
              // domain administrator's over its own domains' recipients only.
              " AND (? = '' OR (? = 1 AND (message_log.recipients LIKE '%' || ? || '%' ESCAPE '\\'"
              "  OR message_log.refused_recipients LIKE '%' || ? || '%' ESCAPE '\\'))"
              "  OR (? = 0 AND id IN (SELECT log_id FROM message_log_recipients"
              "  WHERE address LIKE '%' || ? || '%' ESCAPE '\\'"
              "  AND domain IN (SELECT value FROM json_each(?)))))"
              " AND (? = '' OR client_ip LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR subject LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR category = ?)"
              " AND ts >= ? AND ts <= ?"
              // ?domain= names one of the principal's own domains or matches nothing.
              " AND (? = '' OR id IN (SELECT log_id FROM message_log_domains WHERE domain = ?"
              "  AND (? = 1 OR domain IN (SELECT value FROM json_each(?)))))" +
              kScope + " ORDER BY id DESC LIMIT ?",
        use(all), use(domains), use(all), use(domains), use(before), use(q.sender), use(q.sender),
        use(q.recipient), use(all), use(q.recipient), use(q.recipient), use(all), use(q.recipient),
        use(domains), use(q.client_ip), use(q.client_ip), use(q.subject), use(q.subject),
        use(q.outcome), use(q.outcome), use(from), use(to), use(q.domain), use(q.domain), use(all),
        use(domains), use(all), use(domains), use(limit);
    return rows(st);
}

std::optional<LogEntry> findLogEntry(Poco::Data::Session& session, long long id,
                                     const RowScope& scope) {
    Poco::Int64 key = id;
    int all = scope.all ? 1 : 0;
    std::string domains = scope.domains_json;
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns + " FROM message_log WHERE id = ?" + kScope, use(all),
        use(domains), use(all), use(domains), use(key), use(all), use(domains);
    auto found = rows(st);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

}  // namespace moat::store
