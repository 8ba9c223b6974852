// Path and mailbox parsing: valid forms with their canonical result, every
// refusal with its reply code, and the classic open-relay forms, none of which
// may come out as a plain mailbox in the protected domain.
#include "mail/address.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

using moat::mail::Address;
using moat::mail::EsmtpParam;
using moat::mail::parseMailbox;
using moat::mail::parsePath;

namespace {

// ---- accepted paths ------------------------------------------------------

struct Good {
    std::string input;
    std::string local;
    std::string domain;
    bool quoted = false;
    bool literal = false;
    bool route = false;
    bool routes = false;  // localPartRoutes()
    std::vector<EsmtpParam> params = {};
    bool utf8 = false;
};

std::ostream& operator<<(std::ostream& os, const Good& g) {
    return os << g.input;
}

const Good kGood[] = {
    {"<user@example.com>", "user", "example.com"},
    {"<user@mail.sub.example.com>", "user", "mail.sub.example.com"},
    {"<user+tag@example.com>", "user+tag", "example.com"},
    {"<first.last@example.com>", "first.last", "example.com"},
    {"<o'brien@example.com>", "o'brien", "example.com"},
    {"<a!#$&'*+-/=?^_`{|}~z@example.com>", "a!#$&'*+-/=?^_`{|}~z", "example.com", false, false,
     false, true},
    {"<x@a-b.example>", "x", "a-b.example"},
    {"<x@3com.example>", "x", "3com.example"},
    {"<x@localhost>", "x", "localhost"},
    {"<USER@EXAMPLE.COM>", "USER", "example.com"},
    {"<User@Mail.Example.COM>", "User", "mail.example.com"},
    {R"(<"a b"@x.example>)", R"("a b")", "x.example", true},
    {R"(<"user"@x.example>)", "user", "x.example", true},
    {R"(<"first.last"@x.example>)", "first.last", "x.example", true},
    {R"(<"a..b"@x.example>)", R"("a..b")", "x.example", true},
    {R"(<".a"@x.example>)", R"(".a")", "x.example", true},
    {R"(<"\"a@b\""@x.example>)", R"("\"a@b\"")", "x.example", true, false, false, true},
    {R"(<"a\\b"@x.example>)", R"("a\\b")", "x.example", true},
    {R"(<"\a\b"@x.example>)", "ab", "x.example", true},
    {R"(<"a\ b"@x.example>)", R"("a b")", "x.example", true},
    {"<user@[192.0.2.1]>", "user", "[192.0.2.1]", false, true},
    {"<user@[IPv6:2001:db8::1]>", "user", "[IPv6:2001:db8::1]", false, true},
    {"<user@[ipv6:2001:DB8:0:0:0:0:0:1]>", "user", "[IPv6:2001:db8::1]", false, true},
    {"<user@[IPv6:::ffff:192.0.2.1]>", "user", "[IPv6:::ffff:192.0.2.1]", false, true},
    {"<@a.example:user@dom.example>", "user", "dom.example", false, false, true},
    {"<@a.example,@b.example:user@dom.example>", "user", "dom.example", false, false, true},
    {"<user@example.com> SIZE=123",
     "user",
     "example.com",
     false,
     false,
     false,
     false,
     {{"SIZE", "123"}}},
    {"<user@example.com> size=123 body=8BITMIME smtputf8",
     "user",
     "example.com",
     false,
     false,
     false,
     false,
     {{"SIZE", "123"}, {"BODY", "8BITMIME"}, {"SMTPUTF8", ""}}},
    {"<user@example.com>   SIZE=1   X-FOO-2=a+b/c  ",
     "user",
     "example.com",
     false,
     false,
     false,
     false,
     {{"SIZE", "1"}, {"X-FOO-2", "a+b/c"}}},
    {"<user@example.com> ", "user", "example.com"},
    {"  <user@example.com>", "user", "example.com"},
    {"<j\xc3\xb6rg@example.org> SMTPUTF8",
     "j\xc3\xb6rg",
     "example.org",
     false,
     false,
     false,
     false,
     {{"SMTPUTF8", ""}},
     true},
    {"<s\xc3\xb8ren@\xc3\xa6\xc3\xb8.example>",
     "s\xc3\xb8ren",
     "\xc3\xa6\xc3\xb8.example",
     false,
     false,
     false,
     false,
     {},
     true},
    {"<\xe7\x94\xa8\xe6\x88\xb7@EXAMPLE.\xe5\x85\xac\xe5\x8f\xb8>",
     "\xe7\x94\xa8\xe6\x88\xb7",
     "example.\xe5\x85\xac\xe5\x8f\xb8",
     false,
     false,
     false,
     false,
     {},
     true},
    {"<\"\xf0\x9f\x98\x80 x\"@example.org>",
     "\"\xf0\x9f\x98\x80 x\"",
     "example.org",
     true,
     false,
     false,
     false,
     {},
     true},
    {"<a@example.org> X=\xc3\xa9",
     "a",
     "example.org",
     false,
     false,
     false,
     false,
     {{"X", "\xc3\xa9"}},
     true},
};

class AddressGood : public ::testing::TestWithParam<Good> {};

TEST_P(AddressGood, ParsesToCanonicalForm) {
    const Good& g = GetParam();
    auto r = parsePath(g.input, false, g.utf8);
    ASSERT_TRUE(r.ok()) << r.code << " " << r.enhanced << " " << r.error;
    const Address& a = *r.address;
    EXPECT_EQ(a.local, g.local);
    EXPECT_EQ(a.domain, g.domain);
    EXPECT_EQ(a.quoted, g.quoted);
    EXPECT_EQ(a.domain_literal, g.literal);
    EXPECT_EQ(a.had_source_route, g.route);
    EXPECT_EQ(a.localPartRoutes(), g.routes);
    EXPECT_FALSE(a.null);
    EXPECT_EQ(a.str(), g.local + "@" + g.domain);
    EXPECT_EQ(r.params, g.params);
    EXPECT_EQ(r.code, 0);

    // The canonical form parses back to itself, bracketed and bare.
    auto again = parsePath("<" + a.str() + ">", false, g.utf8);
    ASSERT_TRUE(again.ok()) << again.error;
    EXPECT_EQ(again.address->str(), a.str());
    auto bare = parseMailbox(a.str(), g.utf8);
    ASSERT_TRUE(bare.has_value());
    EXPECT_EQ(bare->str(), a.str());
}

INSTANTIATE_TEST_SUITE_P(Address, AddressGood, ::testing::ValuesIn(kGood));

// ---- refused paths -------------------------------------------------------

struct Bad {
    std::string input;
    int code;
    std::string enhanced;
    bool utf8 = false;
    bool allow_null = true;
};

std::ostream& operator<<(std::ostream& os, const Bad& b) {
    return os << b.input;
}

const std::string k64(64, 'a');

const Bad kBad[] = {
    // envelope syntax
    {"", 501, "5.5.2"},
    {"   ", 501, "5.5.2"},
    {"user@example.com", 501, "5.5.2"},
    {"<user@example.com", 501, "5.5.2"},
    {"<", 501, "5.5.2"},
    {"<user@example.com>x", 501, "5.5.2"},
    {"<user@example.com>>", 501, "5.5.2"},
    {"<user@example.com><x@y.z>", 501, "5.5.2"},
    // control characters anywhere
    {std::string("<ali\0ce@example.org>", 20), 501, "5.5.2"},
    {std::string("<bob\0@ours.example>", 19), 501, "5.5.2"},
    {"<user@example.com>\r\nRCPT TO:<x@y.z>", 501, "5.5.2"},
    {"<user\r@example.com>", 501, "5.5.2"},
    {"<user\n@example.com>", 501, "5.5.2"},
    {"<user@example.com>\tSIZE=1", 501, "5.5.2"},
    {"<\"a\tb\"@example.com>", 501, "5.5.2"},
    {"<user@example.com> X=\x7f", 501, "5.5.2"},
    {"<a\xc2\x85@example.com>", 501, "5.5.2", true},  // C1 control (NEL) in UTF-8
    // 8-bit without SMTPUTF8, malformed UTF-8 with it
    {"<j\xc3\xb6rg@example.org>", 553, "5.6.7"},
    {"<j\xf6rg@example.org>", 553, "5.6.7"},
    {"<jorg@ex\xc3\xa4mple.org>", 553, "5.6.7"},
    {"<\"j\xc3\xb6rg\"@example.org>", 553, "5.6.7"},
    {"<j\xf6rg@example.org> SMTPUTF8", 501, "5.1.3", true},
    {"<a\xc0\xaf@example.org>", 501, "5.1.3", true},          // overlong '/'
    {"<a\xed\xa0\x80@example.org>", 501, "5.1.3", true},      // surrogate
    {"<a\xf4\x90\x80\x80@example.org>", 501, "5.1.3", true},  // above U+10FFFF
    {"<a\xe2\x82@example.org>", 501, "5.1.3", true},          // truncated
    {"<a@example.org> X=\xc3\xa9", 555, "5.5.4"},
    {"<a@example.org> X=\xe9", 555, "5.5.4", true},
    {"<a@[192.0.2.\xc3\xa9]>", 501, "5.1.3", true},
    // null path
    {"<>", 553, "5.1.3", false, false},
    {"< >", 501, "5.1.3"},
    // local part
    {"<@example.com>", 501, "5.1.3"},
    {"<.user@example.com>", 501, "5.1.3"},
    {"<user.@example.com>", 501, "5.1.3"},
    {"<us..er@example.com>", 501, "5.1.3"},
    {"<us er@example.com>", 501, "5.1.3"},
    {"<us(er)@example.com>", 501, "5.1.3"},
    {"<us\"er\"@example.com>", 501, "5.1.3"},
    {"<\"\"@example.com>", 501, "5.1.3"},
    {"<\"user@example.com>", 501, "5.5.2"},
    {"<\"a\"b@example.com>", 501, "5.1.3"},
    {"<\"a\".\"b\"@example.com>", 501, "5.1.3"},
    {"<\"a\\\"@example.com>", 501, "5.5.2"},
    {"<user>", 501, "5.1.3"},
    {"<postmaster>", 501, "5.1.3"},
    {"<other.example!user>", 501, "5.1.3"},
    {"<user%other.example>", 501, "5.1.3"},
    {"<" + k64 + "a@example.com>", 501, "5.1.3"},
    {"<\"" + std::string(63, 'a') + "\"@example.com>", 501, "5.1.3"},
    // domain
    {"<user@>", 501, "5.1.3"},
    {"<user@example.com.>", 501, "5.1.3"},
    {"<user@.example.com>", 501, "5.1.3"},
    {"<user@example..com>", 501, "5.1.3"},
    {"<user@-example.com>", 501, "5.1.3"},
    {"<user@example-.com>", 501, "5.1.3"},
    {"<user@ex_ample.com>", 501, "5.1.3"},
    {"<user@exa mple.com>", 501, "5.1.3"},
    {"<user@example.com@other.example>", 501, "5.1.3"},
    {"<user@other@ours.example>", 501, "5.1.3"},
    {"<user@" + k64 + ".example>", 501, "5.1.3"},
    {"<user@192.0.2.1>", 501, "5.1.3"},
    {"<user@123>", 501, "5.1.3"},
    // address literals
    {"<user@[]>", 501, "5.1.3"},
    {"<user@[192.0.2]>", 501, "5.1.3"},
    {"<user@[192.0.2.256]>", 501, "5.1.3"},
    {"<user@[192.0.2.01]>", 501, "5.1.3"},
    {"<user@[ 192.0.2.1]>", 501, "5.1.3"},
    {"<user@[2001:db8::1]>", 501, "5.1.3"},
    {"<user@[IPv6:2001:db8::1%eth0]>", 501, "5.1.3"},
    {"<user@[IPv6:2001:db8::g]>", 501, "5.1.3"},
    {"<user@[x-tag:whatever]>", 501, "5.1.3"},
    {"<user@[192.0.2.1]x>", 501, "5.1.3"},
    {"<user@[192.0.2.1].example>", 501, "5.1.3"},
    {"<user@[192.0.2.1>", 501, "5.5.2"},
    {"<user@example.[192.0.2.1]>", 501, "5.1.3"},
    // source routes
    {"<@ours.example>", 501, "5.1.3"},
    {"<@:user@example.com>", 501, "5.1.3"},
    {"<@a.example,user@example.com>", 501, "5.1.3"},
    {"<@a.example:>", 501, "5.1.3"},
    {"<@a.example.:user@example.com>", 501, "5.1.3"},
    {"<@[192.0.2.1]:user@example.com>", 501, "5.1.3"},
    {"<@a.example@b.example:user@example.com>", 501, "5.1.3"},
    {"<@a.example,:user@example.com>", 501, "5.1.3"},
    // parameters
    {"<user@example.com> =1", 555, "5.5.4"},
    {"<user@example.com> -X=1", 555, "5.5.4"},
    {"<user@example.com> SIZE=", 555, "5.5.4"},
    {"<user@example.com> SIZE==1", 555, "5.5.4"},
    {"<user@example.com> SIZE=1=2", 555, "5.5.4"},
    {"<user@example.com> SI_ZE=1", 555, "5.5.4"},
    {"<user@example.com> SIZE =1", 555, "5.5.4"},
    {"<user@example.com> A B C D E F G H I J K L M N O P Q", 555, "5.5.4"},
};

class AddressBad : public ::testing::TestWithParam<Bad> {};

TEST_P(AddressBad, IsRefusedWithCode) {
    const Bad& b = GetParam();
    auto r = parsePath(b.input, b.allow_null, b.utf8);
    ASSERT_FALSE(r.ok()) << "accepted as " << r.address->str();
    EXPECT_EQ(r.code, b.code) << r.error;
    EXPECT_EQ(r.enhanced, b.enhanced) << r.error;
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.error.find_first_of("\r\n"), std::string::npos);
    EXPECT_TRUE(r.params.empty());
}

