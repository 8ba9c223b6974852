// MIME decoding that survives malformed mail: GMime parses the message
// (multipart nesting, base64, quoted-printable, uuencode, RFC 2047 and RFC
// 2231), and this walks the result within DecodeLimits into a DecodedMessage.
// Hostile input gives anomalies and partial results, never an exception
// (only std::bad_alloc, an environment failure, can escape). Thread-safe.
#pragma once

#include <string_view>

#include "content/decoded_message.h"

namespace moat::content {

DecodedMessage decodeMessage(std::string_view raw, const DecodeLimits& limits = {});

}  // namespace moat::content
