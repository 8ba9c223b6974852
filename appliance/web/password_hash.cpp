#include "web/password_hash.h"

#include <sodium.h>

#include <chrono>
#include <stdexcept>

#include "web/hash_gate.h"
#include "web/http.h"
#include "web/secrets.h"

namespace moat::web {
namespace {

HashGate& gate() {
    static HashGate instance(kMaxConcurrentHashes);
    return instance;
}

// One of kMaxConcurrentHashes turns at Argon2id, held for one hash.
class HashTurn {
  public:
    explicit HashTurn(HashPriority priority)
        : turn_(gate(), priority, std::chrono::milliseconds(kHashQueueWaitMs)) {
        if (!turn_.held())
            throw HttpError(503, "the console is busy checking other logins; try again in a moment");
    }

  private:
    HashGate::Turn turn_;
};

}  // namespace

void checkPasswordRules(std::string_view password) {
    if (password.size() < kMinPasswordLength)
        throw std::invalid_argument("a password needs at least " +
                                    std::to_string(kMinPasswordLength) + " characters");
    if (password.size() > kMaxPasswordLength)
        throw std::invalid_argument("a password may have at most " +
                                    std::to_string(kMaxPasswordLength) + " characters");
}

std::string hashPassword(std::string_view password) {
    initSodium();
    HashTurn turn(HashPriority::normal);
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("out of memory while hashing a password");
    return out;
}

bool verifyPassword(std::string_view encoded, std::string_view password, HashPriority priority) {
    initSodium();
    if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
    std::string terminated(encoded);  // crypto_pwhash_str_verify wants a C string
    HashTurn turn(priority);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void verifyDummy(std::string_view password, HashPriority priority) {
    static const std::string dummy = hashPassword(randomToken(16));
    (void)verifyPassword(dummy, password, priority);
}

}  // namespace moat::web
