// Routes API requests to handlers by method and path pattern. Patterns are
// literal segments and {name} captures ("/api/v1/domains/{id}"); captures go
// to Request::params in order. A path that matches no pattern is 404, a known
// path with another method 405. The router turns HttpError into its status and
// any other exception into 500 (logged), so a handler bug never kills the
// daemon. Authentication and CSRF are checked before dispatch by the server;
// handlers receive the Principal and check authorisation themselves.
#pragma once

#include "web/http.h"
#include "web/principal.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace moat::config {
struct Config;
}
namespace moat::store {
class Store;
}

namespace moat::web {

class FirewallLink;

// What a handler may use besides the request.
struct ApiContext {
    const store::Store& store;
    const config::Config& config;
    FirewallLink* firewall = nullptr;  // moat-firewall (web/firewall_link.h); none in some tests
};

using Handler = std::function<Response(const Request&, const Principal&, ApiContext&)>;

class Router {
public:
    void add(const std::string& method, const std::string& pattern, Handler handler);
    // Dispatches; fills request.params.
    Response dispatch(Request& request, const Principal& principal, ApiContext& context) const;
    // True if some route matches the path (any method).
    bool knows(const std::string& path) const;
    // Every route as (method, pattern), in registration order — for
    // `moat-webui --list-routes`, which the authentication tests walk.
    std::vector<std::pair<std::string, std::string>> routes() const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;  // "{}" for a capture
        Handler handler;
    };
    static bool match(const Route& route, const std::vector<std::string>& segments, std::vector<std::string>& params);
    std::vector<Route> routes_;
};

// Parses a path capture as a positive id; throws HttpError(404) otherwise.
long long idParam(const Request& request, std::size_t index = 0);

}  // namespace moat::web
