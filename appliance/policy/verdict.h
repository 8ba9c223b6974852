// How SMTP-time check findings become a decision. A check (rdns, dnsbl, helo,
// bot, ...) produces Findings that do not depend on the recipient's domain;
// evaluate() applies one domain's settings to them: each check's action
// (off, score, tempfail, reject) and weight, then the domain's score.reject
// threshold. The result says whether to refuse, with which reply, and the
// CheckRecords that explain it in the message log.
#pragma once

#include "policy/check_record.h"
#include "policy/settings.h"
#include "mail/reply.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::policy {

enum class Action { off, score, tempfail, reject };
Action parseAction(std::string_view text);  // anything unknown is off

struct Finding {
    enum class State { clean, hit, dns_failure };
    std::string check;  // the settings prefix: "<check>.action", "<check>.weight"
    State state = State::clean;
    double weight = -1;  // >= 0: this finding's own weight (a zone's); < 0: the <check>.weight setting
    std::string detail;  // plain words for the message log
    // What a refusal says, naming the check: e.g. 554 5.7.1 "Service unavailable;
    // client [192.0.2.1] listed by zen.example; see https://...". With action
    // tempfail the same text goes out as 451 4.7.1.
    mail::Reply refusal;
    // dns_failure only: the reply when the action refuses (e.g. 450 4.1.8 for
    // an unresolvable sender domain); when empty, dns.failure decides.
    std::optional<mail::Reply> failure_reply;

    static Finding clean(std::string check, std::string detail) {
        return Finding{std::move(check), State::clean, -1, std::move(detail), {}, std::nullopt};
    }
    static Finding hit(std::string check, std::string detail, mail::Reply refusal, double weight = -1) {
        return Finding{std::move(check), State::hit, weight, std::move(detail), std::move(refusal), std::nullopt};
    }
    static Finding dnsFailure(std::string check, std::string detail,
                              std::optional<mail::Reply> failure_reply = std::nullopt) {
        return Finding{std::move(check), State::dns_failure, -1, std::move(detail), {}, std::move(failure_reply)};
    }
};

struct Evaluation {
    std::optional<mail::Reply> refusal;   // refuse now (at RCPT)
    std::optional<mail::Reply> after_data;  // over the threshold with score.reject_at = data
    double score = 0;
    std::vector<CheckRecord> records;
};

// Applies domain's settings to findings, in order; the first refusing finding
// decides. The threshold is checked only when nothing refused outright.
Evaluation evaluate(const std::vector<Finding>& findings, const Settings& settings, std::string_view domain);

}  // namespace moat::policy
