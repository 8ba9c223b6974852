// Content scoring in the gateway, after DATA: scores a message (the shared
// content::scoreMessage plus the SMTP-time score carried from RCPT) against
// the strictest thresholds among its recipients' domains and decides accept,
// tag or reject, with the rewritten message to deliver and the check records
// that explain it. Opens its own store session per call (thread-safe).
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/header_rewrite.h"
#include "content/content_score.h"
#include "content/message_score.h"
#include "content/token_table.h"
#include "policy/check_record.h"
#include "policy/settings.h"
#include "policy/uribl_lookup.h"
#include "mail/reply.h"

namespace moat::dns {
class Resolver;
}
namespace moat::store {
class Store;
struct DnsZone;
}  // namespace moat::store

namespace moat::policy {

struct ContentThresholds {
    bool enabled = true;
    double tag = content::kTagScore;
    double reject = content::kRejectScore;
    std::string tag_phrase = "[SPAM?]";
    bool headers_always = false;  // score headers on every message, not only tagged ones
    bool autolearn = false;
    double autolearn_spam = 15;
    double autolearn_ham = -4;
    bool uribl = true;
    std::size_t uribl_max_lookups = 20;
};

// The strictest settings among domains (lowest thresholds; enabled when any
// domain has content scoring on, likewise URIBL; auto-learn only when all
// domains allow it).
// No domains: the global settings.
ContentThresholds strictestThresholds(const Settings& settings,
                                      const std::vector<std::string>& domains);

struct ContentDecision {
    content::ContentVerdict verdict = content::ContentVerdict::accept;
    content::MessageScore score;
    std::optional<mail::Reply> refusal;  // reject (5xx), or a store failure (4xx)
    content::HeaderRewrite rewrite;      // accept and tag: what to change in the header section
    std::vector<CheckRecord> records;    // bayes, heuristic:<name>, smtp-time, content
};

class ContentFilter {
  public:
    // resolver: null for no URI blocklist lookups.
    ContentFilter(const store::Store& store, dns::Resolver* resolver)
        : store_(store), resolver_(resolver) {}

    // raw: the message as received (without our Received field); zones: the
    // DNS zones (those of kind uribl are queried).
    ContentDecision decide(std::string_view raw, const ContentThresholds& limits, double smtp_score,
                           const std::vector<store::DnsZone>& zones);
    // The same for a message already decoded (by the scan worker: a content
    // view, content/content_view.h); raw_gtube: its raw bytes hold GTUBE.
    ContentDecision decide(const content::DecodedMessage& message, bool raw_gtube,
                           const ContentThresholds& limits, double smtp_score,
                           const std::vector<store::DnsZone>& zones);

    // Learns a message forwarded to spam@/ham@: its attached messages
    // (message/rfc822) when it has any, else the message itself. Says what
    // was learnt ("learnt 2 attached messages as spam"). Throws
    // Poco::Exception when the store fails.
    std::string learnForwarded(std::string_view raw, bool spam);

  private:
    // Store sessions kept between messages: opening SQLite per message cost
    // more than the whole Bayes lookup. Taken by one thread at a time.
    Poco::Data::Session takeSession();
    void giveBack(Poco::Data::Session session);
    // The in-memory copy of the classifier to score with, reloaded when the
    // store's copy has changed (checked at most every kTableCheck; one
    // thread reloads while the others go on with the old copy, or with the
    // store until there is one). Null only before the first load. Learning
    // by forwarding makes the next message check at once.
    std::shared_ptr<const content::TokenTable> currentTable(content::BayesStore& store);

    const store::Store& store_;
    dns::Resolver* resolver_;
    std::mutex pool_mutex_;
    std::vector<Poco::Data::Session> pool_;
    std::mutex table_mutex_;
    std::shared_ptr<const content::TokenTable> table_;
    std::chrono::steady_clock::time_point table_checked_{};
    bool table_loading_ = false;
};

inline constexpr std::chrono::seconds kTableCheck{10};

// The URI blocklist part of a message's score (nothing without uribl zones or
// with uribl.action off): the gateway's and moatctl score's one way to add it.
// uri_hosts: the message's link hosts, as its content score found them
// (content::MessageScore::uri_hosts).
UriblResult uriblPart(dns::Resolver& resolver, const std::vector<store::DnsZone>& zones,
                      const std::vector<std::string>& uri_hosts, const ContentThresholds& limits);

// zones plus the uribl zones named only in the uribl.zones setting (weight 5,
// any 127.x.y.z answer).
std::vector<store::DnsZone> withSettingZones(std::vector<store::DnsZone> zones,
                                             const Settings& settings);

// The X-Moat-Score and X-Spam-Status fields for a score (CRLF-terminated).
std::string scoreHeaders(const content::MessageScore& score, const ContentThresholds& limits);

}  // namespace moat::policy
