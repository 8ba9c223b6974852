// Fuzzes web::parseTotpCode: whatever it accepts is exactly six ASCII digits
// and every accepted input holds those digits in order (only spaces besides).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/totp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto code = moat::web::parseTotpCode(input);
    if (code) {
        if (code->size() != 6) std::abort();
        std::string kept;
        for (char c : input) {
            if (c == ' ') continue;
            if (c < '0' || c > '9') std::abort();
            kept += c;
        }
        if (kept != *code) std::abort();
    }
    (void)moat::web::recoveryCodeHash(input);
    return 0;
}
