#include "policy/content_filter.h"

#include <Poco/Exception.h>

#include <algorithm>

#include "content/bayes_classifier.h"
#include "content/bayes_store.h"
#include "content/gtube.h"
#include "content/header_rewrite.h"
#include "content/mime_decoder.h"
#include "policy/uribl_lookup.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

namespace moat::policy {

ContentThresholds strictestThresholds(const Settings& settings,
                                      const std::vector<std::string>& domains) {
    auto one = [&](std::string_view domain) {
        ContentThresholds t;
        t.enabled = settings.boolean("content.enabled", domain);
        t.tag = settings.number("content.tag_score", domain);
        t.reject = settings.number("content.reject_score", domain);
        t.tag_phrase = settings.get("content.tag_phrase", domain);
        t.headers_always = settings.get("content.score_headers", domain) == "always";
        t.autolearn = settings.boolean("content.autolearn", domain);
        t.autolearn_spam = settings.number("content.autolearn_spam", domain);
        t.autolearn_ham = settings.number("content.autolearn_ham", domain);
        t.uribl = settings.get("uribl.action", domain) == "score";
        t.uribl_max_lookups =
            static_cast<std::size_t>(settings.integer("uribl.max_lookups", domain));
        return t;
    };
    if (domains.empty()) return one({});
    ContentThresholds out = one(domains.front());
    for (std::size_t i = 1; i < domains.size(); ++i) {
        ContentThresholds t = one(domains[i]);
        out.enabled = out.enabled || t.enabled;
        if (t.tag < out.tag) {
            out.tag = t.tag;
            out.tag_phrase = t.tag_phrase;
        }
        out.reject = std::min(out.reject, t.reject);
        out.headers_always = out.headers_always || t.headers_always;
        out.autolearn = out.autolearn && t.autolearn;
        out.autolearn_spam = std::max(out.autolearn_spam, t.autolearn_spam);
        out.autolearn_ham = std::min(out.autolearn_ham, t.autolearn_ham);
        out.uribl = out.uribl || t.uribl;
        out.uribl_max_lookups = std::max(out.uribl_max_lookups, t.uribl_max_lookups);
    }
    return out;
}

Poco::Data::Session ContentFilter::takeSession() {
    {
        std::lock_guard lock(pool_mutex_);
        if (!pool_.empty()) {
            auto session = std::move(pool_.back());
            pool_.pop_back();
            return session;
        }
    }
    return store_.connect();
}

void ContentFilter::giveBack(Poco::Data::Session session) {
    std::lock_guard lock(pool_mutex_);
    if (pool_.size() < 16) pool_.push_back(std::move(session));
}

UriblResult uriblPart(dns::Resolver& resolver, const std::vector<store::DnsZone>& zones,
                      const std::vector<std::string>& uri_hosts, const ContentThresholds& limits) {
    if (!limits.uribl || std::none_of(zones.begin(), zones.end(),
                                      [](const store::DnsZone& z) { return z.kind == "uribl"; }))
        return {};
    return uriblLookup(resolver, zones, uri_hosts, limits.uribl_max_lookups);
}

std::vector<store::DnsZone> withSettingZones(std::vector<store::DnsZone> zones,
                                             const Settings& settings) {
    for (const auto& name : settings.list("uribl.zones")) {
        bool known = std::any_of(zones.begin(), zones.end(), [&](const store::DnsZone& z) {
            return z.kind == "uribl" && z.zone == name;
        });
        if (known) continue;
        store::DnsZone zone;
        zone.kind = "uribl";
        zone.zone = name;
        zones.push_back(std::move(zone));
    }
    return zones;
}

std::string scoreHeaders(const content::MessageScore& score, const ContentThresholds& limits) {
    double total = score.total();
    bool spam = score.gtube || total >= limits.tag;
    return "X-Moat-Score: " + score.summary() + "\r\nX-Spam-Status: " + (spam ? "Yes" : "No") +
           ", score=" + content::formatScore(total) + " tag=" + content::formatScore(limits.tag) +
           " reject=" + content::formatScore(limits.reject) + "\r\n";
}

std::shared_ptr<const content::TokenTable> ContentFilter::currentTable(content::BayesStore& store) {
    auto now = std::chrono::steady_clock::now();
    std::shared_ptr<const content::TokenTable> current;
    {
        std::lock_guard lock(table_mutex_);
        current = table_;
        if (table_loading_ || (current && now - table_checked_ < kTableCheck)) return current;
        table_loading_ = true;
        table_checked_ = now;
    }
    std::shared_ptr<const content::TokenTable> fresh;
    try {
        if (!current || store.generation() != current->generation()) {
            fresh = content::TokenTable::load(store, current);
            log::info("content: classifier loaded, " + std::to_string(fresh->size()) + " tokens" +
                      (fresh->charModel() ? ", character model of " +
                                                std::to_string(fresh->charModel()->entries()) + " keys"
                                          : std::string()));
            if (!fresh->totals().logisticCurrent())
                log::warning("content: the classifier's logistic model was trained by an older version and is "
                             "left out until it is retrained (moat-retrain.timer, or: moatctl bayes retrain)");
        }
    } catch (...) {
        std::lock_guard lock(table_mutex_);
        table_loading_ = false;
        throw;
    }
    std::lock_guard lock(table_mutex_);
    table_loading_ = false;
    if (fresh) table_ = std::move(fresh);
    return table_;
}

ContentDecision ContentFilter::decide(std::string_view raw, const ContentThresholds& limits,
                                      double smtp_score, const std::vector<store::DnsZone>& zones) {
    return decide(content::decodeMessage(raw), content::containsGtube(raw), limits, smtp_score, zones);
}

ContentDecision ContentFilter::decide(const content::DecodedMessage& message, bool raw_gtube,
                                      const ContentThresholds& limits, double smtp_score,
                                      const std::vector<store::DnsZone>& zones) {
    ContentDecision d;
    std::int64_t now = util::policyNow();
    try {
        auto session = takeSession();
        content::BayesStore bayes(session);
        content::BayesClassifier classifier(bayes, currentTable(bayes));
        d.score = content::scoreMessage(message, raw_gtube, classifier, now);
        if (!d.score.gtube && resolver_) {
            auto uribl = uriblPart(*resolver_, zones, d.score.uri_hosts, limits);
            d.score.parts.insert(d.score.parts.end(), uribl.parts.begin(), uribl.parts.end());
            d.records.insert(d.records.end(), uribl.records.begin(), uribl.records.end());
        }
        if (!d.score.gtube)
            d.score.parts.push_back(
                {"smtp-time", smtp_score, "the SMTP-time checks scored the client and sender"});
        double total = d.score.total();
        if (limits.autolearn && !d.score.gtube &&
            (total >= limits.autolearn_spam || total <= limits.autolearn_ham)) {
            bool spam = total >= limits.autolearn_spam;
            classifier.learn(message, spam, now);
            d.records.push_back({"autolearn", spam ? CheckResult::spam : CheckResult::ham, 0,
                                 "learnt as " + std::string(spam ? "spam" : "ham") + " (score " +
                                     content::formatScore(total) + ")"});
        }
        giveBack(std::move(session));  // not after a failure: that session is dropped
    } catch (const Poco::Exception& e) {
        log::warning("content: Bayes store unavailable: " + e.displayText());
        d.records.push_back({"content", "tempfail", 0, "Bayes store unavailable"});
        d.refusal =
            mail::reply(451, "4.3.0", "Temporary failure scoring the message, try again later");
        return d;
    }

    for (const auto& p : d.score.parts) {
        std::string check = p.name == "bayes" || p.name == "smtp-time" || p.name == "gtube" ? p.name
                            : p.name.rfind("uribl ", 0) == 0 ? std::string("uribl")
                                                             : "heuristic:" + p.name;
        d.records.push_back({std::move(check), p.points > 0 ? CheckResult::hit : CheckResult::pass, p.points,
                             p.reason});
    }
    double total = d.score.total();
    d.verdict = d.score.gtube ? content::ContentVerdict::reject
                              : content::contentVerdict(total, limits.tag, limits.reject);
    std::string summary = "score " + d.score.summary() + "; tag at " +
                          content::formatScore(limits.tag) + ", reject at " +
                          content::formatScore(limits.reject);
    const CheckResult verdict = d.verdict == content::ContentVerdict::reject ? CheckResult::reject
                                : d.verdict == content::ContentVerdict::tag  ? CheckResult::tag
                                                                             : CheckResult::accept;
    d.records.push_back({"content", verdict, total, summary});
    if (d.verdict == content::ContentVerdict::reject) {
        d.refusal = mail::reply(
            550, "5.7.1",
            "Message rejected as spam (score " +
                (d.score.gtube ? std::string("GTUBE") : content::formatScore(total)) + ", limit " +
                content::formatScore(limits.reject) + "): " + d.score.topReasons());
        return d;
    }
    content::HeaderRewrite rewrite;
    if (d.verdict == content::ContentVerdict::tag || limits.headers_always)
        rewrite.add = scoreHeaders(d.score, limits);
    if (d.verdict == content::ContentVerdict::tag) rewrite.subject_prefix = limits.tag_phrase;
    d.rewrite = std::move(rewrite);
    return d;
}

}  // namespace moat::policy

