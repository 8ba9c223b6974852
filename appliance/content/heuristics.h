// Heuristic score parts of a decoded message: header sanity (Date,
// Message-ID, From present and well formed, Date not far in the future or
// past, its time zone one that exists, MIME-Version beside a Content-Type),
// claims the message contradicts (a mail program's fields copied by one that
// is not it, mailer_fingerprint.h; a webmail From its provider did not sign,
// freemail_sender.h), what bulk-mail tools send (HTML fragments, links to
// IP addresses) and obfuscation (text hidden in HTML, words mixing Latin with
// Cyrillic or Greek look-alikes, many encoded words). Pure: the same message
// and clock give the same parts. Points are listed in docs/content-scoring.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"
#include "content/score_part.h"

namespace moat::content {

inline constexpr std::int64_t kDateFutureHours = 6;  // Date further ahead than this is suspicious
inline constexpr std::int64_t kDatePastDays = 30;   // Date older than this is suspicious

// The heuristic parts that fired, in a fixed order (names without the
// "heuristic:" prefix). now: when the message arrived, seconds since the
// epoch; without it (a stored message with no Received: field) the Date's
// age is not judged, only whether it is there and well formed.
// uri_hosts: the hosts of its links (extractUriHosts, uri_extractor.h), which
// the URI blocklist lookups ask about too: the caller scans the links once.
std::vector<ScorePart> heuristicParts(const DecodedMessage& message, const std::vector<std::string>& uri_hosts,
                                      std::optional<std::int64_t> now);
// The same, extracting the link hosts itself (tools and tests).
std::vector<ScorePart> heuristicParts(const DecodedMessage& message, std::optional<std::int64_t> now);

// An RFC 5322 date-time ("Mon, 2 Jan 2006 15:04:05 -0700", weekday optional,
// obsolete zone names accepted) as seconds since the epoch; false when malformed.
// zone_hhmm, when given, receives a numeric zone's digits as a number (-0700 → 700;
// left alone for a zone name).
bool parseRfc5322Date(std::string_view text, std::int64_t& seconds, int* zone_hhmm = nullptr);

// When the message was received, from the date of its topmost Received
// field ("...; Tue, 3 Jul 2002 12:04:50 +0100"); nothing when there is none
// or it is malformed. For judging a stored message's dates as of its arrival.
std::optional<std::int64_t> receivedTime(const DecodedMessage& message);

// Words (runs of letters) mixing Latin letters with Cyrillic or Greek ones.
std::size_t mixedScriptWords(std::string_view utf8_text);

}  // namespace moat::content
