// The lines of sshd's log that say a login failed, for moat-sshwatch (the
// journal's MESSAGE field of sshd's monitor process):
//
//   Failed METHOD for [invalid user ]NAME from ADDRESS port PORT ssh2
//   Invalid user NAME from ADDRESS port PORT
//
// METHOD: password, publickey, keyboard-interactive(/pam), hostbased or
// gssapi-with-mic; "none" is a client asking which methods there are, not a
// guess. NAME is whatever the client sent (spaces included), so a line is
// read from its end, where sshd puts the client's address: a name such as
// "x from 192.0.2.1 port 22" can never put another address in its place.
// Anything else — other messages, a malformed address, a line over
// kMaxSshLine — is not a failure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moat::firewall {

struct SshAuthFailure {
    enum class Kind { failed_login, invalid_user };
    Kind kind = Kind::failed_login;
    std::string address;  // canonical (net::canonicalIp)
};

inline constexpr std::size_t kMaxSshLine = 2048;

std::optional<SshAuthFailure> parseSshAuthLine(std::string_view message);

}  // namespace moat::firewall
