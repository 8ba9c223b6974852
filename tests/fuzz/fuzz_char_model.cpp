// Fuzzes the character model (content/char_model.h) on any bytes: the text
// it reads from a decoded message stays within its bound and valid where the
// message was, learning and scoring never crash, a score is finite, and
// unlearning a message learnt gives back the model's former scores, its
// compiled scorer agrees with it and reads back from its bytes; the same
// bytes read as a stored scorer are refused or give one that scores finitely
// and writes back as many bytes (8 more for the first format).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>

#include "content/char_model.h"
#include "content/mime_decoder.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    CharModelOptions options;
    options.max_bytes = 300;
    options.header_bytes = 100;
    auto text = charModelText(decodeMessage(bytes), options);
    check(text.size() <= 300);

    options.max_entries = 4000;  // small, so that a full table is reached too
    CharModel model(options);
    const std::size_t half = size / 2;
    model.learn(bytes.substr(0, half), true);
    model.learn("an ordinary line of ham, nothing to see here", false);
    const double before = model.score(text);
    check(std::isfinite(before));
    model.learn(bytes.substr(half), false);
    check(std::isfinite(model.score(bytes)));
    model.learn(bytes.substr(half), false, -1);
    if (model.entries() < options.max_entries) check(model.score(text) == before);

    std::string_view spam_half = bytes.substr(0, std::min(half, options.max_bytes));
    auto scorer = model.compile({spam_half, "an ordinary line of ham, nothing to see here"});
    check(std::fabs(scorer.score(text) - model.score(text)) < 1e-3 || model.entries() >= options.max_entries);
    auto again = CharScorer::deserialize(scorer.serialize());
    check(again && again->score(text) == scorer.score(text));
    if (auto stored = CharScorer::deserialize(bytes)) {
        check(std::isfinite(stored->score(text)));
        // Written back in today's format: the first one ("MOATCS01") has no
        // header_bytes, 8 bytes fewer.
        const std::string written = stored->serialize();
        check(written.size() == bytes.size() + (bytes.substr(0, 8) == "MOATCS01" ? 8 : 0));
        auto back = CharScorer::deserialize(written);
        check(back && back->serialize() == written && back->score(text) == stored->score(text));
    }
    return 0;
}
