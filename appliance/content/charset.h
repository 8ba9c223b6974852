// Text in a declared charset converted to UTF-8, never failing: an unknown
// charset or bytes invalid in it are reported, and the text is then read as
// UTF-8 if it is valid UTF-8, else as Windows-1252 (what undeclared 8-bit mail
// usually is). Charset names go through GMime's alias table (e.g. "latin1",
// "x-sjis"); conversion is glibc iconv.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moat::content {

struct Utf8Text {
    std::string text;              // valid UTF-8
    bool unknown_charset = false;  // the declared charset has no converter
    bool undeclared_8bit = false;  // 8-bit bytes without a charset (or in "us-ascii")
    std::size_t bad_bytes = 0;     // bytes invalid in the charset, replaced by U+FFFD
};

Utf8Text convertToUtf8(std::string_view bytes, std::string_view charset);

}  // namespace moat::content
