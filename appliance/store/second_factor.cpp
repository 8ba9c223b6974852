#include "store/second_factor.h"

#include <Poco/Data/Statement.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

SecondFactor secondFactor(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 key = user_id, last = 0;
    SecondFactor out;
    session << "SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = ?", use(key),
        into(out.secret), into(out.pending), into(last), now;
    out.last_step = last;
    return out;
}

void setPendingSecondFactor(Poco::Data::Session& session, long long user_id,
                            const std::string& secret_hex) {
    Poco::Int64 key = user_id;
    std::string secret = secret_hex;
    session << "UPDATE users SET totp_pending = ? WHERE id = ?", use(secret), use(key), now;
}

void confirmSecondFactor(Poco::Data::Session& session, long long user_id, long long step,
                         const std::vector<std::string>& recovery_hashes) {
    Poco::Int64 key = user_id, s = step;
    WriteTransaction tx(session);
    session << "UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ?"
               " WHERE id = ? AND totp_pending <> ''",
        use(s), use(key), now;
    session << "DELETE FROM user_recovery_codes WHERE user_id = ?", use(key), now;
    for (auto hash : recovery_hashes)
        session << "INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?)", use(key),
            use(hash), now;
    tx.commit();
}

bool acceptSecondFactorStep(Poco::Data::Session& session, long long user_id, long long step) {
    Poco::Int64 key = user_id, s = step;
    Poco::Data::Statement st(session);
    st << "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", use(s),
        use(key), use(s);
    return st.execute() == 1;
}

bool useRecoveryCode(Poco::Data::Session& session, long long user_id, const std::string& hash) {
    Poco::Int64 key = user_id;
    std::string h = hash;
    Poco::Data::Statement st(session);
    st << "DELETE FROM user_recovery_codes WHERE user_id = ? AND code_hash = ?", use(key), use(h);
    return st.execute() == 1;
}

int recoveryCodesLeft(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 key = user_id;
    int n = 0;
    session << "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ?", use(key), into(n), now;
    return n;
}

void resetSecondFactor(Poco::Data::Session& session, long long user_id) {
    Poco::Int64 key = user_id;
    WriteTransaction tx(session);
    session << "UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0"
               " WHERE id = ?",
        use(key), now;
    session << "DELETE FROM user_recovery_codes WHERE user_id = ?", use(key), now;
    tx.commit();
}

void setSecondFactorRequired(Poco::Data::Session& session, long long user_id, bool required) {
    Poco::Int64 key = user_id;
    int flag = required ? 1 : 0;
    session << "UPDATE users SET totp_required = ? WHERE id = ?", use(flag), use(key), now;
}

}  // namespace moat::store
