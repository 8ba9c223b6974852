// moat-firewall's pure parts: the report wire format (table driven: what is
// refused and why, canonical addresses, limits), durations, the lockout
// check, and the ruleset script — one transaction that declares the sets
// idempotently, never flushes the dynamic sets (blocks survive a re-apply),
// opens SMTP to all and the console/SSH only to the maintenance and admin
// networks, rate-limits per source, and covers IPv4 and IPv6. The script is
// checked by nft itself (--check) when nft is installed.
#include "firewall/firewall_client.h"
#include "firewall/firewall_policy.h"
#include "firewall/report.h"
#include "firewall/ruleset.h"
#include "firewall/set_listing.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

using moat::firewall::FirewallPolicy;
using moat::firewall::Report;

namespace {

TEST(FirewallReport, ParsesAndRefuses) {
    struct Case {
        const char* in;
        const char* refusal;  // nullptr: accepted
    } cases[] = {
        {"block 192.0.2.1 600 harvesting", nullptr},
        {"tarpit 2001:DB8::1 60 bot behaviour", nullptr},
        {"unblock ::ffff:192.0.2.1", nullptr},
        {"list", nullptr},
        {"status", nullptr},
        {"block 127.1 600 x", "not an IP address"},
        {"block fe80::1%eth0 600 x", "not an IP address"},
        {"block 192.0.2.1 0 x", "duration must be within"},
        {"block 192.0.2.1 2592001 x", "duration must be within"},
        {"block 192.0.2.1 10m x", "duration must be a number"},
        {"block 192.0.2.1 600", "a reason is required"},
        {"unblock 192.0.2.1 600", "unblock takes only an address"},
        {"list all", "list takes no arguments"},
        {"drop table", "unknown verb"},
        {"block 192.0.2.1 600 a\tb", "non-printable"},
        {"", "unknown verb"},
    };
    for (const auto& c : cases) {
        auto parsed = moat::firewall::parseReport(c.in);
        if (!c.refusal) {
            EXPECT_TRUE(std::holds_alternative<Report>(parsed)) << c.in << ": " << std::get<std::string>(parsed);
        } else {
            ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << c.in;
            EXPECT_NE(std::get<std::string>(parsed).find(c.refusal), std::string::npos)
                << c.in << ": " << std::get<std::string>(parsed);
        }
    }
    auto r = std::get<Report>(moat::firewall::parseReport("tarpit 2001:DB8:0::1 60 bot behaviour"));
    EXPECT_EQ(r.address, "2001:db8::1");
    EXPECT_EQ(r.reason, "bot behaviour");
    EXPECT_EQ(moat::firewall::formatReport(r), "tarpit 2001:db8::1 60 bot behaviour");
    EXPECT_EQ(std::get<Report>(moat::firewall::parseReport("unblock ::ffff:192.0.2.1")).address, "192.0.2.1");
    EXPECT_TRUE(std::holds_alternative<std::string>(moat::firewall::parseReport(std::string(600, 'a'))));
}

TEST(FirewallReport, Durations) {
    EXPECT_EQ(moat::firewall::parseDuration("600"), 600);
    EXPECT_EQ(moat::firewall::parseDuration("90s"), 90);
    EXPECT_EQ(moat::firewall::parseDuration("10m"), 600);
    EXPECT_EQ(moat::firewall::parseDuration("2h"), 7200);
    EXPECT_EQ(moat::firewall::parseDuration("7d"), 7 * 86400);
    for (const char* bad : {"", "0", "-5", "10x", "m", "1.5h"})
        EXPECT_THROW(moat::firewall::parseDuration(bad), std::invalid_argument) << bad;
}

TEST(FirewallPolicy, RefusesToLockTheAdministratorOut) {
    FirewallPolicy p;
    auto problem = moat::firewall::lockoutProblem(p);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("allow_lockout"), std::string::npos);
    p.console_loopback = true;
    EXPECT_FALSE(moat::firewall::lockoutProblem(p));
    p.console_loopback = false;
    p.maintenance.push_back(*moat::net::Cidr::parse("192.0.2.0/24"));
    EXPECT_FALSE(moat::firewall::lockoutProblem(p));
    p.maintenance.clear();
    p.admin.push_back(*moat::net::Cidr::parse("0.0.0.0/0"));
    EXPECT_FALSE(moat::firewall::lockoutProblem(p)) << "an admin network reaches the console too";
    p.admin.clear();
    p.allow_lockout = true;
    EXPECT_FALSE(moat::firewall::lockoutProblem(p));
}

