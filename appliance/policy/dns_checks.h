// The DNS-based SMTP-time checks of one session, run in parallel and without
// blocking anyone else: the client's lookups (PTR, every dnsbl zone, the
// country zone) start at connect, the HELO name's at HELO/EHLO and the sender
// domain's at MAIL; each is awaited only when a recipient needs its Finding
// (bounded by the resolver's timeouts), and a finished first stage starts the
// second early (poll()). Findings never depend on the recipient's domain except
// the country one, which takes that domain's blocked countries. A timeout or
// SERVFAIL is a dns_failure Finding, never a listing (see policy/verdict.h).
#pragma once

#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"
#include "policy/blocklist_lookup.h"
#include "policy/helo_check.h"
#include "policy/helo_name.h"
#include "policy/verdict.h"
#include "mail/address.h"
#include "store/dns_zones.h"

namespace moat::policy {

class DnsChecks {
  public:
    static constexpr std::size_t kMaxPtrNames = 4;  // PTR names tried for forward confirmation

    // resolver null: no lookups (only the HELO syntax check gives a Finding).
    DnsChecks(dns::Resolver* resolver, std::string client_ip,
              const std::vector<store::DnsZone>& zones, Gateway gateway);

    void helo(std::string_view text);          // a (new) HELO/EHLO argument
    void sender(const mail::Address& sender);  // a (new) MAIL FROM
    void poll();                               // non-blocking: starts second stages that can start

    // rdns, fcrdns, one dnsbl Finding per zone. Waits.
    std::vector<Finding> clientFindings();
    // The country check against blocked (alpha-2 or numeric codes); nothing
    // without a country zone or blocked countries. Waits.
    std::optional<Finding> countryFinding(const std::vector<std::string>& blocked);
    // The HELO name's syntax and forgery check; no DNS. Nothing before HELO.
    std::optional<Finding> heloFinding() const;
    // RHSBL of the HELO name, sender_domain, RHSBL of the sender domain. Waits.
    std::vector<Finding> domainFindings();

    // The forward-confirmed PTR name, "" if there is none. Waits.
    std::string confirmedName();
    // The same without waiting; nothing while the lookups are still out.
    std::optional<std::string> confirmedNameNow();
    // The MAIL FROM domain the checks look at; "" for <>, an address literal or none yet.
    const std::string& senderDomain() const { return sender_domain_; }

  private:
    void startForward();  // the PTR answer is in: look its names up
    void finishReverse();

    dns::Resolver* resolver_;
    std::string client_ip_;
    Gateway gateway_;
    std::vector<store::DnsZone> rhsbl_zones_;

    std::future<dns::NameResult> ptr_;
    std::optional<dns::NameResult> ptr_answer_;
    std::vector<std::pair<std::string, std::future<dns::AddressResult>>> forward_;
    std::optional<std::string> confirmed_;  // set by finishReverse
    std::vector<Finding> reverse_findings_;
    std::vector<BlocklistLookup> dnsbl_;

    std::optional<store::DnsZone> country_zone_;
    std::future<dns::AddressResult> country_;
    std::optional<dns::AddressResult> country_answer_;

    std::string helo_text_;
    std::optional<HeloName> helo_;
    std::vector<BlocklistLookup> helo_rhsbl_;

    bool have_sender_ = false;
    mail::Address sender_;
    std::string sender_domain_;
    std::future<dns::MxResult> mx_;
    std::future<dns::AddressResult> sender_addresses_;
    std::optional<Finding> sender_finding_;
    std::vector<BlocklistLookup> sender_rhsbl_;
};

}  // namespace moat::policy
