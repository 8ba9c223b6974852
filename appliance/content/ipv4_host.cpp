#include "content/ipv4_host.h"

#include <array>

namespace moat::content {
namespace {

constexpr std::uint64_t kTooBig = std::uint64_t{1} << 32;

// One dot-separated part: "0x" + hex digits (none means 0), "0" + octal
// digits, or decimal. Values past 2^32 stop early as too big.
std::optional<std::uint64_t> parsePart(std::string_view part) {
    if (part.empty()) return std::nullopt;
    unsigned base = 10;
    if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
        base = 16;
        part.remove_prefix(2);
    } else if (part.size() >= 2 && part[0] == '0') {
        base = 8;
        part.remove_prefix(1);
    }
    std::uint64_t value = 0;
    for (char c : part) {
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = static_cast<unsigned>(c - 'A' + 10);
        else
            return std::nullopt;
        if (digit >= base) return std::nullopt;
        value = value * base + digit;
        if (value >= kTooBig) return kTooBig;
    }
    return value;
}

}  // namespace

std::optional<std::uint32_t> parseIpv4Host(std::string_view host) {
    std::array<std::uint64_t, 4> parts{};
    std::size_t count = 0;
    while (true) {
        if (count == parts.size()) return std::nullopt;
        auto dot = host.find('.');
        auto value = parsePart(host.substr(0, dot));
        if (!value) return std::nullopt;
        parts[count++] = *value;
        if (dot == std::string_view::npos) break;
        host.remove_prefix(dot + 1);
    }
    std::uint64_t address = 0;
    for (std::size_t i = 0; i + 1 < count; ++i) {
        if (parts[i] > 255) return std::nullopt;
        address |= parts[i] << (8 * (3 - i));
    }
    // The last part fills the 5 - count bytes left.
    std::uint64_t last = parts[count - 1];
    if (last >= (std::uint64_t{1} << (8 * (5 - count)))) return std::nullopt;
    return static_cast<std::uint32_t>(address | last);
}

std::string dottedQuad(std::uint32_t address) {
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8) {
        if (!out.empty()) out += '.';
        out += std::to_string((address >> shift) & 0xff);
    }
    return out;
}

bool isDottedQuad(std::string_view host) {
    auto address = parseIpv4Host(host);
    return address && dottedQuad(*address) == host;
}

}  // namespace moat::content
