#include "firewall/ssh_auth_line.h"

#include <array>

#include "net/cidr.h"

namespace moat::firewall {
namespace {

constexpr std::array<std::string_view, 6> kMethods = {
    "password",  "publickey",       "keyboard-interactive", "keyboard-interactive/pam",
    "hostbased", "gssapi-with-mic",
};

bool takePrefix(std::string_view& s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

bool takeSuffix(std::string_view& s, std::string_view suffix) {
    if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
    s.remove_suffix(suffix.size());
    return true;
}

// The last space-separated word, taken off s (with its space); "" if none.
std::string_view takeLastWord(std::string_view& s) {
    auto sp = s.rfind(' ');
    if (sp == std::string_view::npos) return {};
    auto word = s.substr(sp + 1);
    s.remove_suffix(word.size() + 1);
    return word;
}

bool isPort(std::string_view word) {
    if (word.empty() || word.size() > 5) return false;
    unsigned long n = 0;
    for (char c : word) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    return n >= 1 && n <= 65535;
}

// "<NAME> from ADDRESS port PORT" read from its end: the address in canonical
// form, or nothing. What is left in front (the name) is never looked at.
std::optional<std::string> clientAddress(std::string_view rest) {
    if (!isPort(takeLastWord(rest)) || !takeSuffix(rest, " port")) return std::nullopt;
    auto address = takeLastWord(rest);
    if (!takeSuffix(rest, " from")) return std::nullopt;
    auto ip = net::parseIp(address);
    if (!ip) return std::nullopt;
    return net::canonicalIp(*ip);
}

}  // namespace

std::optional<SshAuthFailure> parseSshAuthLine(std::string_view message) {
    if (message.size() > kMaxSshLine) return std::nullopt;
    SshAuthFailure out;
    std::string_view rest = message;
    if (takePrefix(rest, "Failed ")) {
        auto space = rest.find(' ');
        if (space == std::string_view::npos) return std::nullopt;
        auto method = rest.substr(0, space);
        bool known = false;
        for (auto m : kMethods) known = known || m == method;
        rest.remove_prefix(space);
        if (!known || !takePrefix(rest, " for") || !takeSuffix(rest, " ssh2")) return std::nullopt;
        out.kind = SshAuthFailure::Kind::failed_login;
    } else if (takePrefix(rest, "Invalid user")) {
        out.kind = SshAuthFailure::Kind::invalid_user;
    } else {
        return std::nullopt;
    }
    // rest is " NAME from ADDRESS port PORT" (NAME possibly empty).
    if (rest.empty() || rest.front() != ' ') return std::nullopt;
    auto address = clientAddress(rest);
    if (!address) return std::nullopt;
    out.address = std::move(*address);
    return out;
}

}  // namespace moat::firewall
