#include "web/secrets.h"

#include <sodium.h>

#include <vector>

#include "util/log.h"

namespace moat::web {

void initSodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) log::fatal("webui: libsodium cannot be initialised");
}

std::string randomToken(std::size_t bytes) {
    initSodium();
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string out(sodium_base64_encoded_len(bytes, variant), '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), variant);
    out.resize(out.find('\0'));
    sodium_memzero(raw.data(), raw.size());
    return out;
}

std::string sha256Hex(std::string_view text) {
    initSodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

bool equalConstantTime(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace moat::web
