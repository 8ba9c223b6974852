// /api/v1/firewall: the firewall part of the System page (docs/console-api.md
// "Firewall", docs/firewall.md). Administrators only.
//   GET    /firewall                 the policy settings (maintenance and admin
//                                    networks, per-source limits, block time),
//                                    the ports they apply to, the blocked and
//                                    tarpitted sources with reason and time left,
//                                    and the caller's address with the networks
//                                    that hold it (the setup wizard warns)
//   PUT    /firewall                 changes some of the settings: validated
//                                    (422, naming the value), stored in one
//                                    transaction and audited as setting.set;
//                                    moat-firewall re-applies its ruleset within a
//                                    second (the store's policy generation)
//   POST   /firewall/blocks          {address, set: blocked|tarpit, seconds, reason}
//   DELETE /firewall/blocks/{address}
// Blocks go through moat-firewall's socket (web::FirewallLink), which
// validates them again and refuses maintenance, allow-listed and loopback
// addresses (422 with its reason); 503 when it is not running.
#include <Poco/JSON/Array.h>

#include <algorithm>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/routes.h"
#include "config/config.h"
#include "firewall/firewall_policy.h"
#include "firewall/report.h"
#include "net/cidr.h"
#include "policy/settings.h"
#include "store/firewall_blocks.h"
#include "store/store.h"
#include "store/write_transaction.h"
#include "web/firewall_link.h"

