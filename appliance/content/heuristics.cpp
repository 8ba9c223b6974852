#include "content/heuristics.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "content/freemail_sender.h"
#include "content/ipv4_host.h"
#include "content/mailer_fingerprint.h"
#include "content/uri_extractor.h"
#include "content/utf8.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

// Points. Those of the parts that fire on the benchmark's training folds were
// fitted there (bench/classifier_lab --fit-heuristics: logistic regression of
// the held-out verdicts on the classifier's points and the parts, as
// SpamAssassin rescores its rules; docs/content-scoring.md); the others are
// set by hand. hidden-text fits 0: the classifier already learns the decoder's
// hidden-text anomaly as a token, so the part only explains.
constexpr double kMissingDate = 1.0, kBadDate = 2.3, kFutureDate = 0.5, kOldDate = 0.5;
constexpr double kMissingMessageId = 1.0, kBadMessageId = 0.8, kMissingFrom = 2.0, kBadFrom = 1.5;
constexpr double kHiddenText = 0.0, kMixedScripts = 2.5, kMixedScriptsOne = 1.0, kEncodedWords = 1.0;
constexpr double kRatwareMessageId = 1.8, kForgedMailer = 1.8, kImpossibleZone = 0.6;
constexpr double kContentTypeWithoutMime = 0.3, kUnsignedFreemail = 2.4, kLinkToIp = 0.1;
constexpr double kHtmlWithoutHtmlElement = 2.0;

constexpr std::size_t kHiddenCharsMin = 50;   // hidden HTML characters before it counts
constexpr std::size_t kMixedWordsMin = 3;     // mixed-script words before it counts
constexpr std::size_t kEncodedWordsMin = 10;  // encoded words in top-level headers

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}

// Reads 1..max digits at s; false when there are none or more.
bool digits(std::string_view& s, std::size_t min, std::size_t max, int& value) {
    std::size_t n = 0;
    value = 0;
    while (n < s.size() && n <= max && std::isdigit(static_cast<unsigned char>(s[n])))
        value = value * 10 + (s[n++] - '0');
    if (n < min || n > max) return false;
    s.remove_prefix(n);
    return true;
}

bool skipSpace(std::string_view& s, bool required) {
    std::size_t n = 0;
    while (n < s.size() && isWsp(s[n])) ++n;
    s.remove_prefix(n);
    return n > 0 || !required;
}

bool word(std::string_view& s, std::string& out) {
    out.clear();
    while (!s.empty() && std::isalpha(static_cast<unsigned char>(s.front())) && out.size() < 8) {
        out += util::lowerAscii(s.front());
        s.remove_prefix(1);
    }
    return !out.empty();
}

int monthIndex(const std::string& m) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (kMonths[i] == m) return static_cast<int>(i);
    return -1;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// The value with its RFC 5322 comments left out: "(...)", nested, with
// quoted-pairs, outside quoted strings; nothing when a comment is not closed.
std::optional<std::string> withoutComments(std::string_view value) {
    std::string out;
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        if (c == '\\' && (quoted || depth > 0)) {  // a quoted-pair
            if (depth == 0) out.append(value.substr(i, 2));
            ++i;
        } else if (depth > 0) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        } else if (c == '"') {
            quoted = !quoted;
            out += c;
        } else if (c == '(' && !quoted) {
            depth = 1;
            out += ' ';
        } else {
            out += c;
        }
    }
    if (depth > 0) return std::nullopt;
    return out;
}

// Address part of a From value: inside the last <...>, else the whole value,
// comments left out either way ("jm@example.org (Justin)" is the RFC 822
// form that older mailers and mailing lists still write). Its domain, lower
// case, when the address is valid: a local part without spaces, '@', a
// dotted host name.
std::optional<std::string> fromAddressDomain(std::string_view raw_value) {
    auto uncommented = withoutComments(raw_value);
    if (!uncommented) return std::nullopt;
    std::string_view value = *uncommented;
    auto lt = value.rfind('<');
    if (lt != std::string_view::npos) {
        auto gt = value.find('>', lt);
        if (gt == std::string_view::npos) return std::nullopt;
        value = value.substr(lt + 1, gt - lt - 1);
    }
    value = util::trimBlanks(value);
    auto at = value.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= value.size()) return std::nullopt;
    auto domain = value.substr(at + 1);
    if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.')
        return std::nullopt;
    for (char c : domain)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return std::nullopt;
    for (char c : value.substr(0, at))
        if (isWsp(c)) return std::nullopt;
    return util::lowerAscii(domain);
}

bool plausibleMessageId(std::string_view value) {
    value = util::trimBlanks(value);
    if (value.size() < 5 || value.front() != '<' || value.back() != '>') return false;
    auto inner = value.substr(1, value.size() - 2);
    auto at = inner.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == inner.size()) return false;
    for (char c : inner)
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return false;
    return true;
}

// An address outside the private, loopback and link-local ranges (hosts
// come from extractUriHosts, which gives addresses as dotted quads).
bool publicIpv4(std::string_view host) {
    auto address = parseIpv4Host(host);
    if (!address) return false;
    unsigned a = *address >> 24, b = (*address >> 16) & 0xff;
    return !(a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && b >= 16 && b <= 31) ||
             (a == 192 && b == 168));
}