INSTANTIATE_TEST_SUITE_P(Address, AddressBad, ::testing::ValuesIn(kBad));

// ---- the classic open-relay forms -----------------------------------------

// Each must fail to parse, or show routing characters, or not name ours.example.
const char* const kRelayForms[] = {
    "<user%other.example@ours.example>",
    "<USER%OTHER.EXAMPLE@OURS.EXAMPLE>",
    "<other.example!user@ours.example>",
    "<\"user@other.example\"@ours.example>",
    "<\"user%other\"@ours.example>",
    "<\"other.example!user\"@ours.example>",
    "<user%[192.0.2.1]@ours.example>",
    "<user@other.example@ours.example>",
    "<@ours.example:user@other.example>",
    "<@ours.example,@mx.other.example:user@other.example>",
    "<user@[192.0.2.1]>",
    "<user@ours.example.>",
    "<other.example!user>",
    "<user%other.example>",
    "user@ours.example",
};

class AddressRelayForm : public ::testing::TestWithParam<const char*> {};

TEST_P(AddressRelayForm, NeverLooksLikeAPlainLocalMailbox) {
    for (bool utf8 : {false, true}) {
        auto r = parsePath(GetParam(), false, utf8);
        if (!r.ok()) {
            EXPECT_EQ(r.code / 100, 5);
            continue;
        }
        const Address& a = *r.address;
        EXPECT_TRUE(a.localPartRoutes() || a.domain != "ours.example")
            << GetParam() << " parsed as a plain mailbox " << a.str();
    }
}

