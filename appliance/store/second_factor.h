// An account's two-factor login state (columns totp_* of users, table
// user_recovery_codes): a pending secret until the first code confirms it,
// the confirmed secret, the last TOTP time step accepted (moved on in one
// statement, so a code is accepted once even by parallel logins), whether the
// account must use it, and one-time recovery codes stored as SHA-256 hex.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

namespace moat::store {

struct SecondFactor {
    std::string secret;   // hex; "" when not enrolled
    std::string pending;  // hex; an enrolment awaiting its first code
    long long last_step = 0;
};

SecondFactor secondFactor(Poco::Data::Session& session, long long user_id);
void setPendingSecondFactor(Poco::Data::Session& session, long long user_id,
                            const std::string& secret_hex);
// The pending secret becomes the account's, with these recovery code hashes.
void confirmSecondFactor(Poco::Data::Session& session, long long user_id, long long step,
                         const std::vector<std::string>& recovery_hashes);
// True once per step: false when `step` is not after the last accepted one.
bool acceptSecondFactorStep(Poco::Data::Session& session, long long user_id, long long step);
// True if the hash was one of the account's unused recovery codes (now used).
bool useRecoveryCode(Poco::Data::Session& session, long long user_id, const std::string& hash);
int recoveryCodesLeft(Poco::Data::Session& session, long long user_id);
// Removes the secret, any pending one and the recovery codes (moatctl user 2fa reset).
void resetSecondFactor(Poco::Data::Session& session, long long user_id);
void setSecondFactorRequired(Poco::Data::Session& session, long long user_id, bool required);

}  // namespace moat::store
