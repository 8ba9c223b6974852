// Fuzzes the heuristics' parsers (the Date and Received dates, From with its
// comments and its domain's provider, Message-ID, the mail-program
// fingerprints of mailer_fingerprint.h, link hosts) through heuristicParts on
// whatever message the input decodes to: never a crash; only known parts, each with finite points within
// the documented range; at most one Date part; and without an arrival time no
// part that judges the Date's age.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "content/freemail_sender.h"
#include "content/heuristics.h"
#include "content/mailer_fingerprint.h"
#include "content/mime_decoder.h"
#include "fuzz_check.h"

using moat::fuzz::check;

namespace {

const std::set<std::string> kNames = {
    "missing-date",   "bad-date",      "future-date",         "old-date",
    "missing-message-id", "bad-message-id", "missing-from",   "bad-from",
    "hidden-text",    "mixed-scripts", "encoded-words",       "impossible-timezone",
    "content-type-without-mime", "ratware-message-id", "forged-mailer", "unsigned-freemail",
    "link-to-ip", "html-without-html-element"};

void checkParts(const std::vector<moat::content::ScorePart>& parts, bool dated) {
    int date_parts = 0;
    for (const auto& p : parts) {
        check(kNames.count(p.name) == 1);
        check(std::isfinite(p.points) && p.points >= 0 && p.points <= 2.5);
        check(!p.reason.empty());
        if (p.name.find("date") != std::string::npos) ++date_parts;
        if (!dated) check(p.name != "future-date" && p.name != "old-date");
    }
    check(date_parts <= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::int64_t t = 0;
    int zone = 0;
    (void)moat::content::parseRfc5322Date(input, t, &zone);
    (void)moat::content::outlookIdTime(input);
    (void)moat::content::isSigningFreemailDomain(input);
    auto message = moat::content::decodeMessage(input);
    auto arrived = moat::content::receivedTime(message);
    checkParts(moat::content::heuristicParts(message, arrived.value_or(1'764'489'600)), true);
    checkParts(moat::content::heuristicParts(message, std::nullopt), false);
    return 0;
}
