// Greylisting rules against a real SQLite store in a temporary directory, with
// an injected clock that the tests move forward: first attempt, early retry,
// delay, window, remembering and forgetting, auto-whitelisting, network
// grouping, address case, persistence across instances, expiry, threads.
#include "policy/greylist.h"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;
using moat::policy::Greylist;
using moat::policy::GreylistSettings;
using Verdict = Greylist::Result::Verdict;

namespace {

constexpr long long kDay = 86400;

Poco::Net::IPAddress ip(const std::string& text) {
    return Poco::Net::IPAddress(text);
}

GreylistSettings enabled() {
    GreylistSettings s;
    s.enabled = true;
    return s;
}

class GreylistTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        greylist_ = make();
    }
    void TearDown() override {
        greylist_.reset();
        store_.reset();
    }

    std::unique_ptr<Greylist> make() {
        return std::make_unique<Greylist>(*store_, [this] { return clock_.load(); });
    }
    void advance(long long seconds) { clock_ += seconds; }

    Greylist::Result check(const std::string& client, const std::string& sender,
                           const std::string& recipient, const GreylistSettings& s = enabled()) {
        return greylist_->check(ip(client), sender, recipient, s);
    }

    long long count(const std::string& sql) {
        auto session = store_->connect();
        Poco::Int64 n = 0;
        session << sql, into(n), now;
        return n;
    }

    moat::test::TempDir dir_{"moat-greylist"};
    std::unique_ptr<moat::store::Store> store_;
    std::atomic<long long> clock_{1'700'000'000};
    std::unique_ptr<Greylist> greylist_;
};

TEST(GreylistNetwork, GroupsIPv4By24AndIPv6By64) {
    EXPECT_EQ(moat::policy::greylistNetwork(ip("192.0.2.77")), "192.0.2.0/24");
    EXPECT_EQ(moat::policy::greylistNetwork(ip("192.0.2.0")), "192.0.2.0/24");
    EXPECT_EQ(moat::policy::greylistNetwork(ip("::ffff:192.0.2.77")), "192.0.2.0/24");
    EXPECT_EQ(moat::policy::greylistNetwork(ip("2001:DB8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
    EXPECT_EQ(moat::policy::greylistNetwork(ip("::1")), "::/64");
}

TEST(GreylistReply, SaysWhenToRetry) {
    EXPECT_EQ(Greylist::replyText(300).rfind("Greylisted: please try again in 300 seconds", 0), 0u);
    EXPECT_EQ(Greylist::replyText(1).rfind("Greylisted: please try again in 1 second;", 0), 0u);
}

TEST_F(GreylistTest, DisabledPassesWithoutRecording) {
    GreylistSettings off;
    auto r = check("192.0.2.1", "a@example.org", "b@example.com", off);
    EXPECT_EQ(r.verdict, Verdict::pass);
    greylist_->flush();
    EXPECT_EQ(count("SELECT count(*) FROM greylist"), 0);
}

TEST_F(GreylistTest, FirstAttemptIsDeferredForTheDelay) {
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 300);
    EXPECT_EQ(r.reason,
              "greylisted: first attempt from this network for this sender and recipient");
    EXPECT_FALSE(r.client_whitelisted);
}

TEST_F(GreylistTest, EarlyRetryIsDeferredForTheRemainingTime) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(120);
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 180);
    advance(179);
    r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 1);
}

TEST_F(GreylistTest, RetryAfterTheDelayPasses) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::pass);
    EXPECT_EQ(r.retry_after, 0);
    // Another host of the same /24 is the same client for greylisting.
    r = check("192.0.2.250", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::pass);
    greylist_->flush();
    EXPECT_EQ(count("SELECT passed FROM greylist WHERE client_net = '192.0.2.0/24'"), 1);
}

TEST_F(GreylistTest, CustomDelay) {
    auto s = enabled();
    s.delay = std::chrono::seconds(60);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com", s).retry_after, 60);
    advance(59);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com", s).verdict, Verdict::defer);
    advance(1);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com", s).verdict, Verdict::pass);
}

TEST_F(GreylistTest, RetryAfterTheWindowStartsAgain) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(4 * 3600 + 1);
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 300);
    advance(299);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").retry_after, 1);
    advance(1);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
}

TEST_F(GreylistTest, RetryAtTheEndOfTheWindowStillPasses) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(4 * 3600);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
}

TEST_F(GreylistTest, PassedTripletIsRememberedAndRefreshed) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    ASSERT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
    advance(30 * kDay);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
    advance(30 * kDay);  // 60 days after the first pass, 30 after the last
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
}

TEST_F(GreylistTest, PassedTripletIsForgottenAfterRemember) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    ASSERT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
    advance(37 * kDay);
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 300);
}

