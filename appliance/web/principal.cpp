#include "web/principal.h"

#include "web/http.h"

#include <Poco/String.h>

#include <algorithm>

namespace moat::web {

bool Principal::mayDomain(long long domain_id) const {
    if (isAdmin()) return true;
    return std::find(domain_ids.begin(), domain_ids.end(), domain_id) != domain_ids.end();
}

bool Principal::mayDomainName(const std::string& name) const {
    if (isAdmin()) return true;
    auto lower = Poco::toLower(name);
    return std::find(domains.begin(), domains.end(), lower) != domains.end();
}

void Principal::requireAdmin() const {
    if (!isAdmin()) throw HttpError(403, "this needs an administrator");
}

void Principal::requireDomain(long long domain_id) const {
    if (!mayDomain(domain_id)) throw HttpError(404, "not found");
}

const char* roleName(Role role) { return role == Role::admin ? "admin" : "domain_admin"; }

}  // namespace moat::web
