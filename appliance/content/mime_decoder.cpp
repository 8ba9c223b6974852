#include "content/mime_decoder.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include "content/charset.h"
#include "content/gmime_init.h"
#include "content/html_text.h"
#include "content/utf8.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

struct GObjectUnref {
    void operator()(void* p) const {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(void* p) const { g_free(p); }
};
using GChars = std::unique_ptr<char, GFree>;

struct OptionsFree {
    void operator()(GMimeParserOptions* p) const { g_mime_parser_options_free(p); }
};

bool isMessageType(std::string_view type) {
    return type == "message/rfc822" || type == "message/global";
}

bool hasEmlName(std::string_view filename) {
    return filename.size() > 4 && util::lowerAscii(filename.substr(filename.size() - 4)) == ".eml";
}

std::string_view warningName(GMimeParserWarning code) {
    switch (code) {
        case GMIME_WARN_UNENCODED_8BIT_HEADER:
            return anomaly::kEightBitHeader;
        case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
            return anomaly::kBadEncodedWord;
        case GMIME_WARN_MALFORMED_MULTIPART:
            return anomaly::kMalformedMultipart;
        case GMIME_WARN_TRUNCATED_MESSAGE:
            return anomaly::kTruncated;
        case GMIME_WARN_MALFORMED_MESSAGE:
            return anomaly::kMalformedMessage;
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
            return anomaly::kMissingBoundary;
        case GMIME_CRIT_NESTING_OVERFLOW:
            return anomaly::kDepthLimit;
        case GMIME_CRIT_INVALID_HEADER_NAME:
        case GMIME_CRIT_CONFLICTING_HEADER:
        case GMIME_CRIT_CONFLICTING_PARAMETER:
        case GMIME_WARN_DUPLICATED_HEADER:
        case GMIME_WARN_DUPLICATED_PARAMETER:
        case GMIME_WARN_INVALID_CONTENT_TYPE:
        case GMIME_WARN_INVALID_PARAMETER:
        case GMIME_WARN_INVALID_ADDRESS_LIST:
        case GMIME_WARN_PART_WITHOUT_CONTENT:
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
            return anomaly::kBadHeader;
    }
    return anomaly::kMalformedMessage;
}

// RFC 2047 encoded words ("=?charset?B|Q?text?=") in a raw header value.
std::size_t countEncodedWords(std::string_view raw) {
    std::size_t count = 0;
    for (std::size_t i = raw.find("=?"); i != std::string_view::npos; i = raw.find("=?", i)) {
        std::size_t q1 = raw.find('?', i + 2);
        if (q1 == std::string_view::npos || q1 + 2 >= raw.size() || raw[q1 + 2] != '?') {
            i += 2;
            continue;
        }
        char enc = raw[q1 + 1];
        std::size_t end = raw.find("?=", q1 + 3);
        if ((enc != 'b' && enc != 'B' && enc != 'q' && enc != 'Q') ||
            end == std::string_view::npos) {
            i += 2;
            continue;
        }
        ++count;
        i = end + 2;
    }
    return count;
}

class Walker {
  public:
    Walker(const DecodeLimits& limits, DecodedMessage& out, GMimeParserOptions* options)
        : limits_(limits), out_(out), options_(options) {}

    void note(std::string_view name) { ++out_.anomalies[std::string(name)]; }

