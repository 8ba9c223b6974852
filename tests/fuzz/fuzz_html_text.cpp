// Fuzzes HTML to visible text: whatever the input, the text is valid UTF-8
// within its limit, starts and ends with no white space, links are bounded,
// and a second pass over text without markup characters changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "content/bayes_tokenizer.h"
#include "content/html_text.h"
#include "content/utf8.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    HtmlLimits limits;
    limits.max_text = 4096;
    limits.max_depth = 16;
    limits.max_links = 8;
    limits.max_link_length = 64;

    HtmlText r = htmlToText(input, limits);
    check(isValidUtf8(r.text));
    check(r.text.size() <= limits.max_text);
    check(r.links.size() <= limits.max_links);
    for (const auto& l : r.links) check(isValidUtf8(l) && l.size() <= limits.max_link_length);
    if (!r.text.empty()) {
        check(r.text.front() != ' ' && r.text.front() != '\n');
        check(r.text.back() != ' ' && r.text.back() != '\n');
    }
    // Plain text (no markup or references left) is a fixed point, but for
    // line breaks, which only block elements make.
    if (r.text.find_first_of("<&") == std::string::npos && !r.truncated) {
        std::string flat = r.text;
        for (char& c : flat)
            if (c == '\n') c = ' ';
        HtmlText again = htmlToText(r.text, limits);
        check(again.text == flat && again.hidden_chars == 0);
    }
    textTokens(r.text);
    return 0;
}
