#include "policy/blocklist_lookup.h"

#include <chrono>

#include "dns/names.h"
#include "util/log.h"

namespace moat::policy {

BlocklistLookup::BlocklistLookup(dns::Resolver& resolver, const store::DnsZone& zone,
                                 std::string check, std::string subject, std::string ip,
                                 std::string domain)
    : resolver_(resolver),
      zone_(zone),
      mask_(dns::AnswerMask::parse(zone.mask)),
      check_(std::move(check)),
      subject_(std::move(subject)),
      ip_(std::move(ip)),
      domain_(std::move(domain)) {
    std::optional<std::string> name = domain_.empty()
                                          ? dns::blocklistName(ip_, zone_.zone)
                                          : dns::canonicalName(domain_ + "." + zone_.zone);
    if (name && mask_) {
        query_ = *name;
        a_ = resolver_.aAsync(query_);
    }
}

void BlocklistLookup::take() {
    answer_ = a_.get();
    if (answer_->status != dns::Status::ok) return;
    for (const auto& a : answer_->addresses)
        if (mask_->matches(a)) listed_.push_back(a);
    if (!listed_.empty()) txt_ = resolver_.txtAsync(query_);
}

void BlocklistLookup::poll() {
    if (!answer_ && a_.valid() && a_.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
        take();
}

Finding BlocklistLookup::finding() {
    if (finding_) return *finding_;
    const std::string& zone = zone_.zone;
    if (query_.empty()) {
        // A stored zone always parses and the names fit (store::kMaxZoneName): a damaged row.
        finding_ =
            Finding::clean(check_, subject_ + ": zone " + zone + " skipped (invalid zone data)");
        return *finding_;
    }
    if (!answer_) take();
    switch (answer_->status) {
        case dns::Status::ok:
            break;
        case dns::Status::nxdomain:
        case dns::Status::nodata:
            finding_ = Finding::clean(check_, subject_ + " not listed by " + zone);
            return *finding_;
        case dns::Status::timeout:
        case dns::Status::servfail:
            finding_ = Finding::dnsFailure(check_, subject_ + ": lookup in " + zone + " failed (" +
                                                       dns::toString(answer_->status) + ")");
            return *finding_;
    }
    std::string answers;
    for (const auto& a : answer_->addresses) answers += (answers.empty() ? "" : ", ") + a;
    if (listed_.empty()) {
        finding_ = Finding::clean(check_, subject_ + " not listed by " + zone + " (answer " +
                                              answers + " outside the zone's mask)");
        return *finding_;
    }
    std::string detail = subject_ + " listed by " + zone + " (answer " + answers;
    if (txt_.valid()) {
        auto txt = txt_.get();
        if (txt.status == dns::Status::ok && !txt.texts.empty())
            detail += ": " + log::printable(txt.texts.front(), 200);
    }
    detail += ")";
    std::string text = "Service unavailable; " + subject_ + " listed by " + zone;
    if (!zone_.url.empty()) text += "; see " + store::expandZoneUrl(zone_.url, ip_, domain_, zone);
    finding_ =
        Finding::hit(check_, std::move(detail), mail::reply(554, "5.7.1", text), zone_.weight);
    return *finding_;
}

}  // namespace moat::policy
