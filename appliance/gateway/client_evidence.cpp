#include "gateway/client_evidence.h"

#include "gateway/transaction_record.h"
#include "mail/client_text.h"
#include "policy/lists.h"
#include "policy/policy_cache.h"
#include "store/store.h"
#include "util/log.h"

#include <Poco/String.h>

#include <algorithm>

namespace moat::gateway {

ClientEvidence::ClientEvidence(dns::Resolver* resolver, const std::string& client_ip, const Poco::Net::IPAddress& peer,
                               const policy::PolicySnapshot& snapshot, policy::Gateway gateway,
                               policy::ListHits& list_hits)
    : client_ip_(client_ip),
      peer_(peer),
      list_hits_(list_hits),
      dns_checks_(std::make_unique<policy::DnsChecks>(resolver, client_ip, snapshot.zones, std::move(gateway))) {}

void ClientEvidence::helo(std::string_view name) {
    dns_checks_->helo(name);
    dns_checks_->poll();
}

void ClientEvidence::sender(const mail::Address& sender) {
    dns_checks_->sender(sender);
    dns_checks_->poll();
}

const std::string& ClientEvidence::clientName(bool wait) {
    if (client_name_ == "unknown") {
        auto name = wait ? std::optional<std::string>(dns_checks_->confirmedName()) : dns_checks_->confirmedNameNow();
        if (name && !name->empty()) client_name_ = mail::clientText(*name);
    }
    return client_name_;
}

std::vector<policy::Finding> ClientEvidence::dnsFindings(const policy::PolicySnapshot& snapshot,
                                                         const store::Domain& domain, TransactionRecord& record) {
    std::vector<policy::Finding> out;
    if (auto helo = dns_checks_->heloFinding()) out.push_back(std::move(*helo));
    const auto& lists = *snapshot.lists;
    const auto& sender_domain = dns_checks_->senderDomain();
    // An exception by address or sender domain needs no lookup; one by name waits for the PTR.
    auto exception = lists.exception(domain.id, peer_, "", sender_domain);
    if (!exception) exception = lists.exception(domain.id, peer_, dns_checks_->confirmedName(), sender_domain);
    clientName();
    if (exception) {
        list_hits_.record(exception->id, store::nowSeconds());
        if (!record.evaluated.count(Poco::toLower(domain.name)))
            record.note("list", "exception",
                        "DNS checks skipped for " + domain.name + " by " + exception->describe() +
                            (exception->note.empty() ? "" : ": " + log::printable(exception->note)));
        return out;
    }
    auto client = dns_checks_->clientFindings();
    out.insert(out.begin(), client.begin(), client.end());
    if (auto country = dns_checks_->countryFinding(snapshot.settings.list("country.blocked", domain.name)))
        out.push_back(std::move(*country));
    auto domains = dns_checks_->domainFindings();
    out.insert(out.end(), domains.begin(), domains.end());
    return out;
}

std::optional<mail::Reply> ClientEvidence::verdict(const policy::PolicySnapshot& snapshot,
                                                   const store::Domain& domain, TransactionRecord& record) {
    std::vector<policy::Finding> findings = session_findings_;
    auto dns = dnsFindings(snapshot, domain, record);
    findings.insert(findings.end(), dns.begin(), dns.end());
    if (findings.empty()) return std::nullopt;
    auto ev = policy::evaluate(findings, snapshot.settings, domain.name);
    if (record.evaluated.insert(Poco::toLower(domain.name)).second || ev.refusal)
        record.checks.insert(record.checks.end(), ev.records.begin(), ev.records.end());
    if (ev.refusal) return ev.refusal;
    if (ev.after_data && !record.after_data) record.after_data = std::move(ev.after_data);
    record.smtp_score = std::max(record.smtp_score, ev.score);
    return std::nullopt;
}

}  // namespace moat::gateway
