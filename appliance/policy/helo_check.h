// The HELO check: the name a client gives in HELO/EHLO must be a fully
// qualified host name or an address literal, must not be this gateway's own
// name or address (a common forgery), and a literal must be the client's own
// address. One Finding (check "helo"); refusals are 550 5.7.1 naming the
// problem. Pure: no DNS (the HELO name's RHSBL lookup is in DnsChecks).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/helo_name.h"
#include "policy/verdict.h"

namespace moat::policy {

struct Gateway {
    std::string hostname;  // [smtp] hostname
    std::vector<std::string>
        addresses;  // canonical IPs: the listen address and the socket's local one
};

// text: the HELO argument as sent; client_ip: canonical.
Finding heloFinding(std::string_view text, const HeloName& parsed, std::string_view client_ip,
                    const Gateway& gateway);

}  // namespace moat::policy
