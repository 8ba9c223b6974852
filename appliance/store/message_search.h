// What the console's message log and archive searches ask of the store: the
// filters (text ones already LIKE-escaped, matched as substrings; outcome and
// recipient domain exact; an empty one matches all), the time range, the id
// bound for paging, and whose rows a principal may see.
#pragma once

#include <limits>
#include <string>

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

}  // namespace moat::store
