// The first-run link's secret as the store keeps it (table first_run): only
// its SHA-256, at most one row. Replacing drops any older link; consuming
// deletes the row and says whether it matched and was still valid.
#pragma once

#include <Poco/Data/Session.h>

#include <string>

namespace moat::store {

void clearFirstRunTokens(Poco::Data::Session& session);
void replaceFirstRunToken(Poco::Data::Session& session, const std::string& token_hash,
                          long long created, long long expires);
bool consumeFirstRunToken(Poco::Data::Session& session, const std::string& token_hash,
                          long long now);

}  // namespace moat::store
