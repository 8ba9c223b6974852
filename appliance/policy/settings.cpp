#include "policy/settings.h"

#include "policy/countries.h"
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

namespace {
constexpr std::string_view kActions = "off|score|tempfail|reject";

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
    using T = SettingSpec::Type;
    static const std::vector<SettingSpec> specs = {
        {"filtering.enabled", T::boolean, "yes", 0, 0,
         "spam filtering for the domain: off skips the DNS, HELO, bot and sender checks, greylisting and content "
         "scoring (virus scanning, recipient validation and the allow/deny lists still apply)"},
        {"greylist.enabled", T::boolean, "no", 0, 0,
         "ask first-time senders to retry later (451 4.7.1); real mail servers do, most spam engines never"},
        {"greylist.delay", T::seconds, "300", 0, 86400, "seconds a first-time triplet must wait before a retry passes"},
        {"greylist.window", T::seconds, "14400", 60, 7 * 86400,
         "seconds after the first attempt during which a retry passes"},
        {"greylist.remember", T::seconds, "3110400", 3600, 366 * 86400,
         "seconds a passed triplet is remembered (36 days)"},
        {"greylist.auto_whitelist_passes", T::integer, "10", 0, 1000000,
         "passes after which a client network skips greylisting (0: never)"},

        // SMTP-time checks: each has an action (off, score, tempfail, reject) and
        // a weight added to the score when the action is score. See docs/checks.md.
        {"dns.failure", T::choice, "skip", 0, 0,
         "when a DNS lookup times out or fails: skip the check, or tempfail the client (4xx)", "skip|tempfail"},
        {"rdns.action", T::choice, "off", 0, 0, "the client IP has no reverse DNS (PTR) name", kActions},
        {"rdns.weight", T::number, "2", 0, 1000, "score added when rdns.action is score"},
        {"fcrdns.action", T::choice, "off", 0, 0,
         "the client's PTR name does not resolve back to its IP (not forward-confirmed)", kActions},
        {"fcrdns.weight", T::number, "1", 0, 1000, "score added when fcrdns.action is score"},
        {"dnsbl.action", T::choice, "reject", 0, 0,
         "the client IP is listed by an IP blocklist zone (weights per zone: moatctl zone)", kActions},
        {"rhsbl.action", T::choice, "reject", 0, 0,
         "the sender domain or HELO name is listed by a domain blocklist zone (weights per zone)", kActions},
        {"sender_domain.action", T::choice, "off", 0, 0,
         "the MAIL FROM domain has no MX, A or AAAA record (550 5.1.8; 450 4.1.8 when DNS fails)", kActions},
        {"sender_domain.weight", T::number, "3", 0, 1000, "score added when sender_domain.action is score"},
        {"helo.action", T::choice, "off", 0, 0,
         "the HELO name is malformed, claims to be this gateway, or is an IP literal other than the client's",
         kActions},
        {"helo.weight", T::number, "2", 0, 1000, "score added when helo.action is score"},
        {"country.action", T::choice, "reject", 0, 0,
         "the client IP is in a blocked country (country.blocked, looked up in the country zone)", kActions},
        {"country.weight", T::number, "5", 0, 1000, "score added when country.action is score"},
        {"country.blocked", T::list, "", 0, 0,
         "ISO 3166 countries (alpha-2 like cn, or numeric like 156) whose clients the country check flags"},
        {"bot.action", T::choice, "reject", 0, 0,
         "the client talks before the greeting, pipelines before PIPELINING was offered, or sends bare newlines",
         kActions},
        {"bot.weight", T::number, "5", 0, 1000, "score added when bot.action is score"},
        {"bot.greet_pause", T::seconds, "0", 0, 30,
         "seconds to wait before the 220 greeting, watching for clients that talk first (0: no pause)"},
        {"score.reject", T::number, "10", 0, 100000,
         "a transaction whose SMTP-time score reaches this is refused (550 5.7.1)"},
        {"score.reject_at", T::choice, "rcpt", 0, 0,
         "refuse an over-threshold transaction at RCPT, or only after DATA (to log its content)", "rcpt|data"},
        {"validation.list", T::boolean, "no", 0, 0,
         "recipients found in the domain's valid-address list are valid (moatctl valid)"},
        {"validation.smtp", T::boolean, "no", 0, 0,
         "ask the backend whether a recipient exists (SMTP callout: MAIL FROM:<>, RCPT TO:), cached"},
        {"validation.reject_nonvalidated", T::boolean, "no", 0, 0,
         "refuse recipients that list or SMTP validation could not confirm (550 5.1.1; 4xx if the backend is down)"},
        {"validation.positive_ttl", T::seconds, "604800", 60, 90 * 86400,
         "seconds a recipient the backend accepted is remembered"},
        {"validation.negative_ttl", T::seconds, "10800", 60, 90 * 86400,
         "seconds a recipient the backend refused is remembered"},
        {"whitelist_only.enabled", T::boolean, "no", 0, 0,
         "accept mail only from allow-listed senders; others get a one-time token address in the 550 reply"},
        {"whitelist_only.token_ttl", T::seconds, "864000", 3600, 365 * 86400,
         "seconds a one-time token address stays valid (10 days)"},
        {"ratelimit.window", T::seconds, "600", 10, 86400,
         "sliding window over which unknown recipients and rejections are counted per client IP"},
        {"ratelimit.unknown_slow", T::integer, "10", 1, 1000000,
         "unknown recipients in the window after which replies to that IP are slowed down"},
        {"ratelimit.unknown_max", T::integer, "50", 1, 1000000,
         "unknown recipients in the window after which the IP gets 421 (directory harvesting)"},
        {"ratelimit.rejects_slow", T::integer, "20", 1, 1000000,
         "rejections in the window after which replies to that IP are slowed down"},
        {"ratelimit.rejects_max", T::integer, "100", 1, 1000000, "rejections in the window after which the IP gets 421"},
        {"ratelimit.delay", T::seconds, "1", 0, 60, "seconds each reply is delayed for a slowed-down IP"},

        // Content scoring after DATA (Bayes, heuristics, the SMTP-time score). See docs/content-scoring.md.
        {"content.enabled", T::boolean, "yes", 0, 0,
         "score each message's content after DATA: accept, tag (Subject prefix) or reject"},
        {"content.tag_score", T::number, "5", -1000, 100000,
         "a message whose content score reaches this is tagged (Subject prefix, X-Spam-Status: Yes)"},
        {"content.reject_score", T::number, "10", -1000, 100000,
         "a message whose content score reaches this is refused (550 5.7.1)"},
        {"content.tag_phrase", T::text, "[SPAM?]", 0, 40, "the prefix put before the Subject of a tagged message"},
        {"content.score_headers", T::choice, "tagged", 0, 0,
         "add X-Moat-Score and X-Spam-Status to tagged messages only, or to every accepted message "
         "(the default keeps accepted mail byte for byte as sent, plus Received:)",
         "tagged|always"},
        {"content.autolearn", T::boolean, "no", 0, 0,
         "learn very confident decisions: score >= content.autolearn_spam as spam, <= content.autolearn_ham as ham"},
        {"content.autolearn_spam", T::number, "15", 0, 100000, "score from which a message is auto-learnt as spam"},
        {"content.autolearn_ham", T::number, "-4", -100000, 0, "score up to which a message is auto-learnt as ham"},
        {"uribl.action", T::choice, "score", 0, 0,
         "look up the domains linked from a message in the URI blocklist zones (weights per zone: moatctl zone)",
         "off|score"},
        {"uribl.zones", T::list, "", 0, 0,
         "URI blocklist zones by name (weight 5, any 127.x.y.z answer); moatctl zone add uribl sets weight and mask"},
        // The archive of received messages (docs/archive.md); global only.
        {"archive.enabled", T::boolean, "yes", 0, 0,
         "keep every message whose content was received (accepted, tagged or refused after DATA) in the archive"},
        {"archive.retention", T::seconds, "1209600", 3600, 7257600,
         "seconds an archived message is kept (14 days; at most 12 weeks)"},
        {"archive.quota", T::integer, "10240", 10, 10000000,
         "megabytes the archive may use; the oldest messages are evicted first"},
        {"archive.min_free", T::integer, "1024", 0, 10000000,
         "megabytes to leave free on the archive's file system: under it new messages are not archived and the "
         "oldest archived ones are removed (0: no reserve)"},
        {"uribl.max_lookups", T::integer, "20", 1, 1000, "URI blocklist queries per message at most"},
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

double Settings::number(std::string_view key, std::string_view domain) const {
    std::string v = get(key, domain);
    double d = 0;
    std::from_chars(v.data(), v.data() + v.size(), d);
    return d;
}

std::vector<std::string> Settings::list(std::string_view key, std::string_view domain) const {
    std::vector<std::string> out;
    std::string v = get(key, domain), item;
    std::istringstream in(v);
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
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