FirewallPolicy examplePolicy() {
    FirewallPolicy p;
    p.maintenance = {*moat::net::Cidr::parse("192.0.2.0/24"), *moat::net::Cidr::parse("2001:db8::/32")};
    p.admin = {*moat::net::Cidr::parse("0.0.0.0/0"), *moat::net::Cidr::parse("::/0")};
    p.smtp_ports = {25, 587};
    p.console_port = 8443;
    p.smtp_rate = 30;
    p.ssh_rate = 10;
    p.console_rate = 12;
    p.console_connections = 16;
    return p;
}

bool has(const std::string& script, const std::string& text) { return script.find(text) != std::string::npos; }

TEST(FirewallRuleset, OneScriptWithEveryRule) {
    auto s = moat::firewall::rulesetScript(examplePolicy());
    EXPECT_TRUE(has(s, "chain input { type filter hook input priority filter; policy drop; }"));
    EXPECT_TRUE(has(s, "flush chain inet moat input"));
    EXPECT_TRUE(has(s, "flush set inet moat maintenance4"));
    EXPECT_FALSE(has(s, "flush set inet moat blocked")) << "blocks must survive a re-apply";
    EXPECT_FALSE(has(s, "flush set inet moat tarpit"));
    EXPECT_TRUE(has(s, "add element inet moat maintenance4 { 192.0.2.0/24 }"));
    EXPECT_TRUE(has(s, "add element inet moat maintenance6 { 2001:db8::/32 }"));
    EXPECT_TRUE(has(s, "ct state invalid drop"));
    EXPECT_TRUE(has(s, "ct state established,related accept"));
    EXPECT_TRUE(has(s, "fib saddr . iif oif missing drop"));
    EXPECT_TRUE(has(s, "ip saddr @blocked4 ip saddr != @maintenance4 drop"));
    EXPECT_TRUE(has(s, "ip6 saddr @blocked6 ip6 saddr != @maintenance6 drop"));
    EXPECT_TRUE(has(s, "packet-too-big"));
    EXPECT_TRUE(has(s, "nd-neighbor-solicit"));
    EXPECT_TRUE(has(s, "tcp dport { 25, 587 } accept"));
    EXPECT_TRUE(has(s, "limit rate over 30/minute"));
    EXPECT_TRUE(has(s, "add @blocked4 { ip saddr timeout 600s }"));
    EXPECT_TRUE(has(s, "tcp dport 22 ip saddr @maintenance4 accept"));
    EXPECT_TRUE(has(s, "tcp dport 8443 ip saddr @maintenance4 accept"));
    EXPECT_TRUE(has(s, "flush set inet moat admin6"));
    EXPECT_TRUE(has(s, "add element inet moat admin4 { 0.0.0.0/0 }"));
    EXPECT_TRUE(has(s, "add element inet moat admin6 { ::/0 }"));
    EXPECT_TRUE(has(s, "tcp dport 22 ip6 saddr @admin6 accept"));
    EXPECT_TRUE(has(s, "tcp dport 8443 ip6 saddr @admin6 accept"));
    EXPECT_LT(s.find("ip saddr @blocked4"), s.find("ip saddr @admin4 accept"))
        << "a blocked source of an admin network is dropped first";
    // SSH and the console each with their own meter and rate.
    EXPECT_TRUE(has(
        s,
        "tcp dport 22 ct state new ip saddr @maintenance4 update @ssh_meter4 { ip saddr limit rate "
        "over 10/minute burst 10 packets } drop"));
    EXPECT_TRUE(has(s,
                    "tcp dport 8443 ct state new ip6 saddr @admin6 update @console_meter6 { ip6 "
                    "saddr limit rate "
                    "over 12/minute burst 12 packets } drop"));
    // The console's per-source cap, counted in the kernel, before the accept.
    EXPECT_TRUE(has(
        s,
        "tcp dport 8443 ct state new ip saddr @admin4 add @console_conns4 { ip saddr ct count over "
        "16 } reject with tcp reset"));
    EXPECT_TRUE(has(s, "add @console_conns6 { ip6 saddr ct count over 16 }"));
    EXPECT_LT(s.find("add @console_conns4"),
              s.find("tcp dport 8443 ip saddr @maintenance4 accept"));
    EXPECT_FALSE(has(s, "ct count over 20000")) << "no tarpit port, no tarpit cap";
    EXPECT_TRUE(has(s, "log prefix \"moat-refused: \""));
    EXPECT_FALSE(has(s, "redirect")) << "no tarpit port: tarpitted clients are dropped";

    auto p = examplePolicy();
    p.console_loopback = true;
    p.tarpit_port = 2526;
    s = moat::firewall::rulesetScript(p);
    EXPECT_TRUE(has(s, "tcp dport 22 ip saddr @maintenance4 accept"));
    EXPECT_FALSE(has(s, "tcp dport 8443")) << "a loopback console is not opened";
    EXPECT_TRUE(has(s, "ip saddr @tarpit4 redirect to :2526"));
    EXPECT_TRUE(has(s, "tcp dport 2526 ct status dnat ct state new ct count over 20000 drop"))
        << "beyond tarpit_max, new tarpit connections are dropped in the kernel";
}

