#include "web/wire_parse.h"

#include "util/ascii_text.h"

namespace moat::web {

namespace {
int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hexValue(text[i + 1]), lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') return std::nullopt;
        out.push_back(c);
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parseQuery(std::string_view query) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i <= query.size()) {
        auto amp = query.find('&', i);
        if (amp == std::string_view::npos) amp = query.size();
        auto piece = query.substr(i, amp - i);
        i = amp + 1;
        if (piece.empty()) continue;
        auto eq = piece.find('=');
        auto name = percentDecode(piece.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : percentDecode(piece.substr(eq + 1), true);
        if (!name || !value) return std::nullopt;
        if (name->empty()) continue;
        out[*name] = std::move(*value);
    }
    return out;
}

std::map<std::string, std::string> parseCookies(std::string_view header) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i < header.size()) {
        auto semi = header.find(';', i);
        if (semi == std::string_view::npos) semi = header.size();
        auto pair = util::trimBlanks(header.substr(i, semi - i));
        i = semi + 1;
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        auto name = util::trimBlanks(pair.substr(0, eq));
        auto value = util::trimBlanks(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        if (name.empty()) continue;
        out.emplace(std::string(name), std::string(value));  // emplace keeps the first
    }
    return out;
}

}  // namespace moat::web
