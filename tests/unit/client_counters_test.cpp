// Rate-limit counters with an injected clock: thresholds for slowing down and
// shutting out, unknown recipients counting as rejections too, the window
// sliding past old events, the shut-out lasting one window, one event per
// crossing, independence of IPs, the bound on remembered IPs, and events
// reaching client_events through the batching writer.
#include "policy/client_counters.h"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "temp_dir.h"

using moat::policy::ClientCounters;
using moat::policy::RateLimits;
using namespace Poco::Data::Keywords;

namespace {

RateLimits limits() {
    RateLimits l;
    l.window = 600;
    l.unknown_slow = 3;
    l.unknown_max = 5;
    l.rejects_slow = 4;
    l.rejects_max = 8;
    return l;
}

class ClientCountersTest : public ::testing::Test {
  protected:
    std::atomic<long long> clock_{1'000'000};
    ClientCounters counters_{nullptr, [this] { return clock_.load(); }};
};

RateLimits unknownOnly() {
    RateLimits l = limits();
    l.rejects_slow = l.rejects_max = 100;  // each unknown recipient is a rejection too
    return l;
}

TEST_F(ClientCountersTest, UnknownRecipientsSlowThenShutOut) {
    const auto l = unknownOnly();
    EXPECT_FALSE(counters_.recordRejection("192.0.2.1", true, l).slow);
    EXPECT_FALSE(counters_.recordRejection("192.0.2.1", true, l).slow);
    auto s = counters_.recordRejection("192.0.2.1", true, l);
    EXPECT_TRUE(s.slow);
    EXPECT_FALSE(s.blocked);
    counters_.recordRejection("192.0.2.1", true, l);
    s = counters_.recordRejection("192.0.2.1", true, l);
    ASSERT_TRUE(s.blocked);
    EXPECT_EQ(*s.blocked, "too many unknown recipients");
    EXPECT_TRUE(counters_.status("192.0.2.1", l).blocked);
    EXPECT_FALSE(counters_.status("192.0.2.2", l).slow);
    EXPECT_FALSE(counters_.status("192.0.2.2", l).blocked);

    auto events = counters_.takeEvents();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, "unknown_recipients_slow");
    EXPECT_EQ(events[1].kind, "unknown_recipients_limit");
    EXPECT_EQ(events[1].ip, "192.0.2.1");
    EXPECT_EQ(events[1].ts, clock_.load());
}

TEST_F(ClientCountersTest, RejectionsHaveTheirOwnThresholds) {
    const auto l = limits();
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(counters_.recordRejection("2001:db8::1", false, l).slow);
    EXPECT_TRUE(counters_.recordRejection("2001:db8::1", false, l).slow);
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(counters_.recordRejection("2001:db8::1", false, l).blocked);
    auto s = counters_.recordRejection("2001:db8::1", false, l);
    ASSERT_TRUE(s.blocked);
    EXPECT_EQ(*s.blocked, "too many rejected commands");
    auto events = counters_.takeEvents();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, "rejections_slow");
    EXPECT_EQ(events[1].kind, "rejections_limit");
}

TEST_F(ClientCountersTest, UnknownRecipientsCountAsRejections) {
    auto l = limits();
    l.unknown_slow = l.unknown_max = 100;
    for (int i = 0; i < 3; ++i) counters_.recordRejection("192.0.2.1", true, l);
    EXPECT_TRUE(counters_.recordRejection("192.0.2.1", true, l).slow);
}

TEST_F(ClientCountersTest, WindowSlidesAndShutOutLastsOneWindow) {
    const auto l = unknownOnly();
    for (int i = 0; i < 3; ++i) counters_.recordRejection("192.0.2.1", true, l);
    EXPECT_TRUE(counters_.status("192.0.2.1", l).slow);
    clock_ += l.window - 1;
    EXPECT_TRUE(counters_.status("192.0.2.1", l).slow) << "still inside the window";
    clock_ += l.window / ClientCounters::kBuckets + 1;
    EXPECT_FALSE(counters_.status("192.0.2.1", l).slow) << "slid out of the window";

    // A new episode writes a new slow event.
    counters_.takeEvents();
    for (int i = 0; i < 5; ++i) counters_.recordRejection("192.0.2.1", true, l);
    EXPECT_TRUE(counters_.status("192.0.2.1", l).blocked);
    clock_ += l.window - 1;
    EXPECT_TRUE(counters_.status("192.0.2.1", l).blocked);
    clock_ += 2;
    EXPECT_FALSE(counters_.status("192.0.2.1", l).blocked);
    auto events = counters_.takeEvents();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, "unknown_recipients_slow");
}

TEST_F(ClientCountersTest, SpreadOutEventsStayBelowTheThreshold) {
    const auto l = limits();
    for (int i = 0; i < 10; ++i) {
        EXPECT_FALSE(counters_.recordRejection("192.0.2.9", true, l).slow) << i;
        clock_ += l.window;  // each one alone in its window
    }
}

TEST(ClientCountersBound, ForgetsIpsBeyondTheLimit) {
    long long now = 5000;
    ClientCounters counters(
        nullptr, [&] { return now; }, 100);
    RateLimits l = limits();
    for (int i = 0; i < 1000; ++i)
        counters.recordRejection("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                                 false, l);
    // The newest one is remembered, the oldest ones were forgotten.
    for (int i = 0; i < 3; ++i) counters.recordRejection("10.0.3.231", false, l);
    EXPECT_TRUE(counters.status("10.0.3.231", l).slow);
    EXPECT_FALSE(counters.status("10.0.0.0", l).slow);
    counters.recordRejection("10.0.0.0", false, l);
    EXPECT_FALSE(counters.status("10.0.0.0", l).slow);
}

TEST(ClientCountersStore, EventsReachTheStore) {
    moat::test::TempDir dir("moat-counters");
    auto store = moat::store::Store::open("sqlite:" + (dir.path / "moat.db").string());
    ClientCounters counters(store.get(), [] { return 42LL; });
    for (int i = 0; i < 8; ++i) counters.recordRejection("198.51.100.7", false, limits());
    counters.flush();
    auto session = store->connect();
    std::vector<Poco::Int64> ts;
    std::vector<std::string> ips, kinds;
    session << "SELECT ts, ip, kind FROM client_events ORDER BY id", into(ts), into(ips),
        into(kinds), now;
    ASSERT_EQ(kinds.size(), 2u);
    EXPECT_EQ(kinds[0], "rejections_slow");
    EXPECT_EQ(kinds[1], "rejections_limit");
    EXPECT_EQ(ips[1], "198.51.100.7");
    EXPECT_EQ(ts[1], 42);
}

}  // namespace
