#include "content/plain_markup.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "content/html_attributes.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

constexpr std::size_t kMaxTag = 1000;

// The elements whose tags are markup when written into text: those of the
// text and layout of a page (not every element HTML has: a rare name in
// angle brackets is more likely text).
constexpr std::array<std::string_view, 41> kElements = {
    "a",     "b",    "big",   "blockquote", "body",  "br",    "center", "div",   "em",     "font", "form",
    "h1",    "h2",   "h3",    "h4",         "h5",    "h6",    "head",   "hr",    "html",   "i",    "img",
    "input", "li",   "meta",  "ol",         "p",     "pre",   "small",  "span",  "strong", "style", "table",
    "tbody", "td",   "th",    "title",      "tr",    "tt",    "u",      "ul"};
static_assert(std::is_sorted(kElements.begin(), kElements.end()));

bool isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The length of the tag at text[at] ('<'), or 0 when it is not one.
std::size_t tagLength(std::string_view text, std::size_t at) {
    std::size_t i = at + 1;
    if (i < text.size() && text[i] == '/') ++i;
    std::size_t name = i;
    while (i < text.size() && i - name <= 10 && isNameChar(text[i])) ++i;
    if (i == name || i >= text.size()) return 0;
    if (text[i] != '>' && text[i] != '/' && !isHtmlSpace(text[i])) return 0;
    std::string lowered = util::lowerAscii(text.substr(name, i - name));
    if (!std::binary_search(kElements.begin(), kElements.end(), std::string_view(lowered))) return 0;
    std::size_t limit = std::min(text.size(), at + kMaxTag);
    for (; i < limit; ++i) {
        if (text[i] == '>') return i + 1 - at;
        if (text[i] == '<') return 0;
    }
    return 0;
}

// The value of the first href= or src= attribute of a tag (closed by '>',
// as tagLength found it), or empty. Read without the closing '>', so that a
// quote left open ends there.
std::string_view linkTarget(std::string_view tag) {
    tag.remove_suffix(1);
    std::size_t at = 1;
    if (at < tag.size() && tag[at] == '/') ++at;
    while (at < tag.size() && isNameChar(tag[at])) ++at;
    HtmlAttribute a;
    while (nextHtmlAttribute(tag, at, a))
        if (util::equalsNoCase(a.name, "href") || util::equalsNoCase(a.name, "src")) return a.value;
    return {};
}

}  // namespace

void replaceMarkup(std::string& text) {
    std::size_t read = text.find('<');
    if (read == std::string::npos) return;
    std::size_t write = read;
    while (read < text.size()) {
        if (text[read] == '<') {
            if (std::size_t n = tagLength(text, read)) {
                // " target " is shorter than the tag it came from, so it
                // never overtakes what is still to be read.
                std::string_view target = linkTarget(std::string_view(text).substr(read, n));
                text[write++] = ' ';
                if (!target.empty()) {
                    std::memmove(&text[write], target.data(), target.size());
                    write += target.size();
                    text[write++] = ' ';
                }
                read += n;
                continue;
            }
        }
        text[write++] = text[read++];
    }
    text.resize(write);
}

}  // namespace moat::content
