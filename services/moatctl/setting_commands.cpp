#include "setting_commands.h"

#include <Poco/Data/Statement.h>

#include <iostream>
#include <map>
#include <stdexcept>

#include "policy/settings.h"
#include "store/audit_log.h"
#include "store/domains.h"

using namespace Poco::Data::Keywords;

namespace moat::moatctl {
namespace {

std::string canonicalDomain(Poco::Data::Session& session, const std::optional<std::string>& domain) {
    if (!domain) return "";
    auto d = store::findDomain(session, *domain);
    if (!d) throw std::invalid_argument("no such domain: " + *domain);
    return d->name;
}

}  // namespace

int settingSet(Poco::Data::Session& session, std::string_view key, std::string_view value,
               const std::optional<std::string>& domain) {
    std::string canonical = policy::validateSetting(key, value);
    if (domain) {
        std::string name = canonicalDomain(session, domain);
        policy::setDomainSetting(session, name, key, canonical);
        store::audit(session, "moatctl", "", "setting.set", std::string(key) + " for " + name,
                     canonical);
        std::cout << key << " = " << canonical << " for " << name << "\n";
    } else {
        policy::setGlobalSetting(session, key, canonical);
        store::audit(session, "moatctl", "", "setting.set", key, canonical);
        std::cout << key << " = " << canonical << " (global)\n";
    }
    return 0;
}

int settingUnset(Poco::Data::Session& session, std::string_view key, const std::optional<std::string>& domain) {
    if (!policy::findSetting(key)) throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
    bool removed = domain ? policy::unsetDomainSetting(session, canonicalDomain(session, domain), key)
                          : policy::unsetGlobalSetting(session, key);
    if (removed)
        store::audit(session, "moatctl", "", "setting.reset",
                     std::string(key) + (domain ? " for " + *domain : ""),
                     domain ? "" : std::string(policy::findSetting(key)->default_value));
    std::cout << (removed ? "unset " : "was not set: ") << key << (domain ? " for " + *domain : "") << "\n";
    return 0;
}

int settingShow(Poco::Data::Session& session, std::string_view key, const std::optional<std::string>& domain) {
    if (!key.empty() && !policy::findSetting(key))
        throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
    std::string name = canonicalDomain(session, domain);
    auto settings = policy::Settings::load(session);
    auto global = policy::Settings::load(session);
    for (const auto& spec : policy::settingSpecs()) {
        if (!key.empty() && spec.key != key) continue;
        std::string value = settings.get(policy::SettingKey::named(spec.key), name);
        std::string global_value = global.get(policy::SettingKey::named(spec.key));
        std::string source = value == std::string(spec.default_value) && global_value == value ? "default"
                             : !name.empty() && value != global_value                         ? "domain"
                                                                                               : "global";
        std::cout << spec.key << " " << value << " (" << source << ")  " << spec.description << "\n";
    }
    return 0;
}

}  // namespace moat::moatctl
