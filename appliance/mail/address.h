// Strict parsing of the reverse-path / forward-path of MAIL FROM and RCPT TO
// (RFC 5321 §4.1.2, RFC 6531 for SMTPUTF8) and of their ESMTP parameters.
// Every relay decision is made on the parsed Address, and the same Address is
// what the queue delivers to, so what was checked is what is acted on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::mail {

struct Address {
    std::string local;   // the local part as it must be sent on the wire (quotes kept if needed)
    std::string domain;  // lower-cased ASCII/UTF-8 domain, or an address literal such as "[192.0.2.1]"
    bool null = false;   // the null reverse-path <>
    bool quoted = false;            // the local part was a quoted-string
    bool domain_literal = false;    // domain is [IPv4] or [IPv6:...]
    bool had_source_route = false;  // "<@a,@b:user@dom>" form was given (route ignored per RFC 5321 §4.1.2)

    // "local@domain", or "" for the null path.
    std::string str() const { return null ? std::string() : local + "@" + domain; }

    // True when the local part holds characters that older MTAs treat as
    // routing: '%', '!', '@' (in quotes) — the percent hack, bang paths and
    // "user@other"@ours. Such addresses are never relayed to a backend.
    bool localPartRoutes() const;
};

// An ESMTP parameter keyword=value (value empty when absent); keywords upper-cased.
using EsmtpParam = std::pair<std::string, std::string>;

struct PathResult {
    std::optional<Address> address;  // set on success
    std::vector<EsmtpParam> params;  // parameters after the path
    int code = 0;                    // on failure: the SMTP reply code (501, 553, 555)
    std::string enhanced;            // on failure: enhanced status, e.g. "5.1.3"
    std::string error;               // on failure: human-readable reason
    bool ok() const { return address.has_value(); }
};

// Parses the argument after "MAIL FROM:" or "RCPT TO:" (e.g. "<a@b.c> SIZE=100").
// allow_null: accept "<>" (MAIL only). utf8: non-ASCII allowed (SMTPUTF8 given).
// Requires the angle brackets. Rejects empty labels, trailing dots, bad quotes,
// control characters, over-long parts (local 64, domain 255, path 256 octets).
PathResult parsePath(std::string_view argument, bool allow_null, bool utf8);

// Parses a free-standing mailbox "local@domain" (no brackets), as found in
// lists and on the command line. Same rules as parsePath.
std::optional<Address> parseMailbox(std::string_view text, bool utf8);

}  // namespace moat::mail
