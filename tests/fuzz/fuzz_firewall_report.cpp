// Fuzzes the parser of moat-firewall's reports: whatever a process sends, a
// parsed report has a canonical address (for the verbs that take one), a
// duration within the limits, a printable reason of bounded length, and
// parsing its wire form again gives the same report.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "firewall/report.h"
#include "net/cidr.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using moat::firewall::Report;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto parsed = moat::firewall::parseReport(input);
    auto* r = std::get_if<Report>(&parsed);
    if (!r) return 0;
    check(input.size() <= moat::firewall::kMaxMessage);
    bool addressed = r->verb != Report::Verb::list && r->verb != Report::Verb::status;
    if (addressed) {
        auto ip = moat::net::parseIp(r->address);
        check(ip && moat::net::canonicalIp(*ip) == r->address);
    }
    if (r->verb == Report::Verb::block || r->verb == Report::Verb::tarpit) {
        check(r->seconds >= moat::firewall::kMinSeconds && r->seconds <= moat::firewall::kMaxSeconds);
        check(!r->reason.empty() && r->reason.size() <= moat::firewall::kMaxReason);
        for (char c : r->reason) check(c >= 0x20 && c <= 0x7e);
    }
    auto again = moat::firewall::parseReport(moat::firewall::formatReport(*r));
    auto* r2 = std::get_if<Report>(&again);
    check(r2 && r2->verb == r->verb && r2->address == r->address && r2->seconds == r->seconds);
    return 0;
}
