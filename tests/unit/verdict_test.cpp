// SMTP-time decisions: check actions, weights, the score threshold, DNS failures;
// and the choice, number and list setting types they are configured with.
#include "policy/settings.h"
#include "policy/verdict.h"

#include <gtest/gtest.h>

using namespace moat;
using policy::Finding;

namespace {
policy::Settings settings(std::map<std::string, std::string> global,
                          std::map<std::string, std::map<std::string, std::string>> domains = {}) {
    return policy::Settings(std::move(global), std::move(domains));
}
Finding listed(std::string check, double weight = -1) {
    return Finding::hit(check, check + " hit", mail::reply(554, "5.7.1", "Service unavailable; " + check), weight);
}
}  // namespace

TEST(SettingTypes, ChoiceNumberList) {
    EXPECT_EQ(policy::validateSetting("dnsbl.action", " Score "), "score");
    EXPECT_THROW(policy::validateSetting("dnsbl.action", "maybe"), std::invalid_argument);
    EXPECT_EQ(policy::validateSetting("rdns.weight", "2.50"), "2.5");
    EXPECT_THROW(policy::validateSetting("rdns.weight", "2x"), std::invalid_argument);
    EXPECT_THROW(policy::validateSetting("rdns.weight", "-1"), std::invalid_argument);
    EXPECT_EQ(policy::validateSetting("country.blocked", "CN, ru  kp,,"), "cn,ru,kp");
    auto s = settings({{"country.blocked", "cn,ru"}});
    EXPECT_EQ(s.list("country.blocked"), (std::vector<std::string>{"cn", "ru"}));
    EXPECT_TRUE(settings({}).list("country.blocked").empty());
    EXPECT_DOUBLE_EQ(s.number("rdns.weight"), 2);
}

TEST(Verdict, RejectNamesTheCheckAndFirstRefusalWins) {
    auto ev = policy::evaluate({Finding::clean("rdns", "has PTR"), listed("dnsbl"), listed("rhsbl")},
                               settings({{"rdns.action", "score"}}), "example.test");
    ASSERT_TRUE(ev.refusal);
    EXPECT_EQ(ev.refusal->code, 554);
    EXPECT_EQ(ev.refusal->text, "Service unavailable; dnsbl");
    ASSERT_EQ(ev.records.size(), 3u);
    EXPECT_EQ(ev.records[0].result.name(), "pass");
    EXPECT_EQ(ev.records[1].result.name(), "reject");
    EXPECT_EQ(ev.records[2].result.name(), "reject");
}

TEST(Verdict, TempfailAndOff) {
    auto ev = policy::evaluate({listed("dnsbl")}, settings({{"dnsbl.action", "tempfail"}}), "");
    ASSERT_TRUE(ev.refusal);
    EXPECT_EQ(ev.refusal->code, 451);
    EXPECT_EQ(ev.refusal->enhanced, "4.7.1");
    ev = policy::evaluate({listed("dnsbl")}, settings({{"dnsbl.action", "off"}}), "");
    EXPECT_FALSE(ev.refusal);
    EXPECT_EQ(ev.records.at(0).result.name(), "skip");
}

TEST(Verdict, ScoresAddUpToTheDomainThreshold) {
    auto global = settings({{"rdns.action", "score"}, {"helo.action", "score"}, {"helo.weight", "3"},
                            {"dnsbl.action", "score"}},
                           {{"strict.test", {{"score.reject", "6"}}}, {"late.test", {{"score.reject", "6"},
                                                                                     {"score.reject_at", "data"}}}});
    std::vector<Finding> f = {listed("rdns"), listed("helo"), listed("dnsbl", 1.5)};  // 2 + 3 + 1.5
    auto lax = policy::evaluate(f, global, "lax.test");
    EXPECT_FALSE(lax.refusal);
    EXPECT_DOUBLE_EQ(lax.score, 6.5);
    auto strict = policy::evaluate(f, global, "strict.test");
    ASSERT_TRUE(strict.refusal);
    EXPECT_EQ(strict.refusal->code, 550);
    EXPECT_NE(strict.refusal->text.find("6.5"), std::string::npos);
    EXPECT_NE(strict.refusal->text.find("dnsbl +1.5"), std::string::npos);
    auto late = policy::evaluate(f, global, "late.test");
    EXPECT_FALSE(late.refusal);
    ASSERT_TRUE(late.after_data);
    EXPECT_EQ(late.after_data->code, 550);
}

TEST(Verdict, DnsFailureNeverGivesA5xx) {
    auto skip = policy::evaluate({Finding::dnsFailure("dnsbl", "timeout")}, settings({}), "");
    EXPECT_FALSE(skip.refusal);
    EXPECT_EQ(skip.records.at(0).result.name(), "skip");
    auto temp = policy::evaluate({Finding::dnsFailure("dnsbl", "timeout")}, settings({{"dns.failure", "tempfail"}}), "");
    ASSERT_TRUE(temp.refusal);
    EXPECT_EQ(temp.refusal->code, 451);
    auto own = policy::evaluate(
        {Finding::dnsFailure("sender_domain", "timeout", mail::reply(450, "4.1.8", "Sender domain lookup failed"))},
        settings({{"sender_domain.action", "reject"}}), "");
    ASSERT_TRUE(own.refusal);
    EXPECT_EQ(own.refusal->code, 450);
}
