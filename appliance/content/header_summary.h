// The few header fields the message log and the archive index show (Subject,
// From, Message-ID), taken from a message's bytes with a cheap scan of its
// header block: no MIME parse. Folded lines are unfolded, RFC 2047 encoded
// words decoded to UTF-8, control characters (C0, DEL, C1) turned into
// spaces and each value cut to a bounded length. Never throws; any input,
// however broken, gives (possibly empty) valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moat::content {

inline constexpr std::size_t kMaxHeaderValue = 500;       // bytes of UTF-8 kept per value
inline constexpr std::size_t kMaxHeaderScan = 64 * 1024;  // bytes of header block looked at

struct HeaderSummary {
    std::string subject;
    std::string from;        // the From: field as text ("Alice <alice@example.com>")
    std::string message_id;  // as written, angle brackets included
};

HeaderSummary summarizeHeaders(std::string_view message);

// RFC 2047 encoded words in text decoded to UTF-8 (text outside them kept);
// malformed words are left as they are.
std::string decodeEncodedWords(std::string_view text);

// text as one line of valid UTF-8: control characters become spaces, runs of
// white space one space, ends trimmed, at most max bytes (cut at a character).
std::string oneLine(std::string_view text, std::size_t max = kMaxHeaderValue);

}  // namespace moat::content
