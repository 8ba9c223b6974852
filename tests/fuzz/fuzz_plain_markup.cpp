// Fuzzes the removal of HTML tags from plain text: whatever the input, the
// result is never longer, keeps every byte that is not in a tag in order,
// and text without '<' is unchanged; the tokenizer takes the result.
#include <cstdint>
#include <string>
#include <string_view>

#include "content/bayes_tokenizer.h"
#include "content/plain_markup.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string input(reinterpret_cast<const char*>(data), size);
    std::string text = input;
    replaceMarkup(text);
    check(text.size() <= input.size());
    if (input.find('<') == std::string::npos) check(text == input);
    // Every '<' left was in the input, and nothing is added before the first '<'.
    const std::size_t first = input.find('<');
    if (first != std::string::npos) check(text.compare(0, first, input, 0, first) == 0);
    textTokens(text);
    return 0;
}