TEST(FirewallRuleset, ElementScripts) {
    EXPECT_EQ(moat::firewall::addElementScript("blocked", "192.0.2.1", 60),
              "add element inet moat blocked4 { 192.0.2.1 timeout 60s }\n");
    EXPECT_EQ(moat::firewall::deleteElementScript("tarpit", "2001:db8::1"),
              "delete element inet moat tarpit6 { 2001:db8::1 }\n");
    EXPECT_THROW(moat::firewall::addElementScript("other", "192.0.2.1", 60), std::invalid_argument);
}

TEST(FirewallRuleset, NftAcceptsTheScript) {
    if (!std::filesystem::exists("/usr/sbin/nft")) GTEST_SKIP() << "nft is not installed";
    moat::test::TempDir dir("moat-ruleset");
    auto path = dir.path / "ruleset.nft";
    std::ofstream(path) << moat::firewall::rulesetScript(examplePolicy());
    std::string cmd = "/usr/sbin/nft --check -f " + path.string() + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_TRUE(p);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    int rc = ::pclose(p);
    if (out.find("Operation not permitted") != std::string::npos) GTEST_SKIP() << "nft --check needs CAP_NET_ADMIN";
    EXPECT_EQ(rc, 0) << out;
}

}  // namespace

namespace {

TEST(FirewallSetListing, AddressesWithTheirTimeLeft) {
    auto members = moat::firewall::parseSetListing(
        R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"set": {"family": "inet",)"
        R"( "name": "blocked4", "table": "moat", "type": "ipv4_addr", "flags": ["timeout"], "elem": [)"
        R"({"elem": {"val": "192.0.2.1", "timeout": 600, "expires": 599}}, "192.0.2.9",)"
        R"({"elem": {"val": {"prefix": {"addr": "192.0.2.0", "len": 24}}, "expires": 5}},)"
        R"({"elem": {"val": "2001:DB8::1", "timeout": 30, "expires": 29}}]}}]})");
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[0].address, "192.0.2.1");
    EXPECT_EQ(members[0].expires, 599);
    EXPECT_EQ(members[1].address, "2001:db8::1");
    EXPECT_TRUE(moat::firewall::parseSetListing("").empty());
    EXPECT_TRUE(moat::firewall::parseSetListing("{\"nftables\": 5}").empty());
    EXPECT_TRUE(moat::firewall::parseSetListing("[1,2]").empty());
}

}  // namespace
