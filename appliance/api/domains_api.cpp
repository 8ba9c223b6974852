// /api/v1/domains: the protected domains with their backend and the per-domain
// settings the Domains page edits (docs/console-api.md "Domains"). Reading is
// open to a domain administrator for its own domains; every change is admin only.
#include <Poco/JSON/Array.h>

#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "config/config.h"
#include "policy/settings.h"
#include "store/domains.h"
#include "store/store.h"
#include "store/valid_addresses.h"
#include "store/write_transaction.h"

namespace moat::api {
namespace {

// Domain JSON field -> per-domain setting key.
struct SettingField {
    const char* field;
    policy::SettingKey key;
    bool boolean;
};
constexpr SettingField kSettingFields[] = {
    {"filtering", "filtering.enabled", true},
    {"smtp_validation", "validation.smtp", true},
    {"list_validation", "validation.list", true},
    {"reject_nonvalidated", "validation.reject_nonvalidated", true},
    {"whitelist_only", "whitelist_only.enabled", true},
    {"tag_score", "content.tag_score", false},
    {"reject_score", "content.reject_score", false},
};

std::string backendText(const store::Domain& d) {
    bool v6 = d.backend_host.find(':') != std::string::npos;
    return (v6 ? "[" + d.backend_host + "]" : d.backend_host) + ":" +
           std::to_string(d.backend_port);
}

Poco::JSON::Object::Ptr domainJson(Poco::Data::Session& session, const policy::Settings& settings,
                                   const store::Domain& d) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(d.id));
    o->set("name", d.name);
    o->set("backend", backendText(d));
    o->set("created", static_cast<Poco::Int64>(d.created));
    for (const auto& f : kSettingFields) {
        if (f.boolean)
            o->set(f.field, settings.boolean(f.key, d.name));
        else
            o->set(f.field, settings.number(f.key, d.name));
    }
    o->set("valid_addresses", static_cast<Poco::Int64>(store::countValidAddresses(session, d.id)));
    return o;
}

// The settings a body sets (key, canonical value) and those it resets to the
// global value (a field given as null), validated before anything is written.
struct SettingChanges {
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<std::string> unset;
};

SettingChanges settingChanges(const Poco::JSON::Object::Ptr& body) {
    SettingChanges c;
    for (const auto& f : kSettingFields) {
        if (isNullField(body, f.field)) {
            c.unset.emplace_back(f.key.name());
        } else if (f.boolean) {
            if (auto b = optBool(body, f.field)) c.set.emplace_back(f.key.name(), *b ? "yes" : "no");
        } else if (auto n = optNumber(body, f.field)) {
            std::ostringstream os;
            os.precision(15);
            os << *n;
            c.set.emplace_back(f.key.name(), policy::validateSetting(f.key.name(), os.str()));
        }
    }
    return c;
}

void apply(Poco::Data::Session& session, const std::string& domain, const SettingChanges& c) {
    for (const auto& [key, value] : c.set) policy::setDomainSetting(session, domain, key, value);
    for (const auto& key : c.unset) policy::unsetDomainSetting(session, domain, key);
}

std::string describe(const SettingChanges& c) {
    std::string out;
    for (const auto& [key, value] : c.set) out += (out.empty() ? "" : ", ") + key + "=" + value;
    for (const auto& key : c.unset) out += (out.empty() ? "" : ", ") + key + " reset";
    return out;
}

store::Domain domainOr404(Poco::Data::Session& session, long long id) {
    auto d = store::findDomainById(session, id);
    if (!d) throw web::HttpError(404, "not found");
    return *d;
}

web::Response list(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto settings = policy::Settings::load(session);
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& d : store::listDomains(session))
        if (principal.mayDomain(d.id)) out->add(domainJson(session, settings, d));
    return web::Response::json(200, out);
}

web::Response get(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    long long id = web::idParam(request);
    principal.requireDomain(id);
    auto session = ctx.store.connect();
    auto d = domainOr404(session, id);
    return web::Response::json(200, domainJson(session, policy::Settings::load(session), d));
}

web::Response create(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    std::string name = requireString(body, "name");
    auto backend = config::parseHostPort(requireString(body, "backend"), 25);
    auto changes = settingChanges(body);
    auto session = ctx.store.connect();
    store::Domain d;
    {
        store::WriteTransaction tx(session);
        d = store::addDomain(session, name, backend.host, backend.port);
        apply(session, d.name, changes);
        auditChange(
            session, principal, request, "domain.add", d.name,
            "backend " + backendText(d) + (changes.set.empty() ? "" : "; " + describe(changes)));
        tx.commit();
    }
    return web::Response::json(201, domainJson(session, policy::Settings::load(session), d));
}

web::Response update(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    long long id = web::idParam(request);
    auto body = request.jsonBody();
    auto session = ctx.store.connect();
    auto d = domainOr404(session, id);
    if (auto name = optString(body, "name"); name && store::normaliseDomainName(*name) != d.name)
        throw web::HttpError(422,
                             "a domain cannot be renamed; add the new name and remove the old one");
    std::optional<config::HostPort> backend;
    if (auto text = optString(body, "backend")) backend = config::parseHostPort(*text, 25);
    auto changes = settingChanges(body);
    {
        store::WriteTransaction tx(session);
        std::string detail = describe(changes);
        if (backend) {
            store::setDomainBackend(session, id, backend->host, backend->port);
            detail = "backend " + backend->host + ":" + std::to_string(backend->port) +
                     (detail.empty() ? "" : "; " + detail);
        }
        apply(session, d.name, changes);
        auditChange(session, principal, request, "domain.update", d.name, detail);
        tx.commit();
    }
    return web::Response::json(
        200, domainJson(session, policy::Settings::load(session), domainOr404(session, id)));
}

web::Response remove(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    auto d = domainOr404(session, id);
    store::WriteTransaction tx(session);
    store::removeDomain(session,
                        d.name);  // triggers drop its lists, valid addresses and users' grants
    auditChange(session, principal, request, "domain.remove", d.name);
    tx.commit();
    return web::Response::noContent();
}

}  // namespace

void registerDomainsApi(web::Router& router) {
    router.add("GET", "/api/v1/domains", list);
    router.add("POST", "/api/v1/domains", create);
    router.add("GET", "/api/v1/domains/{id}", get);
    router.add("PUT", "/api/v1/domains/{id}", update);
    router.add("DELETE", "/api/v1/domains/{id}", remove);
}

}  // namespace moat::api
