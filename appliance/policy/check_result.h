// What one policy check concluded, as the message log records it. A typed
// word: the enum below, its wire names defined once (kCheckResults, served to
// the console by GET /api/v1/vocabulary). A string literal converts to it
// only if it is one of the names, checked when the code is compiled
// ({"virus", "skip", 0, ...} builds, "skiped" does not); text from data is
// parsed with CheckResult::parse.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace moat::policy {

class CheckResult {
  public:
    enum Value {
        pass,         // looked, found nothing against the message
        accept,       // decided to accept (relay, allow list, token)
        tag,          // content verdict: relay with the spam tag
        reject,       // refused (5xx)
        tempfail,     // deferred (4xx)
        skip,         // not run (off, not applicable, lookup cap)
        score,        // added its weight to the score
        hit,          // a content rule matched
        dns_failure,  // could not decide: DNS failed
        spam,         // a training message learnt as spam
        ham,          // … as ham
        exception,    // an exception list entry overrode the other lists
        unverified,   // recipient validation could not ask the backend
    };

    constexpr CheckResult(Value v) : value_(v) {}  // NOLINT(google-explicit-constructor)
    // NOLINTNEXTLINE(google-explicit-constructor): literals convert, checked at compile time
    consteval CheckResult(const char* literal) : value_(pass) {
        auto parsed = parse(literal);
        if (!parsed) throw "not a check result: see policy/check_result.h";
        value_ = parsed->value_;
    }

    static constexpr std::optional<CheckResult> parse(std::string_view text);
    constexpr std::string_view name() const;
    constexpr Value value() const { return value_; }
    constexpr bool refuses() const { return value_ == reject || value_ == tempfail; }
    friend constexpr bool operator==(CheckResult a, CheckResult b) { return a.value_ == b.value_; }

  private:
    Value value_;
};

inline constexpr std::array<std::string_view, 13> kCheckResults = {
    "pass", "accept",      "tag",  "reject", "tempfail",  "skip",      "score",
    "hit",  "dns-failure", "spam", "ham",    "exception", "unverified"};

constexpr std::optional<CheckResult> CheckResult::parse(std::string_view text) {
    for (std::size_t i = 0; i < kCheckResults.size(); ++i)
        if (kCheckResults[i] == text) return CheckResult(static_cast<Value>(i));
    return std::nullopt;
}

constexpr std::string_view CheckResult::name() const {
    return kCheckResults[static_cast<std::size_t>(value_)];
}

}  // namespace moat::policy
