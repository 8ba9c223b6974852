// Dates as mail writes them: RFC 5322 §3.3 date-time in UTC
// ("Wed, 02 Dec 2026 17:41:57 +0000"), for Received:, Date:, DSNs and the
// release stamp. One formatter so every header Moat writes agrees.
#pragma once

#include <string>

namespace moat::mail {

std::string rfc5322Date(long long epoch_seconds);

// The ISO 8601 forms people read in replies and listings, UTC:
// "2026-12-02" and "2026-12-02 17:41:57".
std::string isoDate(long long epoch_seconds);
std::string isoDateTime(long long epoch_seconds);

}  // namespace moat::mail
