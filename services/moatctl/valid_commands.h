// moatctl's recipient-validation verbs: a domain's valid-address list (valid add,
// paste, list, count, remove; pasted text read by policy/address_list.h) and the
// callout cache (callout flush). Each prints what it did on stdout and per-item
// problems on stderr and returns the exit status; bad input as a whole throws
// std::invalid_argument, which main() reports.
#pragma once

#include <Poco/Data/Session.h>

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::moatctl {

// moatctl valid add DOMAIN ADDRESS...
int validAdd(Poco::Data::Session& session, std::string_view domain,
             const std::vector<std::string>& addresses);

// moatctl valid paste DOMAIN [--replace] < FILE
// Every item parseAddressList reads is added; each unreadable one is
// reported as "line N: 'text': why" and makes the exit status 1. With
// --replace the list becomes exactly what was read (nothing is removed when
// any item was unreadable, so a typo cannot empty the list).
int validPaste(Poco::Data::Session& session, std::string_view domain, bool replace,
               std::istream& in);

// moatctl valid list DOMAIN / valid count DOMAIN
int validList(Poco::Data::Session& session, std::string_view domain);
int validCount(Poco::Data::Session& session, std::string_view domain);

// moatctl valid remove DOMAIN ADDRESS...
int validRemove(Poco::Data::Session& session, std::string_view domain,
                const std::vector<std::string>& addresses);

// moatctl callout flush [ADDRESS]
int calloutFlush(Poco::Data::Session& session, const std::optional<std::string>& address);

}  // namespace moat::moatctl
