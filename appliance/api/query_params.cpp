#include "api/query_params.h"

#include <charconv>
#include <limits>

namespace moat::api {

long long queryInteger(const web::Request& request, const std::string& name, long long fallback,
                       long long min, long long max) {
    auto text = request.queryValue(name);
    if (text.empty()) return fallback;
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size())
        throw web::HttpError(400, "'" + name + "' must be an integer");
    if (v < min || v > max)
        throw web::HttpError(400, "'" + name + "' must be between " + std::to_string(min) +
                                      " and " + std::to_string(max));
    return v;
}

Page pageParams(const web::Request& request) {
    Page page;
    page.before = queryInteger(request, "before", 0, 0, std::numeric_limits<long long>::max());
    page.limit =
        static_cast<int>(queryInteger(request, "limit", kDefaultPageSize, 1, kMaxPageSize));
    return page;
}

std::string likeEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == '\\' || c == '%' || c == '_') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

MessageSearch messageSearch(const web::Request& request) {
    constexpr auto kMax = std::numeric_limits<long long>::max();
    MessageSearch q;
    q.page = pageParams(request);
    auto& f = q.filter;
    f.sender = likeEscape(request.queryValue("sender"));
    f.recipient = likeEscape(request.queryValue("recipient"));
    f.client_ip = likeEscape(request.queryValue("client_ip"));
    f.subject = likeEscape(request.queryValue("subject"));
    f.outcome = request.queryValue("outcome");
    f.domain = request.queryValue("domain");
    f.from = queryInteger(request, "from", 0, 0, kMax);
    f.to = queryInteger(request, "to", kMax, 0, kMax);
    f.before = q.page.before > 0 ? q.page.before : kMax;
    f.limit = q.page.limit + 1;
    return q;
}

web::Response pagedAnswer(std::size_t rows, const Page& page,
                          const std::function<Poco::JSON::Object::Ptr(std::size_t)>& entry) {
    Poco::JSON::Array::Ptr entries = new Poco::JSON::Array;
    bool more = false;
    for (std::size_t i = 0; i < rows; ++i) {
        if (static_cast<int>(entries->size()) == page.limit) {
            more = true;
            break;
        }
        entries->add(entry(i));
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("entries", entries);
    o->set("more", more);
    return web::Response::json(200, o);
}

}  // namespace moat::api
