// moatctl's list verbs: add, paste, show and remove the white/black list
// entries of store/list_entries.h, globally or for one protected domain
// (given by name). Each prints what it did on stdout and per-item problems on
// stderr, and returns the exit status; bad input as a whole throws
// std::invalid_argument, which main() reports.
#pragma once

#include <Poco/Data/Session.h>

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::moatctl {

// moatctl list add LIST KIND VALUE [--domain NAME] [--note TEXT] [--subdomains]
int listAdd(Poco::Data::Session& session, std::string_view list, std::string_view kind,
            std::string_view value, const std::optional<std::string>& domain, std::string_view note,
            bool subdomains);

// moatctl list paste LIST KIND [--domain NAME] [--note TEXT] < FILE
// One value a line; blank lines and '#' comments are skipped. Bad lines are
// reported as "line N: why" and make the exit status 1; the rest are added.
int listPaste(Poco::Data::Session& session, std::string_view list, std::string_view kind,
              const std::optional<std::string>& domain, std::string_view note, std::istream& in);

// moatctl list show [LIST] [--domain NAME | --global]
int listShow(Poco::Data::Session& session, std::string_view list,
             const std::optional<std::string>& domain, bool global_only);

// moatctl list remove ID...
int listRemove(Poco::Data::Session& session, const std::vector<std::string>& ids);

}  // namespace moat::moatctl
