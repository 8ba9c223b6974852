// Two-factor login with TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps,
// one step of clock drift either way) through liboath, and the one-time
// recovery codes. A code is compared in constant time and accepted once per
// step (store::acceptSecondFactorStep); recovery codes are 10 random base32
// characters shown once, stored as SHA-256 hex. The enrolment QR code is
// drawn server-side as SVG (libqrencode), so no script renders it.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/users.h"

namespace moat::web {

constexpr long long kTotpStep = 30;

// Six digits (spaces ignored), or nothing.
std::optional<std::string> parseTotpCode(std::string_view text);
// A new 20-byte secret, hex.
std::string newTotpSecret();
// The secret as base32 (what authenticator apps take).
std::string totpBase32(const std::string& secret_hex);
// The otpauth:// URI an app scans.
std::string totpUri(const std::string& account, const std::string& secret_hex);
// The time step (now / 30, give or take one) whose code this is, or nothing.
std::optional<long long> matchTotp(const std::string& secret_hex, std::string_view code,
                                   long long now);
// The code for a time (tests and the browser tests' helper).
std::string totpAt(const std::string& secret_hex, long long when);

std::vector<std::string> newRecoveryCodes(int count);
// SHA-256 hex of a recovery code as typed (case, spaces and '-' ignored).
std::string recoveryCodeHash(std::string_view typed);

// A TOTP code (a step not used before) or an unused recovery code (now used)
// of this enrolled account.
bool secondFactorMatches(Poco::Data::Session& db, const store::User& user, std::string_view typed,
                         long long now);

// `text` as a QR code in SVG.
std::string qrSvg(const std::string& text);

}  // namespace moat::web
