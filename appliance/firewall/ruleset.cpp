#include "firewall/ruleset.h"

#include <stdexcept>

namespace moat::firewall {
namespace {

std::string ports(const std::vector<std::uint16_t>& list) {
    std::string out;
    for (auto p : list) out += (out.empty() ? "" : ", ") + std::to_string(p);
    return "{ " + out + " }";
}

std::string table() { return "inet " + std::string(kTable); }

// The two families' spellings.
struct Family {
    const char* suffix;  // set name suffix
    const char* saddr;   // the source address expression
    const char* type;    // the set type
};
constexpr Family kFamilies[] = {{"4", "ip saddr", "ipv4_addr"}, {"6", "ip6 saddr", "ipv6_addr"}};

}  // namespace

std::string rulesetScript(const FirewallPolicy& p) {
    const std::string t = table();
    std::string s;
    // Declarations: created when missing, unchanged (elements kept) when present.
    s += "table " + t + " {\n";
    for (const auto& f : kFamilies) {
        s += std::string("  set maintenance") + f.suffix + " { type " + f.type + "; flags interval; }\n";
        s += std::string("  set admin") + f.suffix + " { type " + f.type + "; flags interval; }\n";
        s += std::string("  set blocked") + f.suffix + " { type " + f.type + "; flags dynamic,timeout; }\n";
        s += std::string("  set tarpit") + f.suffix + " { type " + f.type + "; flags dynamic,timeout; }\n";
        s += std::string("  set smtp_meter") + f.suffix + " { type " + f.type + "; flags dynamic,timeout; timeout 1m; }\n";
        s += std::string("  set ssh_meter") + f.suffix + " { type " + f.type +
             "; flags dynamic,timeout; timeout 1m; }\n";
        s += std::string("  set console_meter") + f.suffix + " { type " + f.type +
             "; flags dynamic,timeout; timeout 1m; }\n";
        // Per-source connection counts (ct count) for the console's cap.
        s += std::string("  set console_conns") + f.suffix + " { type " + f.type +
             "; size 65535; flags dynamic; }\n";
    }
    s += "  chain input { type filter hook input priority filter; policy drop; }\n";
    s += "  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n";
    s += "}\n";
    s += "flush chain " + t + " input\n";
    s += "flush chain " + t + " prerouting\n";
    for (const auto& [name, networks] : {std::pair{"maintenance", &p.maintenance}, std::pair{"admin", &p.admin}}) {
        std::string v4, v6;
        for (const auto& n : *networks) (n.isIPv4() ? v4 : v6) += (((n.isIPv4() ? v4 : v6).empty()) ? "" : ", ") + n.str();
        for (const auto& f : kFamilies) s += "flush set " + t + " " + name + f.suffix + "\n";
        if (!v4.empty()) s += "add element " + t + " " + name + "4 { " + v4 + " }\n";
        if (!v6.empty()) s += "add element " + t + " " + name + "6 { " + v6 + " }\n";
    }

    const std::string in = "add rule " + t + " input ";
    const std::string smtp = ports(p.smtp_ports);
    const std::string ssh = std::to_string(p.ssh_port);
    const std::string console = std::to_string(p.console_port);
    const std::string rate_block = std::to_string(p.rate_block.count()) + "s";
    s += in + "ct state invalid drop\n";
    s += in + "ct state established,related accept\n";
    s += in + "iif \"lo\" accept\n";
    s += in + "fib saddr . iif oif missing drop\n";
    for (const auto& f : kFamilies) {
        s += in + f.saddr + " @blocked" + f.suffix + " " + f.saddr + " != @maintenance" + f.suffix + " drop\n";
    }
    s += in + "icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept\n";
    s += in +
         "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, "
         "nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept\n";
    // The tarpit holds at most tarpit_max clients: beyond, new ones are dropped here (one count for
    // both families).
    if (p.tarpit_port)
        s += in + "tcp dport " + std::to_string(p.tarpit_port) +
             " ct status dnat ct state new ct count over " + std::to_string(p.tarpit_max) +
             " drop\n";
    for (const auto& f : kFamilies) {
        // Tarpitted clients reach the tarpit port (redirected below) or nothing.
        if (p.tarpit_port)
            s += in + "tcp dport " + std::to_string(p.tarpit_port) + " " + f.saddr + " @tarpit" + f.suffix +
                 " ct status dnat accept\n";
        s += in + "tcp dport " + smtp + " " + f.saddr + " @tarpit" + f.suffix + " drop\n";
        // Over the SMTP rate: blocked for rate_block, logged (rate-limited), dropped.
        s += in + "tcp dport " + smtp + " ct state new " + f.saddr + " != @maintenance" + f.suffix + " update @smtp_meter" +
             f.suffix + " { " + f.saddr + " limit rate over " + std::to_string(p.smtp_rate) + "/minute burst " +
             std::to_string(p.smtp_rate) + " packets } add @blocked" + f.suffix + " { " + f.saddr + " timeout " +
             rate_block + " } log prefix \"moat-ratelimit: \" level info drop\n";
    }
    s += in + "tcp dport " + smtp + " accept\n";
    struct Door {
        const std::string& port;
        const char* meter;
        int rate;
        bool open;
    };
    const Door doors[] = {{ssh, "ssh_meter", p.ssh_rate, true},
                          {console, "console_meter", p.console_rate, !p.console_loopback}};
    for (const auto& f : kFamilies) {
        for (const char* set : {"maintenance", "admin"}) {
            const std::string from = std::string(" ") + f.saddr + " @" + set + f.suffix;
            // The console's cap: a source holding console_connections already is refused (a reset,
            // at once).
            if (!p.console_loopback)
                s += in + "tcp dport " + console + " ct state new" + from + " add @console_conns" +
                     f.suffix + " { " + f.saddr + " ct count over " +
                     std::to_string(p.console_connections) + " } reject with tcp reset\n";
            for (const auto& d : doors) {
                if (!d.open) continue;
                s += in + "tcp dport " + d.port + " ct state new" + from + " update @" + d.meter +
                     f.suffix + " { " + f.saddr + " limit rate over " + std::to_string(d.rate) +
                     "/minute burst " + std::to_string(d.rate) + " packets } drop\n";
                s += in + "tcp dport " + d.port + from + " accept\n";
            }
        }
    }
    s += in + "tcp flags syn limit rate 10/minute log prefix \"moat-refused: \" level info\n";
    if (p.tarpit_port)
        for (const auto& f : kFamilies)
            s += "add rule " + t + " prerouting tcp dport " + smtp + " " + f.saddr + " @tarpit" + f.suffix +
                 " redirect to :" + std::to_string(p.tarpit_port) + "\n";
    return s;
}

std::string addElementScript(std::string_view set, const std::string& ip, long long seconds) {
    if (set != "blocked" && set != "tarpit") throw std::invalid_argument("unknown firewall set");
    bool v6 = ip.find(':') != std::string::npos;
    return "add element " + table() + " " + std::string(set) + (v6 ? "6" : "4") + " { " + ip + " timeout " +
           std::to_string(seconds) + "s }\n";
}

std::string deleteElementScript(std::string_view set, const std::string& ip) {
    if (set != "blocked" && set != "tarpit") throw std::invalid_argument("unknown firewall set");
    bool v6 = ip.find(':') != std::string::npos;
    return "delete element " + table() + " " + std::string(set) + (v6 ? "6" : "4") + " { " + ip + " }\n";
}

}  // namespace moat::firewall
