#include "dns/answer_mask.h"

#include <arpa/inet.h>

namespace moat::dns {
namespace {

std::optional<std::uint32_t> ipv4(std::string_view text) {
    if (text.empty() || text.size() > 15) return std::nullopt;
    for (char c : text)  // inet_pton would stop at a NUL and accept what comes before it
        if ((c < '0' || c > '9') && c != '.') return std::nullopt;
    std::string s(text);  // inet_pton wants a terminated string
    in_addr addr{};
    if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return std::nullopt;
    return ntohl(addr.s_addr);
}

std::string dotted(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
           std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::string_view trimSpaces(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<AnswerMask> AnswerMask::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string why) -> std::optional<AnswerMask> {
        if (error) *error = std::move(why);
        return std::nullopt;
    };
    if (text.size() > kMaxText)
        return fail("mask longer than " + std::to_string(kMaxText) + " characters");
    AnswerMask mask;
    if (trimSpaces(text).empty()) return mask;
    while (true) {
        auto comma = text.find(',');
        std::string_view item = trimSpaces(text.substr(0, comma));
        if (item.empty()) return fail("empty item in mask");
        if (mask.ranges_.size() == kMaxItems)
            return fail("more than " + std::to_string(kMaxItems) + " items in mask");
        auto dash = item.find('-');
        auto first = ipv4(item.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : ipv4(item.substr(dash + 1));
        if (!first || !last)
            return fail("'" + std::string(item.substr(0, 40)) +
                        "' is not an IPv4 address or a range a.b.c.d-e.f.g.h");
        if (*first > *last) return fail("range " + std::string(item) + " ends before it starts");
        mask.ranges_.emplace_back(*first, *last);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return mask;
}

bool AnswerMask::matches(std::string_view answer) const {
    auto a = ipv4(answer);
    if (!a) return false;
    if (ranges_.empty()) return (*a >> 24) == 127 && (*a >> 8) != 0x7fffffu;
    for (const auto& [first, last] : ranges_)
        if (*a >= first && *a <= last) return true;
    return false;
}

std::string AnswerMask::str() const {
    std::string out;
    for (const auto& [first, last] : ranges_) {
        if (!out.empty()) out += ',';
        out += dotted(first);
        if (last != first) out += "-" + dotted(last);
    }
    return out;
}

}  // namespace moat::dns
