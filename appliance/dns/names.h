// The names the resolver asks for: the one canonical form of a query name
// (which is also its cache key), the reverse-lookup name of an address and
// the name a DNS blocklist is asked about one.
// All refuse what cannot be a DNS name rather than guess, so a hostile
// string never turns into a different query than the one it looks like.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::dns {

// Lower-case ASCII, one trailing dot removed. Nothing if the name is empty,
// longer than 253 bytes, has an empty or over-long (> 63) label, or holds a
// NUL or a backslash (c-ares would read the backslash as an escape).
std::optional<std::string> canonicalName(std::string_view name);

// "192.0.2.1" -> "1.2.0.192.in-addr.arpa", "2001:db8::1" -> "1.0.0.0.(...).ip6.arpa".
// inet_pton syntax only (no "127.1", no scope ids); an IPv4-mapped IPv6
// address (::ffff:a.b.c.d) gives the in-addr.arpa name of its IPv4 address.
std::optional<std::string> reverseName(std::string_view ip);

// The reverse name's labels without in-addr.arpa / ip6.arpa ("192.0.2.1" ->
// "1.2.0.192"): how blocklists of addresses (DNSBLs, and URI blocklists for
// links that name an address) list one.
std::optional<std::string> reversedLabels(std::string_view ip);

// The name a blocklist zone is asked about an address: the reverse name's
// labels under zone instead of in-addr.arpa / ip6.arpa ("192.0.2.1" in
// "bl.example" -> "1.2.0.192.bl.example"), canonical. Nothing if ip is not an
// address or the name would not be a valid one.
std::optional<std::string> blocklistName(std::string_view ip, std::string_view zone);

}  // namespace moat::dns
