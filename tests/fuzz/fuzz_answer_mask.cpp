// Fuzzes the blocklist answer-mask parser and the country zone answer decoder:
// a parsed mask's canonical form parses back to the same mask, matching the
// same answers; a refusal always says why; an answer decodes to a country code
// only when it is 127.0.X.Y, and then to X*256+Y.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/answer_mask.h"
#include "policy/countries.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string why;
    auto mask = moat::dns::AnswerMask::parse(input, &why);
    if (!mask) {
        check(!why.empty());
    } else {
        std::string canonical = mask->str();
        check(canonical.find(' ') == std::string::npos);
        auto again = moat::dns::AnswerMask::parse(canonical);
        check(again && again->str() == canonical);
        for (const char* answer :
             {"127.0.0.2", "127.0.0.11", "127.255.255.254", "10.0.0.1", "0.0.0.0"})
            check(mask->matches(answer) == again->matches(answer));
    }
    // The input as an answer.
    if (auto code = moat::policy::countryCodeFromAnswer(input)) {
        check(input.substr(0, 6) == "127.0.");
        check(*code >= 0 && *code <= 65535);
    }
    if (auto country = moat::policy::parseCountry(input)) {
        check(moat::policy::countryByNumeric(country->numeric) == country);
        check(moat::policy::countryByAlpha2(country->alpha2) == country);
    }
    return 0;
}