enum class Script { other, latin, foreign };

Script scriptOf(char32_t cp) {
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
        (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7))
        return Script::latin;
    if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x400 && cp <= 0x52F)) return Script::foreign;
    return Script::other;
}

}  // namespace

bool parseRfc5322Date(std::string_view s, std::int64_t& seconds, int* zone_hhmm) {
    s = util::trimBlanks(s);
    std::string w;
    // [day-of-week ","]
    if (!s.empty() && std::isalpha(static_cast<unsigned char>(s.front()))) {
        if (!word(s, w) || w.size() != 3) return false;
        skipSpace(s, false);
        if (s.empty() || s.front() != ',') return false;
        s.remove_prefix(1);
        skipSpace(s, false);
    }
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (!digits(s, 1, 2, day) || !skipSpace(s, true)) return false;
    if (!word(s, w)) return false;
    int month = monthIndex(w);
    if (month < 0 || !skipSpace(s, true)) return false;
    std::size_t before = s.size();
    if (!digits(s, 2, 4, year)) return false;
    if (before - s.size() == 2)
        year += year < 50 ? 2000 : 1900;  // obsolete two-digit years
    else if (before - s.size() == 3)
        year += 1900;
    if (!skipSpace(s, true) || !digits(s, 1, 2, hour) || s.empty() || s.front() != ':')
        return false;
    s.remove_prefix(1);
    if (!digits(s, 2, 2, minute)) return false;
    if (!s.empty() && s.front() == ':') {
        s.remove_prefix(1);
        if (!digits(s, 2, 2, second)) return false;
    }
    if (!skipSpace(s, true)) return false;
    int offset = 0;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        bool minus = s.front() == '-';
        s.remove_prefix(1);
        int hhmm = 0;
        if (s.size() < 4 || !digits(s, 4, 4, hhmm) || hhmm % 100 > 59) return false;
        offset = (hhmm / 100 * 60 + hhmm % 100) * 60 * (minus ? -1 : 1);
        if (zone_hhmm) *zone_hhmm = hhmm;
    } else {
        if (!word(s, w)) return false;
        static constexpr std::array<std::pair<std::string_view, int>, 10> kZones = {{{"ut", 0},
                                                                                     {"gmt", 0},
                                                                                     {"z", 0},
                                                                                     {"est", -5},
                                                                                     {"edt", -4},
                                                                                     {"cst", -6},
                                                                                     {"cdt", -5},
                                                                                     {"mst", -7},
                                                                                     {"mdt", -6},
                                                                                     {"pst", -8}}};
        bool known = w == "pdt";
        offset = known ? -7 * 3600 : 0;
        for (const auto& [name, hours] : kZones)
            if (name == w) {
                known = true;
                offset = hours * 3600;
            }
        if (!known) return false;
    }
    skipSpace(s, false);
    if (!s.empty() && s.front() == '(') s = {};  // a trailing comment such as "(UTC)"
    if (!s.empty()) return false;
    static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || day < 1 || day > kDays[static_cast<std::size_t>(month)] || hour > 23 ||
        minute > 59 || second > 60)
        return false;
    seconds =
        daysFromCivil(year, month + 1, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    return true;
}

std::size_t mixedScriptWords(std::string_view text) {
    std::size_t words = 0;
    bool latin = false, foreign = false;
    auto endWord = [&] {
        if (latin && foreign) ++words;
        latin = foreign = false;
    };
    for (std::size_t pos = 0; pos < text.size();) {
        // ASCII, most of any text, without decoding: a letter is Latin, the
        // rest ends a word (no ASCII character is invisible).
        if (auto c = static_cast<unsigned char>(text[pos]); c < 0x80) {
            ++pos;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
                latin = true;
            else
                endWord();
            continue;
        }
        char32_t cp = 0;
        std::size_t len = decodeUtf8(text, pos, cp);
        pos += len == 0 ? 1 : len;
        switch (scriptOf(cp)) {
            case Script::latin:
                latin = true;
                break;
            case Script::foreign:
                foreign = true;
                break;
            case Script::other:
                if (!isInvisible(cp)) endWord();  // zero-width characters do not split a word
                break;
        }
    }
    endWord();
    return words;
}

std::optional<std::int64_t> receivedTime(const DecodedMessage& message) {
    const Header* received = message.header("Received");
    if (!received) return std::nullopt;
    auto semicolon = received->value.rfind(';');
    if (semicolon == std::string::npos) return std::nullopt;
    std::int64_t t = 0;
    if (!parseRfc5322Date(util::trimBlanks(std::string_view(received->value).substr(semicolon + 1)), t))
        return std::nullopt;
    return t;
}

