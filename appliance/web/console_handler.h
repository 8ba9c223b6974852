// The console's request flow, independent of the HTTP library: every request
// the server parsed comes here and leaves with the security headers set.
//   /api/...  → public routes (POST /api/v1/login, /api/v1/first-run) with
//               only the Origin check; every other route needs a session
//               cookie or an API token (else 401), and a cookie session's
//               state-changing request the CSRF token and a same Origin
//               (else 403); then the router, with the Principal.
//   /metrics  → GET only, for Prometheus: from a maintenance network ([web]
//               trusted_networks) without credentials, else an API token
//               (the handler wants an administrator's); never a cookie session.
//   /docs/... → GET/HEAD of the documentation ([web] docs), which the pages link to.
//   else      → GET/HEAD of a static file from [web] assets.
#pragma once

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "net/cidr.h"
#include "web/router.h"
#include "web/session_store.h"

namespace moat::config {
struct Config;
}
namespace moat::store {
class Store;
}

namespace moat::web {

inline constexpr std::size_t kMaxBody = 1024 * 1024;  // any request's body, but a backup upload's

class ConsoleHandler {
  public:
    ConsoleHandler(const store::Store& store, const config::Config& config, const Router& router,
                   FirewallLink* firewall = nullptr);

    Response handle(Request& request) const;

    // How large a body the server may read for this request head (no body
    // yet): kMaxBody, or [web] backup_upload_max for a backup upload
    // (POST /api/v1/system/restore, /api/v1/system/backup/check) by an
    // administrator whose credentials (and for a cookie session, CSRF token
    // and Origin) already pass, so no one else makes the console buffer more.
    std::size_t bodyLimit(const Request& head) const;

    // Every response: CSP, nosniff, no referrer, no framing, HSTS; API
    // answers are never cached.
    static void addSecurityHeaders(Response& response, bool api);

    // Routes reachable without a session (method, path).
    static const std::set<std::pair<std::string, std::string>>& publicRoutes();

  private:
    Response handleApi(Request& request) const;
    Response handleMetrics(Request& request) const;
    bool fromTrustedNetwork(const std::string& ip) const;

    const store::Store& store_;
    const config::Config& config_;
    const Router& router_;
    FirewallLink* firewall_;
    SessionStore sessions_;
    std::filesystem::path assets_;
    std::filesystem::path docs_;
    std::vector<net::Cidr> trusted_;
};

}  // namespace moat::web
