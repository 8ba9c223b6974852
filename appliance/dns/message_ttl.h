// The TTLs of a raw DNS answer, for the cache. c-ares 1.18 drops them when it
// parses MX, TXT and PTR answers, so the resolver reads them here from the
// message c-ares received. A bounds-checked walk over untrusted bytes: a
// malformed message yields no TTL (and so is not cached), never a bad read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace moat::dns {

struct MessageTtls {
    // The smallest TTL in the answer section (records and any CNAMEs).
    std::optional<std::uint32_t> answer;
    // RFC 2308 section 5: the smaller of the authority SOA's own TTL and its
    // MINIMUM field, for caching NXDOMAIN and NODATA.
    std::optional<std::uint32_t> negative;
};

// TTLs with the top bit set count as 0 (RFC 2181 section 8).
MessageTtls messageTtls(std::span<const unsigned char> message);

}  // namespace moat::dns
