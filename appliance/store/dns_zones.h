// The DNS zones the SMTP-time checks query, in the dns_zones table: IP
// blocklists (dnsbl), domain blocklists (rhsbl: sender domain, HELO name),
// URI blocklists (uribl, for content checks) and at most one country zone.
// Every field is validated and stored canonical; a change fires the
// generation trigger, so a running moat-smtpd uses it for its next sessions.
// Bad input throws std::invalid_argument with a message fit for the operator.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct DnsZone {
    long long id = 0;
    std::string kind;   // dnsbl | rhsbl | uribl | country
    std::string zone;   // lower case, no trailing dot
    double weight = 5;  // score of a listing when the check's action is score
    std::string mask;   // dns::AnswerMask text; "" = any 127.x.y.z but 127.255.255.x
    std::string url;    // shown in refusals: "https://example.org/lookup?ip={ip}", or ""
    std::string note;
    long long created = 0;
};

// Longest zone name: a reversed IPv6 address (64 labels, 128 bytes) must fit in front of it.
inline constexpr std::size_t kMaxZoneName = 253 - 128;
inline constexpr double kMaxZoneWeight = 1000;

// Adds a zone. kind as above; weight 0..1000; mask per dns::AnswerMask (none for
// a country zone, whose answers encode a country); url per validateZoneUrl.
// A second zone of the same kind and name, or a second country zone, is refused.
DnsZone addDnsZone(Poco::Data::Session& session, std::string_view kind, std::string_view zone,
                   double weight, std::string_view mask, std::string_view url,
                   std::string_view note);

// False if there was no such zone.
bool removeDnsZone(Poco::Data::Session& session, std::string_view kind, std::string_view zone);

// Every zone, ordered by kind and name.
std::vector<DnsZone> listDnsZones(Poco::Data::Session& session);

// A refusal's "see" link: http:// or https://, a host, printable ASCII without
// spaces, quotes, '<', '>' or '\', at most 300 characters, and braces only in
// the placeholders {ip}, {domain} and {zone}. Returns it with the scheme in
// lower case; "" stays "" (no link).
std::string validateZoneUrl(std::string_view url);

// The link for one listing: the placeholders replaced (ip: the client's
// address; domain: the listed domain, "" for an IP listing).
std::string expandZoneUrl(std::string_view url, std::string_view ip, std::string_view domain,
                          std::string_view zone);

}  // namespace moat::store
