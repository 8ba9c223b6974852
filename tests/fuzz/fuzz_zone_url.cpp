// Fuzzes the zone URL template validator and its expansion: an accepted
// template is a fixed point, starts with http:// or https://, and expands with
// any placeholder values into a single line of printable ASCII without spaces
// (it goes into an SMTP reply); a refused one throws std::invalid_argument only.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/dns_zones.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string url;
    try {
        url = moat::store::validateZoneUrl(input);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    if (input.empty()) {
        check(url.empty());
        return 0;
    }
    check(url.size() == input.size() && url.size() <= 300);
    check(url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0);
    check(moat::store::validateZoneUrl(url) == url);
    std::string expanded =
        moat::store::expandZoneUrl(url, "2001:db8::1", "sub.example.com", "bl.example");
    for (unsigned char c : expanded) check(c > 0x20 && c < 0x7f && c != '{' && c != '}');
    return 0;
}