namespace moat::policy {

std::string ContentFilter::learnForwarded(std::string_view raw, bool spam) {
    // A person's correction shows at the next message, not after kTableCheck.
    struct Recheck {
        ContentFilter& filter;
        ~Recheck() {
            std::lock_guard lock(filter.table_mutex_);
            filter.table_checked_ = {};
        }
    } recheck{*this};
    auto forwarded = content::decodeMessage(raw);
    auto session = store_.connect();
    content::BayesStore bayes(session);
    content::BayesClassifier classifier(bayes);
    std::int64_t now = util::policyNow();
    const char* as = spam ? "spam" : "ham";
    if (forwarded.attached_messages.empty()) {
        auto outcome = classifier.learn(forwarded, spam, now);
        return outcome == content::LearnOutcome::already_known
                   ? std::string("message already learnt as ") + as
                   : std::string("learnt the message as ") + as;
    }
    std::size_t learnt = 0;
    for (const auto& attached : forwarded.attached_messages)
        if (classifier.learn(content::decodeMessage(attached), spam, now) !=
            content::LearnOutcome::already_known)
            ++learnt;
    std::size_t n = forwarded.attached_messages.size();
    return "learnt " + std::to_string(learnt) + " of " + std::to_string(n) + " attached message" +
           (n == 1 ? "" : "s") + " as " + as;
}

}  // namespace moat::policy
