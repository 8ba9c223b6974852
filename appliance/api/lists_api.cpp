// /api/v1/lists: the white/black lists, global (domain_id 0, administrators
// only) and per domain (its administrators too), with hit counts and bulk
// paste (docs/console-api.md "Black/white lists"). An entry id is always
// looked up and its scope checked: another domain's entry, or a global one
// for a domain administrator, is 404 like one that does not exist.
#include <Poco/JSON/Array.h>

#include <limits>
#include <sstream>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "store/domains.h"
#include "store/list_entries.h"
#include "store/store.h"

namespace moat::api {
namespace {

Poco::JSON::Object::Ptr entryJson(const store::ListEntry& e, const std::string& domain) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(e.id));
    o->set("domain_id", static_cast<Poco::Int64>(e.domain_id));
    o->set("domain", domain);
    o->set("list", e.list);
    o->set("kind", e.kind);
    o->set("value", jsonText(e.value));
    o->set("subdomains", e.subdomains);
    o->set("note", jsonText(e.note));
    o->set("created", static_cast<Poco::Int64>(e.created));
    o->set("hits", static_cast<Poco::Int64>(e.hits));
    o->set("last_hit", static_cast<Poco::Int64>(e.last_hit));
    return o;
}

// The scope a request names: 0 (global, administrators only) or a domain the
// principal may touch; returns the domain's name ("" for global).
std::string checkScope(Poco::Data::Session& session, const web::Principal& principal,
                       long long domain_id) {
    if (domain_id == 0) {
        principal.requireAdmin();
        return "";
    }
    principal.requireDomain(domain_id);
    auto d = store::findDomainById(session, domain_id);
    if (!d) throw web::HttpError(404, "no such domain");
    return d->name;
}

// An entry the principal may touch, or 404.
std::pair<store::ListEntry, std::string> entryOr404(Poco::Data::Session& session,
                                                    const web::Principal& principal, long long id) {
    auto e = store::findListEntry(session, id);
    if (!e || !principal.mayDomain(e->domain_id) || (e->domain_id == 0 && !principal.isAdmin()))
        throw web::HttpError(404, "not found");
    std::string domain;
    if (e->domain_id) {
        auto d = store::findDomainById(session, e->domain_id);
        if (d) domain = d->name;
    }
    return {*e, domain};
}

std::string scopeName(const std::string& domain) {
    return domain.empty() ? "global" : domain;
}

web::Response list(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    long long domain_id =
        queryInteger(request, "domain_id", 0, 0, std::numeric_limits<long long>::max());
    std::string list_name = request.queryValue("list");
    auto session = ctx.store.connect();
    std::string domain = checkScope(session, principal, domain_id);
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& e : store::listListEntries(session, domain_id, list_name))
        out->add(entryJson(e, domain));
    return web::Response::json(200, out);
}

web::Response get(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto [e, domain] = entryOr404(session, principal, web::idParam(request));
    return web::Response::json(200, entryJson(e, domain));
}

web::Response add(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    auto body = request.jsonBody();
    long long domain_id = optInteger(body, "domain_id").value_or(0);
    std::string list = requireString(body, "list"), kind = requireString(body, "kind"),
                value = requireString(body, "value"), note = optString(body, "note").value_or("");
    bool subdomains = optBool(body, "subdomains").value_or(false);
    auto session = ctx.store.connect();
    std::string domain = checkScope(session, principal, domain_id);
    auto e = store::addListEntry(session, domain_id, list, kind, value, subdomains, note);
    auditChange(session, principal, request, "list.add", scopeName(domain),
                e.list + " " + e.kind + " " + (e.subdomains ? "*." : "") + e.value + " (entry " +
                    std::to_string(e.id) + ")");
    return web::Response::json(201, entryJson(e, domain));
}

web::Response bulk(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    auto body = request.jsonBody();
    long long domain_id = optInteger(body, "domain_id").value_or(0);
    std::string list = requireString(body, "list"), kind = requireString(body, "kind"),
                values = requireString(body, "values"), note = optString(body, "note").value_or("");
    auto session = ctx.store.connect();
    std::string domain = checkScope(session, principal, domain_id);
    std::vector<std::string> lines;
    std::istringstream in(values);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    std::vector<std::string> errors;
    auto added = store::addListEntries(session, domain_id, list, kind, lines, note, errors);
    auditChange(session, principal, request, "list.bulk_add", scopeName(domain),
                list + " " + kind + ": " + std::to_string(added) + " added, " +
                    std::to_string(errors.size()) + " refused");
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("added", static_cast<Poco::Int64>(added));
    Poco::JSON::Array::Ptr errs = new Poco::JSON::Array;
    for (const auto& e : errors) errs->add(jsonText(e));
    o->set("errors", errs);
    return web::Response::json(200, o);
}

web::Response update(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    long long id = web::idParam(request);
    auto [e, domain] = entryOr404(session, principal, id);
    auto body = request.jsonBody();
    std::string note = requireString(body, "note");
    store::setListEntryNote(session, id, note);
    auditChange(session, principal, request, "list.note", scopeName(domain),
                "entry " + std::to_string(id) + " (" + e.value + "): " + note);
    auto [changed, name] = entryOr404(session, principal, id);
    return web::Response::json(200, entryJson(changed, name));
}

web::Response remove(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    long long id = web::idParam(request);
    auto [e, domain] = entryOr404(session, principal, id);
    store::removeListEntry(session, id);
    auditChange(session, principal, request, "list.remove", scopeName(domain),
                e.list + " " + e.kind + " " + e.value + " (entry " + std::to_string(id) + ")");
    return web::Response::noContent();
}

}  // namespace

void registerListsApi(web::Router& router) {
    router.add("GET", "/api/v1/lists", list);
    router.add("POST", "/api/v1/lists", add);
    router.add("POST", "/api/v1/lists/bulk", bulk);
    router.add("GET", "/api/v1/lists/{id}", get);
    router.add("PUT", "/api/v1/lists/{id}", update);
    router.add("DELETE", "/api/v1/lists/{id}", remove);
}

}  // namespace moat::api