TEST_F(GreylistTest, AutoWhitelistAfterNPasses) {
    auto s = enabled();
    s.auto_whitelist_passes = 3;
    for (int i = 0; i < 3; ++i) {
        std::string from = "s" + std::to_string(i) + "@example.org";
        ASSERT_EQ(check("192.0.2.1", from, "b@example.com", s).verdict, Verdict::defer) << i;
        advance(300);
        auto r = check("192.0.2.1", from, "b@example.com", s);
        ASSERT_EQ(r.verdict, Verdict::pass) << i;
        EXPECT_FALSE(r.client_whitelisted);
    }
    auto r = check("192.0.2.99", "new@example.net", "c@example.com", s);
    EXPECT_EQ(r.verdict, Verdict::pass);
    EXPECT_TRUE(r.client_whitelisted);
    EXPECT_NE(r.reason.find("192.0.2.0/24"), std::string::npos);
    EXPECT_EQ(check("192.0.2.7", "", "d@example.com", s).verdict, Verdict::pass);
    // Another network is still greylisted.
    r = check("198.51.100.1", "new@example.net", "c@example.com", s);
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_FALSE(r.client_whitelisted);
    greylist_->flush();
    EXPECT_EQ(count("SELECT passes FROM greylist_clients WHERE client_net = '192.0.2.0/24'"), 3);
}

TEST_F(GreylistTest, AutoWhitelistZeroMeansNever) {
    auto s = enabled();
    s.auto_whitelist_passes = 0;
    for (int i = 0; i < 5; ++i) {
        std::string from = "s" + std::to_string(i) + "@example.org";
        check("192.0.2.1", from, "b@example.com", s);
        advance(300);
        ASSERT_EQ(check("192.0.2.1", from, "b@example.com", s).verdict, Verdict::pass);
    }
    EXPECT_EQ(check("192.0.2.1", "other@example.org", "b@example.com", s).verdict, Verdict::defer);
}

TEST_F(GreylistTest, IPv6GroupsBy64) {
    check("2001:db8:1:2::1", "a@example.org", "b@example.com");
    advance(300);
    EXPECT_EQ(check("2001:db8:1:2:ffff:ffff:ffff:9", "a@example.org", "b@example.com").verdict,
              Verdict::pass);
    EXPECT_EQ(check("2001:db8:1:3::1", "a@example.org", "b@example.com").verdict, Verdict::defer);
}

TEST_F(GreylistTest, IPv4MappedClientIsTheIPv4Network) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    EXPECT_EQ(check("::ffff:192.0.2.9", "a@example.org", "b@example.com").verdict, Verdict::pass);
}

TEST_F(GreylistTest, AddressesAreCaseInsensitive) {
    check("192.0.2.1", "Alice@Example.ORG", "Bob@EXAMPLE.com");
    advance(300);
    EXPECT_EQ(check("192.0.2.1", "alice@example.org", "bob@example.com").verdict, Verdict::pass);
    greylist_->flush();
    EXPECT_EQ(count("SELECT count(*) FROM greylist WHERE sender = 'alice@example.org'"
                    " AND recipient = 'bob@example.com'"),
              1);
}

TEST_F(GreylistTest, NullSenderIsItsOwnTriplet) {
    EXPECT_EQ(check("192.0.2.1", "", "b@example.com").verdict, Verdict::defer);
    advance(300);
    EXPECT_EQ(check("192.0.2.1", "<>", "b@example.com").verdict, Verdict::pass);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::defer);
    greylist_->flush();
    EXPECT_EQ(count("SELECT passed FROM greylist WHERE sender = ''"), 1);
}

TEST_F(GreylistTest, DifferentRecipientOrSenderIsANewTriplet) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "c@example.com").verdict, Verdict::defer);
    EXPECT_EQ(check("192.0.2.1", "x@example.org", "b@example.com").verdict, Verdict::defer);
}

TEST_F(GreylistTest, ASecondInstanceLoadsPassedTriplets) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    advance(300);
    ASSERT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
    greylist_->flush();
    EXPECT_EQ(count("SELECT count(*) FROM greylist WHERE passed = 1"), 1);

    greylist_ = make();
    advance(10 * kDay);
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::pass) << r.reason;
}

TEST_F(GreylistTest, InstancesSharingAStoreSeeEachOthersWrites) {
    auto other = make();  // loaded before anything was written
    check("192.0.2.1", "a@example.org", "b@example.com");
    greylist_->flush();
    advance(300);
    // The retry reaches the other gateway; it consults the store on a miss.
    auto r = other->check(ip("192.0.2.2"), "a@example.org", "b@example.com", enabled());
    EXPECT_EQ(r.verdict, Verdict::pass) << r.reason;
    other->flush();

    // An early retry to the first gateway consults the store too.
    check("192.0.2.1", "c@example.org", "d@example.com");
    greylist_->flush();
    advance(100);
    EXPECT_EQ(
        other->check(ip("192.0.2.1"), "c@example.org", "d@example.com", enabled()).retry_after,
        200);
}

TEST_F(GreylistTest, AutoWhitelistCountsAcrossInstances) {
    auto s = enabled();
    s.auto_whitelist_passes = 2;
    auto other = make();
    for (auto* g : {greylist_.get(), other.get()}) {
        std::string from = g == other.get() ? "x@example.org" : "y@example.org";
        g->check(ip("192.0.2.1"), from, "b@example.com", s);
        advance(300);
        ASSERT_EQ(g->check(ip("192.0.2.1"), from, "b@example.com", s).verdict, Verdict::pass);
        g->flush();
    }
    EXPECT_EQ(count("SELECT passes FROM greylist_clients"), 2);
    // Each instance has counted one pass; the store says two.
    auto r = greylist_->check(ip("192.0.2.5"), "z@example.org", "q@example.com", s);
    EXPECT_TRUE(r.client_whitelisted) << r.reason;
}

