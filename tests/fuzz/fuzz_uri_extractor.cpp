// Fuzzes URI host extraction and the IPv4 host parser: whatever the text, at
// most max_hosts hosts come back, each once, lower case, and each a name of
// host characters with a dot; a host that is an address is in its canonical
// dotted-quad form; registered domains are suffixes of the hosts. The parser
// reads its own output back to the same address.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "content/ipv4_host.h"
#include "content/public_suffix.h"
#include "content/uri_extractor.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto address = parseIpv4Host(input)) {
        std::string quad = dottedQuad(*address);
        check(parseIpv4Host(quad) == address && isDottedQuad(quad));
    }
    UriLimits limits;
    limits.max_hosts = 16;
    std::vector<std::string> hosts;
    extractUriHosts(input, hosts, limits);
    check(hosts.size() <= limits.max_hosts);
    static const PublicSuffixList psl = PublicSuffixList::parse("com\nco.uk\nuk\n*.ck\n!www.ck\n");
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const auto& h = hosts[i];
        check(!h.empty() && h.size() <= 253 && h.find('.') != std::string::npos);
        for (char c : h)
            check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-');
        check(std::count(hosts.begin(), hosts.end(), h) == 1);
        check(!parseIpv4Host(h) || isDottedQuad(h));
        std::string domain = psl.registeredDomain(h);
        check(domain.size() <= h.size() &&
              h.compare(h.size() - domain.size(), domain.size(), domain) == 0);
    }
    return 0;
}
