// The gateway's RCPT stage table (gateway/rcpt_stages.h), each stage's
// decision driven through decideRecipient() with a policy snapshot built in
// the test and the real services on a temporary SQLite store (tokens,
// greylist, list hits, callout; no DNS): relay control, training addresses,
// deny and allow lists, filtering off, the SMTP-time verdict (a bot
// finding), recipient validation, greylisting, whitelist-only — and that
// the table runs in its documented order.
#include "gateway/rcpt_stages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "policy/callout.h"
#include "policy/greylist.h"
#include "policy/lists.h"
#include "policy/policy_cache.h"
#include "policy/tokens.h"
#include "store/domains.h"
#include "store/list_entries.h"
#include "store/store.h"
#include "temp_dir.h"

namespace gw = moat::gateway;
using moat::mail::parseMailbox;

namespace {

class RcptStages : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        tokens_ = std::make_unique<moat::policy::Tokens>(*store_);
        greylist_ = std::make_unique<moat::policy::Greylist>(*store_);
        callout_ = std::make_unique<moat::policy::Callout>(*store_, moat::policy::Callout::Options{.helo_name = "mx.test"});
        moat::store::Domain d;
        d.id = 1;
        d.name = "ours.test";
        d.backend_host = "127.0.0.1";
        snapshot_.domains.emplace("ours.test", d);
        dialogue_.client_ip = "192.0.2.7";
        dialogue_.peer = Poco::Net::IPAddress("192.0.2.7");
        dialogue_.helo = "client.example";
        tx_.sender = *parseMailbox("someone@example.org", false);
        evidence_ = std::make_unique<gw::ClientEvidence>(nullptr, dialogue_.client_ip, dialogue_.peer, snapshot_,
                                                         moat::policy::Gateway{"mx.test", {"192.0.2.1"}}, hits_);
    }
    void TearDown() override {
        record_ = {};  // token reservations go back before the tokens do
        evidence_.reset();
        callout_.reset();
        greylist_.reset();
        tokens_.reset();
        store_.reset();
    }

    void settings(std::map<std::string, std::string> domain_settings) {
        snapshot_.settings = moat::policy::Settings({}, {{"ours.test", std::move(domain_settings)}});
    }
    void lists(std::vector<moat::store::ListEntry> entries) { snapshot_.lists = moat::policy::ListSet::build(entries); }

    moat::smtp::RcptAnswer decide(const std::string& rcpt, bool relay_client = false) {
        gw::RcptServices services{hostname_, *tokens_, hits_, *callout_, *greylist_};
        gw::RcptContext ctx{.snapshot = snapshot_,
                            .services = services,
                            .dialogue = dialogue_,
                            .tx = tx_,
                            .record = record_,
                            .evidence = *evidence_,
                            .relay_client = relay_client,
                            .rcpt = *parseMailbox(rcpt, false),
                            .shown = {},
                            .token = {}};
        return gw::decideRecipient(ctx);
    }
    bool recorded(const std::string& check, const std::string& result) const {
        for (const auto& c : record_.checks)
            if (c.check == check && c.result.name() == result) return true;
        return false;
    }

    moat::test::TempDir dir_{"moat-stages"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<moat::policy::Tokens> tokens_;
    std::unique_ptr<moat::policy::Greylist> greylist_;
    std::unique_ptr<moat::policy::Callout> callout_;
    moat::policy::ListHits hits_;
    std::string hostname_ = "mx.test";
    moat::policy::PolicySnapshot snapshot_;
    moat::smtp::Dialogue dialogue_;
    moat::smtp::Transaction tx_;
    gw::TransactionRecord record_;
    std::unique_ptr<gw::ClientEvidence> evidence_;
};

moat::store::ListEntry entry(std::string list, std::string kind, std::string value) {
    moat::store::ListEntry e;
    static long long next_id = 1;
    e.id = next_id++;
    e.domain_id = 1;
    e.list = std::move(list);
    e.kind = std::move(kind);
    e.value = std::move(value);
    return e;
}

TEST_F(RcptStages, RunInTheDocumentedOrder) {
    std::vector<std::string> names;
    for (const auto& s : gw::kRcptStages) names.emplace_back(s.name);
    EXPECT_EQ(names, (std::vector<std::string>{"training", "relay", "token", "outbound", "passthrough", "lists",
                                               "filtering_off", "smtp_verdict", "validation", "whitelist_only",
                                               "greylist"}));
}

TEST_F(RcptStages, RelayIsRefusedUnlessTheClientMayRelay) {
    auto refused = decide("x@elsewhere.test");
    ASSERT_TRUE(refused.refusal);
    EXPECT_EQ(refused.refusal->code, 554);
    EXPECT_NE(refused.refusal->text.find("Relay access denied"), std::string::npos);
    EXPECT_TRUE(recorded("relay", "reject"));

    auto routed = decide("\"a@b\"@ours.test");
    ASSERT_TRUE(routed.refusal);
    EXPECT_NE(routed.refusal->text.find("routing characters"), std::string::npos);

    auto outbound = decide("x@elsewhere.test", true);
    EXPECT_FALSE(outbound.refusal);
    ASSERT_TRUE(outbound.deliver_to);
    EXPECT_EQ(outbound.deliver_to->str(), "x@elsewhere.test");
}

