// Failed console logins by client address (table login_failures), for the
// per-address part of web::LoginLimiter: how many since a time, and one more
// (forgetting those at or before `forget_until`, so the table stays small).
#pragma once

#include <Poco/Data/Session.h>

#include <string>

namespace moat::store {

int loginFailuresSince(Poco::Data::Session& session, const std::string& ip, long long since);
void recordLoginFailure(Poco::Data::Session& session, const std::string& ip, long long at,
                        long long forget_until);

}  // namespace moat::store
