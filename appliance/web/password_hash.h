// Password hashing for console accounts: Argon2id through libsodium's
// crypto_pwhash_str, with the INTERACTIVE limits (2 passes, 64 MiB) — the
// libsodium recommendation for online logins: about 0.1 s on one core, so a
// login stays quick while an offline guess costs the same 64 MiB and time.
// The encoded string carries its own parameters and salt, so raising the
// limits later keeps old hashes verifiable.
#pragma once

#include <string>
#include <string_view>

#include "web/hash_gate.h"

namespace moat::web {

constexpr std::size_t kMinPasswordLength = 10;
constexpr std::size_t kMaxPasswordLength = 1024;  // bounds the work one request can cause

// Throws std::invalid_argument (a message fit for the operator) when the
// password is shorter than kMinPasswordLength or longer than the maximum.
void checkPasswordRules(std::string_view password);

// At most kMaxConcurrentHashes hashes or verifications run at once (each
// holds 64 MiB), so a login flood cannot grow the process without bound; a
// caller that waits longer than kHashQueueWait for its turn gets
// HttpError(503) and the client tries again. Checks of priority `first`
// (logins from the maintenance networks) get the next free turn before any
// waiting `normal` one (web/hash_gate.h).
constexpr int kMaxConcurrentHashes = 2;
constexpr int kHashQueueWaitMs = 4000;

// The encoded Argon2id hash ("$argon2id$v=19$m=...").
std::string hashPassword(std::string_view password);

// True if password matches encoded; false for an empty or malformed hash.
bool verifyPassword(std::string_view encoded, std::string_view password,
                    HashPriority priority = HashPriority::normal);

// Spends the time of one verification without a real account, so an unknown
// name answers as slowly as a wrong password.
void verifyDummy(std::string_view password, HashPriority priority = HashPriority::normal);

}  // namespace moat::web
