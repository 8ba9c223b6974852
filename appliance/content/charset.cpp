#include "content/charset.h"

#include <gmime/gmime.h>
#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

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

// Opening a converter costs more than converting most texts (glibc looks
// the charset up and may load its module), and a message or a run of mail
// uses the same few charsets: each thread keeps the last few it opened
// (those it could not too), in their initial state between uses.
class Converters {
  public:
    Converters() = default;
    Converters(const Converters&) = delete;
    Converters& operator=(const Converters&) = delete;
    ~Converters() {
        for (auto& [name, cd] : open_)
            if (cd != kNone) g_mime_iconv_close(cd);
    }

    // To UTF-8 from `charset` (lower case), or kNone when iconv knows no such charset.
    iconv_t get(const std::string& charset) {
        for (std::size_t i = 0; i < open_.size(); ++i) {
            if (open_[i].first != charset) continue;
            std::rotate(open_.begin() + static_cast<std::ptrdiff_t>(i),
                        open_.begin() + static_cast<std::ptrdiff_t>(i) + 1, open_.end());
            iconv_t cd = open_.back().second;
            if (cd != kNone) iconv(cd, nullptr, nullptr, nullptr, nullptr);
            return cd;
        }
        iconv_t cd = g_mime_iconv_open("UTF-8", charset.c_str());
        if (open_.size() == kKeep) {
            if (open_.front().second != kNone) g_mime_iconv_close(open_.front().second);
            open_.erase(open_.begin());
        }
        open_.emplace_back(charset, cd);
        return cd;
    }

    static inline const iconv_t kNone = reinterpret_cast<iconv_t>(-1);

  private:
    static constexpr std::size_t kKeep = 8;
    std::vector<std::pair<std::string, iconv_t>> open_;  // least recently used first
};

iconv_t converter(const std::string& charset) {
    thread_local Converters converters;
    return converters.get(charset);
}

Utf8Text fallback(std::string_view bytes) {
    Utf8Text r;
    if (isValidUtf8(bytes)) {
        r.text = std::string(bytes);
        return r;
    }
    iconv_t cd = converter("windows-1252");
    if (cd == Converters::kNone) {
        r.text = toValidUtf8(bytes);
        return r;
    }
    std::size_t bad = 0;
    r.text = toValidUtf8(iconvert(cd, bytes, bad));
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
    iconv_t cd = name.size() <= 64 ? converter(name) : Converters::kNone;
    if (cd == Converters::kNone) {
        Utf8Text r = fallback(bytes);
        r.unknown_charset = true;
        return r;
    }
    Utf8Text r;
    r.text = toValidUtf8(iconvert(cd, bytes, r.bad_bytes));
    return r;
}

}  // namespace moat::content
