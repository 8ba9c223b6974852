// Fuzzes moat-tarpit's reader of a held client's lines: whatever arrives, in
// whatever pieces, each feed takes at most one line, every byte is taken,
// every completed line gets one of the replies, and the state stays fixed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "firewall/tarpit_dialogue.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using moat::firewall::TarpitReply;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    moat::firewall::TarpitLine line;
    // The first byte chooses the piece size, as a client's writes might split the stream.
    std::size_t piece = size ? 1 + data[0] % 64 : 1;
    std::size_t taken = 0;
    while (taken < input.size()) {
        auto chunk = input.substr(taken, piece);
        std::size_t n = line.feed(chunk);
        check(n >= 1 && n <= chunk.size());
        check(line.complete() == (chunk[n - 1] == '\n'));
        check(chunk.substr(0, n - 1).find('\n') == std::string_view::npos);
        taken += n;
        if (line.complete()) {
            auto r = line.answer();
            check(r != TarpitReply::greeting && r != TarpitReply::hold_over);
            check(!line.complete());
        }
    }
    check(taken == input.size());
    return 0;
}
