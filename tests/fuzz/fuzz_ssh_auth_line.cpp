// Fuzzes moat-sshwatch's matcher of sshd's log lines: whatever a client puts
// in its user name, a matched line yields a canonical address, the line has
// the shape of a failure (its prefix, " port N" at the end), and a name
// crafted to carry another address in front never changes the one taken.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "firewall/ssh_auth_line.h"
#include "net/cidr.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using moat::firewall::SshAuthFailure;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto got = moat::firewall::parseSshAuthLine(input);
    if (!got) return 0;
    check(input.size() <= moat::firewall::kMaxSshLine);
    auto ip = moat::net::parseIp(got->address);
    check(ip && moat::net::canonicalIp(*ip) == got->address);
    std::string_view prefix =
        got->kind == SshAuthFailure::Kind::failed_login ? "Failed " : "Invalid user ";
    check(input.substr(0, prefix.size()) == prefix);
    check(input.find(" port ") != std::string_view::npos);
    if (got->kind == SshAuthFailure::Kind::invalid_user) {
        std::string crafted =
            "Invalid user x from 192.0.2.1 port 22" + std::string(input.substr(12));
        if (crafted.size() <= moat::firewall::kMaxSshLine) {
            auto again = moat::firewall::parseSshAuthLine(crafted);
            check(again && again->address == got->address);
        }
    }
    return 0;
}
