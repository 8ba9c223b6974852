// Query-string parameters of the API's GET requests: integers with a range,
// the `before`/`limit` paging of the log, archive and audit lists, and the
// LIKE pattern of the case-insensitive substring searches. A malformed value
// is HttpError(400) naming the parameter.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "store/message_search.h"
#include "web/http.h"

namespace moat::api {

// The parameter as an integer in min..max, `fallback` when absent or empty.
long long queryInteger(const web::Request& request, const std::string& name, long long fallback,
                       long long min, long long max);

struct Page {
    long long before = 0;  // rows with a smaller id; 0: from the newest
    int limit = 50;
};
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// ?before=ID&limit=N (limit 1..500, default 50).
Page pageParams(const web::Request& request);

// The message log's and the archive's common search parameters, parsed and
// ready to bind: the text filters LIKE-escaped, outcome and domain as given,
// the time range (from/to, epoch seconds), and the paging (before as an id
// bound, limit one more than the page so the answer knows whether more exist).
struct MessageSearch {
    Page page;
    store::MessageSearchFilter filter;
};
MessageSearch messageSearch(const web::Request& request);

// The answer to a paged search that selected page.limit + 1 rows (newest
// first): {"entries": at most page.limit of the `rows` made by `entry(i)`,
// "more": whether the extra row came}.
web::Response pagedAnswer(std::size_t rows, const Page& page,
                          const std::function<Poco::JSON::Object::Ptr(std::size_t)>& entry);

// The text with '\', '%' and '_' escaped by '\', for `LIKE '%' || ? || '%' ESCAPE '\'`:
// whatever the user typed matches literally.
std::string likeEscape(std::string_view text);

}  // namespace moat::api
