// UTF-8 helpers for the content scanner: decode one code point strictly
// (RFC 3629: no overlongs, surrogates or values above U+10FFFF), append one,
// and repair a byte string so that everything downstream sees valid UTF-8.
// Hostile mail hides words with zero-width characters; isInvisible() names them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moat::content {

inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point at text[pos]; returns its length in bytes, or 0 when
// the bytes there are not valid UTF-8 (cp is then kReplacement and the caller
// skips one byte).
std::size_t decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp);

void appendUtf8(std::string& out, char32_t cp);

bool isValidUtf8(std::string_view text);

// text with every invalid byte replaced by U+FFFD.
std::string toValidUtf8(std::string_view text);

// The longest prefix of valid UTF-8 text that is at most max_bytes long (cut
// at a character boundary).
std::string_view utf8Prefix(std::string_view text, std::size_t max_bytes);

// Lower case as GLib's g_utf8_strdown gives it (Unicode's mappings, a
// Greek capital sigma made final when no letter follows it), of the text
// repaired to valid UTF-8 and cut at its first NUL byte. ASCII is lowered
// here and only runs of other characters go through GLib: mail is mostly
// ASCII, and the tokenizer lowers every text it reads. Assumes the C locale's
// rules (the daemons never set another): no Turkish dotless i.
std::string lowerUtf8(std::string_view text);
// The same appended to out, for texts lowered into one buffer; false when
// text held a NUL byte (what came before it is appended), so that a caller
// joining texts can stop where lowerUtf8 of the joined text would.
bool appendLowerUtf8(std::string& out, std::string_view text);

// Zero-width and formatting characters that render as nothing (ZWSP, ZWNJ,
// ZWJ, word joiner, BOM, soft hyphen): dropped from visible text.
bool isInvisible(char32_t cp);

// White space as a reader sees it, Unicode spaces and no-break space included.
bool isSpace(char32_t cp);

}  // namespace moat::content
