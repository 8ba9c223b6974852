#include "net/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace moat::net {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool isMapped(const std::uint8_t* bytes) {
    return std::memcmp(bytes, kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

// An address as (is IPv4, 16 bytes); IPv4-mapped IPv6 counts as IPv4.
struct Raw {
    bool v4 = true;
    std::array<std::uint8_t, 16> bytes{};
};

Raw raw(const Poco::Net::IPAddress& address) {
    Raw r;
    const auto* bytes = static_cast<const std::uint8_t*>(address.addr());
    if (address.family() == Poco::Net::IPAddress::IPv4) {
        std::memcpy(r.bytes.data(), bytes, 4);
    } else if (isMapped(bytes)) {
        std::memcpy(r.bytes.data(), bytes + 12, 4);
    } else {
        r.v4 = false;
        std::memcpy(r.bytes.data(), bytes, 16);
    }
    return r;
}

std::string text(bool v4, const std::uint8_t* bytes) {
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(v4 ? AF_INET : AF_INET6, bytes, buf, sizeof buf)) return {};
    return buf;
}

}  // namespace

std::optional<Poco::Net::IPAddress> parseIp(std::string_view input) {
    if (input.empty() || input.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    bool v6 = false;
    for (char c : input) {
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != '.' && c != ':') return std::nullopt;
        if (c == ':') v6 = true;
    }
    std::string z(input);  // inet_pton wants a terminated string
    std::uint8_t bytes[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, z.c_str(), bytes) != 1) return std::nullopt;
    return Poco::Net::IPAddress(bytes, v6 ? 16 : 4);
}

std::string canonicalIp(const Poco::Net::IPAddress& address) {
    Raw r = raw(address);
    return text(r.v4, r.bytes.data());
}

Cidr::Cidr(bool v4, const std::array<std::uint8_t, 16>& network, unsigned prefix)
    : v4_(v4), network_(network), prefix_(prefix) {
    // Clear the host bits, so "192.0.2.7/24" is stored as "192.0.2.0/24".
    for (unsigned i = 0; i < 16; ++i) {
        unsigned bit = i * 8;
        if (bit >= prefix_)
            network_[i] = 0;
        else if (prefix_ - bit < 8)
            network_[i] &= static_cast<std::uint8_t>(0xff00u >> (prefix_ - bit));
    }
}

std::optional<Cidr> Cidr::parse(std::string_view input) {
    auto slash = input.find('/');
    auto address = parseIp(input.substr(0, slash));
    if (!address) return std::nullopt;

    const auto* bytes = static_cast<const std::uint8_t*>(address->addr());
    bool v4 = address->family() == Poco::Net::IPAddress::IPv4;
    unsigned max = v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        auto digits = input.substr(slash + 1);
        if (digits.empty() || digits.size() > 3) return std::nullopt;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (ec != std::errc() || end != digits.data() + digits.size() || prefix > max)
            return std::nullopt;
    }

    std::array<std::uint8_t, 16> network{};
    if (v4) {
        std::memcpy(network.data(), bytes, 4);
    } else if (isMapped(bytes) && prefix >= 96) {
        std::memcpy(network.data(), bytes + 12, 4);
        v4 = true;
        prefix -= 96;
    } else {
        std::memcpy(network.data(), bytes, 16);
    }
    return Cidr(v4, network, prefix);
}

bool Cidr::contains(const Poco::Net::IPAddress& address) const {
    Raw r = raw(address);
    if (r.v4 != v4_) return false;
    unsigned whole = prefix_ / 8;
    if (std::memcmp(r.bytes.data(), network_.data(), whole) != 0) return false;
    unsigned rest = prefix_ % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
    return (r.bytes[whole] & mask) == network_[whole];
}

std::string Cidr::str() const {
    return text(v4_, network_.data()) + "/" + std::to_string(prefix_);
}

}  // namespace moat::net
