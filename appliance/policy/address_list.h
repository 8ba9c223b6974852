// Reads the address lists administrators paste into canonical mailboxes: items
// separated by newlines, ',' or ';' (outside quotes and <>), each "a@b", "<a@b>",
// "Name <a@b>", "\"Doe, Jane\" <a@b>", "\"Jane\" a@b" or "mailto:a@b", with (comments)
// and '#' comments. A byte-level state machine: every item it cannot read is
// reported with its line and the reason, never dropped silently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::policy {

struct ListedAddress {
    std::string address;   // canonical, as store::canonicalMailbox gives it
    std::size_t line = 0;  // counted from 1
};

struct UnreadableItem {
    std::size_t line = 0;  // where the item starts, counted from 1
    std::string text;      // the item as pasted, trimmed and printable, at most 100 bytes
    std::string reason;    // one line, e.g. "no '@' in the address"
};

struct AddressList {
    std::vector<ListedAddress> addresses;  // in input order, duplicates kept
    std::vector<UnreadableItem> errors;
};

// Items longer than this many bytes are refused unread.
constexpr std::size_t kMaxAddressListItem = 1024;

AddressList parseAddressList(std::string_view text);

}  // namespace moat::policy
