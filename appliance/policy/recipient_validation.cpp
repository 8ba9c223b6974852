#include "policy/recipient_validation.h"

#include "util/ascii_text.h"
#include "util/log.h"

namespace moat::policy {

std::optional<mail::Reply> validateRecipient(const PolicySnapshot& snapshot,
                                             const store::Domain& domain, const mail::Address& rcpt,
                                             Callout& callout, std::vector<CheckRecord>& checks) {
    const auto& settings = snapshot.settings;
    bool by_list = settings.boolean("validation.list", domain.name);
    bool by_smtp = settings.boolean("validation.smtp", domain.name);
    bool reject = settings.boolean("validation.reject_nonvalidated", domain.name);
    if (!by_list && !by_smtp) return std::nullopt;

    std::string address = rcpt.str();
    std::string key = util::lowerAscii(address);
    std::string shown = "<" + log::printable(address, 300) + ">";
    auto note = [&](CheckResult result, std::string detail) {
        checks.push_back({"validation", result, 0, std::move(detail)});
    };

    if (by_list && snapshot.valid_addresses.count(key)) {
        note("pass", shown + " is in the list of valid addresses of " + domain.name);
        return std::nullopt;
    }
    std::string missing =
        by_list ? shown + " is not in the list of valid addresses of " + domain.name : "";
    if (by_smtp) {
        auto r = callout.verify(
            address, domain, settings.seconds("validation.positive_ttl", domain.name),
            settings.seconds("validation.negative_ttl", domain.name), snapshot.generation);
        std::string how = r.cached ? " (cached)" : "";
        if (r.verdict == Callout::Verdict::valid) {
            note("pass",
                 "the mail server of " + domain.name + " accepts " + shown + how + ": " + r.reply);
            return std::nullopt;
        }
        if (r.verdict == Callout::Verdict::invalid) {
            note("reject",
                 "the mail server of " + domain.name + " refused " + shown + how + ": " + r.reply);
            return mail::reply(550, "5.1.1", shown + ": Recipient address rejected: unknown user");
        }
        std::string why =
            "the mail server of " + domain.name + " could not verify " + shown + ": " + r.reply;
        if (!missing.empty()) why = missing + "; " + why;
        if (reject) {
            note("tempfail", why);
            return mail::reply(
                450, "4.1.1",
                shown +
                    ": Recipient address verification failed: cannot reach the mail server of " +
                    domain.name + "; try again later");
        }
        note("unverified", why + "; accepted (validation.reject_nonvalidated is off)");
        return std::nullopt;
    }
    if (reject) {
        note("reject", missing);
        return mail::reply(550, "5.1.1",
                           shown +
                               ": Recipient address rejected: unknown user (not in the list of "
                               "valid addresses of " +
                               domain.name + ")");
    }
    note("unverified", missing + "; accepted (validation.reject_nonvalidated is off)");
    return std::nullopt;
}

}  // namespace moat::policy
