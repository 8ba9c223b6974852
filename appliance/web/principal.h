// Who is asking: the account behind a session or API token, its role and, for
// a domain administrator, the domains it may touch. Every API handler checks
// access through this, so authorisation lives in the API, not in the UI.
#pragma once

#include <string>
#include <vector>

namespace moat::web {

enum class Role { admin, domain_admin };

struct Principal {
    long long user_id = 0;
    std::string name;
    Role role = Role::domain_admin;
    std::vector<long long> domain_ids;   // domain_admin: the domains it administers
    std::vector<std::string> domains;    // their names, lower case, same order
    bool via_token = false;              // authenticated by an API token (no CSRF needed)
    std::string session_id;              // the session's stored id ("" for tokens)
    bool second_factor_on = false;       // two-factor login enrolled
    bool second_factor_required = false; // the account must use it (per account)
    // No account: a client on a maintenance network ([web] trusted_networks),
    // let through to GET /metrics only (web/console_handler.cpp).
    bool trusted_network = false;

    bool isAdmin() const { return role == Role::admin; }
    // Admins may touch every domain; a domain administrator only its own.
    bool mayDomain(long long domain_id) const;
    bool mayDomainName(const std::string& name) const;  // case-insensitive
    // Throws HttpError(403) unless isAdmin().
    void requireAdmin() const;
    // Throws HttpError(404) unless mayDomain(): another domain's data is
    // indistinguishable from data that does not exist.
    void requireDomain(long long domain_id) const;
};

const char* roleName(Role role);  // "admin" | "domain_admin"

}  // namespace moat::web
