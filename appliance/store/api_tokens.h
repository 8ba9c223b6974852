// API tokens for scripts (Authorization: Bearer <secret>). The secret is
// shown once when created; the store keeps its SHA-256 (hex) only and finds a
// token by that hash. Each token belongs to one account and acts with its role.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct ApiToken {
    long long id = 0;
    long long user_id = 0;
    std::string name;
    long long created = 0;
    long long last_used = 0;
    std::string owner;  // the account's name (listAllApiTokens, revokeApiToken)
};

// Throws std::invalid_argument unless name has 1..100 printable characters.
long long addApiToken(Poco::Data::Session& session, long long user_id, std::string_view name,
                      std::string_view token_hash);
std::vector<ApiToken> listApiTokens(Poco::Data::Session& session,
                                    long long user_id);  // oldest first
// Every account's tokens with their owners, oldest first (administrators).
std::vector<ApiToken> listAllApiTokens(Poco::Data::Session& session);
// Removes any account's token; what it was, or nothing if there is none.
std::optional<ApiToken> revokeApiToken(Poco::Data::Session& session, long long id);
// Removes all of an account's tokens (its password was reset); how many.
int revokeUserApiTokens(Poco::Data::Session& session, long long user_id);
// False if the user has no such token.
bool removeApiToken(Poco::Data::Session& session, long long user_id, long long id);
// The token with this hash, if any.
std::optional<ApiToken> findApiToken(Poco::Data::Session& session, std::string_view token_hash);
void touchApiToken(Poco::Data::Session& session, long long id, long long now);

}  // namespace moat::store
