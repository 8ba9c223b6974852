// Rewrites a message's header block for delivery after content scoring:
// drops incoming X-Moat-Score / X-Spam-Status fields (a sender must not
// spoof our verdict), optionally prefixes the Subject (folded and RFC 2047
// subjects keep their bytes; a missing Subject gets one), and puts the given
// fields first. Everything after the header block is copied byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace moat::content {

struct HeaderRewrite {
    std::string add;             // complete fields to put first, each ending in CRLF
    std::string subject_prefix;  // empty: leave the Subject alone
};

// message: the raw message with CRLF line ends (as spooled).
std::string rewriteHeaders(std::string_view message, const HeaderRewrite& rewrite);

}  // namespace moat::content
