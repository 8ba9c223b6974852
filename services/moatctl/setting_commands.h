// moatctl's setting verbs: show and change the policy settings of
// policy/settings.h, globally or for one protected domain. Values are
// validated before they are stored; bad input throws std::invalid_argument,
// which main() reports.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::moatctl {

// moatctl setting set KEY VALUE [--domain NAME]
int settingSet(Poco::Data::Session& session, std::string_view key, std::string_view value,
               const std::optional<std::string>& domain);

// moatctl setting unset KEY [--domain NAME]: back to the global value / default.
int settingUnset(Poco::Data::Session& session, std::string_view key, const std::optional<std::string>& domain);

// moatctl setting show [KEY] [--domain NAME]: KEY VALUE (SOURCE) and what it does.
int settingShow(Poco::Data::Session& session, std::string_view key, const std::optional<std::string>& domain);

}  // namespace moat::moatctl
