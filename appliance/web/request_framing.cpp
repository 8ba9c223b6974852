#include "web/request_framing.h"

namespace moat::web {
namespace {

bool tokenChar(unsigned char c) {
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    for (char s : std::string_view("!#$%&'*+-.^_`|~"))
        if (c == static_cast<unsigned char>(s)) return true;
    return false;
}

bool sameName(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((static_cast<unsigned char>(a[i]) | 0x20) != (static_cast<unsigned char>(b[i]) | 0x20))
            return false;
    return true;
}

std::string_view trimmed(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

}  // namespace

std::optional<std::string> framingProblem(const HeaderList& headers) {
    int lengths = 0, encodings = 0;
    for (const auto& [name, value] : headers) {
        if (name.empty()) return "a header without a name";
        for (unsigned char c : name)
            if (!tokenChar(c)) return "a header name with a character a name cannot have";
        for (unsigned char c : value)
            if (c == '\r' || c == '\n' || c == 0) return "a header value with a line break or NUL";
        if (sameName(name, "content-length")) {
            ++lengths;
            auto v = trimmed(value);
            if (v.empty() || v.size() > 18) return "a Content-Length that is not a number";
            for (char c : v)
                if (c < '0' || c > '9') return "a Content-Length that is not a number";
        } else if (sameName(name, "transfer-encoding")) {
            ++encodings;
            if (!sameName(trimmed(value), "chunked")) return "a Transfer-Encoding other than chunked";
        }
    }
    if (lengths > 1) return "Content-Length more than once";
    if (encodings > 1) return "Transfer-Encoding more than once";
    if (lengths && encodings) return "both Content-Length and Transfer-Encoding";
    return std::nullopt;
}

}  // namespace moat::web
