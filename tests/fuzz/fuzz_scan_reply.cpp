// Fuzzes the scand reply parser: whatever a scanner sends, a parsed reply is
// one of the five kinds with printable-ASCII detail within the limits (empty
// only for clean), and formatting it gives back the same line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/scan_reply.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = moat::scan::parseScanReply(input);
    if (!r) return 0;
    check(input.size() <= moat::scan::kMaxReplyBytes);
    check(r->kind == moat::scan::ScanResult::Kind::clean || !r->detail.empty());
    check(r->detail.size() <= moat::scan::kMaxDetailBytes);
    for (char c : r->detail) check(c >= 0x20 && c <= 0x7e);
    check(moat::scan::formatScanReply(*r) == input);
    return 0;
}
