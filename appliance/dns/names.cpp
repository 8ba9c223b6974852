#include "dns/names.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "util/ascii_text.h"

namespace moat::dns {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;
constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string ipv4Reverse(const std::uint8_t* bytes) {
    std::string name;
    for (int i = 3; i >= 0; --i) name += std::to_string(bytes[i]) + '.';
    return name + "in-addr.arpa";
}

}  // namespace

std::optional<std::string> canonicalName(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > kMaxName) return std::nullopt;
    std::string out;
    out.reserve(name.size());
    std::size_t label = 0;
    for (char c : name) {
        if (c == '\0' || c == '\\') return std::nullopt;
        if (c == '.') {
            if (label == 0) return std::nullopt;
            label = 0;
        } else if (++label > kMaxLabel) {
            return std::nullopt;
        }
        out += util::lowerAscii(c);
    }
    if (label == 0) return std::nullopt;
    return out;
}

std::optional<std::string> reverseName(std::string_view ip) {
    if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    std::string text(ip);  // inet_pton wants a terminated string
    std::uint8_t bytes[16];
    if (text.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, text.c_str(), bytes) != 1) return std::nullopt;
        return ipv4Reverse(bytes);
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return std::nullopt;
    if (std::memcmp(bytes, kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
        return ipv4Reverse(bytes + 12);
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name;
    name.reserve(72);
    for (int i = 15; i >= 0; --i) {
        name += kHex[bytes[i] & 0x0f];
        name += '.';
        name += kHex[bytes[i] >> 4];
        name += '.';
    }
    return name + "ip6.arpa";
}

std::optional<std::string> reversedLabels(std::string_view ip) {
    auto reverse = reverseName(ip);
    if (!reverse) return std::nullopt;
    for (std::string_view suffix : {".in-addr.arpa", ".ip6.arpa"})
        if (reverse->ends_with(suffix)) reverse->resize(reverse->size() - suffix.size());
    return reverse;
}

std::optional<std::string> blocklistName(std::string_view ip, std::string_view zone) {
    auto labels = reversedLabels(ip);
    if (!labels) return std::nullopt;
    return canonicalName(*labels + "." + std::string(zone));
}

}  // namespace moat::dns
