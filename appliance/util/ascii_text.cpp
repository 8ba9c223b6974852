#include "util/ascii_text.h"

namespace moat::util {

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lowerAscii(c);
    return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && startsWithNoCase(a, b);
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lowerAscii(s[i]) != lowerAscii(prefix[i])) return false;
    return true;
}

namespace {

std::string_view trimWhile(std::string_view s, bool (*strip)(char)) {
    while (!s.empty() && strip(s.front())) s.remove_prefix(1);
    while (!s.empty() && strip(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view trimBlanks(std::string_view s) {
    return trimWhile(s, [](char c) { return c == ' ' || c == '\t'; });
}

std::string_view trimWhitespace(std::string_view s) {
    return trimWhile(s, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace moat::util
