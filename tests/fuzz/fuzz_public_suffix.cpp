// Fuzzes the Public Suffix List parser and lookup: the first line of the
// input is a host, the rest a list. A registered domain is always a suffix
// of the host starting at a label boundary, and looking it up again gives
// itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "content/public_suffix.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::content;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nl = input.find('\n');
    std::string_view host = input.substr(0, nl);
    std::string_view list =
        nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    auto psl = PublicSuffixList::parse(list);
    check(psl.size() <= PublicSuffixList::kMaxRules);
    std::string domain = psl.registeredDomain(host);
    if (domain.empty()) return 0;
    check(domain.size() <= host.size());
    std::size_t start = host.size() - domain.size();
    check(start == 0 || host[start - 1] == '.');
    check(psl.registeredDomain(domain) == domain);
    return 0;
}
