// The IPv4 address a browser reads in a URL's host. Browsers (the WHATWG URL
// standard's IPv4 parser) accept more than the dotted quad: one to four
// numbers joined by dots, each decimal, octal ("010" = 8) or hex ("0x7f"),
// the last one filling the bytes left ("127.1" = 127.0.0.1, "3512041827" =
// 209.85.129.99). Spammers write links that way to hide an address from
// blocklists and from "links to a bare IP" checks, so the URI extractor turns
// every such host into its dotted quad and the checks read only that form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::content {

// The address of host (lower or upper case, no trailing dot), or nothing if
// host is not an IPv4 number in any form a browser reads, or is out of range.
std::optional<std::uint32_t> parseIpv4Host(std::string_view host);

// "a.b.c.d", decimal, the canonical form parseIpv4Host reads back.
std::string dottedQuad(std::uint32_t address);

// True for host in canonical dotted-quad form only ("192.0.2.7", not
// "192.0.2.07" or "3221225991"): the form extractUriHosts gives addresses in.
bool isDottedQuad(std::string_view host);

}  // namespace moat::content
