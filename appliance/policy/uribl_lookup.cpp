#include "policy/uribl_lookup.h"

#include <algorithm>
#include <future>
#include <optional>

#include "content/ipv4_host.h"
#include "content/public_suffix.h"
#include "dns/answer_mask.h"
#include "dns/names.h"
#include "dns/resolver.h"

namespace moat::policy {

std::vector<std::string> uriblNames(const std::vector<std::string>& hosts) {
    std::vector<std::string> names;
    const auto& psl = content::PublicSuffixList::system();
    for (const auto& host : hosts) {
        std::string name;
        if (auto address = content::parseIpv4Host(host)) {
            // An address is listed by its octets in reverse: 192.0.2.7 -> 7.2.0.192.
            name = dns::reversedLabels(content::dottedQuad(*address)).value_or("");
        } else {
            name = psl.registeredDomain(host);
        }
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
            names.push_back(name);
    }
    return names;
}

UriblResult uriblLookup(dns::Resolver& resolver, const std::vector<store::DnsZone>& zones,
                        const std::vector<std::string>& hosts, std::size_t max_lookups) {
    UriblResult result;
    struct Query {
        const store::DnsZone* zone;
        std::string name;
        std::future<dns::AddressResult> answer;
    };
    std::vector<Query> queries;
    auto names = uriblNames(hosts);
    std::size_t skipped = 0;
    for (const auto& name : names)
        for (const auto& zone : zones) {
            if (zone.kind != "uribl") continue;
            if (queries.size() >= max_lookups) {
                ++skipped;
                continue;
            }
            queries.push_back({&zone, name, resolver.aAsync(name + "." + zone.zone)});
        }
    if (skipped)
        result.records.push_back({"uribl", "skip", 0,
                                  std::to_string(skipped) + " lookups left out (limit " +
                                      std::to_string(max_lookups) + " per message)"});
    std::vector<std::pair<const store::DnsZone*, std::string>> listed;  // zone, names
    for (auto& q : queries) {
        auto answer = q.answer.get();
        if (answer.status == dns::Status::timeout || answer.status == dns::Status::servfail) {
            result.records.push_back(
                {"uribl", "dns-failure", 0,
                 q.name + " not checked in " + q.zone->zone + ": " + dns::toString(answer.status)});
            continue;
        }
        if (answer.status != dns::Status::ok) continue;
        auto mask = dns::AnswerMask::parse(q.zone->mask);
        if (!mask || std::none_of(answer.addresses.begin(), answer.addresses.end(),
                                  [&](const std::string& a) { return mask->matches(a); }))
            continue;
        auto it = std::find_if(listed.begin(), listed.end(),
                               [&](const auto& l) { return l.first == q.zone; });
        if (it == listed.end())
            listed.emplace_back(q.zone, q.name);
        else
            it->second += ", " + q.name;
    }
    for (const auto& [zone, listed_names] : listed)
        result.parts.push_back({"uribl " + zone->zone, zone->weight,
                                "it links to " + listed_names + ", listed by " + zone->zone});
    return result;
}

}  // namespace moat::policy
