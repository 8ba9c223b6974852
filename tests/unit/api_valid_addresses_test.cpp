// The valid-addresses API: paste (add), replace in one step, search, count,
// clear; unreadable and foreign addresses reported by line; a garbled paste
// with PUT removes nothing.
#include "api_test_support.h"

namespace moat::testing_api {
namespace {

using ApiValid = ApiTest;

TEST_F(ApiValid, PasteReplaceSearchClear) {
    long long one = addDomain("one.example");
    auto path = "/api/v1/domains/" + std::to_string(one) + "/valid-addresses";
    auto put = call(
        "PUT", path,
        R"({"text":"Jane Doe <Jane@One.example>\nbob@one.example, carol@one.example\n\"Doe, J\" <j@one.example>"})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.object()->getValue<Poco::Int64>("count"), 4);
    EXPECT_EQ(put.object()->getValue<Poco::Int64>("added"), 4);
    EXPECT_EQ(put.object()->getArray("errors")->size(), 0u);

    auto got = call("GET", path);
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.object()->getValue<Poco::Int64>("count"), 4);
    EXPECT_EQ(got.object()->getArray("addresses")->getElement<std::string>(0), "bob@one.example");
    auto found = call("GET", path, "", {{"q", "JANE"}});
    ASSERT_EQ(found.object()->getArray("addresses")->size(), 1u);
    EXPECT_EQ(found.object()->getArray("addresses")->getElement<std::string>(0),
              "jane@one.example");
    EXPECT_EQ(found.object()->getValue<Poco::Int64>("matched"), 1);
    auto paged = call("GET", path, "", {{"limit", "2"}, {"offset", "1"}});
    EXPECT_EQ(paged.object()->getArray("addresses")->size(), 2u);
    EXPECT_EQ(call("GET", path, "", {{"limit", "zero"}}).status, 400);

    auto replaced = call("PUT", path, R"({"text":"bob@one.example\ndave@one.example"})");
    ASSERT_EQ(replaced.status, 200);
    EXPECT_EQ(replaced.object()->getValue<Poco::Int64>("count"), 2);
    EXPECT_EQ(replaced.object()->getValue<Poco::Int64>("added"), 1);
    EXPECT_EQ(replaced.object()->getValue<Poco::Int64>("removed"), 3);

    auto added =
        call("POST", path, R"({"text":"erin@one.example\nmallory@other.example\nno-at-sign"})");
    ASSERT_EQ(added.status, 200);
    EXPECT_EQ(added.object()->getValue<Poco::Int64>("count"), 3);
    EXPECT_EQ(added.object()->getArray("errors")->size(), 2u);

    auto garbled = call("PUT", path, R"({"text":"frank@one.example\nno-at-sign"})");
    ASSERT_EQ(garbled.status, 200);
    EXPECT_EQ(garbled.object()->getValue<Poco::Int64>("removed"), 0);
    EXPECT_EQ(garbled.object()->getValue<Poco::Int64>("count"), 4);

    EXPECT_EQ(call("PUT", path, R"({"text":42})").status, 422);
    EXPECT_EQ(call("PUT", path, R"({})").status, 422);
    EXPECT_EQ(call("DELETE", path).status, 204);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM valid_addresses"), 0);
    EXPECT_EQ(call("GET", "/api/v1/domains/999/valid-addresses").status, 404);
    EXPECT_EQ(auditRows(), 5);  // put, put, post, put, delete
}

}  // namespace
}  // namespace moat::testing_api