INSTANTIATE_TEST_SUITE_P(Address, AddressRelayForm, ::testing::ValuesIn(kRelayForms));

TEST(AddressRelay, EachFormIsDecidedOnWhatWasParsed) {
    auto routes = [](const char* in) {
        auto r = parsePath(in, false, false);
        return r.ok() && r.address->localPartRoutes() && r.address->domain == "ours.example";
    };
    EXPECT_TRUE(routes("<user%other.example@ours.example>"));
    EXPECT_TRUE(routes("<other.example!user@ours.example>"));
    EXPECT_TRUE(routes("<\"user@other.example\"@ours.example>"));
    EXPECT_TRUE(routes("<\"user%other\"@ours.example>"));

    auto quoted_at = parsePath("<\"user@other.example\"@ours.example>", false, false);
    EXPECT_EQ(quoted_at.address->local, "\"user@other.example\"");
    auto quoted_pct = parsePath("<\"user%other\"@ours.example>", false, false);
    EXPECT_EQ(quoted_pct.address->local, "user%other");

    auto route = parsePath("<@ours.example:user@other.example>", false, false);
    ASSERT_TRUE(route.ok());
    EXPECT_EQ(route.address->domain, "other.example");
    EXPECT_EQ(route.address->str(), "user@other.example");
    EXPECT_TRUE(route.address->had_source_route);

    auto literal = parsePath("<user@[192.0.2.1]>", false, false);
    ASSERT_TRUE(literal.ok());
    EXPECT_TRUE(literal.address->domain_literal);

    auto upper = parsePath("<USER@OURS.EXAMPLE>", false, false);
    ASSERT_TRUE(upper.ok());
    EXPECT_EQ(upper.address->domain, "ours.example");
    EXPECT_FALSE(upper.address->localPartRoutes());

    EXPECT_EQ(parsePath("<user@other.example@ours.example>", false, false).code, 501);
    EXPECT_EQ(parsePath("<user@ours.example.>", false, false).code, 501);
}

