// The IPv4 hosts a browser reads (content/ipv4_host.h), as a table checked
// against the WHATWG URL standard's IPv4 parser: decimal, octal and hex
// parts, fewer than four parts, the ranges of each part, and what is not an
// address at all.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "content/ipv4_host.h"

using namespace moat::content;

TEST(Ipv4Host, FormsABrowserReads) {
    struct Case {
        const char* host;
        const char* address;  // nullptr: not an address
    } cases[] = {
        {"192.0.2.7", "192.0.2.7"},
        {"0.0.0.0", "0.0.0.0"},
        {"255.255.255.255", "255.255.255.255"},
        {"3512041827", "209.85.129.99"},   // one number: all four bytes
        {"1071396130", "63.220.53.34"},
        {"4294967295", "255.255.255.255"},
        {"0x7f.0.0.1", "127.0.0.1"},       // hex part
        {"0X7F.0.0.1", "127.0.0.1"},
        {"0xd1558063", "209.85.128.99"},  // one hex number
        {"010.1.2.3", "8.1.2.3"},          // a leading zero is octal
        {"0300.0250.0.01", "192.168.0.1"},
        {"00", "0.0.0.0"},
        {"0x", "0.0.0.0"},                 // "0x" alone is zero
        {"127.1", "127.0.0.1"},            // the last part fills the bytes left
        {"10.65535", "10.0.255.255"},
        {"192.168.257", "192.168.1.1"},
        {"1.2.3.4", "1.2.3.4"},
        // Not addresses.
        {"", nullptr},
        {"256.0.0.1", nullptr},            // a part before the last > 255
        {"1.2.3.256", nullptr},            // the last part too big for its byte
        {"1.2.65536", nullptr},
        {"4294967296", nullptr},           // past 2^32
        {"99999999999999999999999", nullptr},
        {"1.2.3.4.5", nullptr},            // five parts
        {"1..2.3", nullptr},
        {".1.2.3", nullptr},
        {"1.2.3.", nullptr},               // the caller strips a trailing dot
        {"08.1.2.3", nullptr},             // 8 is no octal digit
        {"0x1g.1.2.3", nullptr},
        {"example.com", nullptr},
        {"1.2.3.4.example.com", nullptr},
        {"-1.2.3.4", nullptr},
        {"1.2.3.4 ", nullptr},
    };
    for (const auto& c : cases) {
        auto address = parseIpv4Host(c.host);
        if (c.address == nullptr) {
            EXPECT_FALSE(address) << c.host;
        } else {
            ASSERT_TRUE(address) << c.host;
            EXPECT_EQ(dottedQuad(*address), c.address) << c.host;
        }
    }
}

TEST(Ipv4Host, DottedQuadIsTheCanonicalForm) {
    EXPECT_EQ(dottedQuad(0), "0.0.0.0");
    EXPECT_EQ(dottedQuad(0xC0000207), "192.0.2.7");
    EXPECT_EQ(parseIpv4Host(dottedQuad(0xDEADBEEF)), std::optional<std::uint32_t>(0xDEADBEEF));
    EXPECT_TRUE(isDottedQuad("192.0.2.7"));
    EXPECT_FALSE(isDottedQuad("192.0.2.07"));
    EXPECT_FALSE(isDottedQuad("3221225991"));
    EXPECT_FALSE(isDottedQuad("0xc0.0.2.7"));
    EXPECT_FALSE(isDottedQuad("example.com"));
}
