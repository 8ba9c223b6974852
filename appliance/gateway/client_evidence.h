// What the gateway learns about the client over a session, and the SMTP-time
// verdict built from it: the DNS checks started at connect, HELO and MAIL
// (reverse DNS, DNSBLs, HELO, sender domain, RHSBLs, country), the client
// behaviour noted as bot signs, and the forward-confirmed client name.
// verdict() applies one protected domain's settings to all of it, skipping
// the DNS-based checks when an exception list entry covers the client.
#pragma once

#include "policy/dns_checks.h"
#include "policy/verdict.h"
#include "store/domains.h"

#include <Poco/Net/IPAddress.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moat::dns {
class Resolver;
}
namespace moat::policy {
class ListHits;
struct PolicySnapshot;
}  // namespace moat::policy

namespace moat::gateway {

struct TransactionRecord;

class ClientEvidence {
  public:
    ClientEvidence(dns::Resolver* resolver, const std::string& client_ip, const Poco::Net::IPAddress& peer,
                   const policy::PolicySnapshot& snapshot, policy::Gateway gateway, policy::ListHits& list_hits);

    void helo(std::string_view name);
    void sender(const mail::Address& sender);
    void add(policy::Finding finding) { session_findings_.push_back(std::move(finding)); }

    // The SMTP-time verdict for a recipient in domain: a refusal, or nothing
    // (with a refusal after DATA or the score kept in record). Records the
    // checks once per domain in the transaction.
    std::optional<mail::Reply> verdict(const policy::PolicySnapshot& snapshot, const store::Domain& domain,
                                       TransactionRecord& record);

    // The forward-confirmed name, "unknown" until known; wait: wait for the lookups.
    const std::string& clientName(bool wait = false);

  private:
    std::vector<policy::Finding> dnsFindings(const policy::PolicySnapshot& snapshot, const store::Domain& domain,
                                             TransactionRecord& record);

    std::string client_ip_;
    Poco::Net::IPAddress peer_;
    policy::ListHits& list_hits_;
    std::unique_ptr<policy::DnsChecks> dns_checks_;
    std::vector<policy::Finding> session_findings_;  // client-level results not from DNS (bot behaviour)
    std::string client_name_ = "unknown";
};

}  // namespace moat::gateway
