// /api/v1/audit: who changed what, newest first, paged by id
// (docs/console-api.md "Users and tokens"). Administrators only.
#include <Poco/JSON/Array.h>

#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "store/audit_log.h"
#include "store/store.h"

namespace moat::api {
namespace {

web::Response list(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    principal.requireAdmin();
    auto page = pageParams(request);
    auto session = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& e : store::listAudit(session, page.limit, page.before)) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("id", static_cast<Poco::Int64>(e.id));
        o->set("ts", static_cast<Poco::Int64>(e.ts));
        o->set("user", jsonText(e.user));
        o->set("client_ip", jsonText(e.client_ip));
        o->set("action", jsonText(e.action));
        o->set("target", jsonText(e.target));
        o->set("detail", jsonText(e.detail));
        out->add(o);
    }
    return web::Response::json(200, out);
}

}  // namespace

void registerAuditApi(web::Router& router) {
    router.add("GET", "/api/v1/audit", list);
}

}  // namespace moat::api
