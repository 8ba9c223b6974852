// A message as the content checks see it, after MIME decoding: top-level
// headers unfolded and RFC 2047-decoded, text parts converted to UTF-8 (HTML
// reduced to visible text), attachments with their decoded bytes, and what
// was odd about the message (anomalies, limits reached). Plain data: no
// GMime types leak out of the decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::content {

// Hard limits on decoding; reaching one is recorded as an anomaly and
// decoding goes on with what fits.
struct DecodeLimits {
    std::size_t max_message_bytes = 64u << 20;  // input past this is not parsed
    std::size_t max_depth = 20;                 // nesting of multiparts and attached messages
    std::size_t max_parts = 1000;               // MIME parts visited
    std::size_t max_decoded_bytes = 64u << 20;  // all parts' decoded bytes together
    std::size_t max_text_bytes = 4u << 20;      // all text parts' UTF-8 together
    std::size_t max_headers = 1000;             // top-level header fields kept
    std::size_t max_header_bytes = 64u << 10;   // one decoded header value
};

// Names of anomalies (keys of DecodedMessage::anomalies).
namespace anomaly {
inline constexpr std::string_view kMessageSizeLimit = "message-size-limit";
inline constexpr std::string_view kDepthLimit = "depth-limit";
inline constexpr std::string_view kPartLimit = "part-limit";
inline constexpr std::string_view kDecodedSizeLimit = "decoded-size-limit";
inline constexpr std::string_view kTextLimit = "text-limit";
inline constexpr std::string_view kHeaderLimit = "header-limit";
inline constexpr std::string_view kHeaderTooLong = "header-too-long";
inline constexpr std::string_view kEightBitHeader = "8bit-header";
inline constexpr std::string_view kBadEncodedWord = "bad-encoded-word";
inline constexpr std::string_view kUnknownCharset = "unknown-charset";
inline constexpr std::string_view kBadCharsetBytes = "bad-charset-bytes";
inline constexpr std::string_view kUndeclared8bit = "undeclared-8bit-text";
inline constexpr std::string_view kBadBase64 = "bad-base64";
inline constexpr std::string_view kMissingBoundary = "multipart-without-boundary";
inline constexpr std::string_view kEmptyMultipart = "multipart-without-parts";
inline constexpr std::string_view kMalformedMultipart = "malformed-multipart";
inline constexpr std::string_view kTruncated = "truncated";
inline constexpr std::string_view kMalformedMessage = "malformed-message";
inline constexpr std::string_view kBadHeader = "bad-header";
inline constexpr std::string_view kNoHeaders = "no-headers";
inline constexpr std::string_view kHiddenHtmlText = "hidden-html-text";
}  // namespace anomaly

struct Header {
    std::string name;   // as written
    std::string value;  // unfolded, encoded words decoded, valid UTF-8, trimmed
};

struct TextPart {
    std::string content_type;        // lower case: text/plain, text/html
    std::string charset;             // as declared, lower case ("" when none)
    std::string text;                // valid UTF-8; for HTML, the visible text
    std::vector<std::string> links;  // HTML <a href> values
    std::size_t hidden_chars = 0;    // HTML characters hidden from the reader
    bool html_element = false;       // HTML with an <html> start tag
    std::size_t depth = 0;
};

struct Attachment {
    std::string filename;      // RFC 2231 / RFC 2047 decoded, UTF-8 ("" when none)
    std::string content_type;  // as declared, lower case
    std::string disposition;   // lower case: attachment, inline or ""
    std::size_t size = 0;      // decoded bytes (of data)
    std::string data;          // the decoded bytes, for type and virus checks
    // Set when data was left out (a content view, content_view.h): hashToken of the bytes.
    std::optional<std::uint64_t> data_hash;
    bool truncated = false;    // data was cut by max_decoded_bytes
    std::size_t depth = 0;
};

struct DecodedMessage {
    std::vector<Header> headers;  // top-level fields in message order
    std::vector<TextPart> texts;
    std::vector<Attachment> attachments;
    // Attached messages as raw bytes, outermost first, within max_decoded_bytes: what "forward
    // as attachment" carries. message/rfc822 (and message/global) parts of any transfer encoding
    // (7bit, 8bit, base64, quoted-printable: decoded here) and attachments named *.eml. An
    // encoded one is also listed in attachments; its own parts are not walked.
    std::vector<std::string> attached_messages;
    std::size_t parts = 0;          // MIME parts visited
    std::size_t depth = 0;          // deepest nesting visited (0: single part)
    std::size_t encoded_words = 0;  // RFC 2047 encoded words in top-level headers
    std::size_t decoded_bytes = 0;
    std::map<std::string, std::size_t, std::less<>> anomalies;  // name -> occurrences

    // True when a limit stopped decoding: later checks saw only part of the mail.
    bool limited() const;
    bool has(std::string_view anomaly_name) const { return anomalies.count(anomaly_name) > 0; }
    // The first field with this name (case-insensitive), or nullptr.
    const Header* header(std::string_view name) const;
    // All text parts' text, separated by newlines.
    std::string allText() const;
};

}  // namespace moat::content
