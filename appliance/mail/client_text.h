// Client-supplied text that goes back out in a reply, a header or a log
// field: printable ASCII only (anything else, spaces included, becomes '?'),
// at most max octets. For a HELO name inside a Received: comment,
// headerComment() also replaces the comment and literal delimiters.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moat::mail {

inline std::string clientText(std::string_view s, std::size_t max = 255) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max) break;
        out += (c > 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out;
}

inline std::string headerComment(std::string_view s) {
    std::string out = clientText(s);
    for (char& c : out)
        if (c == '(' || c == ')' || c == '[' || c == ']') c = '?';
    return out;
}

// "<address>" as shown in replies and the log.
inline std::string shownAddress(std::string_view address) { return "<" + clientText(address, 300) + ">"; }

}  // namespace moat::mail
