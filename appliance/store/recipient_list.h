// The stored recipient lists (message_log.recipients and refused_recipients,
// archive.recipients, release_requests.recipients) are comma-separated
// addresses, each perhaps in <> and padded with spaces. This is the one reader
// of that form: the writer of the per-recipient rows (message_log_recipients,
// archive_recipients) and the API's JSON arrays split a list the same way, so
// what a domain administrator's scope checks is what it is shown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct ListedRecipient {
    std::string address;  // as stored, without the <> and spaces
    std::string domain;   // after the last '@', lower case; "" without an '@'
};

std::vector<ListedRecipient> splitRecipientList(std::string_view stored);

}  // namespace moat::store
