// The members of an nftables set as `nft -j list set` (libnftables with JSON
// output) prints them: each address with the seconds it has left. moat-firewall
// reads its blocked sets this way to record the sources the kernel itself
// added (the SMTP rate meter), which no report told it about. Elements that
// are not a single address with a timeout (intervals, concatenations) are
// left out; malformed JSON is an empty list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moat::firewall {

struct SetMember {
    std::string address;    // canonical
    long long expires = 0;  // seconds left
};

std::vector<SetMember> parseSetListing(std::string_view json);

}  // namespace moat::firewall
