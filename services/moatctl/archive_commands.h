// moatctl's archive verbs: list the archived messages (newest first) and
// release one. A release only inserts a release_requests row, exactly as the
// console does; moat-smtpd carries it out within a second. The command waits
// (at most 10 s) and prints the new queue id, or why the release failed.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>

namespace moat::moatctl {

// moatctl archive list [--limit N]
int archiveList(Poco::Data::Session& session, const std::optional<std::string>& limit);

// moatctl archive release ID [--by NAME]: NAME defaults to the login name.
int archiveRelease(Poco::Data::Session& session, const std::string& id,
                   const std::optional<std::string>& by);

}  // namespace moat::moatctl
