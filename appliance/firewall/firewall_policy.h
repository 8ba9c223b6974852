// What the appliance's firewall lets in, as moat-firewall computes it from
// the configuration (ports) and the policy settings (maintenance and admin
// networks, rate limits), and the check that it would not lock the
// administrator out.
#pragma once

#include "net/cidr.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moat::firewall {

struct FirewallPolicy {
    std::vector<net::Cidr> maintenance;  // may reach the console and SSH; never blocked
    std::vector<net::Cidr> admin;        // may reach them too, untrusted: may be blocked
    std::vector<std::uint16_t> smtp_ports{25};
    std::uint16_t console_port = 443;
    bool console_loopback = false;  // the console listens on loopback only
    std::uint16_t ssh_port = 22;
    int smtp_rate = 30;            // new connections a minute per source before it is blocked
    int ssh_rate = 10;             // new SSH connections a minute per source
    int console_rate = 10;         // new console connections a minute per source
    int console_connections = 16;  // console connections one source may hold open at once
    std::chrono::seconds rate_block{600};  // how long a source over its SMTP rate stays blocked
    bool allow_lockout = false;            // [firewall] allow_lockout: apply even if it locks out
    std::uint16_t tarpit_port = 0;         // tarpitted SMTP clients are redirected here (0: dropped instead)
    std::size_t tarpit_max = 20000;        // tarpit connections at once; beyond it new ones are dropped
};

// Why applying policy would lock the administrator out (no maintenance or
// admin network while the console is reachable only through the firewall),
// or nothing when it is safe or allow_lockout says to go on.
std::optional<std::string> lockoutProblem(const FirewallPolicy& policy);

}  // namespace moat::firewall
