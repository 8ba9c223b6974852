#include "policy/dns_checks.h"

#include <chrono>

#include "dns/names.h"
#include "net/cidr.h"
#include "policy/countries.h"
#include "util/log.h"

namespace moat::policy {
namespace {

template <typename T>
bool ready(const std::future<T>& f) {
    return f.valid() && f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

bool failed(dns::Status s) {
    return s == dns::Status::timeout || s == dns::Status::servfail;
}

std::string canonical(const std::string& ip) {
    auto parsed = net::parseIp(ip);
    return parsed ? net::canonicalIp(*parsed) : ip;
}

}  // namespace

DnsChecks::DnsChecks(dns::Resolver* resolver, std::string client_ip,
                     const std::vector<store::DnsZone>& zones, Gateway gateway)
    : resolver_(resolver), client_ip_(std::move(client_ip)), gateway_(std::move(gateway)) {
    if (!resolver_) return;
    ptr_ = resolver_->ptrAsync(client_ip_);
    dnsbl_.reserve(zones.size());
    for (const auto& z : zones) {
        if (z.kind == "dnsbl")
            dnsbl_.emplace_back(*resolver_, z, "dnsbl", "client [" + client_ip_ + "]", client_ip_,
                                "");
        if (z.kind == "rhsbl") rhsbl_zones_.push_back(z);
        if (z.kind == "country" && !country_zone_) {
            country_zone_ = z;
            if (auto name = dns::blocklistName(client_ip_, z.zone))
                country_ = resolver_->aAsync(*name);
        }
    }
}

void DnsChecks::helo(std::string_view text) {
    helo_text_ = std::string(text);
    helo_ = parseHeloName(text);
    helo_rhsbl_.clear();
    if (!resolver_ || helo_->kind != HeloName::Kind::name) return;
    helo_rhsbl_.reserve(rhsbl_zones_.size());
    for (const auto& z : rhsbl_zones_)
        helo_rhsbl_.emplace_back(*resolver_, z, "rhsbl", "HELO name " + helo_->value, client_ip_,
                                 helo_->value);
}

void DnsChecks::sender(const mail::Address& sender) {
    have_sender_ = true;
    sender_ = sender;
    sender_domain_.clear();
    sender_finding_.reset();
    sender_rhsbl_.clear();
    mx_ = {};
    sender_addresses_ = {};
    if (sender.null) {
        sender_finding_ = Finding::clean("sender_domain", "null sender <>: no domain to check");
        return;
    }
    if (sender.domain_literal) {
        sender_finding_ = Finding::clean(
            "sender_domain", "sender domain " + sender.domain + " is an address literal");
        return;
    }
    for (unsigned char c : sender.domain) {
        if (c >= 0x80) {
            sender_finding_ = Finding::clean("sender_domain",
                                             "sender domain " + log::printable(sender.domain, 100) +
                                                 " is internationalised (UTF-8): not checked");
            return;
        }
    }
    sender_domain_ = sender.domain;
    if (!resolver_) return;
    mx_ = resolver_->mxAsync(sender_domain_);
    sender_addresses_ = resolver_->addressesAsync(sender_domain_);
    sender_rhsbl_.reserve(rhsbl_zones_.size());
    for (const auto& z : rhsbl_zones_)
        sender_rhsbl_.emplace_back(*resolver_, z, "rhsbl", "sender domain " + sender_domain_,
                                   client_ip_, sender_domain_);
}

void DnsChecks::poll() {
    if (!resolver_) return;
    if (!ptr_answer_ && ready(ptr_)) {
        ptr_answer_ = ptr_.get();
        startForward();
    }
    for (auto& l : dnsbl_) l.poll();
    for (auto& l : helo_rhsbl_) l.poll();
    for (auto& l : sender_rhsbl_) l.poll();
}

void DnsChecks::startForward() {
    if (ptr_answer_->status != dns::Status::ok) return;
    for (const auto& name : ptr_answer_->names) {
        if (forward_.size() == kMaxPtrNames) break;
        if (auto n = dns::canonicalName(name))
            forward_.emplace_back(*n, resolver_->addressesAsync(*n));
    }
}

void DnsChecks::finishReverse() {
    if (confirmed_ || !resolver_) return;
    if (!ptr_answer_) {
        ptr_answer_ = ptr_.get();
        startForward();
    }
    std::string client = "[" + client_ip_ + "]";
    const auto& ptr = *ptr_answer_;
    auto no_name = mail::reply(
        550, "5.7.1", "Client host rejected: cannot find your reverse hostname, " + client);
    if (failed(ptr.status)) {
        std::string why =
            "PTR lookup for " + client + " failed (" + std::string(dns::toString(ptr.status)) + ")";
        reverse_findings_ = {Finding::dnsFailure("rdns", why), Finding::dnsFailure("fcrdns", why)};
        confirmed_ = "";
        return;
    }
    if (ptr.status != dns::Status::ok || ptr.names.empty()) {
        std::string why =
            client + " has no PTR name (" + std::string(dns::toString(ptr.status)) + ")";
        reverse_findings_ = {Finding::hit("rdns", why, no_name),
                             Finding::hit("fcrdns", why, no_name)};
        confirmed_ = "";
        return;
    }
    std::string names;
    for (const auto& n : ptr.names) names += (names.empty() ? "" : ", ") + log::printable(n, 100);
    reverse_findings_ = {Finding::clean("rdns", client + " has PTR name " + names)};
    bool failure = false;
    for (auto& [name, future] : forward_) {
        auto addresses = future.get();
        failure |= failed(addresses.status);
        for (const auto& a : addresses.addresses) {
            if (canonical(a) == client_ip_ && !confirmed_) confirmed_ = name;
        }
    }
    if (confirmed_) {
        reverse_findings_.push_back(
            Finding::clean("fcrdns", *confirmed_ + " resolves back to " + client));
    } else if (failure) {
        reverse_findings_.push_back(Finding::dnsFailure(
            "fcrdns", "forward lookup of " + names + " failed; cannot confirm " + client));
        confirmed_ = "";
    } else {
        reverse_findings_.push_back(
            Finding::hit("fcrdns", "PTR name " + names + " does not resolve back to " + client,
                         mail::reply(550, "5.7.1",
                                     "Client host rejected: reverse hostname " + names +
                                         " does not resolve back to " + client)));
        confirmed_ = "";
    }
}

std::vector<Finding> DnsChecks::clientFindings() {
    if (!resolver_) return {};
    finishReverse();
    std::vector<Finding> out = reverse_findings_;
    for (auto& l : dnsbl_) out.push_back(l.finding());
    return out;
}

std::optional<Finding> DnsChecks::countryFinding(const std::vector<std::string>& blocked) {
    if (!resolver_ || !country_zone_ || blocked.empty()) return std::nullopt;
    std::string client = "client [" + client_ip_ + "]";
    const std::string& zone = country_zone_->zone;
    if (!country_answer_) {
        if (!country_.valid())
            return Finding::clean("country", client + ": no lookup name in " + zone);
        country_answer_ = country_.get();
    }
    const auto& answer = *country_answer_;
    if (failed(answer.status))
        return Finding::dnsFailure("country", client + ": lookup in " + zone + " failed (" +
                                                  dns::toString(answer.status) + ")");
    const Country* country = nullptr;
    for (const auto& a : answer.addresses)
        if (auto code = countryCodeFromAnswer(a); code && !country)
            country = countryByNumeric(*code);
    if (!country) return Finding::clean("country", client + ": country not known to " + zone);
    std::string where =
        client + " is in " + std::string(country->name) + " (" + std::string(country->alpha2) + ")";
    for (const auto& b : blocked) {
        if (parseCountry(b) == country)
            return Finding::hit("country", where + ", a blocked country",
                                mail::reply(554, "5.7.1",
                                            "Service unavailable; client [" + client_ip_ +
                                                "] is in a blocked country (" +
                                                std::string(country->alpha2) + ")"));
    }
    return Finding::clean("country", where + ", not a blocked country");
}

std::optional<Finding> DnsChecks::heloFinding() const {
    if (!helo_) return std::nullopt;
    return policy::heloFinding(helo_text_, *helo_, client_ip_, gateway_);
}

std::vector<Finding> DnsChecks::domainFindings() {
    std::vector<Finding> out;
    if (!resolver_) return out;
    for (auto& l : helo_rhsbl_) out.push_back(l.finding());
    if (!have_sender_) return out;
    if (!sender_finding_) {
        const std::string& d = sender_domain_;
        auto mx = mx_.get();
        auto addresses = sender_addresses_.get();
        auto not_found =
            mail::reply(550, "5.1.8", "Sender address rejected: domain " + d + " not found");
        if (mx.status == dns::Status::ok && mx.records.size() == 1 &&
            mx.records.front().host.empty()) {
            sender_finding_ = Finding::hit(
                "sender_domain",
                "sender domain " + d + " has a null MX: it sends and accepts no mail",
                mail::reply(550, "5.7.27",
                            "Sender address rejected: domain " + d + " accepts no mail (null MX)"));
        } else if (mx.status == dns::Status::ok) {
            sender_finding_ = Finding::clean(
                "sender_domain", "sender domain " + d + " has MX " + mx.records.front().host);
        } else if (mx.status == dns::Status::nxdomain) {
            sender_finding_ = Finding::hit(
                "sender_domain", "sender domain " + d + " does not exist (nxdomain)", not_found);
        } else if (addresses.status == dns::Status::ok) {
            sender_finding_ =
                Finding::clean("sender_domain", "sender domain " + d + " has address " +
                                                    addresses.addresses.front());
        } else if (failed(mx.status) || failed(addresses.status)) {
            sender_finding_ = Finding::dnsFailure(
                "sender_domain",
                "cannot resolve sender domain " + d + " (MX " + dns::toString(mx.status) +
                    ", A/AAAA " + dns::toString(addresses.status) + ")",
                mail::reply(
                    450, "4.1.8",
                    "Sender address rejected: cannot resolve domain " + d + "; try again later"));
        } else {
            sender_finding_ = Finding::hit("sender_domain",
                                           "sender domain " + d + " has no MX, A or AAAA record (" +
                                               dns::toString(mx.status) + ")",
                                           not_found);
        }
    }
    out.push_back(*sender_finding_);
    for (auto& l : sender_rhsbl_) out.push_back(l.finding());
    return out;
}

std::string DnsChecks::confirmedName() {
    finishReverse();
    return confirmed_.value_or("");
}

std::optional<std::string> DnsChecks::confirmedNameNow() {
    if (!resolver_) return std::string();
    poll();
    if (confirmed_) return confirmed_;
    if (!ptr_answer_) return std::nullopt;
    for (const auto& [name, future] : forward_)
        if (!ready(future)) return std::nullopt;
    finishReverse();
    return confirmed_;
}

}  // namespace moat::policy
