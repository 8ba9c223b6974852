// The attributes of an HTML tag, read one at a time from the text after the
// element's name: `name`, `name=value`, `name="value"`, `name='value'`, with
// HTML white space (and '/') between them, up to the '>' that ends the tag.
// One reader for the HTML converter (html_text.h, which lower-cases names
// and decodes entity references in values) and for markup written into
// plain text (plain_markup.h, which only wants a link's target), so both
// read a tag the same way. Views into the text; no allocation; a quoted
// value may hold '>' and runs to its closing quote or the end of the text.
#pragma once

#include <cstddef>
#include <string_view>

namespace moat::content {

struct HtmlAttribute {
    std::string_view name;   // as written (any case)
    std::string_view value;  // raw: entity references not decoded; empty when there is none
};

// ' ', tab, line feed, form feed, carriage return (HTML's white space).
bool isHtmlSpace(char c);

// Reads the attribute at or after `at`. Returns true with `at` past it, or
// false at the tag's end with `at` just past its '>' (text.size() when the
// text ends first).
bool nextHtmlAttribute(std::string_view text, std::size_t& at, HtmlAttribute& out);

}  // namespace moat::content
