// The persistent side of the SMTP callout cache: the last definite answer per
// recipient ('valid' for 2xx, 'invalid' for 5xx with the backend's reply), so a
// restart does not ask the backends again; policy::Callout holds the in-memory
// front. flush also bumps the store generation, so a running moat-smtpd forgets
// its in-memory copies. Database failures throw Poco::Data exceptions.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moat::store {

struct CalloutEntry {
    std::string address;  // canonical, lower case
    bool valid = false;   // result: valid | invalid
    std::string reply;    // the backend's reply, e.g. "550 5.1.1 <x@y>: unknown user"
    long long checked = 0;
    long long expires = 0;
};

std::optional<CalloutEntry> findCalloutEntry(Poco::Data::Session& session,
                                             std::string_view address);
void saveCalloutEntry(Poco::Data::Session& session, const CalloutEntry& entry);

// Forgets one address (canonicalised by the caller) or, with an empty
// address, every entry; returns how many rows went.
std::size_t flushCalloutEntries(Poco::Data::Session& session, std::string_view address = {});

// Drops entries that expired before now; returns how many.
std::size_t expireCalloutEntries(Poco::Data::Session& session, long long now);

}  // namespace moat::store
