// The appliance's nftables ruleset as one nft script, applied by
// moat-firewall in one transaction (libnftables runs a buffer atomically):
// never a moment where everything is open or everything is closed.
//
// The table (inet, so IPv4 and IPv6 at once) declares its sets and base
// chain idempotently, then flushes and refills the chain and the
// maintenance and admin sets. The dynamic sets (blocked, tarpit, the rate meters)
// are declared the same way every time and never flushed, so re-applying
// after a settings change keeps every block with its remaining time.
//
// input, in order: invalid dropped; established/related and loopback
// accepted; spoofed sources dropped (fib saddr . iif oif missing); blocked
// sources dropped (never the maintenance networks); ICMP/ICMPv6 needed for
// IPv6 and PMTU accepted; tarpitted sources to SMTP sent to the tarpit port;
// SMTP over its per-source rate → the source joins the blocked set; SMTP
// accepted; console and SSH from the maintenance and admin networks, each
// within its own rate, accepted (a blocked source of an admin network was
// dropped above) — a source already holding console_connections to the
// console is refused with a reset (ct count: CivetWeb cannot cap it before
// the TLS handshake); everything else logged at a limited rate and dropped
// (policy). The tarpit port takes at most tarpit_max connections at once.
#pragma once

#include "firewall/firewall_policy.h"

#include <string>
#include <string_view>

namespace moat::firewall {

inline constexpr std::string_view kTable = "moat";

std::string rulesetScript(const FirewallPolicy& policy);

// "add element inet moat blocked4 { 192.0.2.1 timeout 600s }" for a
// canonical IPv4 or IPv6 address; set: "blocked" or "tarpit".
std::string addElementScript(std::string_view set, const std::string& ip, long long seconds);
std::string deleteElementScript(std::string_view set, const std::string& ip);

}  // namespace moat::firewall
