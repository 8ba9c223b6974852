// moatctl's verbs for whitelist-only tokens and client events: list and
// revoke one-time token addresses, list what the rate limits noticed about
// client IPs. Each prints to stdout and returns the exit status; bad input
// throws std::invalid_argument, which main() reports.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::moatctl {

// moatctl token list [DOMAIN]
int tokenList(Poco::Data::Session& session, const std::optional<std::string>& domain);

// moatctl token revoke TOKEN (any case; Crockford aliases accepted)
int tokenRevoke(Poco::Data::Session& session, std::string_view token);

// moatctl events list [--since SECONDS] (default: every event)
int eventsList(Poco::Data::Session& session, const std::optional<std::string>& since);

}  // namespace moat::moatctl