TEST_F(RcptStages, TrainingAddressesTakeMailOnlyFromOurUsersAndAreNoRecipients) {
    auto refused = decide("spam@mx.test");
    ASSERT_TRUE(refused.refusal);
    EXPECT_EQ(refused.refusal->code, 550);

    auto learnt = decide("spam@mx.test", true);
    EXPECT_FALSE(learnt.refusal);
    EXPECT_FALSE(learnt.deliver_to);
    EXPECT_EQ(record_.training, std::optional<bool>(true));

    auto mixed = decide("x@ours.test", true);  // a real recipient in a training message
    ASSERT_TRUE(mixed.refusal);
    EXPECT_EQ(mixed.refusal->code, 452);
}

TEST_F(RcptStages, TheDenyListRefusesAndTheAllowListSkipsTheSpamChecks) {
    evidence_->add(moat::policy::Finding::hit("bot", "talked first", moat::mail::reply(550, "5.7.1", "bot")));
    lists({entry("deny", "sender", "someone@example.org")});
    auto denied = decide("x@ours.test");
    ASSERT_TRUE(denied.refusal);
    EXPECT_EQ(denied.refusal->code, 550);
    EXPECT_NE(denied.refusal->text.find("deny list of ours.test"), std::string::npos);

    lists({entry("allow", "sender", "someone@example.org")});
    record_ = {};
    auto allowed = decide("x@ours.test");
    EXPECT_FALSE(allowed.refusal) << allowed.refusal->text;
    EXPECT_TRUE(record_.content_exempt.count("x@ours.test"));
    EXPECT_FALSE(recorded("bot", "reject"));
}

TEST_F(RcptStages, TheSmtpTimeVerdictRefusesABotUnlessFilteringIsOff) {
    evidence_->add(moat::policy::Finding::hit("bot", "talked first", moat::mail::reply(550, "5.7.1", "bot behaviour")));
    auto refused = decide("x@ours.test");
    ASSERT_TRUE(refused.refusal);
    EXPECT_EQ(refused.refusal->text, "bot behaviour");
    EXPECT_TRUE(recorded("bot", "reject"));

    settings({{"filtering.enabled", "no"}, {"greylist.enabled", "yes"}});
    record_ = {};
    auto unfiltered = decide("x@ours.test");
    EXPECT_FALSE(unfiltered.refusal);
    EXPECT_TRUE(recorded("filtering", "skip"));
    EXPECT_FALSE(recorded("greylist", "tempfail"));  // no greylisting either
}

TEST_F(RcptStages, ValidationRefusesUnknownRecipientsBeforeGreylisting) {
    settings({{"validation.list", "yes"}, {"validation.reject_nonvalidated", "yes"}, {"greylist.enabled", "yes"}});
    snapshot_.valid_addresses = {"jane@ours.test"};
    auto unknown = decide("ghost@ours.test");
    ASSERT_TRUE(unknown.refusal);
    EXPECT_EQ(unknown.refusal->code, 550);
    EXPECT_EQ(unknown.refusal->enhanced, "5.1.1");
    EXPECT_FALSE(recorded("greylist", "tempfail"));

    auto first = decide("jane@ours.test");
    ASSERT_TRUE(first.refusal);
    EXPECT_EQ(first.refusal->code, 451);
    EXPECT_EQ(first.refusal->enhanced, "4.7.1");
    EXPECT_TRUE(recorded("greylist", "tempfail"));
}

TEST_F(RcptStages, WhitelistOnlyHandsOutATokenAddressThatThenPasses) {
    moat::store::Domain d = snapshot_.domains.at("ours.test");
    {
        auto session = store_->connect();
        d = moat::store::addDomain(session, "ours.test", "127.0.0.1", 25);
    }
    snapshot_.domains["ours.test"] = d;
    settings({{"whitelist_only.enabled", "yes"}});
    auto refused = decide("jane@ours.test");
    ASSERT_TRUE(refused.refusal);
    EXPECT_EQ(refused.refusal->code, 550);
    auto at = refused.refusal->text.find("send to jane+");
    ASSERT_NE(at, std::string::npos) << refused.refusal->text;
    std::string token_address = refused.refusal->text.substr(at + 8);
    token_address = token_address.substr(0, token_address.find(' '));

    record_ = {};
    auto passed = decide(token_address);
    EXPECT_FALSE(passed.refusal) << passed.refusal->text;
    ASSERT_TRUE(passed.deliver_to);
    EXPECT_EQ(passed.deliver_to->str(), "jane@ours.test");
    EXPECT_EQ(record_.tokens.size(), 1u);  // reserved, spent only when the message is queued
}

}  // namespace
