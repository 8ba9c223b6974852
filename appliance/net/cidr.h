// IP networks in CIDR notation ("192.0.2.0/24", "2001:db8::/32") for relay
// decisions, and the strict IP parser and canonical IP text the store keys on.
// Parsing accepts inet_pton syntax only (no "127.1", no octal, no scope ids),
// clears host bits, and folds IPv4-mapped networks (::ffff:a.b.c.d/96..128)
// to IPv4, so a network has exactly one text form. contains() matches an
// IPv4-mapped IPv6 client against IPv4 networks: a dual-stack listener sees
// IPv4 clients that way.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::net {

// A literal IPv4 or IPv6 address, or nothing. Unlike Poco's parser this
// refuses the inet_aton shorthands ("127.1", "010.0.0.1") and scope ids.
std::optional<Poco::Net::IPAddress> parseIp(std::string_view text);

// The one text form of an address, as stored in pop_relayers: IPv4 dotted
// quad (IPv4-mapped IPv6 becomes plain IPv4), IPv6 per RFC 5952 via
// inet_ntop, never a scope id. Poco's toString() is not used: it prints
// "::2" as "::".
std::string canonicalIp(const Poco::Net::IPAddress& address);

class Cidr {
  public:
    // "a.b.c.d/n", "v6/n", or a bare address (a /32 or /128); nothing if invalid.
    static std::optional<Cidr> parse(std::string_view text);

    bool contains(const Poco::Net::IPAddress& address) const;
    std::string str() const;  // canonical: "192.0.2.0/24", "2001:db8::/32"

    bool isIPv4() const { return v4_; }
    unsigned prefixLength() const { return prefix_; }

    bool operator==(const Cidr&) const = default;

  private:
    Cidr(bool v4, const std::array<std::uint8_t, 16>& network, unsigned prefix);

    bool v4_ = true;
    std::array<std::uint8_t, 16> network_{};  // IPv4 uses the first 4 bytes
    unsigned prefix_ = 0;
};

}  // namespace moat::net
