// The pure parts of the DNS checks, table-driven: blocklist answer masks,
// blocklist query names, the ISO 3166 table and country zone answers, HELO
// name syntax and the HELO check's decisions, zone URL templates, and the
// dns_zones store against a fresh SQLite store. The lookups themselves are
// tested against a real nsd in tests/integration/test_dns_checks.py.
#include "policy/dns_checks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns/answer_mask.h"
#include "dns/names.h"
#include "policy/countries.h"
#include "policy/helo_check.h"
#include "policy/helo_name.h"
#include "policy/settings.h"
#include "store/dns_zones.h"
#include "store/store.h"
#include "temp_dir.h"

using moat::dns::AnswerMask;
using moat::policy::Finding;
using moat::policy::HeloName;

namespace {

// --- answer masks -------------------------------------------------------------

TEST(AnswerMask, ParsesToCanonicalForm) {
    struct Case {
        const char* text;
        const char* canonical;
    };
    for (const Case& c : std::vector<Case>{
             {"", ""},
             {"   ", ""},
             {"127.0.0.2", "127.0.0.2"},
             {"127.0.0.2-127.0.0.11,127.0.0.20", "127.0.0.2-127.0.0.11,127.0.0.20"},
             {" 127.0.0.2-127.0.0.11 , 127.0.0.20 ", "127.0.0.2-127.0.0.11,127.0.0.20"},
             {"127.0.0.4-127.0.0.4", "127.0.0.4"},
             {"10.0.0.0-10.255.255.255", "10.0.0.0-10.255.255.255"},
         }) {
        auto mask = AnswerMask::parse(c.text);
        ASSERT_TRUE(mask) << c.text;
        EXPECT_EQ(mask->str(), c.canonical) << c.text;
        EXPECT_EQ(AnswerMask::parse(mask->str())->str(), mask->str())
            << "canonical form is a fixed point";
    }
}

TEST(AnswerMask, RefusesWhatIsNotAMask) {
    for (const char* text :
         {",", "127.0.0.2,", ",127.0.0.2", "127.0.0.2,,127.0.0.3", "127.1", "127.0.0.256",
          "127.0.0.011", "127.0.0.2-", "-127.0.0.2", "127.0.0.9-127.0.0.2", "127.0.0.2-3", "::1",
          "127.0.0.2/24", "127.0.0.2 127.0.0.3", "localhost", "127.0.0.2-127.0.0.3-127.0.0.4",
          "127.0.0.2 - 127.0.0.3"}) {
        std::string why;
        EXPECT_FALSE(AnswerMask::parse(text, &why)) << text;
        EXPECT_FALSE(why.empty()) << text;
    }
    std::string many;
    for (int i = 0; i < 33; ++i)
        many += (i ? "," : "") + std::string("127.0.0.") + std::to_string(i + 1);
    EXPECT_FALSE(AnswerMask::parse(many));
    EXPECT_FALSE(AnswerMask::parse(std::string(1001, ' ')));
    EXPECT_FALSE(AnswerMask::parse(std::string("127.0.0.2\0", 10)));  // found by fuzz_answer_mask
    EXPECT_FALSE(AnswerMask::parse("")->matches(std::string("127.0.0.2\0", 10)));
}

TEST(AnswerMask, DefaultTakesLoopbackCodesButNotErrorCodes) {
    auto mask = AnswerMask::parse("");
    EXPECT_TRUE(mask->matches("127.0.0.2"));
    EXPECT_TRUE(mask->matches("127.0.1.2"));
    EXPECT_TRUE(mask->matches("127.255.254.255"));
    EXPECT_FALSE(mask->matches("127.255.255.254"));  // Spamhaus: queried through a public resolver
    EXPECT_FALSE(mask->matches("127.255.255.252"));
    EXPECT_FALSE(mask->matches("10.0.0.2"));
    EXPECT_FALSE(mask->matches("::1"));
    EXPECT_FALSE(mask->matches("not an address"));
}

TEST(AnswerMask, RangesAreInclusive) {
    auto mask = AnswerMask::parse("127.0.0.2-127.0.0.11,127.0.0.20");
    for (const char* yes : {"127.0.0.2", "127.0.0.7", "127.0.0.11", "127.0.0.20"})
        EXPECT_TRUE(mask->matches(yes));
    for (const char* no :
         {"127.0.0.1", "127.0.0.12", "127.0.0.19", "127.0.0.21", "127.0.0.200", ""})
        EXPECT_FALSE(mask->matches(no));
}

// --- blocklist names -------------------------------------------------------------

TEST(BlocklistName, ReversesIpv4OctetsAndIpv6Nibbles) {
    using moat::dns::blocklistName;
    EXPECT_EQ(blocklistName("192.0.2.1", "zen.example"), "1.2.0.192.zen.example");
    EXPECT_EQ(blocklistName("127.0.0.2", "BL.Test."), "2.0.0.127.bl.test");
    EXPECT_EQ(blocklistName("::ffff:192.0.2.1", "bl.test"), "1.2.0.192.bl.test");
    EXPECT_EQ(blocklistName("2001:db8::1", "bl.test"),
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test");
    EXPECT_FALSE(blocklistName("127.1", "bl.test"));
    EXPECT_FALSE(blocklistName("bl.test", "bl.test"));
    EXPECT_FALSE(blocklistName("192.0.2.1", std::string(250, 'a')));
    EXPECT_EQ(moat::dns::reversedLabels("192.0.2.7"), "7.2.0.192");
    EXPECT_EQ(moat::dns::reversedLabels("::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
    EXPECT_FALSE(moat::dns::reversedLabels("example.org"));
}

// --- countries --------------------------------------------------------------------

TEST(Countries, TableIsCompleteAndConsistent) {
    int found = 0;
    for (char a = 'A'; a <= 'Z'; ++a)
        for (char b = 'A'; b <= 'Z'; ++b) {
            const char code[2] = {a, b};
            if (auto c = moat::policy::countryByAlpha2(std::string_view(code, 2))) {
                ++found;
                EXPECT_EQ(moat::policy::countryByNumeric(c->numeric), c);
                EXPECT_FALSE(c->name.empty());
            }
        }
    EXPECT_EQ(found, 249);
}

TEST(Countries, ParsesAlpha2AndNumericCodes) {
    using moat::policy::parseCountry;
    EXPECT_EQ(parseCountry("cn")->numeric, 156);
    EXPECT_EQ(parseCountry("CN")->alpha2, "CN");
    EXPECT_EQ(parseCountry("156")->alpha2, "CN");
    EXPECT_EQ(parseCountry("040")->alpha2, "AT");
    EXPECT_EQ(parseCountry("40")->alpha2, "AT");
    EXPECT_EQ(parseCountry("826")->alpha2, "GB");
    EXPECT_EQ(parseCountry("us")->numeric, 840);
    for (const char* bad : {"", "xx", "uk", "c", "chn", "999", "0", "1560", "15a", "c1"})
        EXPECT_EQ(parseCountry(bad), nullptr) << bad;
}

TEST(Countries, BlockedCountriesSettingTakesKnownCodesOnly) {
    EXPECT_EQ(moat::policy::validateSetting("country.blocked", "CN, ru 156"), "cn,ru,156");
    EXPECT_EQ(moat::policy::validateSetting("country.blocked", ""), "");
    EXPECT_THROW(moat::policy::validateSetting("country.blocked", "cn,uk"), std::invalid_argument);
    EXPECT_THROW(moat::policy::validateSetting("country.blocked", "999"), std::invalid_argument);
}

TEST(Countries, DecodesCountryZoneAnswers) {
    using moat::policy::countryCodeFromAnswer;
    EXPECT_EQ(countryCodeFromAnswer("127.0.0.156"), 156);
    EXPECT_EQ(countryCodeFromAnswer("127.0.3.64"), 3 * 256 + 64);
    EXPECT_EQ(countryCodeFromAnswer("127.0.0.0"), 0);
    EXPECT_FALSE(countryCodeFromAnswer("127.1.0.156"));
    EXPECT_FALSE(countryCodeFromAnswer("10.0.0.156"));
    EXPECT_FALSE(countryCodeFromAnswer("127.0.0"));
}

// --- HELO ---------------------------------------------------------------------------

TEST(HeloName, ClassifiesNamesAndLiterals) {
    struct Case {
        const char* text;
        HeloName::Kind kind;
        const char* value;  // or a word of the problem
    };
    using K = HeloName::Kind;
    for (const Case& c : std::vector<Case>{
             {"mail.example.com", K::name, "mail.example.com"},
             {"Mail.Example.COM.", K::name, "mail.example.com"},
             {"win_pc.corp.example", K::name, "win_pc.corp.example"},
             {"xn--bcher-kva.example", K::name, "xn--bcher-kva.example"},
             {"a.b", K::name, "a.b"},
             {"[192.0.2.1]", K::address, "192.0.2.1"},
             {"[IPv6:2001:db8::1]", K::address, "2001:db8::1"},
             {"[ipv6:2001:DB8:0::1]", K::address, "2001:db8::1"},
             {"[IPv6:::ffff:192.0.2.1]", K::address, "192.0.2.1"},
             {"localhost", K::invalid, "fully qualified"},
             {"localhost.", K::invalid, "fully qualified"},
             {"192.0.2.1", K::invalid, "without the brackets"},
             {"host.123", K::invalid, "numeric top-level"},
             {"[192.0.2.1", K::invalid, "address literal"},
             {"[2001:db8::1]", K::invalid, "address literal"},
             {"[IPv6:192.0.2.1]", K::invalid, "address literal"},
             {"[192.0.2.256]", K::invalid, "address literal"},
             {"[]", K::invalid, "address literal"},
             {"-host.example", K::invalid, "'-'"},
             {"host-.example", K::invalid, "'-'"},
             {"host..example", K::invalid, "valid host name"},
             {".example", K::invalid, "valid host name"},
             {"host.exa_mple", K::invalid, "'_'"},
             {"höst.example", K::invalid, "characters"},
             {"host example", K::invalid, "characters"},
             {"", K::invalid, "empty"},
         }) {
        auto h = moat::policy::parseHeloName(c.text);
        EXPECT_EQ(h.kind, c.kind) << c.text;
        if (c.kind == K::invalid)
            EXPECT_NE(h.problem.find(c.value), std::string::npos) << c.text << ": " << h.problem;
        else
            EXPECT_EQ(h.value, c.value) << c.text;
    }
    EXPECT_EQ(moat::policy::parseHeloName(std::string(64, 'a') + ".example").kind, K::invalid);
    EXPECT_EQ(moat::policy::parseHeloName(std::string(63, 'a') + ".example").kind, K::name);
    std::string long_name;
    while (long_name.size() < 260) long_name += "abcdefgh.";
    EXPECT_EQ(moat::policy::parseHeloName(long_name + "example").kind, K::invalid);
}

TEST(HeloCheck, RefusesForgeriesAndForeignLiterals) {
    moat::policy::Gateway gateway{"mx.moat.test", {"192.0.2.25", "127.0.0.1"}};
    auto check = [&](const char* helo, const char* client) {
        return moat::policy::heloFinding(helo, moat::policy::parseHeloName(helo), client, gateway);
    };
    EXPECT_EQ(check("client.example", "198.51.100.7").state, Finding::State::clean);
    EXPECT_EQ(check("[198.51.100.7]", "198.51.100.7").state, Finding::State::clean);
    EXPECT_EQ(check("[127.0.0.1]", "127.0.0.1").state,
              Finding::State::clean);  // a local client is us

    auto own = check("MX.moat.test", "198.51.100.7");
    EXPECT_EQ(own.state, Finding::State::hit);
    EXPECT_EQ(own.check, "helo");
    EXPECT_EQ(own.refusal.code, 550);
    EXPECT_EQ(own.refusal.enhanced, "5.7.1");
    EXPECT_EQ(own.refusal.text,
              "Client host rejected: HELO name MX.moat.test is this gateway's own name");
    EXPECT_EQ(check("[192.0.2.25]", "198.51.100.7").refusal.text,
              "Client host rejected: HELO address [192.0.2.25] is an address of this gateway");
    EXPECT_EQ(check("[203.0.113.1]", "198.51.100.7").refusal.text,
              "Client host rejected: HELO address [203.0.113.1] is not the client's address "
              "[198.51.100.7]");
    EXPECT_EQ(check("bad\x01name", "198.51.100.7").refusal.text,
              "Client host rejected: HELO name bad\\x01name contains characters not allowed in a "
              "host name");
}

TEST(DnsChecks, WithoutResolverOnlyTheHeloCheckRuns) {
    std::vector<moat::store::DnsZone> zones = {{1, "dnsbl", "bl.test", 5, "", "", "", 0}};
    moat::policy::DnsChecks checks(nullptr, "192.0.2.1", zones, {"mx.moat.test", {}});
    EXPECT_FALSE(checks.heloFinding());
    checks.helo("localhost");
    moat::mail::Address sender;
    sender.local = "a";
    sender.domain = "example.com";
    checks.sender(sender);
    EXPECT_TRUE(checks.clientFindings().empty());
    EXPECT_TRUE(checks.domainFindings().empty());
    EXPECT_FALSE(checks.countryFinding({"cn"}));
    EXPECT_EQ(checks.confirmedName(), "");
    EXPECT_EQ(checks.senderDomain(), "example.com");
    ASSERT_TRUE(checks.heloFinding());
    EXPECT_EQ(checks.heloFinding()->state, Finding::State::hit);
}

// --- zone URLs and the dns_zones table ---------------------------------------------------

TEST(ZoneUrl, ValidatesTemplates) {
    using moat::store::validateZoneUrl;
    EXPECT_EQ(validateZoneUrl(""), "");
    EXPECT_EQ(validateZoneUrl("HTTPS://check.example/q?ip={ip}&z={zone}"),
              "https://check.example/q?ip={ip}&z={zone}");
    EXPECT_EQ(validateZoneUrl("http://dbl.example/{domain}"), "http://dbl.example/{domain}");
    for (const char* bad :
         {"ftp://x.example/", "check.example/{ip}", "https://", "https:///path", "https://{ip}/",
          "https://x.example/{ipv6}", "https://x.example/{ip", "https://x.example/}",
          "https://x.example/a b", "https://x.example/\"", "https://x.example/<script>",
          "https://x.example/\r\n550", "javascript:alert(1)"})
        EXPECT_THROW(validateZoneUrl(bad), std::invalid_argument) << bad;
    EXPECT_THROW(validateZoneUrl("https://x.example/" + std::string(300, 'a')),
                 std::invalid_argument);
}

TEST(ZoneUrl, ExpandsPlaceholders) {
    EXPECT_EQ(moat::store::expandZoneUrl("https://x.example/{zone}/{ip}/{domain}", "192.0.2.1",
                                         "d.example", "bl.example"),
              "https://x.example/bl.example/192.0.2.1/d.example");
    EXPECT_EQ(moat::store::expandZoneUrl("https://x.example/", "192.0.2.1", "", "z"),
              "https://x.example/");
}

class DnsZones : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
    }
    void TearDown() override {
        session_.reset();
        store_.reset();
    }
    Poco::Data::Session& session() { return *session_; }

    moat::test::TempDir dir_{"moat-zones"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
};

TEST_F(DnsZones, AddListRemove) {
    using namespace moat::store;
    auto z =
        addDnsZone(session(), "dnsbl", "Zen.Example.", 3.5, " 127.0.0.2-127.0.0.11 ,127.0.0.20",
                   "HTTPS://zen.example/{ip}", "main list");
    EXPECT_GT(z.id, 0);
    EXPECT_EQ(z.zone, "zen.example");
    EXPECT_EQ(z.mask, "127.0.0.2-127.0.0.11,127.0.0.20");
    EXPECT_EQ(z.url, "https://zen.example/{ip}");
    addDnsZone(session(), "rhsbl", "zen.example", 5, "", "", "");  // another kind: a different zone
    addDnsZone(session(), "country", "zz.countries.example", 0, "", "", "");
    auto all = listDnsZones(session());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].kind, "country");
    EXPECT_EQ(all[1].kind, "dnsbl");
    EXPECT_EQ(all[1].weight, 3.5);
    EXPECT_EQ(all[1].note, "main list");
    EXPECT_TRUE(removeDnsZone(session(), "dnsbl", "ZEN.example."));
    EXPECT_FALSE(removeDnsZone(session(), "dnsbl", "zen.example"));
    EXPECT_EQ(listDnsZones(session()).size(), 2u);
}

TEST_F(DnsZones, RefusesBadInput) {
    using namespace moat::store;
    addDnsZone(session(), "dnsbl", "bl.example", 5, "", "", "");
    addDnsZone(session(), "country", "zz.countries.example", 5, "", "", "");
    auto refused = [&](const char* kind, const std::string& zone, double weight, const char* mask,
                       const char* url, const std::string& note, const char* why) {
        try {
            addDnsZone(session(), kind, zone, weight, mask, url, note);
            ADD_FAILURE() << "accepted " << kind << " " << zone;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
        }
    };
    refused("dnsbl", "BL.example", 5, "", "", "", "already exists");
    refused("country", "other.example", 5, "", "", "", "already a country zone");
    refused("country", "zz2.example", 5, "127.0.0.2", "", "", "takes no mask");
    refused("blocklist", "x.example", 5, "", "", "", "unknown zone kind");
    refused("dnsbl", "bad_name.example", 5, "", "", "", "invalid domain name");
    refused("dnsbl", "", 5, "", "", "", "");
    refused("dnsbl", std::string(120, 'a') + ".example", 5, "", "", "", "longer than");
    refused("dnsbl", "x.example", -1, "", "", "", "weight");
    refused("dnsbl", "x.example", 1001, "", "", "", "weight");
    refused("dnsbl", "x.example", 5, "127.0.0.3-127.0.0.2", "", "", "invalid mask");
    refused("dnsbl", "x.example", 5, "", "ftp://x.example/", "", "http");
    refused("dnsbl", "x.example", 5, "", "", "a\nb", "control characters");
    refused("dnsbl", "x.example", 5, "", "", std::string(201, 'n'), "longer than 200");
    EXPECT_THROW(removeDnsZone(session(), "nope", "bl.example"), std::invalid_argument);
    EXPECT_EQ(listDnsZones(session()).size(), 2u);
}

}  // namespace
