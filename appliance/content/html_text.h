// HTML reduced to the text a reader sees: script, style, head and comments
// dropped; text hidden by CSS (display, visibility, opacity, a 0/1px font) or
// coloured like its background dropped and counted; entities decoded and
// zero-width characters removed. A forgiving byte-level state machine: any
// input gives valid UTF-8 within the limits, never an exception.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::content {

struct HtmlLimits {
    std::size_t max_text = 1 << 20;  // bytes of visible text kept
    std::size_t max_depth = 256;     // open elements tracked; deeper ones are not
    std::size_t max_links = 500;     // href values kept
    std::size_t max_link_length = 2048;
};

struct HtmlText {
    std::string text;                // UTF-8; runs of white space as one space, blocks as lines
    std::vector<std::string> links;  // <a href> values, entity-decoded, in document order
    std::size_t hidden_chars = 0;    // non-space characters hidden by the tricks above
    bool truncated = false;          // a limit was reached
    bool html_element = false;       // an <html> start tag was seen (every HTML program writes one)
};

HtmlText htmlToText(std::string_view html, const HtmlLimits& limits = {});

}  // namespace moat::content
