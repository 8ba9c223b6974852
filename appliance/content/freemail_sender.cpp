#include "content/freemail_sender.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "util/ascii_text.h"

namespace moat::content {
namespace {

// Webmail providers known to sign everything they send, by exact domain.
// Internet providers' mailboxes (comcast.net, att.net, ...) are left out:
// their users' own programs and old relays may still send unsigned.
constexpr std::array<std::string_view, 15> kSigningDomains = {
    "gmail.com", "googlemail.com", "ymail.com",  "rocketmail.com", "msn.com",
    "aim.com",   "icloud.com",     "me.com",     "mac.com",        "web.de",
    "mail.com",  "mail.ru",        "zoho.com",   "protonmail.com", "proton.me"};

// Providers with one domain per country: the brand, then "com", a country
// code, or "co." / "com." and a country code (yahoo.co.uk, hotmail.com.br).
constexpr std::array<std::string_view, 7> kSigningBrands = {"yahoo", "hotmail", "outlook", "live",
                                                            "aol",   "gmx",     "yandex"};

bool isCountryCode(std::string_view s) {
    return s.size() == 2 && std::isalpha(static_cast<unsigned char>(s[0])) &&
           std::isalpha(static_cast<unsigned char>(s[1]));
}

bool isBrandSuffix(std::string_view s) {
    if (s == "com" || s == "net" || isCountryCode(s)) return true;
    for (std::string_view second : {"co.", "com."})
        if (s.starts_with(second) && isCountryCode(s.substr(second.size()))) return true;
    return false;
}

// "Re:", "Fwd:" and their translations at the start of a Subject.
bool replySubject(std::string_view subject) {
    subject = util::trimBlanks(subject);
    for (std::string_view prefix : {"re:", "re[", "aw:", "sv:", "antw:", "fw:", "fwd:", "wg:", "tr:", "rif:"})
        if (util::startsWithNoCase(subject, prefix)) return true;
    return false;
}

}  // namespace

bool isSigningFreemailDomain(std::string_view domain) {
    if (std::find(kSigningDomains.begin(), kSigningDomains.end(), domain) != kSigningDomains.end())
        return true;
    auto dot = domain.find('.');
    if (dot == std::string_view::npos) return false;
    auto brand = domain.substr(0, dot);
    return std::find(kSigningBrands.begin(), kSigningBrands.end(), brand) != kSigningBrands.end() &&
           isBrandSuffix(domain.substr(dot + 1));
}

std::optional<std::string> unsignedFreemail(const DecodedMessage& message, std::string_view from_domain) {
    if (!isSigningFreemailDomain(from_domain)) return std::nullopt;
    if (message.header("DKIM-Signature") || message.header("DomainKey-Signature")) return std::nullopt;
    if (message.header("In-Reply-To") || message.header("References")) return std::nullopt;
    if (const Header* subject = message.header("Subject"); subject && replySubject(subject->value))
        return std::nullopt;
    for (std::string_view list : {"List-Id", "List-Post", "Mailing-List", "X-Mailman-Version",
                                  "X-Mailing-List", "X-BeenThere"})
        if (message.header(list)) return std::nullopt;
    return "the From names " + std::string(from_domain) +
           ", which signs all its mail, but the message has no DKIM signature";
}

}  // namespace moat::content
