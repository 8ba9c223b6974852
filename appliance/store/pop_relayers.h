// POP-before-SMTP: the addresses of clients that recently logged in to the
// mailbox server, each with the time of its latest login. moat-smtpd lets an
// address relay while its entry is younger than the configured window.
// Addresses are keyed by net::canonicalIp(), the form the daemon looks up:
// IPv4-mapped IPv6 is stored as plain IPv4. Bad input throws
// std::invalid_argument; database failures throw Poco::Data exceptions.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct PopRelayer {
    std::string ip;    // canonical text
    long long ts = 0;  // epoch seconds of the latest login
};

// Inserts or updates the entry for `ip` (validated, normalised); ts >= 0.
// Returns the stored entry.
PopRelayer addPopRelayer(Poco::Data::Session& session, std::string_view ip, long long ts);

// False if `ip` had no entry; throws if `ip` is not an IP address.
bool deletePopRelayer(Poco::Data::Session& session, std::string_view ip);

// Deletes entries with ts < older_than_ts; returns how many.
std::size_t expirePopRelayers(Poco::Data::Session& session, long long older_than_ts);

// Entries with ts >= since_ts, oldest first.
std::vector<PopRelayer> listPopRelayers(Poco::Data::Session& session, long long since_ts = 0);

}  // namespace moat::store
