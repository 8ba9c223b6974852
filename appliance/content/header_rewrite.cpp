#include "content/header_rewrite.h"

#include <cctype>

#include "util/ascii_text.h"

namespace moat::content {
namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without CRLF

// The field name of a field's first line, or "" when the line is not a field.
std::string_view fieldName(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    auto name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
        name.remove_suffix(1);  // obsolete syntax
    for (char c : name)
        if (c <= 0x20 || c >= 0x7f) return {};
    return name;
}

// Next line of s from pos, its CRLF (or lone LF) included.
std::string_view nextLine(std::string_view s, std::size_t pos) {
    auto nl = s.find('\n', pos);
    return s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos + 1);
}

std::string prefixedSubject(std::string_view first_line, std::string_view prefix) {
    auto colon = first_line.find(':');
    std::string_view head = first_line.substr(0, colon + 1);
    std::string_view value = first_line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    bool blank = value.empty() || value.front() == '\r' || value.front() == '\n';
    std::string out = std::string(head) + " " + std::string(prefix);
    if (blank) return out + std::string(value);
    // Fold after the prefix rather than push the line past the limit.
    out += out.size() + 1 + value.size() > kMaxLine + 2 ? "\r\n " : " ";
    return out + std::string(value);
}

}  // namespace

std::string rewriteHeaders(std::string_view message, const HeaderRewrite& rewrite) {
    std::string headers;
    std::size_t pos = 0;
    bool dropping = false, subject_seen = false, in_subject = false;
    std::string subject_line;  // the rewritten first Subject line, placed where it was
    while (pos < message.size()) {
        std::string_view line = nextLine(message, pos);
        if (line == "\r\n" || line == "\n") break;  // end of the header block
        bool continuation = line.front() == ' ' || line.front() == '\t';
        if (!continuation) {
            std::string_view name = fieldName(line);
            if (name.empty()) break;  // not a header field: the body starts here
            dropping = util::equalsNoCase(name, "X-Moat-Score") || util::equalsNoCase(name, "X-Spam-Status");
            in_subject = !subject_seen && util::equalsNoCase(name, "Subject");
            if (in_subject) {
                subject_seen = true;
                if (!rewrite.subject_prefix.empty()) {
                    headers += prefixedSubject(line, rewrite.subject_prefix);
                    pos += line.size();
                    continue;
                }
            }
        } else if (pos == 0) {
            break;  // a message starting with white space has no header block
        }
        if (!dropping) headers.append(line);
        pos += line.size();
    }
    std::string out = rewrite.add;
    if (!subject_seen && !rewrite.subject_prefix.empty())
        out += "Subject: " + rewrite.subject_prefix + "\r\n";
    out.reserve(out.size() + headers.size() + message.size() - pos);
    out += headers;
    out.append(message.substr(pos));
    return out;
}

}  // namespace moat::content
