#include "store/message_search.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

std::string str(std::string_view s) { return std::string(s); }

// Rows a principal may see: all, or those with a recipient in its domains.
std::string scopeSql(const MessageTable& t) {
    std::string hidden = t.hidden_from_domain_admins.empty() ? "" : str(t.hidden_from_domain_admins) + " AND ";
    return " AND (?1 = 1 OR (" + hidden + "id IN (SELECT " + str(t.key) + " FROM " + str(t.domains_table) +
           " WHERE domain IN (SELECT value FROM json_each(?2)))))";
}

std::string contains(std::string_view column, const char* param) {
    return str(column) + " LIKE '%' || " + param + " || '%' ESCAPE '\\'";
}

}  // namespace

std::string searchSql(const MessageTable& t) {
    std::string lists;
    for (auto column : t.recipient_lists)
        if (!column.empty())
            lists += (lists.empty() ? "" : " OR ") + contains(str(t.table) + "." + str(column), "?5");
    return " FROM " + str(t.table) + " WHERE id < ?3" +
           " AND (?4 = '' OR " + contains("sender", "?4") + ")" +
           // A recipient search: an administrator's over the stored lists, a
           // domain administrator's over its own domains' recipients only.
           " AND (?5 = '' OR (?1 = 1 AND (" + lists + "))" +
           "  OR (?1 = 0 AND id IN (SELECT " + str(t.key) + " FROM " + str(t.recipients_table) +
           "  WHERE " + contains("address", "?5") + " AND domain IN (SELECT value FROM json_each(?2)))))" +
           " AND (?6 = '' OR " + contains("client_ip", "?6") + ")" +
           " AND (?7 = '' OR " + contains("subject", "?7") + ")" +
           " AND (?8 = '' OR " + str(t.outcome_column) + " = ?8)" +
           " AND ts >= ?9 AND ts <= ?10" +
           // ?domain= names one of the principal's own domains or matches nothing.
           " AND (?11 = '' OR id IN (SELECT " + str(t.key) + " FROM " + str(t.domains_table) +
           " WHERE domain = ?11 AND (?1 = 1 OR domain IN (SELECT value FROM json_each(?2)))))" +
           scopeSql(t) + " ORDER BY id DESC LIMIT ?12";
}

std::string findSql(const MessageTable& t) {
    return " FROM " + str(t.table) + " WHERE id = ?3" + scopeSql(t);
}

SearchBinds::SearchBinds(const MessageSearchFilter& filter, const RowScope& scope)
    : filter_(filter),
      all_(scope.all ? 1 : 0),
      domains_(scope.domains_json),
      before_(filter.before),
      from_(filter.from),
      to_(filter.to),
      limit_(filter.limit) {}

void SearchBinds::bindSearch(Poco::Data::Statement& st) {
    st, use(all_), use(domains_), use(before_), use(filter_.sender), use(filter_.recipient),
        use(filter_.client_ip), use(filter_.subject), use(filter_.outcome), use(from_), use(to_),
        use(filter_.domain), use(limit_);
}

void SearchBinds::bindFind(Poco::Data::Statement& st, long long id) {
    id_ = id;
    st, use(all_), use(domains_), use(id_);
}

}  // namespace moat::store
