#include "policy/settings.h"

#include "net/cidr.h"

#include "policy/countries.h"
#include "store/domains.h"
#include "store/settings_table.h"

#include <Poco/Data/Statement.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>

#include <charconv>
#include <sstream>
#include <stdexcept>


namespace moat::policy {

namespace {
bool isChoice(std::string_view choices, std::string_view v) {
    while (!choices.empty()) {
        auto bar = choices.find('|');
        if (choices.substr(0, bar) == v) return true;
        if (bar == std::string_view::npos) break;
        choices.remove_prefix(bar + 1);
    }
    return false;
}
}  // namespace

const std::vector<SettingSpec>& settingSpecs() {
    static const std::vector<SettingSpec> specs(std::begin(kSettingSpecs), std::end(kSettingSpecs));
    return specs;
}

const SettingSpec* findSetting(std::string_view key) { return findSettingSpec(key); }

std::string validateSetting(std::string_view key, std::string_view value) {
    const SettingSpec* spec = findSetting(key);
    if (!spec) throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
    if (spec->type == SettingSpec::Type::text) {
        std::string t = Poco::trim(std::string(value));
        if (t.size() > static_cast<std::size_t>(spec->max))
            throw std::invalid_argument(std::string(key) + ": at most " + std::to_string(spec->max) + " characters");
        for (unsigned char c : t)
            if (c < 0x20 || c > 0x7e)
                throw std::invalid_argument(std::string(key) + ": printable ASCII characters only");
        return t;
    }
    std::string v = Poco::toLower(Poco::trim(std::string(value)));
    if (spec->type == SettingSpec::Type::boolean) {
        if (v == "yes" || v == "on" || v == "true" || v == "1") return "yes";
        if (v == "no" || v == "off" || v == "false" || v == "0") return "no";
        throw std::invalid_argument(std::string(key) + ": expected yes or no");
    }
    if (spec->type == SettingSpec::Type::choice) {
        if (isChoice(spec->choices, v)) return v;
        std::string shown(spec->choices);
        for (auto& c : shown)
            if (c == '|') c = ',';
        throw std::invalid_argument(std::string(key) + ": expected one of " + shown);
    }
    if (spec->type == SettingSpec::Type::list) {
        std::string out, item;
        std::istringstream in(v);
        while (std::getline(in, item, ',')) {
            std::istringstream words(item);
            std::string w;
            while (words >> w) {
                if (!spec->choices.empty() && !isChoice(spec->choices, w))
                    throw std::invalid_argument(std::string(key) + ": '" + w + "' is not allowed");
                if (key == "country.blocked" && !parseCountry(w))
                    throw std::invalid_argument(std::string(key) + ": '" + w +
                                                "' is not an ISO 3166 country code (e.g. cn or 156)");
                if (key == "firewall.maintenance_networks" || key == "firewall.admin_networks") {
                    auto net = net::Cidr::parse(w);
                    if (!net)
                        throw std::invalid_argument(std::string(key) + ": '" + w +
                                                    "' is not a network (e.g. 192.0.2.0/24 or 2001:db8::/32)");
                    w = net->str();
                }
                if (w.size() > 253) throw std::invalid_argument(std::string(key) + ": item too long");
                out += (out.empty() ? "" : ",") + w;
            }
        }
        return out;
    }
    if (spec->type == SettingSpec::Type::number) {
        double d = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size())
            throw std::invalid_argument(std::string(key) + ": expected a number");
        if (d < static_cast<double>(spec->min) || d > static_cast<double>(spec->max))
            throw std::invalid_argument(std::string(key) + ": must be between " + std::to_string(spec->min) +
                                        " and " + std::to_string(spec->max));
        std::ostringstream os;
        os << d;
        return os.str();
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
    store::setDomainOptions(session, name, os.str());
}

}  // namespace

Settings Settings::load(Poco::Data::Session& session) {
    auto global = store::storedGlobalSettings(session);
    std::map<std::string, std::map<std::string, std::string>> per_domain;
    for (const auto& d : store::listDomains(session)) {
        auto o = parseOptions(d.options);
        if (!o.empty()) per_domain[Poco::toLower(d.name)] = std::move(o);
    }
    return Settings(std::move(global), std::move(per_domain));
}

std::string Settings::get(SettingKey setting, std::string_view domain) const {
    const std::string_view key = setting.name();
    if (!domain.empty()) {
        auto d = per_domain_.find(Poco::toLower(std::string(domain)));
        if (d != per_domain_.end()) {
            auto it = d->second.find(std::string(key));
            if (it != d->second.end()) return it->second;
        }
    }
    auto it = global_.find(std::string(key));
    if (it != global_.end()) return it->second;
    return std::string(findSettingSpec(key)->default_value);  // SettingKey exists only for known keys
}

bool Settings::boolean(SettingKey key, std::string_view domain) const { return get(key, domain) == "yes"; }

long long Settings::integer(SettingKey key, std::string_view domain) const {
    std::string v = get(key, domain);
    long long n = 0;
    std::from_chars(v.data(), v.data() + v.size(), n);
    return n;
}

double Settings::number(SettingKey key, std::string_view domain) const {
    std::string v = get(key, domain);
    double d = 0;
    std::from_chars(v.data(), v.data() + v.size(), d);
    return d;
}

std::vector<std::string> Settings::list(SettingKey key, std::string_view domain) const {
    std::vector<std::string> out;
    std::string v = get(key, domain), item;
    std::istringstream in(v);
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

void setGlobalSetting(Poco::Data::Session& session, std::string_view key, std::string_view value) {
    store::putGlobalSetting(session, std::string(key), validateSetting(key, value));
}

bool unsetGlobalSetting(Poco::Data::Session& session, std::string_view key) {
    return store::deleteGlobalSetting(session, std::string(key));
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
