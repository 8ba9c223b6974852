// /api/v1/settings: the global policy settings with their specs (type, range,
// choices, description), set and reset (docs/console-api.md "Settings").
// Values are validated by policy::validateSetting (422 naming the range);
// per-domain overrides are edited through /domains. Administrators only.
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "policy/settings.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::api {
namespace {

const char* typeName(policy::SettingSpec::Type t) {
    using T = policy::SettingSpec::Type;
    switch (t) {
        case T::boolean:
            return "boolean";
        case T::integer:
            return "integer";
        case T::seconds:
            return "seconds";
        case T::choice:
            return "choice";
        case T::number:
            return "number";
        case T::list:
            return "list";
        case T::text:
            return "text";
    }
    return "text";
}

Poco::JSON::Object::Ptr settingJson(const policy::SettingSpec& spec,
                                    const policy::Settings& settings) {
    using T = policy::SettingSpec::Type;
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("key", std::string(spec.key));
    o->set("type", typeName(spec.type));
    o->set("value", jsonText(settings.get(policy::SettingKey::named(spec.key))));
    o->set("default", std::string(spec.default_value));
    o->set("description", std::string(spec.description));
    if (spec.choices.empty()) {
        o->set("choices", Poco::Dynamic::Var());
    } else {
        Poco::JSON::Array::Ptr choices = new Poco::JSON::Array;
        std::string_view rest = spec.choices;
        while (true) {
            auto bar = rest.find('|');
            choices->add(std::string(rest.substr(0, bar)));
            if (bar == std::string_view::npos) break;
            rest.remove_prefix(bar + 1);
        }
        o->set("choices", choices);
    }
    bool ranged = spec.type == T::integer || spec.type == T::seconds || spec.type == T::number;
    o->set("min",
           ranged ? Poco::Dynamic::Var(static_cast<Poco::Int64>(spec.min)) : Poco::Dynamic::Var());
    o->set("max", ranged || spec.type == T::text
                      ? Poco::Dynamic::Var(static_cast<Poco::Int64>(spec.max))
                      : Poco::Dynamic::Var());
    return o;
}

const policy::SettingSpec& specOr404(const web::Request& request) {
    const auto* spec = policy::findSetting(request.params.at(0));
    if (!spec) throw web::HttpError(404, "no such setting");
    return *spec;
}

web::Response list(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    auto settings = policy::Settings::load(session);
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& spec : policy::settingSpecs()) out->add(settingJson(spec, settings));
    return web::Response::json(200, out);
}

web::Response get(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    principal.requireAdmin();
    const auto& spec = specOr404(request);
    auto session = ctx.store.connect();
    return web::Response::json(200, settingJson(spec, policy::Settings::load(session)));
}

web::Response set(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    principal.requireAdmin();
    const auto& spec = specOr404(request);
    std::string value = settingText(request.jsonBody(), "value");
    std::string canonical = policy::validateSetting(spec.key, value);
    auto session = ctx.store.connect();
    policy::setGlobalSetting(session, spec.key, canonical);
    auditChange(session, principal, request, "setting.set", spec.key, canonical);
    return web::Response::json(200, settingJson(spec, policy::Settings::load(session)));
}

web::Response reset(const web::Request& request, const web::Principal& principal,
                    web::ApiContext& ctx) {
    principal.requireAdmin();
    const auto& spec = specOr404(request);
    auto session = ctx.store.connect();
    if (policy::unsetGlobalSetting(session, spec.key))
        auditChange(session, principal, request, "setting.reset", spec.key,
                    std::string(spec.default_value));
    return web::Response::json(200, settingJson(spec, policy::Settings::load(session)));
}

}  // namespace

void registerSettingsApi(web::Router& router) {
    router.add("GET", "/api/v1/settings", list);
    router.add("GET", "/api/v1/settings/{key}", get);
    router.add("PUT", "/api/v1/settings/{key}", set);
    router.add("DELETE", "/api/v1/settings/{key}", reset);
}

}  // namespace moat::api
