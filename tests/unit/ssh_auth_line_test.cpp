// moat-sshwatch's pure parts: the sshd line matcher (table driven, with the
// lines OpenSSH 9 writes, the ones it must not take, and names crafted to put
// another address in the line) and the per-address failure counter (window,
// threshold, one report per threshold, bounded memory).
#include "firewall/ssh_auth_line.h"

#include <gtest/gtest.h>

#include <string>

#include "firewall/failure_counter.h"

using moat::firewall::FailureCounter;
using moat::firewall::parseSshAuthLine;
using moat::firewall::SshAuthFailure;

namespace {

TEST(SshAuthLine, MatchesFailuresAndTakesTheAddressFromTheEnd) {
    using K = SshAuthFailure::Kind;
    struct Case {
        const char* line;
        const char* address;  // nullptr: not a failure
        K kind = K::failed_login;
    } cases[] = {
        {"Failed password for root from 198.51.100.7 port 52144 ssh2", "198.51.100.7"},
        {"Failed password for invalid user admin from 198.51.100.7 port 52144 ssh2",
         "198.51.100.7"},
        {"Failed publickey for alice from 2001:DB8::7 port 40022 ssh2", "2001:db8::7"},
        {"Failed keyboard-interactive/pam for root from 198.51.100.7 port 1 ssh2", "198.51.100.7"},
        {"Failed hostbased for x from 198.51.100.7 port 65535 ssh2", "198.51.100.7"},
        {"Failed password for  from 198.51.100.7 port 22 ssh2", "198.51.100.7"},  // empty name
        {"Invalid user oracle from 203.0.113.9 port 33012", "203.0.113.9", K::invalid_user},
        {"Invalid user  from 203.0.113.9 port 33012", "203.0.113.9", K::invalid_user},
        {"Invalid user ::ffff:192.0.2.1 from ::ffff:203.0.113.9 port 1", "203.0.113.9",
         K::invalid_user},
        // A name that reads like an address is only a name.
        {"Invalid user x from 192.0.2.1 port 22 from 203.0.113.9 port 4242", "203.0.113.9",
         K::invalid_user},
        {"Failed password for invalid user a from 192.0.2.1 port 22 ssh2 from 203.0.113.9 port 7 "
         "ssh2",
         "203.0.113.9"},
        // Not failures, or not well formed.
        {"Failed none for invalid user admin from 198.51.100.7 port 52144 ssh2", nullptr},
        {"Accepted password for root from 198.51.100.7 port 52144 ssh2", nullptr},
        {"Connection closed by invalid user admin 198.51.100.7 port 52144 [preauth]", nullptr},
        {"Disconnected from authenticating user root 198.51.100.7 port 52144 [preauth]", nullptr},
        {"Failed password for root from 198.51.100.7 port 52144", nullptr},       // no ssh2
        {"Failed password for root from 198.51.100.7 port 0 ssh2", nullptr},      // port 0
        {"Failed password for root from 198.51.100.7 port 65536 ssh2", nullptr},  // port too big
        {"Failed password for root from 198.51.100.7 port 22x ssh2", nullptr},
        {"Failed password for root from 127.1 port 22 ssh2", nullptr},         // shorthand
        {"Failed password for root from fe80::1%eth0 port 22 ssh2", nullptr},  // scope id
        {"Failed password for root from host.example port 22 ssh2", nullptr},
        {"Failed password for root at 198.51.100.7 port 22 ssh2", nullptr},
        {"Failed password root from 198.51.100.7 port 22 ssh2", nullptr},
        {"Failed password for root from 198.51.100.7 port 22 ssh2 ", nullptr},
        {"Invalid username from 198.51.100.7 port 22", nullptr},
        {"Invalid user x from 198.51.100.7", nullptr},
        {"Invalid user x from 198.51.100.7 port 22 [preauth]", nullptr},
        {"failed password for root from 198.51.100.7 port 22 ssh2", nullptr},
        {"Failed", nullptr},
        {"Failed password", nullptr},
        {"Invalid user", nullptr},
        {"", nullptr},
    };
    for (const auto& c : cases) {
        auto got = parseSshAuthLine(c.line);
        if (!c.address) {
            EXPECT_FALSE(got) << c.line << " → " << got->address;
            continue;
        }
        ASSERT_TRUE(got) << c.line;
        EXPECT_EQ(got->address, c.address) << c.line;
        EXPECT_EQ(got->kind, c.kind) << c.line;
    }
    std::string longName(moat::firewall::kMaxSshLine, 'a');
    EXPECT_FALSE(parseSshAuthLine("Invalid user " + longName + " from 203.0.113.9 port 1"));
}

TEST(FailureCounter, ReportsAtTheThresholdWithinTheWindowAndStartsAgain) {
    FailureCounter c(3, 600);
    EXPECT_FALSE(c.add("192.0.2.1", 1000));
    EXPECT_FALSE(c.add("192.0.2.1", 1100));
    EXPECT_FALSE(c.add("192.0.2.2", 1100)) << "per address";
    EXPECT_TRUE(c.add("192.0.2.1", 1200));
    EXPECT_FALSE(c.add("192.0.2.1", 1201)) << "counting starts again after a report";
    EXPECT_FALSE(c.add("192.0.2.1", 1202));
    EXPECT_TRUE(c.add("192.0.2.1", 1203));
    // Failures older than the window no longer count.
    EXPECT_FALSE(c.add("192.0.2.3", 0));
    EXPECT_FALSE(c.add("192.0.2.3", 500));
    EXPECT_FALSE(c.add("192.0.2.3", 600)) << "the failure at 0 has left the window";
    EXPECT_TRUE(c.add("192.0.2.3", 700));
}

TEST(FailureCounter, ForgetsTheLeastRecentAddressWhenFull) {
    FailureCounter c(3, 600, 3);
    EXPECT_FALSE(c.add("192.0.2.1", 1));
    EXPECT_FALSE(c.add("192.0.2.2", 2));
    EXPECT_FALSE(c.add("192.0.2.3", 3));
    EXPECT_FALSE(c.add("192.0.2.1", 4));  // 192.0.2.2 is now the least recent
    EXPECT_FALSE(c.add("192.0.2.4", 5));
    EXPECT_EQ(c.tracked(), 3u);
    EXPECT_FALSE(c.add("192.0.2.2", 6)) << "forgotten: a first failure again (192.0.2.3 goes)";
    EXPECT_TRUE(c.add("192.0.2.1", 7)) << "the recently failing address was kept";
    EXPECT_FALSE(c.add("192.0.2.3", 8));
    EXPECT_FALSE(c.add("192.0.2.3", 9)) << "192.0.2.3 had been forgotten";
    EXPECT_TRUE(c.add("192.0.2.3", 10));
    EXPECT_THROW(FailureCounter(0, 600), std::invalid_argument);
}

}  // namespace
