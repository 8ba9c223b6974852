#include "api/access.h"

#include <Poco/JSON/Array.h>

#include <sstream>

#include "store/audit_log.h"

namespace moat::api {

std::string scopeJson(const web::Principal& principal) {
    Poco::JSON::Array names;
    if (!principal.isAdmin())
        for (const auto& d : principal.domains) names.add(d);
    std::ostringstream os;
    names.stringify(os);
    return os.str();
}

void auditChange(Poco::Data::Session& session, const web::Principal& principal,
                 const web::Request& request, std::string_view action, std::string_view target,
                 std::string_view detail) {
    store::audit(session, principal.name, request.client_ip, action, target, detail);
}

}  // namespace moat::api
