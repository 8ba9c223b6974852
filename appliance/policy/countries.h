// ISO 3166-1 countries by alpha-2 code and numeric code, for the country check:
// administrators name blocked countries either way ("cn" or "156"), and a
// country zone in the zz.countries.nerd.dk style answers 127.0.X.Y where
// X*256+Y is the numeric code. The table is complete (249 entries, from the
// Debian iso-codes data); lookups are case-insensitive and never allocate.
#pragma once

#include <optional>
#include <string_view>

namespace moat::policy {

struct Country {
    std::string_view alpha2;  // upper case: "CN"
    int numeric;              // 156
    std::string_view name;    // "China"
};

const Country* countryByAlpha2(std::string_view code);  // "cn" or "CN"
const Country* countryByNumeric(int numeric);
// An alpha-2 code or a numeric code of one to three digits ("040" is Austria).
const Country* parseCountry(std::string_view text);
// The numeric code in a country zone's answer "127.0.X.Y"; nothing for any other answer.
std::optional<int> countryCodeFromAnswer(std::string_view answer);

}  // namespace moat::policy
