// Fuzzes the pasted-address-list reader: whatever the input, every address it
// returns is canonical (a fixed point of store::canonicalMailbox), every
// unreadable item has a one-line reason, and line numbers stay in the input.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/address_list.h"
#include "store/valid_addresses.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto lines = static_cast<std::size_t>(std::count(input.begin(), input.end(), '\n')) + 1;
    auto r = moat::policy::parseAddressList(input);
    std::size_t last_line = 0;
    for (const auto& a : r.addresses) {
        std::string why;
        auto again = moat::store::canonicalMailbox(a.address, why);
        check(again && *again == a.address);
        check(a.line >= 1 && a.line <= lines && a.line >= last_line);
        last_line = a.line;
    }
    for (const auto& e : r.errors) {
        check(e.line >= 1 && e.line <= lines);
        check(!e.reason.empty() && e.reason.find_first_of("\r\n") == std::string::npos);
        check(e.text.size() <= 100 && e.text.find_first_of("\r\n") == std::string::npos);
    }
    // The items found never outnumber the separators plus one.
    auto separators = static_cast<std::size_t>(std::count_if(
        input.begin(), input.end(), [](char c) { return c == '\n' || c == ',' || c == ';'; }));
    check(r.addresses.size() + r.errors.size() <= separators + 1);
    return 0;
}
