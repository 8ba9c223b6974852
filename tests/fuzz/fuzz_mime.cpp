// Fuzzes the MIME decoder and the tokenizer behind it: whatever the input,
// decoding returns (no crash, no exception), stays within its limits and
// yields valid UTF-8 everywhere; tokens come out sorted and unique.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "content/bayes_tokenizer.h"
#include "content/mime_decoder.h"
#include "content/utf8.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    DecodeLimits limits;  // small, so that every limit is reachable
    limits.max_message_bytes = 64 << 10;
    limits.max_depth = 8;
    limits.max_parts = 40;
    limits.max_decoded_bytes = 16 << 10;
    limits.max_text_bytes = 8 << 10;
    limits.max_headers = 30;
    limits.max_header_bytes = 512;

    DecodedMessage m = decodeMessage(input, limits);
    check(m.parts <= limits.max_parts);
    check(m.depth <= limits.max_depth);
    check(m.decoded_bytes <= limits.max_decoded_bytes);
    check(m.headers.size() <= limits.max_headers);
    std::size_t text_bytes = 0;
    for (const auto& h : m.headers)
        check(isValidUtf8(h.name) && isValidUtf8(h.value) &&
              h.value.size() <= limits.max_header_bytes);
    for (const auto& t : m.texts) {
        check(isValidUtf8(t.text));
        for (const auto& l : t.links) check(isValidUtf8(l));
        text_bytes += t.text.size();
    }
    check(text_bytes <= limits.max_text_bytes);
    for (const auto& a : m.attachments) {
        check(isValidUtf8(a.filename));
        check(a.size == a.data.size());
    }
    for (const auto& [name, count] : m.anomalies) check(!name.empty() && count > 0);

    auto tokens = tokenize(m);
    check(std::is_sorted(tokens.begin(), tokens.end()));
    check(std::adjacent_find(tokens.begin(), tokens.end()) == tokens.end());
    return 0;
}
