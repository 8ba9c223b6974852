#include "firewall/report.h"

#include "net/cidr.h"

#include <algorithm>
#include <charconv>

namespace moat::firewall {
namespace {

std::string_view nextWord(std::string_view& rest) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    auto sp = rest.find(' ');
    auto word = rest.substr(0, sp);
    rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp);
    return word;
}

}  // namespace

std::variant<Report, std::string> parseReport(std::string_view message) {
    if (message.size() > kMaxMessage) return std::string("report too long");
    if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
    if (std::any_of(message.begin(), message.end(), [](unsigned char c) { return c < 0x20 || c > 0x7e; }))
        return std::string("report contains non-printable characters");
    std::string_view rest = message;
    auto verb = nextWord(rest);
    Report r;
    if (verb == "list" || verb == "status") {
        r.verb = verb == "list" ? Report::Verb::list : Report::Verb::status;
        if (!nextWord(rest).empty()) return std::string(verb) + " takes no arguments";
        return r;
    }
    if (verb == "block")
        r.verb = Report::Verb::block;
    else if (verb == "tarpit")
        r.verb = Report::Verb::tarpit;
    else if (verb == "unblock")
        r.verb = Report::Verb::unblock;
    else
        return std::string("unknown verb (block, tarpit, unblock, list or status)");
    auto address = nextWord(rest);
    auto ip = net::parseIp(address);
    if (!ip) return std::string("not an IP address");
    r.address = net::canonicalIp(*ip);
    if (r.verb == Report::Verb::unblock) {
        if (!nextWord(rest).empty()) return std::string("unblock takes only an address");
        return r;
    }
    auto seconds = nextWord(rest);
    auto [end, ec] = std::from_chars(seconds.data(), seconds.data() + seconds.size(), r.seconds);
    if (seconds.empty() || ec != std::errc() || end != seconds.data() + seconds.size())
        return std::string("duration must be a number of seconds");
    if (r.seconds < kMinSeconds || r.seconds > kMaxSeconds)
        return "duration must be within " + std::to_string(kMinSeconds) + " and " + std::to_string(kMaxSeconds) +
               " seconds";
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) return std::string("a reason is required");
    if (rest.size() > kMaxReason) return std::string("reason too long");
    r.reason = std::string(rest);
    return r;
}

std::string formatReport(const Report& r) {
    switch (r.verb) {
        case Report::Verb::list: return "list";
        case Report::Verb::status: return "status";
        case Report::Verb::unblock: return "unblock " + r.address;
        case Report::Verb::block:
        case Report::Verb::tarpit:
            return std::string(r.verb == Report::Verb::block ? "block " : "tarpit ") + r.address + " " +
                   std::to_string(r.seconds) + " " + r.reason;
    }
    return "status";
}

}  // namespace moat::firewall
