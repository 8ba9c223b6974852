// Fuzzes the HELO name parser: whatever the input, the result is one of name,
// address or invalid-with-a-reason; a name is lower-case LDH (and '_') labels
// that parse back to themselves; an address is a canonical IP that, bracketed
// (with "IPv6:" when it has a colon), parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/helo_name.h"
#include "fuzz_check.h"

using moat::fuzz::check;

namespace {

using moat::policy::HeloName;
using moat::policy::parseHeloName;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    HeloName h = parseHeloName(input);
    switch (h.kind) {
        case HeloName::Kind::invalid:
            check(!h.problem.empty() && h.value.empty());
            break;
        case HeloName::Kind::name: {
            check(h.problem.empty() && !h.value.empty() && h.value.size() <= 253);
            check(h.value.find('.') != std::string::npos);
            for (char c : h.value)
                check((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                      c == '.');
            auto again = parseHeloName(h.value);
            check(again.kind == HeloName::Kind::name && again.value == h.value);
            break;
        }
        case HeloName::Kind::address: {
            check(h.problem.empty() && !h.value.empty());
            bool v6 = h.value.find(':') != std::string::npos;
            auto again = parseHeloName((v6 ? "[IPv6:" : "[") + h.value + "]");
            check(again.kind == HeloName::Kind::address && again.value == h.value);
            break;
        }
    }
    return 0;
}