    void headers(GMimeMessage* message) {
        struct Field {
            gint64 offset;
            std::string name, raw;
        };
        std::vector<Field> fields;
        // (offset, name) of the fields taken, sorted: the message's own list
        // and its top part's share the Content-* fields. A sorted vector, not
        // a set: fields come in offset order, so each is appended, and a
        // message has a few dozen (at most max_headers + 1 are taken).
        std::vector<std::pair<gint64, std::string_view>> seen;
        auto firstSeen = [&seen](gint64 offset, std::string_view name) {
            std::pair<gint64, std::string_view> key{offset, name};
            auto at = std::lower_bound(seen.begin(), seen.end(), key);
            if (at != seen.end() && *at == key) return false;
            seen.insert(at, key);
            return true;
        };
        auto collect = [&](GMimeObject* object, bool content_only) {
            if (!object) return;
            GMimeHeaderList* list = g_mime_object_get_header_list(object);
            int count = list ? g_mime_header_list_get_count(list) : 0;
            for (int i = 0; i < count && fields.size() <= limits_.max_headers; ++i) {
                GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
                const char* name = g_mime_header_get_name(h);
                const char* raw = g_mime_header_get_raw_value(h);
                if (!name) continue;
                if (content_only && g_ascii_strncasecmp(name, "Content-", 8) != 0) continue;
                if (firstSeen(g_mime_header_get_offset(h), name))
                    fields.push_back({g_mime_header_get_offset(h), name, raw ? raw : ""});
            }
        };
        collect(GMIME_OBJECT(message), false);
        collect(g_mime_message_get_mime_part(message), true);
        std::stable_sort(fields.begin(), fields.end(),
                         [](const Field& a, const Field& b) { return a.offset < b.offset; });
        if (fields.empty()) note(anomaly::kNoHeaders);
        for (auto& f : fields) {
            if (out_.headers.size() >= limits_.max_headers) {
                note(anomaly::kHeaderLimit);
                break;
            }
            out_.encoded_words += countEncodedWords(f.raw);
            bool eight_bit = false;
            for (char c : f.raw) eight_bit = eight_bit || static_cast<unsigned char>(c) >= 0x80;
            if (eight_bit && !out_.has(anomaly::kEightBitHeader)) note(anomaly::kEightBitHeader);
            // Plain ASCII with no encoded word decodes to itself: GMime's
            // decoder (a copy word by word) is skipped for most fields, and
            // so is its unfolding, which for such a field is the value
            // trimmed of white space and without CR and LF.
            bool plain = !eight_bit && f.raw.find("=?") == std::string::npos;
            std::string value;
            if (plain) {
                std::string_view trimmed = util::trimWhitespace(f.raw);
                value.assign(trimmed);
                value.erase(std::remove_if(value.begin(), value.end(),
                                           [](char c) { return c == '\r' || c == '\n'; }),
                            value.end());
            } else {
                GChars unfolded(g_mime_utils_header_unfold(f.raw.c_str()));
                GChars decoded(unfolded ? g_mime_utils_header_decode_text(options_, unfolded.get()) : nullptr);
                value = toValidUtf8(util::trimWhitespace(decoded ? decoded.get() : ""));
            }
            if (value.size() > limits_.max_header_bytes) {
                note(anomaly::kHeaderTooLong);
                value = std::string(utf8Prefix(value, limits_.max_header_bytes));
            }
            out_.headers.push_back({toValidUtf8(f.name), std::move(value)});
        }
    }

    void walk(GMimeObject* object, std::size_t depth) {
        if (!object) return;
        if (depth > limits_.max_depth) {
            note(anomaly::kDepthLimit);
            return;
        }
        if (out_.parts >= limits_.max_parts) {
            note(anomaly::kPartLimit);
            return;
        }
        ++out_.parts;
        out_.depth = std::max(out_.depth, depth);
        if (GMIME_IS_MULTIPART(object)) {
            auto* multipart = GMIME_MULTIPART(object);
            int count = g_mime_multipart_get_count(multipart);
            if (count == 0) {
                note(anomaly::kEmptyMultipart);
                // A multipart whose boundary never comes: GMime keeps the body as
                // the prologue. Read it as text, as a spammer's target would see it.
                if (const char* prologue = g_mime_multipart_get_prologue(multipart))
                    addText("text/plain", "", prologue, depth);
            }
            for (int i = 0; i < count; ++i)
                walk(g_mime_multipart_get_part(multipart, i), depth + 1);
        } else if (GMIME_IS_MESSAGE_PART(object)) {
            GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
            if (inner) {
                keepAttachedMessage(inner);
                walk(g_mime_message_get_mime_part(inner), depth + 1);
            }
        } else if (GMIME_IS_PART(object)) {
            leaf(GMIME_PART(object), depth);
        }
    }

  private:
    void keepAttachedMessage(GMimeMessage* inner) {
        char* text = g_mime_object_to_string(GMIME_OBJECT(inner), nullptr);
        if (!text) return;
        std::size_t length = std::strlen(text);
        if (out_.decoded_bytes + length > limits_.max_decoded_bytes) {
            note(anomaly::kDecodedSizeLimit);
        } else {
            out_.decoded_bytes += length;
            out_.attached_messages.emplace_back(text, length);
        }
        g_free(text);
    }

    std::string decodedContent(GMimePart* part, bool& truncated) {
        truncated = false;
        GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
        if (!wrapper) return {};
        std::size_t budget =
            limits_.max_decoded_bytes - std::min(limits_.max_decoded_bytes, out_.decoded_bytes);
        if (budget == 0) {
            truncated = true;
            note(anomaly::kDecodedSizeLimit);
            return {};
        }
        if (g_mime_data_wrapper_get_encoding(wrapper) == GMIME_CONTENT_ENCODING_BASE64)
            checkBase64(wrapper);
        GPtr<GMimeStream> mem(g_mime_stream_mem_new());
        g_mime_data_wrapper_write_to_stream(wrapper, mem.get());
        GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
        std::size_t length = bytes ? bytes->len : 0;
        if (length > budget) {
            truncated = true;
            note(anomaly::kDecodedSizeLimit);
            length = budget;
        }
        out_.decoded_bytes += length;
        return length ? std::string(reinterpret_cast<const char*>(bytes->data), length)
                      : std::string();
    }

