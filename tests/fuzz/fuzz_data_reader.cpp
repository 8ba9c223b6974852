// Fuzzes the DATA-phase state machine: whatever the input and however it is
// split, the reader must agree with itself and never emit more than the limit.
#include "smtp/data_reader.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t chunk = 1 + data[0] % 17;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    moat::smtp::DataReader whole(4096), pieces(4096);
    std::string a, b;
    std::size_t used_a = whole.feed(input, a);
    std::size_t used_b = 0;
    while (used_b < input.size() && !pieces.done()) {
        auto piece = input.substr(used_b, chunk);
        std::size_t n = pieces.feed(piece, b);
        used_b += n;
        if (n < piece.size()) break;
    }
    if (a != b || used_a != used_b || whole.done() != pieces.done()) std::abort();
    if (a.size() > 4096) std::abort();
    if (whole.done() && (used_a < 3 || input.substr(used_a - 3, 3) != ".\r\n")) std::abort();
    return 0;
}
