// What a client's HELO/EHLO argument is, parsed strictly: a fully qualified
// host name (RFC 5321 Domain: two or more labels of letters, digits and '-',
// plus '_' as Postfix tolerates, a non-numeric last label) or an address
// literal ("[192.0.2.1]", "[IPv6:2001:db8::1]"). Anything else is invalid,
// with the reason a refusal names. The HELO check decides on this parsed form.
#pragma once

#include <string>
#include <string_view>

namespace moat::policy {

struct HeloName {
    enum class Kind { name, address, invalid };
    Kind kind = Kind::invalid;
    std::string
        value;  // name: lower case, no trailing dot; address: canonical IP (net::canonicalIp)
    std::string problem;  // invalid: "is not a fully qualified domain name", ...
};

HeloName parseHeloName(std::string_view text);

}  // namespace moat::policy