    // Base64 bodies with characters outside the alphabet: GMime skips them,
    // but mail software never writes them, so they are worth a note.
    void checkBase64(GMimeDataWrapper* wrapper) {
        GMimeStream* stream = g_mime_data_wrapper_get_stream(wrapper);
        if (!stream || g_mime_stream_reset(stream) != 0) return;
        char buffer[8192];
        bool padding = false;
        ssize_t n;
        while ((n = g_mime_stream_read(stream, buffer, sizeof buffer)) > 0) {
            for (ssize_t i = 0; i < n; ++i) {
                unsigned char c = static_cast<unsigned char>(buffer[i]);
                bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
                if (space) continue;
                bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '+' || c == '/';
                if (c == '=') {
                    padding = true;
                } else if (!alphabet || padding) {
                    note(anomaly::kBadBase64);
                    g_mime_stream_reset(stream);
                    return;
                }
            }
        }
        g_mime_stream_reset(stream);
    }

    void leaf(GMimePart* part, std::size_t depth) {
        GMimeObject* object = GMIME_OBJECT(part);
        std::string type = "application/octet-stream";
        if (GMimeContentType* ct = g_mime_object_get_content_type(object)) {
            GChars mime(g_mime_content_type_get_mime_type(ct));
            if (mime) type = util::lowerAscii(mime.get());
        }
        std::string disposition;
        if (GMimeContentDisposition* d = g_mime_object_get_content_disposition(object))
            if (const char* name = g_mime_content_disposition_get_disposition(d))
                disposition = util::lowerAscii(name);
        const char* filename = g_mime_part_get_filename(part);
        bool text = (type == "text/plain" || type == "text/html") &&
                    (disposition != "attachment" || !filename);
        bool truncated = false;
        std::string data = decodedContent(part, truncated);
        if (text) {
            const char* charset = g_mime_object_get_content_type_parameter(object, "charset");
            addText(type, charset ? charset : "", data, depth);
            return;
        }
        Attachment a;
        if (filename) {
            // RFC 2231 is decoded by GMime; RFC 2047 inside a quoted name
            // (common, though not standard) is decoded here.
            GChars decoded(g_mime_utils_header_decode_text(options_, filename));
            a.filename = toValidUtf8(decoded ? decoded.get() : filename);
        }
        // A forwarded message whose part GMime could not parse as one: message/rfc822 in base64 or
        // quoted-printable (GMime parses only identity encodings), or a file named *.eml.
        if (!truncated && (isMessageType(type) || hasEmlName(a.filename)))
            out_.attached_messages.push_back(data);
        a.content_type = type;
        a.disposition = disposition;
        a.size = data.size();
        a.data = std::move(data);
        a.truncated = truncated;
        a.depth = depth;
        out_.attachments.push_back(std::move(a));
    }

    void addText(const std::string& type, const std::string& charset, std::string_view bytes,
                 std::size_t depth) {
        std::size_t used = text_bytes_;
        if (used >= limits_.max_text_bytes) {
            note(anomaly::kTextLimit);
            return;
        }
        Utf8Text utf8 = convertToUtf8(bytes, charset);
        if (utf8.unknown_charset) note(anomaly::kUnknownCharset);
        if (utf8.undeclared_8bit) note(anomaly::kUndeclared8bit);
        if (utf8.bad_bytes) note(anomaly::kBadCharsetBytes);
        TextPart t;
        t.content_type = type;
        t.charset = util::lowerAscii(charset);
        t.depth = depth;
        if (type == "text/html") {
            HtmlText html = htmlToText(utf8.text);
            t.text = std::move(html.text);
            t.links = std::move(html.links);
            t.hidden_chars = html.hidden_chars;
            t.html_element = html.html_element;
            if (html.hidden_chars) note(anomaly::kHiddenHtmlText);
        } else {
            t.text = std::move(utf8.text);
        }
        if (used + t.text.size() > limits_.max_text_bytes) {
            note(anomaly::kTextLimit);
            t.text = std::string(utf8Prefix(t.text, limits_.max_text_bytes - used));
        }
        text_bytes_ += t.text.size();
        out_.texts.push_back(std::move(t));
    }

    const DecodeLimits& limits_;
    DecodedMessage& out_;
    GMimeParserOptions* options_;
    std::size_t text_bytes_ = 0;
};

void onWarning(gint64 /*offset*/, GMimeParserWarning code, const gchar* /*item*/, gpointer user) {
    static_cast<Walker*>(user)->note(warningName(code));
}

}  // namespace

DecodedMessage decodeMessage(std::string_view raw, const DecodeLimits& limits) {
    ensureGmime();
    DecodedMessage out;
    std::unique_ptr<GMimeParserOptions, OptionsFree> options(g_mime_parser_options_new());
    Walker walker(limits, out, options.get());
    if (raw.size() > limits.max_message_bytes) {
        walker.note(anomaly::kMessageSizeLimit);
        raw = raw.substr(0, limits.max_message_bytes);
    }
    static const char* fallback[] = {"UTF-8", "windows-1252", nullptr};
    g_mime_parser_options_set_fallback_charsets(options.get(), fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_warning_callback(options.get(), onWarning, &walker);

    GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options.get()));
    if (!message) {
        walker.note(anomaly::kMalformedMessage);
        return out;
    }
    walker.headers(message.get());
    walker.walk(g_mime_message_get_mime_part(message.get()), 0);
    return out;
}

}  // namespace moat::content
