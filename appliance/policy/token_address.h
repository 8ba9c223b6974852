// One-time token addresses of whitelist-only mode: "jane+tok-4Q7ZJ2XM@example.com"
// reaches jane once. A token is 8 characters of Crockford base32 (no I, L, O,
// U: nothing to misread when copied from a bounce), 40 bits from a CSPRNG, and
// is read case-blind with Crockford's aliases (O as 0, I and L as 1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::policy {

inline constexpr std::size_t kTokenLength = 8;
inline constexpr std::string_view kTokenMarker = "+tok-";

// A fresh token from OpenSSL's RAND_bytes; throws std::runtime_error if the
// generator fails (it never should once seeded).
std::string newToken();

// The canonical (upper-case) form of text, or nothing when it is not exactly
// kTokenLength Crockford base32 characters.
std::optional<std::string> canonicalToken(std::string_view text);

struct TokenLocalPart {
    std::string base;   // the local part before "+tok-", as given
    std::string token;  // canonical
};

// Splits "jane+tok-4q7zj2xm" (the last "+tok-" decides, so "a+b+tok-..." has
// base "a+b"); nothing when the local part is not a token address or the
// base is empty.
std::optional<TokenLocalPart> parseTokenLocalPart(std::string_view local);

// "jane" + token -> "jane+tok-4Q7ZJ2XM".
std::string tokenLocalPart(std::string_view base, std::string_view token);

}  // namespace moat::policy
