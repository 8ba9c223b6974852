#include "content/mailer_fingerprint.h"

#include <cmath>
#include <cstdlib>

namespace moat::content {
namespace {

// How far (in Outlook time units of 2^32 / 10^7 s, about 7 minutes) a
// Message-ID's time may be from the Date or the arrival: about 30 hours,
// for clocks set wrong and mail held in an outbox (SpamAssassin's fudge).
constexpr std::int64_t kOutlookTimeFudge = 250;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool isLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Reads a run of lower-case hex digits; its length.
std::size_t hexRun(std::string_view s, std::size_t at) {
    std::size_t n = 0;
    while (at + n < s.size() && isLowerHex(s[at + n])) ++n;
    return n;
}

// The three '$'-separated hex fields of an Outlook Message-ID (before '@'),
// their lengths; false when the id is not of that shape. "<" is expected
// first and "@host>" after, host without white space.
bool outlookShape(std::string_view id, std::size_t lengths[3]) {
    id = trimmed(id);
    if (id.size() < 3 || id.front() != '<' || id.back() != '>') return false;
    std::size_t at = 1;
    for (int i = 0; i < 3; ++i) {
        lengths[i] = hexRun(id, at);
        at += lengths[i];
        if (lengths[i] == 0 || at >= id.size()) return false;
        if (id[at] != (i < 2 ? '$' : '@')) return false;
        ++at;
    }
    auto host = id.substr(at, id.size() - 1 - at);
    if (host.empty()) return false;
    for (char c : host)
        if (c == ' ' || c == '\t' || c == '<' || c == '>') return false;
    return true;
}

// Outlook Express 4, 5 or 6 named in an X-Mailer ("Microsoft Outlook Express 6.00.2600.0000").
bool namesOutlookExpress(std::string_view mailer) {
    constexpr std::string_view kName = "Outlook Express ";
    for (auto at = mailer.find(kName); at != std::string_view::npos; at = mailer.find(kName, at + 1)) {
        auto rest = mailer.substr(at + kName.size());
        if (rest.size() >= 2 && rest[0] >= '4' && rest[0] <= '6' && rest[1] == '.') return true;
    }
    return false;
}

// Hotmail's web mail writes <27 letters/digits@hotmail.com> under an Outlook Express X-Mailer.
bool hotmailId(std::string_view id) {
    id = trimmed(id);
    constexpr std::string_view kHost = "@hotmail.com>";
    if (id.size() != 1 + 27 + kHost.size() || id.front() != '<' || id.substr(28) != kHost) return false;
    for (std::size_t i = 1; i < 28; ++i) {
        char c = id[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !(c == '-' && i <= 7)) return false;
    }
    return true;
}

bool near(std::uint32_t token, std::optional<std::int64_t> seconds) {
    return seconds && std::llabs(static_cast<std::int64_t>(token) - outlookTimeToken(*seconds)) < kOutlookTimeFudge;
}

}  // namespace

std::int64_t outlookTimeToken(std::int64_t seconds) {
    // FILETIME counts 100 ns from 1601-01-01; 11644473600 s lie between then and 1970.
    double filetime_high = (static_cast<double>(seconds) + 11644473600.0) * 1e7 / 4294967296.0;
    return static_cast<std::int64_t>(std::floor(filetime_high));
}

std::optional<std::uint32_t> outlookIdTime(std::string_view message_id) {
    std::size_t lengths[3];
    if (!outlookShape(message_id, lengths) || lengths[0] != 12 || lengths[1] != 8 || lengths[2] != 8)
        return std::nullopt;
    auto id = trimmed(message_id);
    return static_cast<std::uint32_t>(std::strtoul(std::string(id.substr(5, 8)).c_str(), nullptr, 16));
}

std::optional<std::string> ratwareMessageId(const MailerClaims& claims) {
    std::size_t lengths[3];
    if (!outlookShape(claims.message_id, lengths) || lengths[0] < 4 || lengths[1] < 4 || lengths[2] < 4)
        return std::nullopt;
    if (auto token = outlookIdTime(claims.message_id); token && !near(*token, claims.date) &&
                                                       !near(*token, claims.received))
        return "the Message-ID is in Outlook's format, but the time in it is not the message's";
    if (!claims.x_mimeole || !trimmed(*claims.x_mimeole).starts_with("Produced By Microsoft MimeOLE"))
        return "the Message-ID is in Outlook's format, but the X-MimeOLE field Outlook writes is missing";
    return std::nullopt;
}

std::optional<std::string> forgedMailer(const MailerClaims& claims) {
    auto mailer = trimmed(claims.x_mailer);
    if (namesOutlookExpress(mailer)) {
        std::size_t lengths[3];
        bool outlook_id = outlookShape(claims.message_id, lengths) && (lengths[0] == 8 || lengths[0] == 12) &&
                          lengths[1] == 8 && lengths[2] == 8;
        if (!outlook_id && !hotmailId(claims.message_id))
            return "the X-Mailer names Outlook Express, but its Message-ID is not in Outlook Express's format";
    }
    if ((mailer.starts_with("Microsoft Outlook") || mailer.starts_with("Microsoft Office Outlook")) &&
        claims.html_only)
        return "the X-Mailer names Outlook, which never sends HTML without a plain-text alternative";
    return std::nullopt;
}

}  // namespace moat::content
