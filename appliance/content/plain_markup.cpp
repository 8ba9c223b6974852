#include "content/plain_markup.h"

#include <algorithm>
#include <array>
#include <cstring>

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

bool isBlank(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// The length of the tag at text[at] ('<'), or 0 when it is not one.
std::size_t tagLength(std::string_view text, std::size_t at) {
    std::size_t i = at + 1;
    if (i < text.size() && text[i] == '/') ++i;
    std::size_t name = i;
    while (i < text.size() && i - name <= 10 && isNameChar(text[i])) ++i;
    if (i == name || i >= text.size()) return 0;
    if (text[i] != '>' && text[i] != '/' && !isBlank(text[i])) return 0;
    std::string lowered = util::lowerAscii(text.substr(name, i - name));
    if (!std::binary_search(kElements.begin(), kElements.end(), std::string_view(lowered))) return 0;
    std::size_t limit = std::min(text.size(), at + kMaxTag);
    for (; i < limit; ++i) {
        if (text[i] == '>') return i + 1 - at;
        if (text[i] == '<') return 0;
    }
    return 0;
}

// The value of a href= or src= attribute in a tag's text, or empty.
std::string_view linkTarget(std::string_view tag) {
    for (std::size_t i = 1; i < tag.size(); ++i) {
        if (!isBlank(tag[i - 1])) continue;
        std::size_t value;
        if (util::startsWithNoCase(tag.substr(i), "href"))
            value = i + 4;
        else if (util::startsWithNoCase(tag.substr(i), "src"))
            value = i + 3;
        else
            continue;
        while (value < tag.size() && isBlank(tag[value])) ++value;
        if (value >= tag.size() || tag[value] != '=') continue;
        ++value;
        while (value < tag.size() && isBlank(tag[value])) ++value;
        if (value >= tag.size()) return {};
        if (tag[value] == '"' || tag[value] == '\'') {
            std::size_t end = tag.find(tag[value], value + 1);
            if (end == std::string_view::npos) end = tag.size() - 1;  // up to the closing '>'
            return tag.substr(value + 1, end - value - 1);
        }
        std::size_t end = value;
        while (end < tag.size() && !isBlank(tag[end]) && tag[end] != '>') ++end;
        return tag.substr(value, end - value);
    }
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
