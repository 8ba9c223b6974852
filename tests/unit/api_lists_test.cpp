// The lists API: global and per-domain entries, bulk paste with per-line
// errors, note update, delete; scope rules for a domain administrator.
#include "api_test_support.h"

namespace moat::testing_api {
namespace {

using ApiLists = ApiTest;

TEST_F(ApiLists, AddListBulkUpdateDelete) {
    long long one = addDomain("one.example");
    auto added = call(
        "POST", "/api/v1/lists",
        R"({"domain_id":)" + std::to_string(one) +
            R"(,"list":"allow","kind":"sender","value":"Friend@Partner.example","note":"partner"})");
    ASSERT_EQ(added.status, 201) << added.body;
    auto e = added.object();
    long long id = e->getValue<Poco::Int64>("id");
    EXPECT_EQ(e->getValue<std::string>("domain"), "one.example");
    EXPECT_EQ(e->getValue<std::string>("list"), "allow");
    EXPECT_EQ(e->getValue<std::string>("note"), "partner");
    EXPECT_EQ(e->getValue<Poco::Int64>("hits"), 0);

    auto global = call("POST", "/api/v1/lists",
                       R"({"list":"deny","kind":"client","value":"203.0.113.0/24"})");
    ASSERT_EQ(global.status, 201) << global.body;
    EXPECT_EQ(global.object()->getValue<Poco::Int64>("domain_id"), 0);
    EXPECT_EQ(global.object()->getValue<std::string>("domain"), "");

    auto bulk = call(
        "POST", "/api/v1/lists/bulk",
        R"({"domain_id":)" + std::to_string(one) +
            R"(,"list":"deny","kind":"sender_domain","values":"spam.example\n\nnot a domain!\n*.junk.example\n# comment"})");
    ASSERT_EQ(bulk.status, 200) << bulk.body;
    EXPECT_EQ(bulk.object()->getValue<Poco::Int64>("added"), 2);
    auto errors = bulk.object()->getArray("errors");
    ASSERT_EQ(errors->size(), 1u);
    EXPECT_EQ(errors->getElement<std::string>(0).rfind("line 3:", 0), 0u);

    auto domain_list = call("GET", "/api/v1/lists", "", {{"domain_id", std::to_string(one)}});
    ASSERT_EQ(domain_list.status, 200);
    EXPECT_EQ(domain_list.array()->size(), 3u);
    auto deny_only =
        call("GET", "/api/v1/lists", "", {{"domain_id", std::to_string(one)}, {"list", "deny"}});
    EXPECT_EQ(deny_only.array()->size(), 2u);
    auto global_list = call("GET", "/api/v1/lists");
    ASSERT_EQ(global_list.status, 200);
    EXPECT_EQ(global_list.array()->size(), 1u);
    EXPECT_EQ(call("GET", "/api/v1/lists", "", {{"list", "bogus"}}).status, 422);
    EXPECT_EQ(call("GET", "/api/v1/lists", "", {{"domain_id", "x"}}).status, 400);
    EXPECT_EQ(call("GET", "/api/v1/lists", "", {{"domain_id", "999"}}).status, 404);

    auto path = "/api/v1/lists/" + std::to_string(id);
    EXPECT_EQ(call("GET", path).status, 200);
    auto noted = call("PUT", path, R"({"note":"new note"})");
    ASSERT_EQ(noted.status, 200) << noted.body;
    EXPECT_EQ(noted.object()->getValue<std::string>("note"), "new note");
    EXPECT_EQ(call("PUT", path, R"({"note":7})").status, 422);
    EXPECT_EQ(call("DELETE", path).status, 204);
    EXPECT_EQ(call("DELETE", path).status, 404);
    EXPECT_EQ(call("GET", path).status, 404);
    EXPECT_EQ(auditRows(), 5);  // add, add, bulk, note, remove
}

TEST_F(ApiLists, BadEntriesAre422) {
    EXPECT_EQ(call("POST", "/api/v1/lists",
                   R"({"list":"allow","kind":"recipient","value":"a@b.example"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/lists",
                   R"({"list":"allow","kind":"sender","value":"not an address"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/lists", R"({"list":"allow","kind":"sender"})").status, 422);
    EXPECT_EQ(call("POST", "/api/v1/lists",
                   R"({"domain_id":"1","list":"allow","kind":"sender","value":"a@b.example"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/lists",
                   R"({"list":"allow","kind":"sender","value":"a@b.example","subdomains":"no"})")
                  .status,
              422);
    ASSERT_EQ(
        call("POST", "/api/v1/lists", R"({"list":"allow","kind":"sender","value":"a@b.example"})")
            .status,
        201);
    EXPECT_EQ(
        call("POST", "/api/v1/lists", R"({"list":"allow","kind":"sender","value":"A@b.example"})")
            .status,
        422);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM list_entries"), 1);
}

TEST_F(ApiLists, DomainAdministratorScope) {
    long long one = addDomain("one.example"), two = addDomain("two.example");
    auto d1 = domainAdmin({{one, "one.example"}});
    EXPECT_EQ(call("GET", "/api/v1/lists", d1).status, 403);  // global lists
    EXPECT_EQ(call("POST", "/api/v1/lists", d1,
                   R"({"list":"allow","kind":"sender","value":"a@b.example"})")
                  .status,
              403);
    EXPECT_EQ(call("GET", "/api/v1/lists", d1, "", {{"domain_id", std::to_string(two)}}).status,
              404);
    auto own = call("POST", "/api/v1/lists", d1,
                    R"({"domain_id":)" + std::to_string(one) +
                        R"(,"list":"allow","kind":"sender","value":"a@b.example"})");
    EXPECT_EQ(own.status, 201);
    EXPECT_EQ(
        call("GET", "/api/v1/lists", d1, "", {{"domain_id", std::to_string(one)}}).array()->size(),
        1u);
    auto global =
        call("POST", "/api/v1/lists", R"({"list":"allow","kind":"sender","value":"g@b.example"})");
    auto global_path =
        "/api/v1/lists/" + std::to_string(global.object()->getValue<Poco::Int64>("id"));
    EXPECT_EQ(call("GET", global_path, d1).status, 404);
    EXPECT_EQ(call("DELETE", global_path, d1).status, 404);
    EXPECT_EQ(call("PUT", global_path, d1, R"({"note":"x"})").status, 404);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM list_entries"), 2);
}

}  // namespace
}  // namespace moat::testing_api
