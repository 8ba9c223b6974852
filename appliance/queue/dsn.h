// Delivery status notifications (RFC 3464 inside RFC 3462 multipart/report):
// built when recipients fail permanently or expire. Sent from the null
// reverse-path, and never in reply to a message from <> or to another DSN.
#pragma once

#include <string>
#include <vector>

#include "mail/envelope.h"
#include "mail/reply.h"

namespace moat::queue {

struct FailedRecipient {
    std::string recipient;
    mail::Reply reply;  // the last reply: the remote's own words, or ours when no remote answered
    std::string remote_mta;  // host (no port) that gave the reply, empty when the reply is ours
    std::string status;  // the RFC 3463 status to report when it is not the reply's (expiry: 4.4.7)
    std::string note;    // our own words in front of the reply (expiry: "delivery time expired")
};

// Returns the complete message (CRLF line endings). Per RFC 3464: Remote-MTA
// and a "Diagnostic-Code: smtp;" with the remote's own code, enhanced code
// and text only for a reply a remote gave; our own reasons under "x-moat;";
// Status from the reply's enhanced code unless the failure has its own.
std::string buildDsn(const std::string& reporting_mta, const mail::Envelope& original,
                     const std::vector<FailedRecipient>& failed,
                     const std::string& original_headers, long long now);

// The header section of a spool file (up to the first empty line, at most max octets).
std::string readHeaders(const std::string& path, std::size_t max = 65536);

}  // namespace moat::queue