// ---- the null path, limits, mailboxes ---------------------------------------

TEST(AddressNull, AcceptedOnlyWhenAllowed) {
    auto r = parsePath("<> SIZE=10", true, false);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.address->null);
    EXPECT_EQ(r.address->str(), "");
    EXPECT_EQ(r.params, (std::vector<EsmtpParam>{{"SIZE", "10"}}));

    auto refused = parsePath("<>", false, false);
    EXPECT_FALSE(refused.ok());
    EXPECT_EQ(refused.code, 553);
    EXPECT_EQ(refused.enhanced, "5.1.3");
}

TEST(AddressLimits, LocalPartOf64OctetsIsTheMaximum) {
    EXPECT_TRUE(parsePath("<" + k64 + "@example.com>", false, false).ok());
    EXPECT_FALSE(parsePath("<" + k64 + "a@example.com>", false, false).ok());
    std::string quoted62 = "\"" + std::string(61, 'a') + " \"";  // 64 octets with the quotes
    EXPECT_TRUE(parsePath("<" + quoted62 + "@example.com>", false, false).ok());
}

TEST(AddressLimits, LabelOf63AndDomainOf255OctetsAreTheMaximum) {
    std::string l63(63, 'b');
    EXPECT_TRUE(parsePath("<u@" + l63 + ".example>", false, false).ok());
    EXPECT_FALSE(parsePath("<u@" + l63 + "b.example>", false, false).ok());

    // Inside a path the 256-octet path limit binds first: a 252-octet domain is the longest.
    std::string d252 = l63 + "." + l63 + "." + l63 + "." + std::string(60, 'c');
    EXPECT_TRUE(parsePath("<u@" + d252 + ">", false, false).ok());
    EXPECT_FALSE(parsePath("<u@" + d252 + "c>", false, false).ok());
    // A source-route hop over 255 octets is refused as such.
    std::string d256 = l63 + "." + l63 + "." + l63 + "." + std::string(62, 'c') + ".c";
    auto hop = parsePath("<@" + d256 + ":u@x.example>", false, false);
    EXPECT_EQ(hop.error, "Bad address syntax: domain longer than 255 octets");
}

