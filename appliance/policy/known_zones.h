// The public DNS blocklists Moat knows how to use, with the settings each
// wants (kind, answer mask, weight, lookup link) and the one line an
// administrator must read before turning it on: its terms of use. None is
// on by default — each list has its own terms and its own idea of a
// listing — and the setup wizard and GET /api/v1/zones/known offer them
// with nothing preselected; choosing one adds an ordinary zone
// (store/dns_zones). docs/checks.md ("Zones") lists the same.
#pragma once

#include <span>
#include <string_view>

namespace moat::policy {

struct KnownZone {
    std::string_view name;   // the list as people call it: "Spamhaus ZEN"
    std::string_view kind;   // dnsbl | rhsbl | uribl, as store::DnsZone::kind
    std::string_view zone;   // what is queried
    std::string_view lists;  // what it lists, one line
    std::string_view terms;  // its terms of use, one line
    double weight;           // score of a listing when the check's action is score
    std::string_view mask;   // dns::AnswerMask text: the answers that are listings
    std::string_view url;    // a lookup link for refusals (store::validateZoneUrl)
};

std::span<const KnownZone> knownZones();

}  // namespace moat::policy
