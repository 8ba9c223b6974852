// Delivery status notifications (RFC 3464 inside RFC 3462 multipart/report):
// built when recipients fail permanently or expire. Sent from the null
// reverse-path, and never in reply to a message from <> or to another DSN.
#pragma once

#include "mail/envelope.h"
#include "mail/reply.h"

#include <string>
#include <vector>

namespace moat::queue {

struct FailedRecipient {
    std::string recipient;
    mail::Reply reply;       // the remote (or local) reply that failed it
    std::string remote_mta;  // host that gave the reply, empty when local
};

// Returns the complete message (CRLF line endings).
std::string buildDsn(const std::string& reporting_mta, const mail::Envelope& original,
                     const std::vector<FailedRecipient>& failed, const std::string& original_headers,
                     long long now);

// The header section of a spool file (up to the first empty line, at most max octets).
std::string readHeaders(const std::string& path, std::size_t max = 65536);

}  // namespace moat::queue
