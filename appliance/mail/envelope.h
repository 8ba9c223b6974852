// A queued message's envelope: what the SMTP session accepted and the queue
// delivers. The body lives in the spool file named by id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moat::mail {

enum EnvelopeFlags : std::uint32_t {
    kBody8Bit = 1u << 0,  // BODY=8BITMIME was given
    kSmtpUtf8 = 1u << 1,  // SMTPUTF8 was given
    kBounce = 1u << 2,    // a DSN we generated: never bounced itself
};

struct Envelope {
    std::string id;
    std::string sender;  // "" is the null reverse-path <>
    std::vector<std::string> recipients;
    std::uint64_t size = 0;  // spool file size in octets
    long long created = 0;   // epoch seconds
    int attempts = 0;
    std::string client_ip;
    std::uint32_t flags = 0;
};

}  // namespace moat::mail
