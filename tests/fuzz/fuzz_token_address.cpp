// Fuzzes the token address parser: whatever the local part, a success yields
// a non-empty base and a canonical token that rebuild the input case-blind,
// and canonicalToken accepts exactly the canonical forms it produces.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/token_address.h"
#include "fuzz_check.h"

using moat::fuzz::check;

namespace {

bool sameCaseBlind(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto canonical = moat::policy::canonicalToken(input)) {
        check(canonical->size() == moat::policy::kTokenLength);
        check(moat::policy::canonicalToken(*canonical) == canonical);
        check(canonical->find_first_of("ILOUilou") == std::string::npos);
    }
    auto parsed = moat::policy::parseTokenLocalPart(input);
    if (!parsed) return 0;
    check(!parsed->base.empty());
    check(moat::policy::canonicalToken(parsed->token) == parsed->token);
    std::string rebuilt = moat::policy::tokenLocalPart(parsed->base, parsed->token);
    check(rebuilt.size() == input.size());
    check(sameCaseBlind(rebuilt.substr(0, parsed->base.size() + 5),
                        input.substr(0, parsed->base.size() + 5)));
    auto again = moat::policy::parseTokenLocalPart(rebuilt);
    check(again && again->base == parsed->base && again->token == parsed->token);
    return 0;
}
