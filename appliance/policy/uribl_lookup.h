// URI blocklist lookups for content scoring: the registered domains (Public
// Suffix List) of a message's URI hosts, and IPv4 addresses (in any form a
// browser reads, ipv4_host.h) as reversed octets, looked up as "<name>.<zone>" A records in every uribl zone, all in
// parallel, at most max_lookups queries per message. A listing (answer within
// the zone's mask) adds the zone's weight once per zone; DNS failures add nothing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "content/score_part.h"
#include "policy/check_record.h"
#include "store/dns_zones.h"

namespace moat::dns {
class Resolver;
}

namespace moat::policy {

struct UriblResult {
    std::vector<content::ScorePart> parts;  // "uribl <zone>", one per zone that listed something
    std::vector<CheckRecord> records;       // failures and lookups left out by the cap
};

// The names to look up for hosts: registered domains and reversed IPv4
// literals, each once, in order.
std::vector<std::string> uriblNames(const std::vector<std::string>& hosts);

UriblResult uriblLookup(dns::Resolver& resolver, const std::vector<store::DnsZone>& zones,
                        const std::vector<std::string>& hosts, std::size_t max_lookups);

}  // namespace moat::policy