TEST(AddressLimits, PathOf256OctetsIsTheMaximum) {
    std::string l63(63, 'b');
    auto domain = [&](std::size_t tail) { return l63 + "." + l63 + "." + std::string(tail, 'c'); };

    std::string p256 = "<" + k64 + "@" + domain(61) + ">";
    ASSERT_EQ(p256.size(), 256u);
    EXPECT_TRUE(parsePath(p256, false, false).ok());
    auto p257 = parsePath("<" + k64 + "@" + domain(62) + ">", false, false);
    EXPECT_FALSE(p257.ok());
    EXPECT_EQ(p257.code, 501);

    // A source route counts towards the limit although it is discarded.
    std::string routed256 = "<@r:" + std::string(63, 'a') + "@" + domain(59) + ">";
    ASSERT_EQ(routed256.size(), 256u);
    EXPECT_TRUE(parsePath(routed256, false, false).ok());
    EXPECT_FALSE(parsePath("<@r:" + k64 + "@" + domain(59) + ">", false, false).ok());
}

TEST(AddressMailbox, SameRulesWithoutBrackets) {
    auto a = parseMailbox("User@Example.COM", false);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->str(), "User@example.com");
    EXPECT_EQ(parseMailbox("\"a b\"@x.example", false)->local, "\"a b\"");
    EXPECT_EQ(parseMailbox("user@[192.0.2.1]", false)->domain, "[192.0.2.1]");
    EXPECT_TRUE(parseMailbox("j\xc3\xb6rg@example.org", true).has_value());

    for (const char* bad : {"", "<user@example.com>", "user@example.com ", " user@example.com",
                            "@a.example:user@example.com", "user", "user@", "@example.com",
                            "user@example.com.", "user@other@ours.example", "user@example.com>",
                            "user@[192.0.2.1]>", "user@example.com SIZE=1", "<>"})
        EXPECT_FALSE(parseMailbox(bad, false).has_value()) << bad;
    EXPECT_FALSE(parseMailbox("j\xc3\xb6rg@example.org", false).has_value());
    EXPECT_FALSE(parseMailbox(std::string("a\0@example.org", 14), true).has_value());
    EXPECT_FALSE(parseMailbox(k64 + "a@example.org", false).has_value());
    EXPECT_TRUE(parseMailbox(k64 + "@example.org", false).has_value());
    std::string long_domain(63, 'd');
    long_domain = long_domain + "." + long_domain + "." + long_domain + "." + long_domain;
    EXPECT_FALSE(parseMailbox("a@" + long_domain, false).has_value());  // 2 + 255 + 2 > 256
}

TEST(AddressErrors, NeverEchoMuchInput) {
    std::string junk(400, 'x');
    for (const std::string& in :
         {"<" + junk + ">", "<a@b.example> " + junk + "=\x01", "<a@" + junk + ">", junk}) {
        auto r = parsePath(in, true, false);
        ASSERT_FALSE(r.ok());
        EXPECT_LT(r.error.size(), 100u);
        EXPECT_EQ(r.error.find("xxxx"), std::string::npos);
    }
}

}  // namespace