TEST_F(GreylistTest, ExpireDropsStaleTripletsAndCountsThem) {
    check("192.0.2.1", "passed@example.org", "b@example.com");
    advance(300);
    ASSERT_EQ(check("192.0.2.1", "passed@example.org", "b@example.com").verdict, Verdict::pass);
    check("192.0.2.1", "abandoned@example.org", "b@example.com");
    advance(5 * 3600);
    check("192.0.2.1", "recent@example.org", "b@example.com");

    EXPECT_EQ(greylist_->expire(enabled()), 1u);  // the abandoned first attempt
    EXPECT_EQ(count("SELECT count(*) FROM greylist"), 2);
    EXPECT_EQ(greylist_->expire(), 0u);

    advance(37 * kDay);
    EXPECT_EQ(greylist_->expire(), 2u);
    EXPECT_EQ(count("SELECT count(*) FROM greylist"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM greylist_clients"), 0);
    EXPECT_EQ(check("192.0.2.1", "passed@example.org", "b@example.com").verdict, Verdict::defer);
}

TEST_F(GreylistTest, PurgedStoreRowIsNoticedOnDeferral) {
    check("192.0.2.1", "a@example.org", "b@example.com");
    greylist_->flush();
    {
        auto session = store_->connect();
        session << "DELETE FROM greylist", now;  // e.g. moatctl greylist purge
    }
    advance(100);
    // A deferral consults the store, which no longer knows the first attempt.
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    EXPECT_EQ(r.retry_after, 300);
}

TEST_F(GreylistTest, StoreFailureNeverFailsACheck) {
    {
        auto session = store_->connect();
        session << "DROP TABLE greylist", now;
        session << "DROP TABLE greylist_clients", now;
    }
    auto r = check("192.0.2.1", "a@example.org", "b@example.com");
    EXPECT_EQ(r.verdict, Verdict::defer);
    greylist_->flush();  // returns although the write fails
    advance(300);
    EXPECT_EQ(check("192.0.2.1", "a@example.org", "b@example.com").verdict, Verdict::pass);
}

TEST_F(GreylistTest, BoundedMemoryStillAnswersFromTheStore) {
    greylist_.reset();
    greylist_ = std::make_unique<Greylist>(
        *store_, [this] { return clock_.load(); }, 10);
    for (int i = 0; i < 100; ++i)
        check("192.0.2.1", "s" + std::to_string(i) + "@example.org", "b@example.com");
    greylist_->flush();  // writes, then trims the map to its limit
    advance(300);
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(
            check("192.0.2.1", "s" + std::to_string(i) + "@example.org", "b@example.com").verdict,
            Verdict::pass)
            << i;
}

TEST_F(GreylistTest, MemoryIsBounded) {
    greylist_.reset();
    greylist_ = std::make_unique<Greylist>(
        *store_, [this] { return clock_.load(); }, 10);
    for (int i = 0; i < 100; ++i)
        check("192.0.2.1", "s" + std::to_string(i) + "@example.org", "b@example.com");
    greylist_->flush();
    {
        auto session = store_->connect();
        session << "DELETE FROM greylist", now;
    }
    advance(300);
    // Only the triplets still held in memory can pass without the store.
    int passed = 0;
    for (int i = 0; i < 100; ++i)
        passed +=
            check("192.0.2.1", "s" + std::to_string(i) + "@example.org", "b@example.com").verdict ==
            Verdict::pass;
    EXPECT_LE(passed, 10);
}

TEST_F(GreylistTest, ConcurrentChecks) {
    constexpr int kThreads = 20;
    constexpr int kRounds = 50;
    auto s = enabled();
    s.auto_whitelist_passes = 0;  // every check takes the triplet path
    auto run = [&](Verdict expected) {
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                std::string own = "t" + std::to_string(t) + "@example.org";
                std::string client = "192.0.2." + std::to_string(t + 1);
                for (int i = 0; i < kRounds; ++i) {
                    if (greylist_->check(ip(client), "shared@example.org", "b@example.com", s)
                            .verdict != expected)
                        ++wrong;
                    if (greylist_
                            ->check(ip("198.51.100." + std::to_string(t + 1)), own, "b@example.com",
                                    s)
                            .verdict != expected)
                        ++wrong;
                    if (i % 10 == 0) greylist_->flush();
                }
            });
        }
        for (auto& th : threads) th.join();
        return wrong.load();
    };
    EXPECT_EQ(run(Verdict::defer), 0);
    advance(300);
    EXPECT_EQ(run(Verdict::pass), 0);
    greylist_->flush();
    EXPECT_EQ(count("SELECT count(*) FROM greylist"), 1 + kThreads);
    EXPECT_EQ(count("SELECT count(*) FROM greylist WHERE passed = 1"), 1 + kThreads);
}

}  // namespace
