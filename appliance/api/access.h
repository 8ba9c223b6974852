// What every handler needs besides its resource: the scope of a domain
// administrator as SQL can bind it, and the audit row each change writes.
// Handlers still decide access themselves (Principal::requireAdmin /
// requireDomain, or the scope in their WHERE clause): this only spells it once.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <string_view>

#include "api/json_fields.h"
#include "web/http.h"
#include "web/principal.h"

namespace moat::api {

// The principal's domain names as a JSON array for `IN (SELECT value FROM
// json_each(?))`; "[]" for an administrator (who is not restricted).
std::string scopeJson(const web::Principal& principal);

// The addresses a principal may see in a log or archive row: all for an
// administrator, its domains' for a domain administrator.
class PrincipalAddresses : public AddressFilter {
  public:
    explicit PrincipalAddresses(const web::Principal& principal) : principal_(principal) {}
    bool allows(std::string_view domain) const override {
        return principal_.isAdmin() || principal_.mayDomainName(std::string(domain));
    }

  private:
    const web::Principal& principal_;
};

// One audit_log row for a change made through the API.
void auditChange(Poco::Data::Session& session, const web::Principal& principal,
                 const web::Request& request, std::string_view action, std::string_view target,
                 std::string_view detail = {});

}  // namespace moat::api
