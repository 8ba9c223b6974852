// Cross-site request forgery defences for cookie-authenticated requests.
// A state-changing method (POST, PUT, PATCH, DELETE) must carry the session's
// token in X-CSRF-Token (compared in constant time), and when the browser
// sends Origin it must be the console's own: https://<Host header>. The
// SameSite=Strict cookie is a third, independent layer. API tokens are not
// sent by browsers on their own, so Bearer requests need neither check.
#pragma once

#include <optional>
#include <string>

#include "web/http.h"

namespace moat::web {

bool isStateChanging(const std::string& method);

// nullopt when there is no Origin header or it is https://<host>; otherwise
// why the request is refused.
std::optional<std::string> originProblem(const Request& request);

// nullopt when X-CSRF-Token equals expected; otherwise why it is refused.
std::optional<std::string> csrfProblem(const Request& request, const std::string& expected);

}  // namespace moat::web
