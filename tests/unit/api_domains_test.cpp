// The domains API: create with settings, read the effective values, partial
// update of backend and overrides (null resets to the global value), delete
// (and the lists and valid addresses that go with it), typed-field errors, and
// an audit row for every change.
#include "api_test_support.h"
#include "policy/settings.h"
#include "store/list_entries.h"
#include "store/valid_addresses.h"

namespace moat::testing_api {
namespace {

using ApiDomains = ApiTest;

TEST_F(ApiDomains, CreateReadUpdateDelete) {
    auto created =
        call("POST", "/api/v1/domains",
             R"({"name":"Example.COM","backend":"mail.example.com:2525","filtering":false,
                            "list_validation":true,"tag_score":4.5})");
    ASSERT_EQ(created.status, 201) << created.body;
    auto d = created.object();
    long long id = d->getValue<Poco::Int64>("id");
    EXPECT_EQ(d->getValue<std::string>("name"), "example.com");
    EXPECT_EQ(d->getValue<std::string>("backend"), "mail.example.com:2525");
    EXPECT_FALSE(d->getValue<bool>("filtering"));
    EXPECT_TRUE(d->getValue<bool>("list_validation"));
    EXPECT_FALSE(d->getValue<bool>("smtp_validation"));
    EXPECT_DOUBLE_EQ(d->getValue<double>("tag_score"), 4.5);
    EXPECT_DOUBLE_EQ(d->getValue<double>("reject_score"), 10);
    EXPECT_EQ(d->getValue<Poco::Int64>("valid_addresses"), 0);
    EXPECT_EQ(auditRows(), 1);

    auto list = call("GET", "/api/v1/domains");
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.array()->size(), 1u);

    auto got = call("GET", "/api/v1/domains/" + std::to_string(id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.object()->getValue<std::string>("name"), "example.com");

    auto updated = call(
        "PUT", "/api/v1/domains/" + std::to_string(id),
        R"({"backend":"[2001:db8::1]:25","whitelist_only":true,"tag_score":null,"reject_score":20})");
    ASSERT_EQ(updated.status, 200) << updated.body;
    auto u = updated.object();
    EXPECT_EQ(u->getValue<std::string>("backend"), "[2001:db8::1]:25");
    EXPECT_TRUE(u->getValue<bool>("whitelist_only"));
    EXPECT_FALSE(u->getValue<bool>("filtering"));           // untouched
    EXPECT_DOUBLE_EQ(u->getValue<double>("tag_score"), 5);  // back to the global value
    EXPECT_DOUBLE_EQ(u->getValue<double>("reject_score"), 20);
    EXPECT_EQ(auditRows(), 2);

    store::addListEntry(session(), id, "allow", "sender", "a@b.example", false, "");
    store::addValidAddress(session(), id, "x@example.com");
    EXPECT_EQ(call("GET", "/api/v1/domains/" + std::to_string(id))
                  .object()
                  ->getValue<Poco::Int64>("valid_addresses"),
              1);

    auto removed = call("DELETE", "/api/v1/domains/" + std::to_string(id));
    EXPECT_EQ(removed.status, 204);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM domains"), 0);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM list_entries"), 0);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM valid_addresses"), 0);
    EXPECT_EQ(call("GET", "/api/v1/domains/" + std::to_string(id)).status, 404);
    EXPECT_EQ(call("DELETE", "/api/v1/domains/" + std::to_string(id)).status, 404);
    EXPECT_EQ(auditRows(), 3);
}

TEST_F(ApiDomains, BadInputIsRefusedAndChangesNothing) {
    EXPECT_EQ(call("POST", "/api/v1/domains", "not json").status, 400);
    EXPECT_EQ(call("POST", "/api/v1/domains", "[1,2]").status, 400);
    EXPECT_EQ(call("POST", "/api/v1/domains", R"({"name":"x.example"})").status,
              422);  // no backend
    EXPECT_EQ(call("POST", "/api/v1/domains", R"({"name":5,"backend":"h.example"})").status, 422);
    EXPECT_EQ(
        call("POST", "/api/v1/domains", R"({"name":"bad_name","backend":"h.example"})").status,
        422);
    EXPECT_EQ(call("POST", "/api/v1/domains", R"({"name":"x.example","backend":"h.example:99999"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/domains",
                   R"({"name":"x.example","backend":"h.example","filtering":"yes"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/domains",
                   R"({"name":"x.example","backend":"h.example","tag_score":"5"})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/domains",
                   R"({"name":"x.example","backend":"h.example","tag_score":1e9})")
                  .status,
              422);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM domains"), 0);
    EXPECT_EQ(auditRows(), 0);

    long long id = addDomain("x.example");
    EXPECT_EQ(
        call("POST", "/api/v1/domains", R"({"name":"X.example","backend":"h.example"})").status,
        422);
    auto path = "/api/v1/domains/" + std::to_string(id);
    EXPECT_EQ(call("PUT", path, R"({"name":"y.example"})").status, 422);
    EXPECT_EQ(call("PUT", path, R"({"smtp_validation":1})").status, 422);
    EXPECT_EQ(call("PUT", path, R"({"backend":""})").status, 422);
    EXPECT_EQ(call("PUT", "/api/v1/domains/abc", "{}").status, 404);
    EXPECT_EQ(call("PUT", "/api/v1/domains/999", "{}").status, 404);
    EXPECT_EQ(call("PATCH", path, "{}").status, 405);
    EXPECT_EQ(auditRows(), 0);
}

TEST_F(ApiDomains, DomainAdministratorReadsOnlyItsOwn) {
    long long one = addDomain("one.example"), two = addDomain("two.example");
    auto d1 = domainAdmin({{one, "one.example"}});
    auto list = call("GET", "/api/v1/domains", d1);
    ASSERT_EQ(list.status, 200);
    ASSERT_EQ(list.array()->size(), 1u);
    EXPECT_EQ(list.array()->getObject(0)->getValue<std::string>("name"), "one.example");
    EXPECT_EQ(call("GET", "/api/v1/domains/" + std::to_string(one), d1).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/domains/" + std::to_string(two), d1).status, 404);
    EXPECT_EQ(
        call("PUT", "/api/v1/domains/" + std::to_string(one), d1, R"({"filtering":false})").status,
        403);
    EXPECT_EQ(
        call("POST", "/api/v1/domains", d1, R"({"name":"z.example","backend":"h.example"})").status,
        403);
    EXPECT_EQ(call("DELETE", "/api/v1/domains/" + std::to_string(one), d1).status, 403);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM domains"), 2);
}

}  // namespace
}  // namespace moat::testing_api
