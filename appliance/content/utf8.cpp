#include "content/utf8.h"

#include <glib.h>

#include <memory>

#include "util/ascii_text.h"

namespace moat::content {

std::size_t decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp) {
    cp = kReplacement;
    if (pos >= text.size()) return 0;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    unsigned char b0 = byte(0);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len = 0;
    char32_t value = 0, min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, value = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, value = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, value = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (pos + len > text.size()) return 0;
    for (std::size_t i = 1; i < len; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    cp = value;
    return len;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool isValidUtf8(std::string_view text) {
    char32_t cp;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = decodeUtf8(text, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string toValidUtf8(std::string_view text) {
    if (isValidUtf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 16);
    char32_t cp;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = decodeUtf8(text, i, cp);
        if (n == 0) {
            appendUtf8(out, kReplacement);
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string_view utf8Prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

bool isInvisible(char32_t cp) {
    return cp == 0x00AD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF ||
           cp == 0x034F || cp == 0x180E;
}

bool isSpace(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x1680;
}

std::string lowerUtf8(std::string_view text) {
    std::string out;
    appendLowerUtf8(out, text);
    return out;
}

bool appendLowerUtf8(std::string& out, std::string_view text) {
    const std::size_t nul = text.find('\0');
    text = text.substr(0, nul);
    bool ascii = true;
    for (unsigned char c : text) ascii &= c < 0x80;
    if (ascii) {
        const std::size_t at = out.size();
        out.append(text);
        for (std::size_t i = at; i < out.size(); ++i) out[i] = util::lowerAscii(out[i]);
        return nul == std::string_view::npos;
    }
    const std::string valid = toValidUtf8(text);
    out.reserve(out.size() + valid.size());
    for (std::size_t i = 0; i < valid.size();) {
        if (static_cast<unsigned char>(valid[i]) < 0x80) {
            out.push_back(util::lowerAscii(valid[i++]));
            continue;
        }
        std::size_t end = i;
        while (end < valid.size() && static_cast<unsigned char>(valid[end]) >= 0x80) ++end;
        // With the ASCII character after the run, if any: what follows
        // decides a capital sigma's form. It lowers to one byte, dropped.
        const std::size_t with_next = end < valid.size() ? end + 1 : end;
        std::unique_ptr<gchar, decltype(&g_free)> lowered(
            g_utf8_strdown(valid.data() + i, static_cast<gssize>(with_next - i)), &g_free);
        std::string_view run = lowered ? std::string_view(lowered.get()) : std::string_view();
        if (with_next > end && !run.empty()) run.remove_suffix(1);
        out.append(run);
        i = end;
    }
    return nul == std::string_view::npos;
}

}  // namespace moat::content
