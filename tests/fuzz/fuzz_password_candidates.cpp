// Fuzzes the password candidate extractor: whatever the text, it returns
// (no crash), within its limits, and every candidate is 1..max_length bytes
// without control characters, and appears once.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/password_candidates.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    moat::scan::CandidateLimits limits;
    limits.max_candidates = 8;
    limits.max_length = 16;
    limits.max_text_bytes = 16 << 10;
    auto got = moat::scan::passwordCandidates(input, limits);
    check(got.size() <= limits.max_candidates);
    for (std::size_t i = 0; i < got.size(); ++i) {
        check(!got[i].empty() && got[i].size() <= limits.max_length);
        for (char c : got[i]) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
        check(std::count(got.begin(), got.end(), got[i]) == 1);
    }
    return 0;
}
