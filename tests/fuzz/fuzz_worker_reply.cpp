// Fuzzes the reader of a scan worker's answer (pid line, then a reply line):
// whatever a compromised worker writes, a pid is positive and formats back to
// its own line, and a verdict comes only with a pid and obeys scan_reply.h.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/worker_reply.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto r = moat::scan::parseWorkerReply(input);
    check(r.pid >= 0);
    if (r.pid > 0) check(input.starts_with(moat::scan::formatWorkerPid(r.pid)));
    if (r.verdict) {
        check(r.pid > 0);
        auto line = moat::scan::formatScanReply(*r.verdict);
        check(input == moat::scan::formatWorkerPid(r.pid) + line);
    }
    return 0;
}
