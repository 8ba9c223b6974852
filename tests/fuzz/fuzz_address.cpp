// Fuzzes the path/mailbox parser: whatever the input, a success yields a
// well-formed canonical address that parses back to itself, and a failure
// yields a 5xx reply whose text is a safe single line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/address.h"
#include "fuzz_check.h"

using moat::fuzz::check;

namespace {

using moat::mail::Address;
using moat::mail::parseMailbox;
using moat::mail::parsePath;
using moat::mail::PathResult;

bool clean(std::string_view s, bool utf8) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8)) return false;
    }
    return true;
}

bool lowerCase(std::string_view domain) {
    if (domain.starts_with("[IPv6:")) domain.remove_prefix(6);  // the RFC 5321 tag's spelling
    for (char c : domain)
        if (c >= 'A' && c <= 'Z') return false;
    return true;
}

void checkAddress(const Address& a, bool utf8) {
    check(clean(a.local, utf8) && clean(a.domain, utf8));
    if (a.null) {
        check(a.local.empty() && a.domain.empty() && a.str().empty());
        return;
    }
    check(!a.local.empty() && a.local.size() <= 64);
    check(!a.domain.empty() && a.domain.size() <= 255 && lowerCase(a.domain));
    check(a.domain_literal == (a.domain.front() == '['));
    check(a.str().find('@') != std::string::npos);

    // The canonical form is a fixed point, bracketed and bare.
    auto again = parsePath("<" + a.str() + ">", false, utf8);
    check(again.ok() && again.address->str() == a.str() && again.params.empty());
    check(again.address->domain_literal == a.domain_literal);
    check(again.address->localPartRoutes() == a.localPartRoutes());
    auto bare = parseMailbox(a.str(), utf8);
    check(bare && bare->str() == a.str());
}

void checkResult(const PathResult& r, bool allow_null, bool utf8) {
    if (r.ok()) {
        check(r.code == 0 && r.error.empty());
        check(allow_null || !r.address->null);
        checkAddress(*r.address, utf8);
        for (const auto& [key, value] : r.params) {
            check(!key.empty() && (key[0] != '-'));
            for (char c : key) check((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
            check(clean(value, utf8) && value.find_first_of(" =") == std::string::npos);
        }
        return;
    }
    check(r.code >= 500 && r.code <= 599);
    check(r.enhanced.size() == 5 && r.enhanced.starts_with("5."));
    check(!r.error.empty() && r.error.size() < 100);
    check(r.error.find_first_of("\r\n") == std::string::npos);
    check(r.params.empty());
}

bool same(const PathResult& a, const PathResult& b) {
    return a.address->str() == b.address->str() && a.address->null == b.address->null &&
           a.params == b.params;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    PathResult r[2][2];  // [allow_null][utf8]
    for (int n = 0; n < 2; ++n)
        for (int u = 0; u < 2; ++u) {
            r[n][u] = parsePath(input, n, u);
            checkResult(r[n][u], n, u);
        }
    // Allowing more never changes what was already accepted.
    for (int n = 0; n < 2; ++n)
        if (r[n][0].ok()) check(r[n][1].ok() && same(r[n][0], r[n][1]));
    for (int u = 0; u < 2; ++u)
        if (r[0][u].ok()) check(r[1][u].ok() && same(r[0][u], r[1][u]));

    // A bare mailbox is exactly a bracketed path without route, null or parameters.
    for (int u = 0; u < 2; ++u) {
        auto bare = parseMailbox(input, u);
        auto bracketed = parsePath("<" + std::string(input) + ">", false, u);
        bool equivalent =
            bracketed.ok() && !bracketed.address->had_source_route && bracketed.params.empty();
        check(bare.has_value() == equivalent);
        if (bare) {
            check(bare->str() == bracketed.address->str());
            checkAddress(*bare, u);
        }
    }
    return 0;
}
