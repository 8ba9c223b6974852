// /api/v1/domains/{id}/valid-addresses: a domain's recipient list, read and
// replaced by pasting (docs/console-api.md "Valid addresses"). The paste is
// read by policy::parseAddressList, the same normaliser moatctl uses; a
// replace happens in one transaction, and — as in moatctl — removes nothing
// when some pasted items could not be read, so a garbled paste cannot empty
// the list.
#include <Poco/JSON/Array.h>

#include <limits>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "policy/address_list.h"
#include "store/domains.h"
#include "store/store.h"
#include "store/valid_addresses.h"


namespace moat::api {
namespace {

store::Domain domainFor(Poco::Data::Session& session, const web::Request& request,
                        const web::Principal& principal) {
    long long id = web::idParam(request);
    principal.requireDomain(id);
    auto d = store::findDomainById(session, id);
    if (!d) throw web::HttpError(404, "not found");
    return *d;
}

web::Response list(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto d = domainFor(session, request, principal);
    std::string pattern = likeEscape(request.queryValue("q"));
    long long limit = queryInteger(request, "limit", 1000, 1, 100000);
    long long offset = queryInteger(request, "offset", 0, 0, std::numeric_limits<int>::max());
    auto addresses = store::searchValidAddresses(session, d.id, pattern, limit, offset);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("count", static_cast<Poco::Int64>(store::countValidAddresses(session, d.id)));
    o->set("matched", static_cast<Poco::Int64>(store::countMatchingValidAddresses(session, d.id, pattern)));
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    for (const auto& address : addresses) a->add(jsonText(address));
    o->set("addresses", a);
    return web::Response::json(200, o);
}

web::Response paste(const web::Request& request, const web::Principal& principal,
                    web::ApiContext& ctx, bool replace) {
    auto body = request.jsonBody();
    std::string text = requireString(body, "text");
    auto session = ctx.store.connect();
    auto d = domainFor(session, request, principal);

    auto parsed = policy::parseAddressList(text);
    std::vector<std::string> addresses;
    for (const auto& a : parsed.addresses) addresses.push_back(a.address);
    Poco::JSON::Array::Ptr errors = new Poco::JSON::Array;
    for (const auto& e : parsed.errors)
        errors->add(jsonText("line " + std::to_string(e.line) + ": '" + e.text + "': " + e.reason));
    bool replaced = replace && parsed.errors.empty();
    auto r = store::pasteValidAddresses(session, d.id, addresses, replaced);
    for (const auto& [index, why] : r.errors)
        errors->add(jsonText("line " + std::to_string(parsed.addresses[index].line) + ": " + why));
    if (replace && !replaced) errors->add("nothing removed because some lines could not be read");

    auto count = store::countValidAddresses(session, d.id);
    auditChange(session, principal, request, replace ? "valid.replace" : "valid.add", d.name,
                std::to_string(r.added) + " added, " + std::to_string(r.removed) + " removed, " +
                    std::to_string(errors->size()) + " errors, " + std::to_string(count) +
                    " listed");
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("count", static_cast<Poco::Int64>(count));
    o->set("added", static_cast<Poco::Int64>(r.added));
    o->set("removed", static_cast<Poco::Int64>(r.removed));
    o->set("errors", errors);
    return web::Response::json(200, o);
}

web::Response replace(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    return paste(request, principal, ctx, true);
}

web::Response add(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    return paste(request, principal, ctx, false);
}

web::Response clear(const web::Request& request, const web::Principal& principal,
                    web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto d = domainFor(session, request, principal);
    auto r = store::pasteValidAddresses(session, d.id, {}, true);
    auditChange(session, principal, request, "valid.clear", d.name,
                std::to_string(r.removed) + " removed");
    return web::Response::noContent();
}

}  // namespace

void registerValidAddressesApi(web::Router& router) {
    router.add("GET", "/api/v1/domains/{id}/valid-addresses", list);
    router.add("PUT", "/api/v1/domains/{id}/valid-addresses", replace);
    router.add("POST", "/api/v1/domains/{id}/valid-addresses", add);
    router.add("DELETE", "/api/v1/domains/{id}/valid-addresses", clear);
}

}  // namespace moat::api
