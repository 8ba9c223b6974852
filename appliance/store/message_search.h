// What the console's message log and archive searches ask of the store: the
// filters (text ones already LIKE-escaped, matched as substrings; outcome and
// recipient domain exact; an empty one matches all), the time range, the id
// bound for paging, and whose rows a principal may see. Both tables are
// searched by one query shape (searchSql), so a filter means the same in both
// and a domain administrator is confined the same way in both.
#pragma once

#include <Poco/Data/Statement.h>
#include <Poco/Types.h>

#include <array>
#include <limits>
#include <string>
#include <string_view>

namespace moat::store {

struct MessageSearchFilter {
    std::string sender, recipient, client_ip, subject;  // LIKE-escaped ('\' escapes)
    std::string outcome, domain;
    long long from = 0, to = std::numeric_limits<long long>::max();  // ts, inclusive
    long long before = std::numeric_limits<long long>::max();        // ids below this
    long long limit = 50;
};

// All rows (an administrator), or only those with a recipient in one of these domains.
struct RowScope {
    bool all = true;
    std::string domains_json = "[]";  // a JSON array of domain names
};

// A table that records messages, and its two side tables: which recipients
// (address, domain) and which recipient domains each row has.
struct MessageTable {
    std::string_view table;             // "archive"
    std::string_view recipients_table;  // "archive_recipients": key, address, domain
    std::string_view domains_table;     // "archive_domains": key, domain
    std::string_view key;               // "archive_id": a row of table in both side tables
    // The stored recipient lists an administrator's recipient search reads ("" = none).
    std::array<std::string_view, 2> recipient_lists;
    std::string_view outcome_column;    // the column the filter's outcome matches
    // Rows of its domains a domain administrator still may not see ("" = none).
    std::string_view hidden_from_domain_admins;
};

// The parameters of both queries below, numbered so each is bound once
// (bindSearch / bindFind bind them in this order): ?1 1 for all rows, ?2 the
// domains (RowScope), then for a search ?3 before, ?4 sender, ?5 recipient,
// ?6 client_ip, ?7 subject, ?8 outcome, ?9 from, ?10 to, ?11 domain, ?12
// limit; for a find ?3 the id. Selected columns may read ?1 and ?2 too.
// " FROM <table> WHERE ..." for a search, newest first.
std::string searchSql(const MessageTable& t);
// " FROM <table> WHERE id = ?3 AND ..." for one row the principal may see.
std::string findSql(const MessageTable& t);

// The values the statements above read, held for as long as the statement
// runs (Poco binds references, so a copy would leave the statement reading
// the original: none is allowed).
class SearchBinds {
public:
    SearchBinds(const MessageSearchFilter& filter, const RowScope& scope);
    SearchBinds(const SearchBinds&) = delete;
    SearchBinds& operator=(const SearchBinds&) = delete;
    void bindSearch(Poco::Data::Statement& st);
    void bindFind(Poco::Data::Statement& st, long long id);

private:
    MessageSearchFilter filter_;
    int all_;
    std::string domains_;
    Poco::Int64 before_, from_, to_, limit_, id_ = 0;
};

}  // namespace moat::store