namespace moat::api {
namespace {

constexpr std::string_view kNetworkKeys[] = {"maintenance_networks", "admin_networks"};
constexpr std::string_view kNumberKeys[] = {"smtp_rate", "ssh_rate", "console_rate",
                                            "console_connections", "block_time"};
constexpr long long kDefaultBlock = 3600;
constexpr std::size_t kMaxNote = 100;

std::string settingKey(std::string_view field) {
    return "firewall." + std::string(field);
}

// A list setting's canonical text ("a,b,c") as its items.
std::vector<std::string> splitCanonical(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t start = 0; start < text.size();) {
        auto comma = std::min(text.find(',', start), text.size());
        out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

bool isLoopback(const std::string& host) {
    auto ip = net::parseIp(host);
    return ip && ip->isLoopback();
}

// Whether one of the networks (canonical CIDR texts) holds the address.
bool holds(const std::vector<std::string>& networks,
           const std::optional<Poco::Net::IPAddress>& ip) {
    if (!ip) return false;
    return std::any_of(networks.begin(), networks.end(), [&](const std::string& text) {
        auto network = net::Cidr::parse(text);
        return network && network->contains(*ip);
    });
}

Poco::JSON::Object::Ptr firewallJson(Poco::Data::Session& session, const config::Config& cfg,
                                     const std::string& client_ip) {
    auto settings = policy::Settings::load(session);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr s = new Poco::JSON::Object;
    // The address the administrator is connecting from, and which networks let it in.
    Poco::JSON::Object::Ptr caller = new Poco::JSON::Object;
    auto client = net::parseIp(client_ip);
    caller->set("address", client ? net::canonicalIp(*client) : jsonText(client_ip));
    caller->set("loopback", client && client->isLoopback());
    for (auto field : kNetworkKeys) {
        auto networks = settings.list(policy::SettingKey::named(settingKey(field)));
        Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
        for (const auto& n : networks) list->add(n);
        s->set(std::string(field), list);
        caller->set(field == "maintenance_networks" ? "maintenance" : "admin",
                    holds(networks, client));
    }
    o->set("caller", caller);
    Poco::JSON::Object::Ptr limits = new Poco::JSON::Object;
    for (auto field : kNumberKeys) {
        const auto* spec = policy::findSetting(settingKey(field));
        s->set(std::string(field),
               static_cast<Poco::Int64>(settings.integer(policy::SettingKey::named(spec->key))));
        Poco::JSON::Object::Ptr range = new Poco::JSON::Object;
        range->set("min", static_cast<Poco::Int64>(spec->min));
        range->set("max", static_cast<Poco::Int64>(spec->max));
        range->set("default", std::string(spec->default_value));
        limits->set(std::string(field), range);
    }
    o->set("settings", s);
    o->set("limits", limits);

    Poco::JSON::Object::Ptr ports = new Poco::JSON::Object;
    Poco::JSON::Array::Ptr smtp = new Poco::JSON::Array;
    smtp->add(static_cast<int>(cfg.smtp.listen.port));
    if (cfg.firewall.submission) smtp->add(587);
    ports->set("smtp", smtp);
    ports->set("console", static_cast<int>(cfg.web.listen.port));
    ports->set("console_loopback", isLoopback(cfg.web.listen.host));
    ports->set("ssh", static_cast<int>(cfg.firewall.ssh_port));
    ports->set("tarpit", static_cast<int>(cfg.firewall.tarpit_port));
    o->set("ports", ports);

    long long now = store::nowSeconds();
    Poco::JSON::Array::Ptr blocks = new Poco::JSON::Array;
    for (const auto& b : store::activeFirewallBlocks(session, now)) {
        Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
        row->set("address", b.ip);
        row->set("set", b.set);
        row->set("reason", jsonText(b.reason));
        row->set("source", jsonText(b.source));
        row->set("created", static_cast<Poco::Int64>(b.created));
        row->set("until", static_cast<Poco::Int64>(b.until));
        row->set("remaining", static_cast<Poco::Int64>(b.until - now));
        blocks->add(row);
    }
    o->set("blocks", blocks);
    return o;
}

web::Response show(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    return web::Response::json(200, firewallJson(session, ctx.config, request.client_ip));
}

// A list of networks as an array of strings (or one comma-separated string),
// in the setting's canonical text; 422 naming a value that is not a network.
std::string networksField(const Poco::JSON::Object::Ptr& body, std::string_view field) {
    std::string key(field), text;
    auto v = body->get(key);
    if (v.isString()) {
        text = v.extract<std::string>();
    } else if (auto array = body->getArray(key)) {
        for (std::size_t i = 0; i < array->size(); ++i) {
            auto item = array->get(static_cast<unsigned>(i));
            if (!item.isString())
                throw web::HttpError(422, "'" + key + "' must be a list of networks (strings)");
            text += (text.empty() ? "" : ",") + item.extract<std::string>();
        }
    } else {
        throw web::HttpError(422, "'" + key + "' must be a list of networks (strings)");
    }
    try {
        return policy::validateSetting(settingKey(field), text);
    } catch (const std::invalid_argument& e) {
        throw web::HttpError(422, e.what());
    }
}

// Why the new networks would shut the console out — everyone, or the
// administrator making the change — or "".
std::string lockoutProblem(const config::Config& cfg, const std::string& maintenance,
                           const std::string& admin, const std::string& client_ip) {
    if (cfg.firewall.allow_lockout || isLoopback(cfg.web.listen.host)) return "";
    firewall::FirewallPolicy policy;
    policy.console_port = cfg.web.listen.port;
    bool client_allowed = isLoopback(client_ip);
    auto client = net::parseIp(client_ip);
    for (const auto* list : {&maintenance, &admin}) {
        for (const auto& text : splitCanonical(*list)) {
            auto network = net::Cidr::parse(text);
            if (!network) continue;
            (list == &maintenance ? policy.maintenance : policy.admin).push_back(*network);
            client_allowed = client_allowed || (client && network->contains(*client));
        }
    }
    if (auto problem = firewall::lockoutProblem(policy)) return *problem;
    if (!client_allowed)
        return "your own address " + client_ip +
               " is in neither the maintenance nor the admin networks: the firewall would shut you "
               "out of the "
               "console; add it (or its network) first";
    return "";
}

web::Response change(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    std::vector<std::pair<std::string, std::string>> changes;  // (setting key, canonical value)
    for (auto field : kNetworkKeys)
        if (hasField(body, std::string(field)))
            changes.emplace_back(settingKey(field), networksField(body, field));
    for (auto field : kNumberKeys) {
        auto n = optInteger(body, std::string(field));
        if (!n) continue;
        const auto* spec = policy::findSetting(settingKey(field));
        if (*n < spec->min || *n > spec->max)
            throw web::HttpError(422, "'" + std::string(field) + "' must be between " +
                                          std::to_string(spec->min) + " and " +
                                          std::to_string(spec->max));
        changes.emplace_back(settingKey(field),
                             policy::validateSetting(spec->key, std::to_string(*n)));
    }
    for (const auto& field : *body) {
        auto known = [&](std::string_view f) { return f == field.first; };
        if (std::none_of(std::begin(kNetworkKeys), std::end(kNetworkKeys), known) &&
            std::none_of(std::begin(kNumberKeys), std::end(kNumberKeys), known))
            throw web::HttpError(422, "unknown field '" + field.first.substr(0, 64) + "'");
    }
    if (changes.empty()) throw web::HttpError(422, "nothing to change");

    auto session = ctx.store.connect();
    store::WriteTransaction tx(session);
    auto settings = policy::Settings::load(session);
    auto value = [&](std::string_view field) {
        for (const auto& [key, v] : changes)
            if (key == settingKey(field)) return v;
        return std::string(settings.get(policy::SettingKey::named(settingKey(field))));
    };
    if (auto problem = lockoutProblem(ctx.config, value("maintenance_networks"),
                                      value("admin_networks"), request.client_ip);
        !problem.empty())
        throw web::HttpError(422, problem);
    for (const auto& [key, canonical] : changes) {
        if (std::string(settings.get(policy::SettingKey::named(key))) == canonical) continue;
        policy::setGlobalSetting(session, key, canonical);
        auditChange(session, principal, request, "setting.set", key, canonical);
    }
    tx.commit();
    return web::Response::json(200, firewallJson(session, ctx.config, request.client_ip));
}

web::FirewallLink& firewallOf(web::ApiContext& ctx) {
    if (!ctx.firewall) throw web::HttpError(503, "moat-firewall cannot be reached from here");
    return *ctx.firewall;
}

// moat-firewall's answer to request: "ok…" returned, a refusal is 422 (its
// reason), anything else 502; not reachable is 503.
std::string askFirewall(web::ApiContext& ctx, const firewall::Report& request) {
    auto& link = firewallOf(ctx);
    std::string answer;
    try {
        answer = link.ask(request);
    } catch (const std::runtime_error& e) {
        throw web::HttpError(503, e.what());
    }
    if (answer.rfind("ok", 0) == 0) return answer;
    constexpr std::string_view kRefused = "refused: ";
    if (answer.rfind(kRefused, 0) == 0) throw web::HttpError(422, answer.substr(kRefused.size()));
    throw web::HttpError(502, "moat-firewall: " + answer);
}

std::string addressField(const std::string& text) {
    auto ip = net::parseIp(text);
    if (!ip) throw web::HttpError(422, "'" + text.substr(0, 64) + "' is not an IP address");
    return net::canonicalIp(*ip);
}

web::Response block(const web::Request& request, const web::Principal& principal,
                    web::ApiContext& ctx) {
    principal.requireAdmin();
    auto body = request.jsonBody();
    firewall::Report r;
    r.address = addressField(requireString(body, "address"));
    auto set = optString(body, "set").value_or("blocked");
    if (set != "blocked" && set != "tarpit")
        throw web::HttpError(422, "'set' must be blocked or tarpit");
    r.verb = set == "tarpit" ? firewall::Report::Verb::tarpit : firewall::Report::Verb::block;
    r.seconds = optInteger(body, "seconds").value_or(kDefaultBlock);
    if (r.seconds < firewall::kMinSeconds || r.seconds > firewall::kMaxSeconds)
        throw web::HttpError(422, "'seconds' must be between " +
                                      std::to_string(firewall::kMinSeconds) + " and " +
                                      std::to_string(firewall::kMaxSeconds));
    auto note = optString(body, "reason").value_or("");
    if (note.size() > kMaxNote ||
        std::any_of(note.begin(), note.end(), [](unsigned char c) { return c < 0x20 || c > 0x7e; }))
        throw web::HttpError(422, "'reason' must be printable ASCII, at most " +
                                      std::to_string(kMaxNote) + " characters");
    r.reason = "console by " + principal.name.substr(0, 64) + (note.empty() ? "" : ": " + note);
    auto answer = askFirewall(ctx, r);
    auto session = ctx.store.connect();
    auditChange(session, principal, request, set == "tarpit" ? "firewall.tarpit" : "firewall.block",
                r.address, std::to_string(r.seconds) + " s" + (note.empty() ? "" : ": " + note));
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("address", r.address);
    o->set("set", set);
    o->set("seconds", static_cast<Poco::Int64>(r.seconds));
    o->set("answer", jsonText(answer));
    return web::Response::json(201, o);
}

web::Response unblock(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    principal.requireAdmin();
    firewall::Report r;
    r.verb = firewall::Report::Verb::unblock;
    r.address = addressField(request.params.at(0));
    askFirewall(ctx, r);
    auto session = ctx.store.connect();
    auditChange(session, principal, request, "firewall.unblock", r.address);
    return web::Response::noContent();
}

}  // namespace

void registerFirewallApi(web::Router& router) {
    router.add("GET", "/api/v1/firewall", show);
    router.add("PUT", "/api/v1/firewall", change);
    router.add("POST", "/api/v1/firewall/blocks", block);
    router.add("DELETE", "/api/v1/firewall/blocks/{address}", unblock);
}

}  // namespace moat::api
