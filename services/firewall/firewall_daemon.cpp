#include "firewall_daemon.h"

#include "firewall/ruleset.h"
#include "firewall/set_listing.h"
#include "net/cidr.h"
#include "policy/settings.h"
#include "store/client_events.h"
#include "store/firewall_blocks.h"
#include "store/generation.h"
#include "store/list_entries.h"
#include "store/service_status.h"
#include "util/log.h"

#include <Poco/Net/IPAddress.h>

#include <unistd.h>

#include <set>
#include <stdexcept>

namespace moat::firewall {
namespace {

bool isLoopback(const std::string& host) {
    auto ip = net::parseIp(host);
    return ip && ip->isLoopback();
}

std::string setOf(const Report& r) { return r.verb == Report::Verb::tarpit ? "tarpit" : "blocked"; }

constexpr unsigned kSlowTicks = 5;  // ticks (seconds) between reading the kernel's sets and heartbeats

struct SetCounts {
    std::size_t blocked = 0, tarpit = 0;
};

SetCounts countSets(Poco::Data::Session& session) {
    SetCounts n;
    for (const auto& b : store::activeFirewallBlocks(session, store::nowSeconds()))
        ++(b.set == "tarpit" ? n.tarpit : n.blocked);
    return n;
}

}  // namespace

FirewallDaemon::FirewallDaemon(const config::Config& cfg, const store::Store& store) : cfg_(cfg), store_(store) {}

FirewallPolicy FirewallDaemon::currentPolicy(Poco::Data::Session& session) const {
    auto settings = policy::Settings::load(session);
    FirewallPolicy p;
    for (const auto& text : settings.list("firewall.maintenance_networks"))
        if (auto net = net::Cidr::parse(text)) p.maintenance.push_back(*net);
    for (const auto& text : settings.list("firewall.admin_networks"))
        if (auto net = net::Cidr::parse(text)) p.admin.push_back(*net);
    p.smtp_ports = {cfg_.smtp.listen.port};
    if (cfg_.firewall.submission) p.smtp_ports.push_back(587);
    p.console_port = cfg_.web.listen.port;
    p.console_loopback = isLoopback(cfg_.web.listen.host);
    p.ssh_port = cfg_.firewall.ssh_port;
    p.smtp_rate = static_cast<int>(settings.integer("firewall.smtp_rate"));
    p.ssh_rate = static_cast<int>(settings.integer("firewall.ssh_rate"));
    p.console_rate = static_cast<int>(settings.integer("firewall.console_rate"));
    p.console_connections = static_cast<int>(settings.integer("firewall.console_connections"));
    p.tarpit_max = cfg_.firewall.tarpit_max;
    p.rate_block = settings.seconds("firewall.block_time");
    p.allow_lockout = cfg_.firewall.allow_lockout;
    p.tarpit_port = cfg_.firewall.tarpit_port;
    return p;
}

void FirewallDaemon::apply(const FirewallPolicy& policy) {
    if (auto problem = lockoutProblem(policy)) throw std::runtime_error("refusing the firewall policy: " + *problem);
    std::string error;
    if (!nft_.run(rulesetScript(policy), error)) throw std::runtime_error("nftables refused the ruleset: " + error);
    policy_ = policy;
}

void FirewallDaemon::start() {
    std::lock_guard lock(mutex_);
    auto session = store_.connect();
    generation_ = store::policyGeneration(session);
    apply(currentPolicy(session));
    long long now = store::nowSeconds();
    int restored = 0;
    for (const auto& b : store::activeFirewallBlocks(session, now)) {
        std::string error;
        if (nft_.run(addElementScript(b.set, b.ip, b.until - now), error))
            ++restored;
        else
            log::warning("firewall: cannot restore " + b.ip + ": " + error);
    }
    events_since_ = now;
    started_ = now;
    log::info("firewall: ruleset applied (" + std::to_string(policy_.maintenance.size()) +
              " maintenance networks, SMTP " + std::to_string(policy_.smtp_rate) + "/min); " +
              std::to_string(restored) + " blocked or tarpitted sources restored");
}

void FirewallDaemon::tick() {
    std::vector<Report> offenders;
    {
        std::lock_guard lock(mutex_);
        auto session = store_.connect();
        long long generation = store::policyGeneration(session);
        if (generation != generation_) {
            generation_ = generation;
            try {
                apply(currentPolicy(session));
                log::info("firewall: settings changed; ruleset re-applied");
            } catch (const std::exception& e) {
                log::error(std::string("firewall: ") + e.what() + "; the previous ruleset stays");
            }
        }
        // Sources moat-smtpd's rate limits shut out: blocked (harvesters tarpitted) for block_time.
        for (const auto& e : store::listClientEvents(session, events_since_)) {
            if (e.id <= last_event_id_) continue;
            last_event_id_ = e.id;
            events_since_ = e.ts;
            if (e.kind.size() < 6 || e.kind.compare(e.kind.size() - 6, 6, "_limit") != 0) continue;
            Report r;
            // A directory harvester (unknown recipients) is held in the tarpit when there is one;
            // any other offender is blocked.
            r.verb = e.kind == "unknown_recipients_limit" && policy_.tarpit_port
                         ? Report::Verb::tarpit
                         : Report::Verb::block;
            r.address = e.ip;
            r.seconds = policy_.rate_block.count();
            r.reason = "moat-smtpd: " + e.kind;
            offenders.push_back(std::move(r));
        }
        store::purgeFirewallBlocks(session, store::nowSeconds());
        if (ticks_++ % kSlowTicks == 0) {
            recordKernelBlocks(session);
            beat(session);
        }
    }
    for (const auto& r : offenders) block(r, "smtpd");
}

void FirewallDaemon::recordKernelBlocks(Poco::Data::Session& session) {
    long long now = store::nowSeconds();
    std::set<std::string> known;
    for (const auto& b : store::activeFirewallBlocks(session, now)) known.insert(b.ip);
    for (const char* set : {"blocked4", "blocked6"}) {
        std::string json, error;
        if (!nft_.query("list set inet " + std::string(kTable) + " " + set, json, error, true)) {
            log::warning("firewall: cannot read the set " + std::string(set) + ": " + error);
            continue;
        }
        for (const auto& m : parseSetListing(json)) {
            if (known.count(m.address) || m.expires <= 0) continue;
            std::string reason = "SMTP rate: over " + std::to_string(policy_.smtp_rate) + " new connections a minute";
            store::putFirewallBlock(session, {m.address, "blocked", reason, "kernel", now, now + m.expires});
            log::info("firewall: blocked " + m.address + " for " + std::to_string(m.expires) + " s (" + reason + ")");
        }
    }
}

void FirewallDaemon::beat(Poco::Data::Session& session) {
    auto n = countSets(session);
    store::heartbeat(session, "moat-firewall", ::getpid(), started_, store::nowSeconds(),
                     std::to_string(n.blocked) + " blocked, " + std::to_string(n.tarpit) + " tarpitted");
}

std::string FirewallDaemon::protectedReason(Poco::Data::Session& session, const std::string& ip) const {
    auto address = net::parseIp(ip);
    if (!address) return "not an address";
    for (const auto& n : policy_.maintenance)
        if (n.contains(*address)) return "it is in the maintenance network " + n.str();
    for (const auto& e : store::listListEntries(session, 0, "allow")) {
        if (e.kind != "client") continue;
        auto net = net::Cidr::parse(e.value);
        if (net && net->contains(*address)) return "it is on the global allow list (" + e.value + ")";
    }
    if (address->isLoopback()) return "it is a loopback address";
    return "";
}

std::string FirewallDaemon::block(const Report& r, const std::string& source) {
    std::lock_guard lock(mutex_);
    auto session = store_.connect();
    if (auto why = protectedReason(session, r.address); !why.empty()) {
        log::warning("firewall: not blocking " + r.address + " (" + source + ": " + r.reason + "): " + why);
        return "refused: " + r.address + " is never blocked: " + why;
    }
    std::string error;
    // One set at a time: a tarpit report replaces a block and the other way round.
    nft_.run(deleteElementScript(r.verb == Report::Verb::tarpit ? "blocked" : "tarpit", r.address), error);
    nft_.run(deleteElementScript(setOf(r), r.address), error);
    if (!nft_.run(addElementScript(setOf(r), r.address, r.seconds), error)) {
        log::error("firewall: cannot block " + r.address + ": " + error);
        return "error: " + error;
    }
    long long now = store::nowSeconds();
    store::putFirewallBlock(session, {r.address, setOf(r), r.reason, source, now, now + r.seconds});
    log::info("firewall: " + setOf(r) + " " + r.address + " for " + std::to_string(r.seconds) + " s (" + source +
              ": " + r.reason + ")");
    return "ok: " + r.address + " " + setOf(r) + " for " + std::to_string(r.seconds) + " s";
}

std::string FirewallDaemon::unblock(const std::string& ip) {
    std::lock_guard lock(mutex_);
    auto session = store_.connect();
    std::string error;
    bool was = store::deleteFirewallBlock(session, ip);
    bool in_blocked = nft_.run(deleteElementScript("blocked", ip), error);
    bool in_tarpit = nft_.run(deleteElementScript("tarpit", ip), error);
    if (!was && !in_blocked && !in_tarpit) return "ok: " + ip + " was not blocked";
    log::info("firewall: unblocked " + ip);
    return "ok: " + ip + " unblocked";
}

std::string FirewallDaemon::list(Poco::Data::Session& session) const {
    long long now = store::nowSeconds();
    std::string out;
    for (const auto& b : store::activeFirewallBlocks(session, now))
        out += b.ip + "\t" + b.set + "\t" + std::to_string(b.until - now) + "\t" + b.source + "\t" + b.reason + "\n";
    return out;
}

std::string FirewallDaemon::status(Poco::Data::Session& session) const {
    auto joined = [](const std::vector<net::Cidr>& networks) {
        std::string out;
        for (const auto& n : networks) out += (out.empty() ? "" : ",") + n.str();
        return out.empty() ? std::string("-") : out;
    };
    auto n = countSets(session);
    return "table inet " + std::string(kTable) + "\nmaintenance_networks " +
           joined(policy_.maintenance) + "\nadmin_networks " + joined(policy_.admin) +
           "\nsmtp_rate " + std::to_string(policy_.smtp_rate) + "/min\nssh_rate " +
           std::to_string(policy_.ssh_rate) + "/min\nconsole_rate " +
           std::to_string(policy_.console_rate) + "/min\nconsole_connections " +
           std::to_string(policy_.console_connections) + "\nblocked " + std::to_string(n.blocked) +
           "\ntarpit " + std::to_string(n.tarpit) + "\n";
}

std::string FirewallDaemon::handle(const Report& r, const std::string& source) {
    switch (r.verb) {
        case Report::Verb::block:
        case Report::Verb::tarpit: return block(r, source);
        case Report::Verb::unblock: return unblock(r.address);
        case Report::Verb::list: {
            std::lock_guard lock(mutex_);
            auto session = store_.connect();
            return "ok\n" + list(session);
        }
        case Report::Verb::status: {
            std::lock_guard lock(mutex_);
            auto session = store_.connect();
            return "ok\n" + status(session);
        }
    }
    return "error: unknown request";
}

}  // namespace moat::firewall
