// Decides whether a request's head frames its body unambiguously (RFC 9112
// section 6.3 and 11.2): a request a front proxy and CivetWeb could read
// differently is refused and its connection closed, so no second request can
// hide in a body. Refused: a header name that is not a token (e.g.
// "Transfer-Encoding " before the colon), a value with CR, LF or NUL (what an
// obs-fold or a smuggled line leaves), Content-Length together with
// Transfer-Encoding, Content-Length twice or not a plain decimal number,
// Transfer-Encoding twice or anything but "chunked".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::web {

using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

// Nothing when the framing is sound; else why not (fit for a log, never echoing the request).
std::optional<std::string> framingProblem(const HeaderList& headers);

}  // namespace moat::web