std::vector<ScorePart> heuristicParts(const DecodedMessage& message, const std::vector<std::string>& uri_hosts,
                                      std::optional<std::int64_t> now) {
    std::vector<ScorePart> parts;
    std::optional<std::int64_t> dated;
    int zone = 0;
    if (const Header* date = message.header("Date"); !date) {
        parts.push_back({"missing-date", kMissingDate, "the message has no Date header"});
    } else if (std::int64_t t = 0; !parseRfc5322Date(date->value, t, &zone)) {
        parts.push_back({"bad-date", kBadDate, "the Date header is malformed"});
    } else if (dated = t; !now) {
        // When the message arrived is unknown: its Date's age is not judged.
    } else if (t > *now + kDateFutureHours * 3600) {
        parts.push_back({"future-date", kFutureDate,
                         "the Date header is more than " + std::to_string(kDateFutureHours) +
                             " hours in the future"});
    } else if (t < *now - kDatePastDays * 86400) {
        parts.push_back({"old-date", kOldDate,
                         "the Date header is more than " + std::to_string(kDatePastDays) +
                             " days in the past"});
    }
    // A zone no place has: more than 14 hours from UTC, or minutes other than 0, 15, 30, 45.
    if (dated && (zone / 100 > 14 || zone % 100 % 15 != 0))
        parts.push_back({"impossible-timezone", kImpossibleZone, "the Date header's time zone does not exist"});
    const Header* id = message.header("Message-ID");
    if (!id)
        parts.push_back({"missing-message-id", kMissingMessageId, "the message has no Message-ID header"});
    else if (!plausibleMessageId(id->value))
        parts.push_back({"bad-message-id", kBadMessageId, "the Message-ID header is malformed"});
    if (const Header* from = message.header("From"); !from) {
        parts.push_back({"missing-from", kMissingFrom, "the message has no From header"});
    } else if (auto domain = fromAddressDomain(from->value); !domain) {
        parts.push_back({"bad-from", kBadFrom, "the From header has no valid address"});
    } else if (auto reason = unsignedFreemail(message, *domain)) {
        parts.push_back({"unsigned-freemail", kUnsignedFreemail, *reason});
    }

    // RFC 2045: a message that declares its MIME type declares MIME-Version too;
    // bulk-mail tools often write the type alone.
    if (const Header* type = message.header("Content-Type");
        type && !message.header("MIME-Version") && !message.header("Content-Transfer-Encoding") &&
        !message.header("Content-Disposition") && !util::startsWithNoCase(type->value, "text/plain"))
        parts.push_back({"content-type-without-mime", kContentTypeWithoutMime,
                         "the message declares a Content-Type but no MIME-Version"});

    std::size_t hidden = 0, mixed = 0;
    bool html = false, plain = false, html_element = false;
    for (const auto& text : message.texts) {
        hidden += text.hidden_chars;
        mixed += mixedScriptWords(text.text);
        html = html || text.content_type == "text/html";
        plain = plain || text.content_type == "text/plain";
        html_element = html_element || text.html_element;
    }
    // Mail programs that send HTML alone write a whole document; bulk-mail
    // tools often send a fragment.
    if (html && !plain && !html_element)
        parts.push_back({"html-without-html-element", kHtmlWithoutHtmlElement,
                         "the message is HTML alone, without the <html> element mail programs write"});

    MailerClaims claims;
    if (id) claims.message_id = id->value;
    if (const Header* mailer = message.header("X-Mailer")) claims.x_mailer = mailer->value;
    if (const Header* mimeole = message.header("X-MimeOLE")) claims.x_mimeole = mimeole->value;
    claims.date = dated;
    claims.received = receivedTime(message);
    claims.html_only = html && !plain;
    if (auto reason = ratwareMessageId(claims))
        parts.push_back({"ratware-message-id", kRatwareMessageId, *reason});
    if (auto reason = forgedMailer(claims)) parts.push_back({"forged-mailer", kForgedMailer, *reason});

    // A link naming its web server by a public address instead of a name: mail
    // from a real organisation links to its domain; a botnet's server has none.
    if (std::any_of(uri_hosts.begin(), uri_hosts.end(), publicIpv4))
        parts.push_back({"link-to-ip", kLinkToIp, "it links to a web server by IP address instead of a name"});

    if (const Header* subject = message.header("Subject"))
        mixed += mixedScriptWords(subject->value);
    if (hidden >= kHiddenCharsMin)
        parts.push_back(
            {"hidden-text", kHiddenText,
             std::to_string(hidden) + " characters of HTML text are hidden from the reader"});
    if (mixed >= kMixedWordsMin)
        parts.push_back({"mixed-scripts", kMixedScripts,
                         std::to_string(mixed) +
                             " words mix Latin letters with Cyrillic or Greek look-alikes"});
    else if (mixed > 0)
        parts.push_back({"mixed-scripts", kMixedScriptsOne,
                         "a word mixes Latin letters with Cyrillic or Greek look-alikes"});
    if (message.encoded_words >= kEncodedWordsMin)
        parts.push_back(
            {"encoded-words", kEncodedWords,
             "the headers use " + std::to_string(message.encoded_words) + " encoded words"});
    return parts;
}

std::vector<ScorePart> heuristicParts(const DecodedMessage& message, std::optional<std::int64_t> now) {
    return heuristicParts(message, extractUriHosts(message), now);
}

}  // namespace moat::content
