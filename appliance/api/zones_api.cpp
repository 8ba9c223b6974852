// /api/v1/zones: the DNS zones the checks query (IP, domain and URI
// blocklists, the country zone), listed, added and removed through
// store/dns_zones (docs/console-api.md "Settings"); /zones/known: the public
// blocklists Moat knows (policy/known_zones), with their terms of use and
// whether each is in use, for the setup wizard. Administrators only.
#include <Poco/JSON/Array.h>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "policy/known_zones.h"
#include "store/dns_zones.h"
#include "store/store.h"

namespace moat::api {
namespace {

Poco::JSON::Object::Ptr zoneJson(const store::DnsZone& z) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(z.id));
    o->set("kind", z.kind);
    o->set("zone", z.zone);
    o->set("weight", z.weight);
    o->set("mask", z.mask);
    o->set("url", jsonText(z.url));
    o->set("note", jsonText(z.note));
    o->set("created", static_cast<Poco::Int64>(z.created));
    return o;
}

web::Response list(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& z : store::listDnsZones(session)) out->add(zoneJson(z));
    return web::Response::json(200, out);
}

web::Response known(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    auto zones = store::listDnsZones(session);
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& k : policy::knownZones()) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("name", std::string(k.name));
        o->set("kind", std::string(k.kind));
        o->set("zone", std::string(k.zone));
        o->set("lists", std::string(k.lists));
        o->set("terms", std::string(k.terms));
        o->set("weight", k.weight);
        o->set("mask", std::string(k.mask));
        o->set("url", std::string(k.url));
        bool added = false;
        for (const auto& z : zones) added = added || (z.kind == k.kind && z.zone == k.zone);
        o->set("added", added);
        out->add(o);
    }
    return web::Response::json(200, out);
}

web::Response add(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    std::string kind = requireString(body, "kind"), zone = requireString(body, "zone");
    double weight = optNumber(body, "weight").value_or(5);
    std::string mask = optString(body, "mask").value_or(""),
                url = optString(body, "url").value_or(""),
                note = optString(body, "note").value_or("");
    auto session = ctx.store.connect();
    auto z = store::addDnsZone(session, kind, zone, weight, mask, url, note);
    auditChange(session, principal, request, "zone.add", z.kind + " " + z.zone,
                "weight " + std::to_string(z.weight) + (z.mask.empty() ? "" : ", mask " + z.mask));
    return web::Response::json(201, zoneJson(z));
}

web::Response remove(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    for (const auto& z : store::listDnsZones(session)) {
        if (z.id != id) continue;
        store::removeDnsZone(session, z.kind, z.zone);
        auditChange(session, principal, request, "zone.remove", z.kind + " " + z.zone);
        return web::Response::noContent();
    }
    throw web::HttpError(404, "not found");
}

}  // namespace

void registerZonesApi(web::Router& router) {
    router.add("GET", "/api/v1/zones", list);
    router.add("GET", "/api/v1/zones/known", known);
    router.add("POST", "/api/v1/zones", add);
    router.add("DELETE", "/api/v1/zones/{id}", remove);
}

}  // namespace moat::api
