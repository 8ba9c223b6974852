#include "policy/token_address.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "util/ascii_text.h"

namespace moat::policy {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The canonical digit for c, or 0 when c is not Crockford base32.
char crockford(char c) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') return '0';
    if (c == 'I' || c == 'L') return '1';
    return kAlphabet.find(c) == std::string_view::npos ? 0 : c;
}

}  // namespace

std::string newToken() {
    static_assert(kTokenLength * 5 == 40, "a token is five random bytes");
    std::array<unsigned char, 5> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("RAND_bytes failed: no randomness for a token");
    std::uint64_t bits = 0;
    for (unsigned char b : bytes) bits = bits << 8 | b;
    std::string out(kTokenLength, '0');
    for (std::size_t i = kTokenLength; i-- > 0; bits >>= 5) out[i] = kAlphabet[bits & 31];
    return out;
}

std::optional<std::string> canonicalToken(std::string_view text) {
    if (text.size() != kTokenLength) return std::nullopt;
    std::string out;
    for (char c : text) {
        char d = crockford(c);
        if (!d) return std::nullopt;
        out += d;
    }
    return out;
}

std::optional<TokenLocalPart> parseTokenLocalPart(std::string_view local) {
    if (local.size() < kTokenMarker.size() + kTokenLength + 1) return std::nullopt;
    std::size_t at = local.size() - kTokenLength - kTokenMarker.size();
    std::string_view marker = local.substr(at, kTokenMarker.size());
    if (!util::equalsNoCase(marker, kTokenMarker)) return std::nullopt;
    auto token = canonicalToken(local.substr(at + kTokenMarker.size()));
    if (!token) return std::nullopt;
    return TokenLocalPart{std::string(local.substr(0, at)), *token};
}

std::string tokenLocalPart(std::string_view base, std::string_view token) {
    return std::string(base) + std::string(kTokenMarker) + std::string(token);
}

}  // namespace moat::policy
