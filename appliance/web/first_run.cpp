#include "web/first_run.h"

#include "store/first_run_tokens.h"
#include "store/users.h"
#include "web/secrets.h"

namespace moat::web {

std::optional<std::string> createFirstRunToken(Poco::Data::Session& db, long long now_ts) {
    if (store::anyAdmin(db)) {
        store::clearFirstRunTokens(db);
        return std::nullopt;
    }
    auto secret = randomToken();
    store::replaceFirstRunToken(db, sha256Hex(secret), now_ts, now_ts + kFirstRunValidity);
    return secret;
}

bool consumeFirstRunToken(Poco::Data::Session& db, std::string_view secret, long long now_ts) {
    if (secret.empty() || secret.size() > 128) return false;
    return store::consumeFirstRunToken(db, sha256Hex(secret), now_ts);
}

}  // namespace moat::web
