// Fuzzes the mbox reader: however the input is split into chunks, the same
// messages come out; none is longer than the limit, and only one cut at the
// limit is marked truncated.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "content/mbox_reader.h"

namespace {

struct Out {
    std::vector<std::string> messages;
    std::vector<bool> truncated;
};

Out split(std::string_view input, std::size_t chunk, std::size_t max) {
    Out out;
    moat::content::MboxReader reader(
        [&](std::string m, bool t) {
            out.messages.push_back(std::move(m));
            out.truncated.push_back(t);
        },
        max);
    for (std::size_t i = 0; i < input.size(); i += chunk) reader.feed(input.substr(i, chunk));
    reader.finish();
    if (reader.messages() != out.messages.size()) std::abort();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    std::size_t chunk = 1 + data[0] % 13;
    std::size_t max = 16 + data[1];
    std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

    Out whole = split(input, input.size() + 1, max);
    Out pieces = split(input, chunk, max);
    if (whole.messages != pieces.messages || whole.truncated != pieces.truncated) std::abort();
    for (std::size_t i = 0; i < whole.messages.size(); ++i) {
        if (whole.messages[i].size() > max) std::abort();
        if (whole.truncated[i] && whole.messages[i].size() != max) std::abort();
    }
    return 0;
}
