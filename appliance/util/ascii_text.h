// ASCII helpers for protocol text (field names, domain names, MIME
// parameters, settings, list entries): case folding and comparison touch the
// letters A-Z only, so a UTF-8 name's other bytes never change and no locale
// is consulted; trimming removes blanks (space, tab) or, for line-oriented
// input, white space (space, tab, CR, LF). One copy for every layer.
#pragma once

#include <string>
#include <string_view>

namespace moat::util {

constexpr char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// s with A-Z folded to a-z.
std::string lowerAscii(std::string_view s);

// a == b, ignoring the case of ASCII letters.
bool equalsNoCase(std::string_view a, std::string_view b);

// s starts with prefix, ignoring the case of ASCII letters.
bool startsWithNoCase(std::string_view s, std::string_view prefix);

// s without leading and trailing spaces and tabs (RFC 5322's WSP).
std::string_view trimBlanks(std::string_view s);

// s without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trimWhitespace(std::string_view s);

}  // namespace moat::util
