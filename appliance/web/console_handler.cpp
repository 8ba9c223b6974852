#include "web/console_handler.h"

#include <algorithm>

#include "config/config.h"
#include "store/store.h"
#include "web/authenticator.h"
#include "web/csrf.h"
#include "web/static_files.h"

namespace moat::web {

ConsoleHandler::ConsoleHandler(const store::Store& store, const config::Config& config,
                               const Router& router, FirewallLink* firewall)
    : store_(store),
      config_(config),
      router_(router),
      firewall_(firewall),
      sessions_(config.web.session_idle, config.web.session_max),
      assets_(config.web.assets),
      docs_(config.web.docs) {
    for (const auto& network : config.web.trusted_networks)
        if (auto cidr = net::Cidr::parse(network)) trusted_.push_back(*cidr);
}

const std::set<std::pair<std::string, std::string>>& ConsoleHandler::publicRoutes() {
    static const std::set<std::pair<std::string, std::string>> routes = {
        {"POST", "/api/v1/login"},
        {"POST", "/api/v1/first-run"},
    };
    return routes;
}

void ConsoleHandler::addSecurityHeaders(Response& response, bool api) {
    auto& h = response.headers;
    h.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("Referrer-Policy", "no-referrer");
    h.emplace_back("X-Frame-Options", "DENY");
    h.emplace_back("Strict-Transport-Security", "max-age=31536000");
    h.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    if (api) h.emplace_back("Cache-Control", "no-store");
}

Response ConsoleHandler::handle(Request& request) const {
    bool api = request.path == "/api" || request.path.rfind("/api/", 0) == 0;
    Response response;
    if (request.path == "/metrics") {
        api = true;
        response = handleMetrics(request);
    } else if (api) {
        response = handleApi(request);
    } else if ((request.method == "GET" || request.method == "HEAD") && request.path.rfind("/docs/", 0) == 0) {
        response = serveAsset(docs_, request.path.substr(5));
    } else if (request.method == "GET" || request.method == "HEAD") {
        response = serveAsset(assets_, request.path);
    } else {
        response = Response::error(405, "method not allowed");
    }
    addSecurityHeaders(response, api);
    return response;
}

std::size_t ConsoleHandler::bodyLimit(const Request& head) const {
    if (head.method != "POST" ||
        (head.path != "/api/v1/system/restore" && head.path != "/api/v1/system/backup/check"))
        return kMaxBody;
    std::optional<Authenticated> who;
    {
        auto db = store_.connect();
        who = authenticate(db, head, sessions_, store::nowSeconds());
    }
    if (!who || !who->principal.isAdmin()) return kMaxBody;
    if (!who->principal.via_token && (originProblem(head) || csrfProblem(head, who->csrf)))
        return kMaxBody;
    return std::max(kMaxBody, config_.web.backup_upload_max);
}

bool ConsoleHandler::fromTrustedNetwork(const std::string& ip) const {
    auto address = net::parseIp(ip);
    if (!address) return false;
    for (const auto& network : trusted_)
        if (network.contains(*address)) return true;
    return false;
}

Response ConsoleHandler::handleMetrics(Request& request) const {
    ApiContext context{store_, config_, firewall_};
    if (fromTrustedNetwork(request.client_ip)) {
        Principal trusted;
        trusted.name = "maintenance network";
        trusted.trusted_network = true;
        return router_.dispatch(request, trusted, context);
    }
    if (request.header("authorization").empty()) return Response::error(401, "not logged in");
    std::optional<Authenticated> who;
    {
        auto db = store_.connect();
        who = authenticate(db, request, sessions_, store::nowSeconds());
    }
    if (!who || !who->principal.via_token) return Response::error(401, "not logged in");
    return router_.dispatch(request, who->principal, context);
}

Response ConsoleHandler::handleApi(Request& request) const {
    ApiContext context{store_, config_, firewall_};
    if (publicRoutes().count({request.method, request.path})) {
        if (auto problem = originProblem(request)) return Response::error(403, *problem);
        return router_.dispatch(request, Principal{}, context);
    }
    std::optional<Authenticated> who;
    {
        auto db = store_.connect();
        who = authenticate(db, request, sessions_, store::nowSeconds());
    }
    if (!who) return Response::error(401, "not logged in");
    if (!who->principal.via_token && isStateChanging(request.method)) {
        if (auto problem = originProblem(request)) return Response::error(403, *problem);
        if (auto problem = csrfProblem(request, who->csrf)) return Response::error(403, *problem);
    }
    // An account that must use two-factor login and has not enrolled may only
    // enrol (and see its session, change its password, log out).
    const auto& p = who->principal;
    bool must_enrol = !p.second_factor_on &&
                      (p.second_factor_required ||
                       (p.isAdmin() && config_.web.require_second_factor_admins));
    if (must_enrol && request.path != "/api/v1/session" && request.path != "/api/v1/logout" &&
        request.path != "/api/v1/password" && request.path.rfind("/api/v1/2fa", 0) != 0)
        return Response::error(403, "set up two-factor login first (Account page)");
    return router_.dispatch(request, who->principal, context);
}

}  // namespace moat::web
