// Host names and IPv4 literals of the URIs in a message, for URI blocklist
// lookups: http/https links in text and HTML hrefs, the obfuscated forms
// spammers use (hxxp://, "[.]" for dots, percent-encoding, bare "www."
// hosts) and URIs inside redirector URLs ("?url=http://evil.test"). A small
// scanner with hard limits; hosts come back lower case, each once, in order.
// An address written in any form a browser reads ("http://3512041827/",
// "http://0x7f.1/") comes back as its dotted quad (ipv4_host.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"

namespace moat::content {

struct UriLimits {
    std::size_t max_hosts = 100;       // distinct hosts returned
    std::size_t max_uri_bytes = 4096;  // one URI's text scanned (redirectors included)
    std::size_t max_depth = 3;         // URIs nested in URIs (percent-decoded each time)
};

// Adds to hosts the hosts of the URIs in text (no duplicates, at most max_hosts in all).
void extractUriHosts(std::string_view text, std::vector<std::string>& hosts,
                     const UriLimits& limits = {});

// The hosts of every text part and HTML link of message.
std::vector<std::string> extractUriHosts(const DecodedMessage& message,
                                         const UriLimits& limits = {});

}  // namespace moat::content
