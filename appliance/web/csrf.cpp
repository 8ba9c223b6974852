#include "web/csrf.h"

#include <Poco/String.h>

#include "web/secrets.h"

namespace moat::web {

bool isStateChanging(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::optional<std::string> originProblem(const Request& request) {
    auto it = request.headers.find("origin");
    if (it == request.headers.end()) return std::nullopt;
    auto host = request.header("host");
    if (host.empty() || Poco::toLower(it->second) != "https://" + Poco::toLower(host))
        return "cross-origin request refused";
    return std::nullopt;
}

std::optional<std::string> csrfProblem(const Request& request, const std::string& expected) {
    auto token = request.header("x-csrf-token");
    if (token.empty() || expected.empty() || !equalConstantTime(token, expected))
        return "missing or wrong CSRF token (X-CSRF-Token)";
    return std::nullopt;
}

}  // namespace moat::web
