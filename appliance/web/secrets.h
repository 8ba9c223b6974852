// Random secrets, their stored form and constant-time comparison (libsodium).
// Session ids, CSRF tokens, API tokens and the first-run link are 32 random
// bytes in base64url; the store keeps only their SHA-256 (hex), so a copy of
// the database holds nothing that logs anyone in.
#pragma once

#include <string>
#include <string_view>

namespace moat::web {

// Initialises libsodium once (thread-safe); a failure is fatal.
void initSodium();

// `bytes` random bytes as base64url without padding.
std::string randomToken(std::size_t bytes = 32);

// SHA-256 of text, lower-case hex (64 characters).
std::string sha256Hex(std::string_view text);

// Equal length and bytes, in time independent of where they differ.
bool equalConstantTime(std::string_view a, std::string_view b);

}  // namespace moat::web
