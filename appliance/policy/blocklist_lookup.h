// One question to one blocklist zone: "is this client IP (dnsbl) or this
// domain (rhsbl) listed?". The A query starts at construction; when an answer
// inside the zone's mask arrives, poll() or finding() asks for the TXT reason
// too. finding() waits and gives the check's Finding: a hit with the zone's
// weight and a 554 5.7.1 refusal naming the zone (and its URL), clean, or a
// DNS failure (timeout/SERVFAIL never becomes a listing).
#pragma once

#include <future>
#include <optional>
#include <string>

#include "dns/answer_mask.h"
#include "dns/resolver.h"
#include "policy/verdict.h"
#include "store/dns_zones.h"

namespace moat::policy {

class BlocklistLookup {
  public:
    // check: "dnsbl" or "rhsbl"; subject: what the refusal calls the listed
    // thing ("client [192.0.2.1]", "sender domain example.com", "HELO name
    // host.example"); ip: the client's; domain: the listed domain ("" for dnsbl).
    BlocklistLookup(dns::Resolver& resolver, const store::DnsZone& zone, std::string check,
                    std::string subject, std::string ip, std::string domain);

    void poll();  // non-blocking: starts the TXT query once a listing has arrived
    Finding
    finding();  // waits (bounded by the resolver's timeouts); the same Finding on every call

  private:
    void take();  // the A answer is in: decide, and ask for the TXT reason if listed

    dns::Resolver& resolver_;
    store::DnsZone zone_;
    std::optional<dns::AnswerMask> mask_;
    std::string check_, subject_, ip_, domain_;
    std::string query_;
    std::future<dns::AddressResult> a_;
    std::future<dns::TextResult> txt_;
    std::optional<dns::AddressResult> answer_;
    std::vector<std::string> listed_;  // answers inside the mask
    std::optional<Finding> finding_;
};

}  // namespace moat::policy
