#include "policy/settings.h"

#include "store/domains.h"

#include <Poco/Data/Statement.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <charconv>
#include <sstream>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace moat::policy {

const std::vector<SettingSpec>& settingSpecs() {
    using T = SettingSpec::Type;
    static const std::vector<SettingSpec> specs = {
        {"greylist.enabled", T::boolean, "no", 0, 0,
         "ask first-time senders to retry later (451 4.7.1); real mail servers do, most spam engines never"},
        {"greylist.delay", T::seconds, "300", 0, 86400, "seconds a first-time triplet must wait before a retry passes"},
        {"greylist.window", T::seconds, "14400", 60, 7 * 86400,
         "seconds after the first attempt during which a retry passes"},
        {"greylist.remember", T::seconds, "3110400", 3600, 366 * 86400,
         "seconds a passed triplet is remembered (36 days)"},
        {"greylist.auto_whitelist_passes", T::integer, "10", 0, 1000000,
         "passes after which a client network skips greylisting (0: never)"},
    };
    return specs;
}

const SettingSpec* findSetting(std::string_view key) {
    for (const auto& s : settingSpecs())
        if (s.key == key) return &s;
    return nullptr;
}

std::string validateSetting(std::string_view key, std::string_view value) {
    const SettingSpec* spec = findSetting(key);
    if (!spec) throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
    std::string v = Poco::toLower(Poco::trim(std::string(value)));
    if (spec->type == SettingSpec::Type::boolean) {
        if (v == "yes" || v == "on" || v == "true" || v == "1") return "yes";
        if (v == "no" || v == "off" || v == "false" || v == "0") return "no";
        throw std::invalid_argument(std::string(key) + ": expected yes or no");
    }
    long long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    long long mult = 1;
    std::string_view rest(p, static_cast<std::size_t>(v.data() + v.size() - p));
    if (spec->type == SettingSpec::Type::seconds && rest.size() == 1) {
        switch (rest[0]) {
            case 's': mult = 1; break;
            case 'm': mult = 60; break;
            case 'h': mult = 3600; break;
            case 'd': mult = 86400; break;
            default: mult = 0;
        }
        rest = {};
    }
    if (v.empty() || ec != std::errc() || !rest.empty() || mult == 0)
        throw std::invalid_argument(std::string(key) + ": expected a number" +
                                    (spec->type == SettingSpec::Type::seconds ? " of seconds (or with s, m, h, d)" : ""));
    n *= mult;
    if (n < spec->min || n > spec->max)
        throw std::invalid_argument(std::string(key) + ": must be between " + std::to_string(spec->min) + " and " +
                                    std::to_string(spec->max));
    return std::to_string(n);
}

namespace {

std::map<std::string, std::string> parseOptions(const std::string& json) {
    std::map<std::string, std::string> out;
    try {
        Poco::JSON::Parser parser;
        auto obj = parser.parse(json.empty() ? "{}" : json).extract<Poco::JSON::Object::Ptr>();
        for (const auto& [k, v] : *obj)
            if (findSetting(k)) out[k] = v.toString();
    } catch (const Poco::Exception&) {
        // A damaged options field means no overrides; the global values apply.
    }
    return out;
}

std::string domainOptions(Poco::Data::Session& session, std::string_view domain, std::string& name) {
    auto d = store::findDomain(session, domain);
    if (!d) throw std::invalid_argument("no such domain '" + std::string(domain) + "'");
    name = d->name;
    return d->options;
}

void writeOptions(Poco::Data::Session& session, const std::string& name, const std::map<std::string, std::string>& m) {
    Poco::JSON::Object obj;
    for (const auto& [k, v] : m) obj.set(k, v);
    std::ostringstream os;
    obj.stringify(os);
    std::string json = os.str();
    session << "UPDATE domains SET options = ? WHERE name = ?", use(json), bind(name), now;
}

}  // namespace

Settings Settings::load(Poco::Data::Session& session) {
    std::vector<std::string> keys, values, names, options;
    session << "SELECT key, value FROM settings", into(keys), into(values), now;
    session << "SELECT name, options FROM domains", into(names), into(options), now;
    std::map<std::string, std::string> global;
    for (std::size_t i = 0; i < keys.size(); ++i) global[keys[i]] = values[i];
    std::map<std::string, std::map<std::string, std::string>> per_domain;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto o = parseOptions(options[i]);
        if (!o.empty()) per_domain[Poco::toLower(names[i])] = std::move(o);
    }
    return Settings(std::move(global), std::move(per_domain));
}

std::string Settings::get(std::string_view key, std::string_view domain) const {
    if (!domain.empty()) {
        auto d = per_domain_.find(Poco::toLower(std::string(domain)));
        if (d != per_domain_.end()) {
            auto it = d->second.find(std::string(key));
            if (it != d->second.end()) return it->second;
        }
    }
    auto it = global_.find(std::string(key));
    if (it != global_.end()) return it->second;
    const SettingSpec* spec = findSetting(key);
    if (!spec) throw std::logic_error("unknown setting " + std::string(key));
    return std::string(spec->default_value);
}

bool Settings::boolean(std::string_view key, std::string_view domain) const { return get(key, domain) == "yes"; }

long long Settings::integer(std::string_view key, std::string_view domain) const {
    std::string v = get(key, domain);
    long long n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

void setGlobalSetting(Poco::Data::Session& session, std::string_view key, std::string_view value) {
    std::string k(key), v = validateSetting(key, value);
    session << "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        use(k), use(v), now;
}

bool unsetGlobalSetting(Poco::Data::Session& session, std::string_view key) {
    std::string k(key);
    session << "DELETE FROM settings WHERE key = ?", use(k), now;
    int changed = 0;
    session << "SELECT changes()", into(changed), now;
    return changed > 0;
}

void setDomainSetting(Poco::Data::Session& session, std::string_view domain, std::string_view key,
                      std::string_view value) {
    std::string v = validateSetting(key, value), name;
    auto m = parseOptions(domainOptions(session, domain, name));
    m[std::string(key)] = v;
    writeOptions(session, name, m);
}

bool unsetDomainSetting(Poco::Data::Session& session, std::string_view domain, std::string_view key) {
    std::string name;
    auto m = parseOptions(domainOptions(session, domain, name));
    if (!m.erase(std::string(key))) return false;
    writeOptions(session, name, m);
    return true;
}

}  // namespace moat::policy
