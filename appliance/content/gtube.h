// GTUBE, the Generic Test for Unsolicited Bulk Email: a fixed string that
// every spam filter treats as certain spam, so administrators can test the
// reject path end to end without real spam.
#pragma once

#include <string_view>

#include "content/decoded_message.h"

namespace moat::content {

inline constexpr std::string_view kGtube =
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

// In the raw message (cheap, before decoding) ...
bool containsGtube(std::string_view raw);
// ... or in any decoded text part (survives base64 and quoted-printable).
bool containsGtube(const DecodedMessage& message);

}  // namespace moat::content
