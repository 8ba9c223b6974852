#include "store/message_log_entries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

// A domain administrator sees the rows of its domains; a search by
// recipient reads both the accepted and the refused ones; the outcome filter
// is the row's category (the console's words).
const MessageTable kMessageLog{"message_log", "message_log_recipients", "message_log_domains", "log_id",
                               {"recipients", "refused_recipients"}, "category", ""};

// Reads ?1 (all) and ?2 (domains) of message_search.h: a domain
// administrator's recipients and refused recipients are only those in its
// domains, built from message_log_recipients; the others' never leave the store.
constexpr const char* kColumns =
    "SELECT id, ts, client_ip, client_name, helo, tls, sender,"
    " CASE WHEN ?1 = 1 THEN recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM message_log_recipients r WHERE r.log_id = message_log.id AND r.refused = 0"
    "  AND r.domain IN (SELECT value FROM json_each(?2))), '') END AS recipients,"
    " CASE WHEN ?1 = 1 THEN refused_recipients ELSE COALESCE((SELECT group_concat(r.address, ',')"
    "  FROM message_log_recipients r WHERE r.log_id = message_log.id AND r.refused = 1"
    "  AND r.domain IN (SELECT value FROM json_each(?2))), '') END AS refused_recipients,"
    " subject, from_header, message_id, size, queue_id, outcome, category, reason, refused_by,"
    " score, archive_id, checks";

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
    SearchBinds binds(filter, scope);
    Poco::Data::Statement st(session);
    st << kColumns + searchSql(kMessageLog);
    binds.bindSearch(st);
    return rows(st);
}

std::optional<LogEntry> findLogEntry(Poco::Data::Session& session, long long id,
                                     const RowScope& scope) {
    SearchBinds binds({}, scope);
    Poco::Data::Statement st(session);
    st << kColumns + findSql(kMessageLog);
    binds.bindFind(st, id);
    auto found = rows(st);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

}  // namespace moat::store
