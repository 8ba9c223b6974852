// HTML tags written into plain text: "<B>Penis</B>?", "<A HREF=www.x.test>Click".
// Spam sent through web forms and mailing lists, or by tools that put HTML
// in a text/plain part, carries its markup as text; split at white space,
// its words are glued to the tags ("b>penis</b") and match nothing any
// other message taught. replaceMarkup() replaces each tag of an HTML
// element by a space, and keeps a link's target (href, src) as a word of
// its own, so the words read as the same words in an HTML part.
//
// Only tags are touched: '<' (or "</") right before the name of a common
// HTML element, then white space, '/' or '>' after the name, closed by '>'
// within 1,000 bytes with no '<' between. Anything else — "a < b",
// "<jm@example.org>", "<<< quoted" — is kept as it is. In place (what
// replaces a tag is never longer than the tag), linear in the text.
#pragma once

#include <string>
#include <string_view>

namespace moat::content {

void replaceMarkup(std::string& text);

}  // namespace moat::content
