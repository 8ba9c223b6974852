// The dashboard and System page APIs: zero-filled hourly series over 24 hours
// and 30 days, top refusals, the MTA thresholds (>= 50 connections, >= 95%),
// service health from heartbeats and moat-scand's status file, queue, disk
// and archive figures, and whether archiving is paused under archive.min_free.
#include "api_test_support.h"
#include "policy/settings.h"

namespace moat::testing_api {
namespace {

using ApiStats = ApiTest;

void addTraffic(Poco::Data::Session& s, long long hour, const std::string& category, long long n) {
    Poco::Int64 h = hour, count = n;
    std::string c = category;
    s << "INSERT INTO traffic_hourly (hour, category, n) VALUES (?, ?, ?)", use(h), use(c),
        use(count), now;
}

void addMta(Poco::Data::Session& s, const std::string& ip, long long connections, long long wanted,
            long long unwanted) {
    Poco::Int64 c = connections, w = wanted, u = unwanted, ts = store::nowSeconds();
    std::string address = ip;
    s << "INSERT INTO mta_stats (ip, name, connections, wanted, unwanted, first_seen, last_seen)"
         " VALUES (?, 'mx.example', ?, ?, ?, ?, ?)",
        use(address), use(c), use(w), use(u), use(ts), use(ts), now;
}

TEST_F(ApiStats, Traffic) {
    long long hour = store::nowSeconds() / 3600;
    addTraffic(session(), hour, "accepted", 7);
    addTraffic(session(), hour - 23, "virus", 2);
    addTraffic(session(), hour - 24, "accepted", 100);  // outside 24 h
    addTraffic(session(), hour - 100, "rejected", 5);
    addTraffic(session(), hour, "learnt", 9);  // not a series

    auto day = call("GET", "/api/v1/stats/traffic", "", {{"range", "24h"}});
    ASSERT_EQ(day.status, 200) << day.body;
    auto o = day.object();
    EXPECT_EQ(o->getValue<Poco::Int64>("bucket"), 3600);
    EXPECT_EQ(o->getValue<Poco::Int64>("from"), (hour - 23) * 3600);
    EXPECT_EQ(o->getValue<Poco::Int64>("to"), (hour + 1) * 3600);
    auto series = o->getObject("series");
    for (const char* name : {"accepted", "tagged", "rejected", "tempfailed", "virus"})
        ASSERT_EQ(series->getArray(name)->size(), 24u) << name;
    EXPECT_EQ(series->getArray("accepted")->getElement<Poco::Int64>(23), 7);
    EXPECT_EQ(series->getArray("accepted")->getElement<Poco::Int64>(0), 0);
    EXPECT_EQ(series->getArray("virus")->getElement<Poco::Int64>(0), 2);

    auto month = call("GET", "/api/v1/stats/traffic", "", {{"range", "30d"}}).object();
    EXPECT_EQ(month->getObject("series")->getArray("rejected")->size(), 720u);
    EXPECT_EQ(month->getObject("series")->getArray("rejected")->getElement<Poco::Int64>(719 - 100),
              5);
    EXPECT_EQ(call("GET", "/api/v1/stats/traffic", "", {{"range", "1y"}}).status, 400);
}

TEST_F(ApiStats, Refusals) {
    long long hour = store::nowSeconds() / 3600;
    for (int i = 0; i < 12; ++i) {
        Poco::Int64 h = hour, n = 100 - i;
        std::string check = "check" + std::to_string(i);
        session() << "INSERT INTO refusals_hourly (hour, check_name, n) VALUES (?, ?, ?)", use(h),
            use(check), use(n), now;
    }
    Poco::Int64 h = hour - 1, n = 50;
    std::string check = "check11";
    session() << "INSERT INTO refusals_hourly (hour, check_name, n) VALUES (?, ?, ?)", use(h),
        use(check), use(n), now;
    auto top = call("GET", "/api/v1/stats/refusals");
    ASSERT_EQ(top.status, 200);
    auto a = top.array();
    ASSERT_EQ(a->size(), 10u);
    EXPECT_EQ(a->getObject(0)->getValue<std::string>("check"), "check11");  // 89 + 50
    EXPECT_EQ(a->getObject(0)->getValue<Poco::Int64>("count"), 139);
}

TEST_F(ApiStats, Mtas) {
    addMta(session(), "192.0.2.1", 100, 0, 100);  // spammer
    addMta(session(), "192.0.2.2", 200, 5, 195);  // 97.5% unwanted: spammer
    addMta(session(), "192.0.2.3", 49, 0, 49);    // too few connections
    addMta(session(), "192.0.2.4", 100, 10, 90);  // 90%: neither
    addMta(session(), "192.0.2.5", 60, 60, 0);    // legitimate
    auto got = call("GET", "/api/v1/stats/mtas");
    ASSERT_EQ(got.status, 200) << got.body;
    auto spammers = got.object()->getArray("spammers");
    ASSERT_EQ(spammers->size(), 2u);
    EXPECT_EQ(spammers->getObject(0)->getValue<std::string>("ip"), "192.0.2.2");
    auto legit = got.object()->getArray("legitimate");
    ASSERT_EQ(legit->size(), 1u);
    EXPECT_EQ(legit->getObject(0)->getValue<std::string>("ip"), "192.0.2.5");
}

TEST_F(ApiStats, SystemWithoutScand) {
    auto got = call("GET", "/api/v1/system");
    ASSERT_EQ(got.status, 200) << got.body;
    auto o = got.object();
    EXPECT_TRUE(o->isNull("clamav"));
    auto services = o->getArray("services");
    ASSERT_EQ(services->size(), 1u);
    EXPECT_EQ(services->getObject(0)->getValue<std::string>("name"), "moat-scand");
    EXPECT_EQ(services->getObject(0)->getValue<std::string>("state"), "unknown");
    EXPECT_EQ(o->getObject("queue")->getValue<Poco::Int64>("messages"), 0);
    EXPECT_TRUE(o->getObject("queue")->isNull("oldest"));
    EXPECT_GT(o->getObject("disk")->getValue<Poco::Int64>("total"), 0);
    EXPECT_EQ(o->getObject("archive")->getValue<Poco::Int64>("messages"), 0);
    EXPECT_DOUBLE_EQ(o->getObject("archive")->getValue<double>("retention_days"), 14);
}

TEST_F(ApiStats, SystemWithServices) {
    long long t = store::nowSeconds();
    Poco::Int64 fresh = t - 5, stale = t - 120, pid = 42;
    session() << "INSERT INTO service_status (name, pid, started, heartbeat, detail) VALUES "
                 "('moat-smtpd', ?, ?, ?, 'ok')",
        use(pid), use(stale), use(fresh), now;
    session() << "INSERT INTO service_status (name, pid, started, heartbeat) VALUES ('moat-fwd', "
                 "?, ?, ?)",
        use(pid), use(stale), use(stale), now;
    std::ofstream(config_.scan.status_file)
        << R"({"pid":7,"clamav_version":"1.0.7","signatures":8700000,)"
        << R"("db_version":27500,"db_time":)" << (t - 7200) << R"(,"loaded":)" << (t - 60)
        << R"(,"heartbeat":)" << (t - 2) << "}";
    Poco::Int64 created = t - 300;
    session() << "INSERT INTO queue (id, sender, size, created, next_attempt) VALUES ('Q1', 's@x', "
                 "10, ?, ?)",
        use(created), use(created), now;
    insertArchive("a@b.example", {"a@one.example"});

    auto o = call("GET", "/api/v1/system").object();
    auto services = o->getArray("services");
    ASSERT_EQ(services->size(), 3u);
    std::map<std::string, std::string> state;
    for (std::size_t i = 0; i < services->size(); ++i)
        state[services->getObject(static_cast<unsigned>(i))->getValue<std::string>("name")] =
            services->getObject(static_cast<unsigned>(i))->getValue<std::string>("state");
    EXPECT_EQ(state["moat-smtpd"], "running");
    EXPECT_EQ(state["moat-fwd"], "stopped");
    EXPECT_EQ(state["moat-scand"], "running");
    auto clamav = o->getObject("clamav");
    ASSERT_TRUE(clamav);
    EXPECT_EQ(clamav->getValue<std::string>("version"), "1.0.7");
    EXPECT_EQ(clamav->getValue<Poco::Int64>("signatures"), 8700000);
    EXPECT_NEAR(static_cast<double>(clamav->getValue<Poco::Int64>("age_seconds")), 7200, 5);
    EXPECT_EQ(o->getObject("queue")->getValue<Poco::Int64>("messages"), 1);
    EXPECT_EQ(o->getObject("queue")->getValue<Poco::Int64>("oldest"), created);
    EXPECT_EQ(o->getObject("archive")->getValue<Poco::Int64>("messages"), 1);
    EXPECT_EQ(o->getObject("archive")->getValue<Poco::Int64>("bytes"),
              static_cast<Poco::Int64>(kMessage.size()));

    std::ofstream(config_.scan.status_file) << "{garbage";
    auto broken = call("GET", "/api/v1/system");
    ASSERT_EQ(broken.status, 200);
    EXPECT_TRUE(broken.object()->isNull("clamav"));
}

TEST_F(ApiStats, SystemSaysWhenArchivingIsPausedForWantOfSpace) {
    auto archive = call("GET", "/api/v1/system").object()->getObject("archive");
    EXPECT_EQ(archive->getValue<std::string>("path"), config_.archive_dir);
    EXPECT_GT(archive->getValue<Poco::Int64>("free"), 0);
    EXPECT_EQ(archive->getValue<Poco::Int64>("min_free"), 1024ll << 20);  // the default reserve
    // A reserve larger than any test machine's disk: archiving is paused.
    policy::setGlobalSetting(session(), "archive.min_free", "10000000");
    archive = call("GET", "/api/v1/system").object()->getObject("archive");
    EXPECT_TRUE(archive->getValue<bool>("paused"));
    EXPECT_EQ(archive->getValue<Poco::Int64>("min_free"), 10000000ll << 20);
    policy::setGlobalSetting(session(), "archive.min_free", "0");
    archive = call("GET", "/api/v1/system").object()->getObject("archive");
    EXPECT_FALSE(archive->getValue<bool>("paused"));
}

}  // namespace
}  // namespace moat::testing_api
