// The tokens table: one-time token addresses of whitelist-only mode. A token
// belongs to one domain, recipient and sender, expires at `expires` and is
// spent once (`used` set to when). SQL lives here so the daemon and moatctl
// read and write the rows the same way; database failures throw Poco::Data
// exceptions, which callers turn into 4xx replies or console messages.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <vector>

namespace moat::store {

struct TokenRow {
    std::string token;  // 8 upper-case Crockford base32 characters
    long long domain_id = 0;
    std::string recipient;  // the protected address, as first refused
    std::string sender;     // "" for the null sender
    long long created = 0, expires = 0;
    long long used = 0;  // 0: not yet spent
};

// The newest unspent token for domain, recipient and sender (compared
// case-blind) still valid at now.
std::optional<TokenRow> findActiveToken(Poco::Data::Session& session, long long domain_id,
                                        const std::string& recipient, const std::string& sender,
                                        long long now);
std::optional<TokenRow> findToken(Poco::Data::Session& session, const std::string& token);
// False when the token already exists (the caller draws another).
bool insertToken(Poco::Data::Session& session, const TokenRow& row);
// Marks an unspent token spent at `when`; false when it was spent already or is gone.
bool spendToken(Poco::Data::Session& session, const std::string& token, long long when);
// domain_id 0: every domain's tokens, newest first.
std::vector<TokenRow> listTokens(Poco::Data::Session& session, long long domain_id);
bool deleteToken(Poco::Data::Session& session, const std::string& token);
// Removes tokens that expired before `now`; returns how many.
std::size_t purgeExpiredTokens(Poco::Data::Session& session, long long now);

}  // namespace moat::store
