// /api/v1/relay-networks and /api/v1/pop-relayers: who may relay through the
// gateway (docs/console-api.md "Relays"). Administrators only.
#include <Poco/JSON/Array.h>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "store/pop_relayers.h"
#include "store/relay_networks.h"
#include "store/store.h"

namespace moat::api {
namespace {

Poco::JSON::Object::Ptr networkJson(const store::RelayNetwork& n) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(n.id));
    o->set("cidr", n.cidr);
    o->set("note", jsonText(n.note));
    o->set("created", static_cast<Poco::Int64>(n.created));
    return o;
}

Poco::JSON::Object::Ptr relayerJson(const store::PopRelayer& r) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("ip", r.ip);
    o->set("ts", static_cast<Poco::Int64>(r.ts));
    return o;
}

web::Response listNetworks(const web::Request&, const web::Principal& principal,
                           web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& n : store::listRelayNetworks(session)) out->add(networkJson(n));
    return web::Response::json(200, out);
}

web::Response addNetwork(const web::Request& request, const web::Principal& principal,
                         web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    std::string cidr = requireString(body, "cidr"), note = optString(body, "note").value_or("");
    auto session = ctx.store.connect();
    auto n = store::addRelayNetwork(session, cidr, note);
    auditChange(session, principal, request, "relay_network.add", n.cidr, note);
    return web::Response::json(201, networkJson(n));
}

web::Response removeNetwork(const web::Request& request, const web::Principal& principal,
                            web::ApiContext& ctx) {
    principal.requireAdmin();
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    for (const auto& n : store::listRelayNetworks(session)) {
        if (n.id != id) continue;
        store::removeRelayNetwork(session, n.cidr);
        auditChange(session, principal, request, "relay_network.remove", n.cidr);
        return web::Response::noContent();
    }
    throw web::HttpError(404, "not found");
}

web::Response listRelayers(const web::Request&, const web::Principal& principal,
                           web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& r : store::listPopRelayers(session)) out->add(relayerJson(r));
    return web::Response::json(200, out);
}

web::Response addRelayer(const web::Request& request, const web::Principal& principal,
                         web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    std::string ip = requireString(body, "ip");
    auto session = ctx.store.connect();
    auto r = store::addPopRelayer(session, ip, store::nowSeconds());
    auditChange(session, principal, request, "pop_relayer.add", r.ip);
    return web::Response::json(201, relayerJson(r));
}

web::Response removeRelayer(const web::Request& request, const web::Principal& principal,
                            web::ApiContext& ctx) {
    principal.requireAdmin();
    const std::string& ip = request.params.at(0);
    auto session = ctx.store.connect();
    if (!store::deletePopRelayer(session, ip)) throw web::HttpError(404, "not found");
    auditChange(session, principal, request, "pop_relayer.remove", ip);
    return web::Response::noContent();
}

}  // namespace

void registerRelaysApi(web::Router& router) {
    router.add("GET", "/api/v1/relay-networks", listNetworks);
    router.add("POST", "/api/v1/relay-networks", addNetwork);
    router.add("DELETE", "/api/v1/relay-networks/{id}", removeNetwork);
    router.add("GET", "/api/v1/pop-relayers", listRelayers);
    router.add("POST", "/api/v1/pop-relayers", addRelayer);
    router.add("DELETE", "/api/v1/pop-relayers/{ip}", removeRelayer);
}

}  // namespace moat::api
