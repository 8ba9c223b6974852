// The content checks' view of a decoded message, as bytes: how the one MIME
// decode of a scanned message travels from the confined scan worker (which
// decodes it for the attachment policy) to moat-smtpd (which scores it), so
// the message is decoded once and hostile MIME is parsed inside the sandbox.
//
// The view is the DecodedMessage without what scoring never reads:
// attachments keep their name, type, disposition, size and a hash of their
// bytes (for messageDigest) but not the bytes; attached messages (used only
// by spam@/ham@ training, which decodes its own copy) are left out.
//
// Format: "MOATVIEW2\n" (2: with each text part's html_element flag), then
// LEB128 varints and strings (a varint length, then the bytes) in a fixed
// order, nothing after the last field. A view of another version is refused
// like a broken one: the caller decodes the message itself. The reader
// trusts nothing: a scan worker unpacks hostile input and may be compromised,
// so decodeContentView accepts only that grammar within the decoder's own
// limits (counts, sizes, valid UTF-8 where the decoder guarantees it) and
// gives nothing otherwise; the caller then decodes the message itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "content/decoded_message.h"

namespace moat::content {

// A view past this is not written (the scorer decodes the message itself).
inline constexpr std::size_t kMaxContentViewBytes = 16u << 20;

struct ContentView {
    DecodedMessage message;  // attachments' data empty, data_hash set; no attached_messages
    bool raw_gtube = false;  // the GTUBE string appears in the raw message bytes
};

// Nothing when the view would pass kMaxContentViewBytes.
std::optional<std::string> encodeContentView(const DecodedMessage& message, bool raw_gtube);
std::optional<ContentView> decodeContentView(std::string_view bytes);

// The view in a file written by a scan worker (read with pread from offset 0;
// a file larger than kMaxContentViewBytes, empty or malformed gives nothing).
std::optional<ContentView> readContentView(int fd);

}  // namespace moat::content
