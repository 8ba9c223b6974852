#include "mail/reply.h"

namespace moat::mail {

std::string Reply::format() const {
    std::string out;
    std::string_view rest = text;
    std::string code_str = std::to_string(code);
    do {
        auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        out += code_str;
        out += rest.empty() ? ' ' : '-';
        if (!enhanced.empty()) {
            out += enhanced;
            out += ' ';
        }
        for (char c : line)  // a reply never carries CR, LF or NUL from anywhere
            out += (c == '\r' || c == '\0') ? ' ' : c;
        out += "\r\n";
    } while (!rest.empty());
    return out;
}

}  // namespace moat::mail
