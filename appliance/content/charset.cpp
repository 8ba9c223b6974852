#include "content/charset.h"

#include <gmime/gmime.h>
#include <iconv.h>

#include <cerrno>

#include "content/gmime_init.h"
#include "content/utf8.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

// ASCII text that means the same in any ASCII-compatible charset (escape
// sequences, '+' and NUL would mean more in ISO-2022, UTF-7 and UTF-16).
bool plainAscii(std::string_view bytes) {
    for (char c : bytes)
        if (static_cast<unsigned char>(c) >= 0x80 || c == 0 || c == 0x1B || c == '+' || c == '~')
            return false;
    return true;
}

// Converts with iconv; invalid or truncated input bytes become U+FFFD.
std::string iconvert(iconv_t cd, std::string_view bytes, std::size_t& bad) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2 + 16);
    char buffer[8192];
    char* in = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    while (true) {
        char* dst = buffer;
        std::size_t dst_left = sizeof buffer;
        std::size_t rc = in_left ? iconv(cd, &in, &in_left, &dst, &dst_left)
                                 : iconv(cd, nullptr, nullptr, &dst, &dst_left);
        out.append(buffer, static_cast<std::size_t>(dst - buffer));
        if (rc != static_cast<std::size_t>(-1)) {
            if (in_left == 0) break;
            continue;
        }
        if (errno == E2BIG) continue;
        // EILSEQ or EINVAL (incomplete sequence at the end): skip one byte.
        ++bad;
        appendUtf8(out, kReplacement);
        if (in_left == 0) break;
        ++in;
        --in_left;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    }
    return out;
}

Utf8Text fallback(std::string_view bytes) {
    Utf8Text r;
    if (isValidUtf8(bytes)) {
        r.text = std::string(bytes);
        return r;
    }
    iconv_t cd = g_mime_iconv_open("UTF-8", "WINDOWS-1252");
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        r.text = toValidUtf8(bytes);
        return r;
    }
    std::size_t bad = 0;
    r.text = toValidUtf8(iconvert(cd, bytes, bad));
    g_mime_iconv_close(cd);
    return r;
}

}  // namespace

Utf8Text convertToUtf8(std::string_view bytes, std::string_view charset) {
    ensureGmime();
    std::string name = util::lowerAscii(charset);
    if (name.empty() || name == "us-ascii" || name == "ascii") {
        bool eight_bit = false;
        for (char c : bytes) eight_bit = eight_bit || static_cast<unsigned char>(c) >= 0x80;
        if (!eight_bit) return Utf8Text{std::string(bytes), false, false, 0};
        Utf8Text r = fallback(bytes);
        r.undeclared_8bit = true;
        return r;
    }
    if (name == "utf-8" || name == "utf8") {
        Utf8Text r;
        if (!isValidUtf8(bytes)) {
            char32_t cp;
            for (std::size_t i = 0; i < bytes.size();) {
                std::size_t n = decodeUtf8(bytes, i, cp);
                if (n == 0) ++r.bad_bytes;
                i += n ? n : 1;
            }
        }
        r.text = toValidUtf8(bytes);
        return r;
    }
    if (plainAscii(bytes)) return Utf8Text{std::string(bytes), false, false, 0};
    iconv_t cd = name.size() <= 64 ? g_mime_iconv_open("UTF-8", name.c_str())
                                   : reinterpret_cast<iconv_t>(-1);
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        Utf8Text r = fallback(bytes);
        r.unknown_charset = true;
        return r;
    }
    Utf8Text r;
    r.text = toValidUtf8(iconvert(cd, bytes, r.bad_bytes));
    g_mime_iconv_close(cd);
    return r;
}

}  // namespace moat::content
