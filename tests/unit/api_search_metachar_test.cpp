// SQL metacharacters in every search field (' " ; -- % _ \) answer 200 and
// match literally: a '%' finds only rows containing '%', never every row,
// and a quote never breaks the query.
#include "api_test_support.h"
#include "store/valid_addresses.h"

namespace moat::testing_api {
namespace {

using ApiMetachar = ApiTest;

const std::vector<std::string> kNasty = {"'", "\"", ";",           "--",    "%",
                                         "_", "\\", "' OR '1'='1", "%' --", "\\%"};
const std::string kOdd = "o'b\"r;i--e%n_\\%x";  // contains every one of them

TEST_F(ApiMetachar, LogSearchFields) {
    insertLog("plain@x.example", {"a@one.example"}, "plain", "accepted", "198.51.100.1");
    insertLog(kOdd + "@x.example", {kOdd + "@one.example"}, kOdd, "accepted", kOdd);
    for (const char* field : {"sender", "recipient", "client_ip", "subject"}) {
        for (const auto& nasty : kNasty) {
            auto r = call("GET", "/api/v1/log", "", {{field, nasty}});
            ASSERT_EQ(r.status, 200) << field << " " << nasty << " " << r.body;
            std::size_t expected = kOdd.find(nasty) != std::string::npos ? 1 : 0;
            EXPECT_EQ(r.object()->getArray("entries")->size(), expected) << field << " " << nasty;
        }
        auto none = call("GET", "/api/v1/log", "", {{field, "%%"}});
        EXPECT_EQ(none.object()->getArray("entries")->size(), 0u) << field;
    }
    for (const auto& nasty : kNasty) {
        auto r = call("GET", "/api/v1/log", "", {{"domain", nasty}});
        ASSERT_EQ(r.status, 200) << nasty;
        EXPECT_EQ(r.object()->getArray("entries")->size(), 0u) << nasty;
        EXPECT_EQ(call("GET", "/api/v1/log", "", {{"outcome", nasty}}).status, 400) << nasty;
    }
}

TEST_F(ApiMetachar, ArchiveSearchFields) {
    insertArchive("plain@x.example", {"a@one.example"}, "rejected", kMessage, "plain",
                  "198.51.100.1");
    insertArchive(kOdd + "@x.example", {kOdd + "@one.example"}, "rejected", kMessage, kOdd, kOdd);
    for (const char* field : {"sender", "recipient", "client_ip", "subject"}) {
        for (const auto& nasty : kNasty) {
            auto r = call("GET", "/api/v1/archive", "", {{field, nasty}});
            ASSERT_EQ(r.status, 200) << field << " " << nasty << " " << r.body;
            std::size_t expected = kOdd.find(nasty) != std::string::npos ? 1 : 0;
            EXPECT_EQ(r.object()->getArray("entries")->size(), expected) << field << " " << nasty;
        }
    }
    // The domain filter is an equality: metacharacters match nothing.
    for (const auto& nasty : kNasty)
        EXPECT_EQ(call("GET", "/api/v1/archive", "", {{"domain", nasty}})
                      .object()
                      ->getArray("entries")
                      ->size(),
                  0u);
}

TEST_F(ApiMetachar, ValidAddressSearch) {
    long long one = addDomain("one.example");
    for (const char* a : {"o'brien@one.example", "under_score@one.example", "plain@one.example"})
        store::addValidAddress(session(), one, a);
    auto path = "/api/v1/domains/" + std::to_string(one) + "/valid-addresses";
    auto found = [&](const std::string& q) {
        auto r = call("GET", path, "", {{"q", q}});
        EXPECT_EQ(r.status, 200) << q;
        return r.object()->getArray("addresses")->size();
    };
    EXPECT_EQ(found("_"), 1u);
    EXPECT_EQ(found("'"), 1u);
    EXPECT_EQ(found("%"), 0u);
    EXPECT_EQ(found("\\"), 0u);
    EXPECT_EQ(found("\""), 0u);
    EXPECT_EQ(found(";"), 0u);
    EXPECT_EQ(found("--"), 0u);
    EXPECT_EQ(found("' OR '1'='1"), 0u);
}

}  // namespace
}  // namespace moat::testing_api
