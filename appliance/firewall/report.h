// The messages moat-firewall takes on its unix socket, one per datagram,
// from moat-smtpd, moat-webui and moatctl (peer credentials are checked by
// the daemon; this is only the wire format, validated before anything is
// believed):
//
//   block ADDRESS SECONDS REASON...     add to the blocked set for SECONDS
//   tarpit ADDRESS SECONDS REASON...    add to the tarpit set
//   unblock ADDRESS                     remove from both
//   list | status                       ask
//
// ADDRESS is a literal IPv4 or IPv6 address (strict: no "127.1", no scope),
// taken in canonical form; SECONDS within [kMinSeconds, kMaxSeconds];
// REASON printable ASCII, at most kMaxReason octets. A datagram is at most
// kMaxMessage octets. Anything else is refused with the reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace moat::firewall {

struct Report {
    enum class Verb { block, tarpit, unblock, list, status };
    Verb verb = Verb::status;
    std::string address;  // canonical; empty for list/status
    long long seconds = 0;
    std::string reason;
};

inline constexpr std::size_t kMaxMessage = 512;
inline constexpr std::size_t kMaxReason = 200;
inline constexpr long long kMinSeconds = 1;
inline constexpr long long kMaxSeconds = 30LL * 24 * 3600;

// The report, or the words saying why it is refused.
std::variant<Report, std::string> parseReport(std::string_view message);

// The wire form of a report (what moatctl and the daemons send).
std::string formatReport(const Report& report);

}  // namespace moat::firewall
