// Issue 11, findings 1 and 2: a domain administrator's searches, views and
// releases are scoped to its own recipients in the store. A message to
// alice3@a.test and bobvictim@b.test is the shared row every case uses; the
// a.test administrator must never see, match or reach bobvictim.
#include "api_test_support.h"
#include "store/release_requests.h"
#include "store/recipient_list.h"
#include "api/archive_view.h"

namespace moat::testing_api {
namespace {

class ApiTenantIsolation : public ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        a_ = addDomain("a.test");
        b_ = addDomain("b.test");
        log_id_ = insertLog("spammer@bad.example", {"alice3@a.test", "bobvictim@b.test"});
        archive_id_ = insertArchive("spammer@bad.example", {"alice3@a.test", "bobvictim@b.test"},
                                    "rejected", kShared);
    }
    web::Principal alice() { return domainAdmin({{a_, "a.test"}}, "alice"); }
    std::size_t entries(const std::string& path, const web::Principal& who,
                        const std::map<std::string, std::string>& query) {
        auto r = call("GET", path, who, "", query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.object()->getArray("entries")->size();
    }

    static inline const std::string kShared =
        "Received: from mx.bad.example by moat for <bobvictim@b.test>; Thu, 3 Dec 2026\r\n"
        "From: Spammer <spammer@bad.example>\r\n"
        "To: alice3@a.test, Bob <bobvictim@b.test>\r\n"
        "Cc: =?UTF-8?B?Ym9idmljdGltQGIudGVzdA==?=\r\n"
        "Subject: GTUBE\r\n"
        "Message-ID: <m1@bad.example>\r\n"
        "\r\n"
        "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";

    long long a_ = 0, b_ = 0, log_id_ = 0, archive_id_ = 0;
};

TEST_F(ApiTenantIsolation, RecipientSearchMatchesOnlyOwnRecipients) {
    for (const char* path : {"/api/v1/log", "/api/v1/archive"}) {
        EXPECT_EQ(entries(path, alice(), {{"recipient", "bobs"}}), 0u) << path;
        EXPECT_EQ(entries(path, alice(), {{"recipient", "bobvictim"}}), 0u) << path;
        EXPECT_EQ(entries(path, alice(), {{"recipient", "b.test"}}), 0u) << path;
        EXPECT_EQ(entries(path, alice(), {{"recipient", "alice3"}}), 1u) << path;
        // The administrator still searches everything.
        EXPECT_EQ(entries(path, admin_, {{"recipient", "bobvictim"}}), 1u) << path;
    }
}

TEST_F(ApiTenantIsolation, DomainFilterListsOnlyOwnDomains) {
    for (const char* path : {"/api/v1/log", "/api/v1/archive"}) {
        EXPECT_EQ(entries(path, alice(), {{"domain", "b.test"}}), 0u) << path;
        EXPECT_EQ(entries(path, alice(), {{"domain", "B.TEST"}}), 0u) << path;
        EXPECT_EQ(entries(path, alice(), {{"domain", "a.test"}}), 1u) << path;
        EXPECT_EQ(entries(path, admin_, {{"domain", "b.test"}}), 1u) << path;
    }
}

TEST_F(ApiTenantIsolation, RowsCarryOnlyOwnRecipients) {
    for (const std::string& path :
         {std::string("/api/v1/log/") + std::to_string(log_id_),
          std::string("/api/v1/archive/") + std::to_string(archive_id_)}) {
        auto r = call("GET", path, alice());
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.body.find("bobvictim"), std::string::npos) << path << ": " << r.body;
        EXPECT_EQ(r.body.find("b.test"), std::string::npos) << path << ": " << r.body;
        EXPECT_NE(r.body.find("alice3@a.test"), std::string::npos) << path;
        auto admin = call("GET", path);
        EXPECT_NE(admin.body.find("bobvictim@b.test"), std::string::npos) << path;
    }
    auto listed = call("GET", "/api/v1/log", alice());
    EXPECT_EQ(listed.body.find("bobvictim"), std::string::npos) << listed.body;
}

TEST_F(ApiTenantIsolation, ArchiveViewHidesOtherDomainsAndDownloadIsRefused) {
    auto path = "/api/v1/archive/" + std::to_string(archive_id_);
    auto view = call("GET", path, alice());
    ASSERT_EQ(view.status, 200);
    EXPECT_EQ(view.body.find("bobvictim"), std::string::npos) << view.body;
    EXPECT_NE(view.body.find("[hidden]"), std::string::npos) << view.body;
    EXPECT_NE(view.body.find("spammer@bad.example"), std::string::npos);  // the sender stays
    EXPECT_EQ(call("GET", path + "/eml", alice()).status, 403);
    EXPECT_EQ(call("GET", path + "/eml").status, 200);  // an administrator gets the original
    // A message to a.test alone downloads as it is.
    long long own = insertArchive("x@bad.example", {"alice3@a.test"}, "rejected");
    EXPECT_EQ(call("GET", "/api/v1/archive/" + std::to_string(own) + "/eml", alice()).status, 200);
}

TEST_F(ApiTenantIsolation, ReleaseByDomainAdminDeliversOnlyToItsRecipients) {
    auto path = "/api/v1/archive/" + std::to_string(archive_id_) + "/release";
    auto released = call("POST", path, alice());
    ASSERT_EQ(released.status, 202) << released.body;
    auto id = released.object()->getValue<Poco::Int64>("request_id");
    auto request = store::findReleaseRequest(session(), id);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->recipients, "alice3@a.test");
    auto status = call("GET", "/api/v1/releases/" + std::to_string(id), alice());
    EXPECT_EQ(status.body.find("bobvictim"), std::string::npos);
    // An administrator's release is its own request, to every recipient.
    auto by_admin = call("POST", path);
    ASSERT_EQ(by_admin.status, 202);
    auto admin_id = by_admin.object()->getValue<Poco::Int64>("request_id");
    EXPECT_NE(admin_id, id);
    EXPECT_EQ(store::findReleaseRequest(session(), admin_id)->recipients,
              "alice3@a.test,bobvictim@b.test");
    // Another domain administrator cannot follow alice's request.
    auto other = domainAdmin({{a_, "a.test"}}, "carol");
    EXPECT_EQ(call("GET", "/api/v1/releases/" + std::to_string(id), other).status, 404);
}

TEST_F(ApiTenantIsolation, FreeTextOfALogRowHidesOtherDomainsAddresses) {
    session() << "UPDATE message_log SET reason = '550 5.1.1 <bobvictim@b.test>: unknown; "
                 "from <spammer@bad.example> to <alice3@a.test>', checks = '[{\"check\":"
                 "\"recipient\",\"result\":\"fail\",\"score\":0,\"detail\":"
                 "\"BobVictim@B.test not found\"}]' WHERE id = ?",
        Poco::Data::Keywords::bind(static_cast<Poco::Int64>(log_id_)), Poco::Data::Keywords::now;
    auto id = std::to_string(log_id_);
    auto seen = call("GET", "/api/v1/log/" + id, alice());
    ASSERT_EQ(seen.status, 200) << seen.body;
    auto row = seen.object();
    EXPECT_EQ(row->getValue<std::string>("reason"),
              "550 5.1.1 <[hidden]>: unknown; from <spammer@bad.example> to <alice3@a.test>");
    EXPECT_EQ(row->getArray("checks")->getObject(0)->getValue<std::string>("detail"),
              "[hidden] not found");
    EXPECT_EQ(seen.body.find("bobvictim"), std::string::npos) << seen.body;
    auto list = call("GET", "/api/v1/log", alice());
    EXPECT_EQ(list.body.find("bobvictim"), std::string::npos) << list.body;
    // The administrator sees the text as it was written.
    auto all = call("GET", "/api/v1/log/" + id, admin_);
    EXPECT_NE(all.body.find("<bobvictim@b.test>"), std::string::npos) << all.body;
}

TEST(RecipientList, SplitsLikeTheStoredForm) {
    auto r = store::splitRecipientList(" <A@One.Example>,b@two.example , ,postmaster");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].address, "A@One.Example");
    EXPECT_EQ(r[0].domain, "one.example");
    EXPECT_EQ(r[1].address, "b@two.example");
    EXPECT_EQ(r[2].domain, "");
}

TEST(HideAddresses, ReplacesOnlyOtherDomains) {
    struct OnlyA : api::AddressFilter {
        bool allows(std::string_view d) const override { return d == "a.test"; }
    } only_a;
    EXPECT_EQ(api::hideAddresses("alice3@a.test, Bob <bobvictim@b.test>", only_a),
              "alice3@a.test, Bob <[hidden]>");
    EXPECT_EQ(api::hideAddresses("by moat for <x@b.test>; Thu", only_a), "by moat for <[hidden]>; Thu");
    EXPECT_EQ(api::hideAddresses("@@ a@ @b x@b.test.", only_a), "@@ a@ @b [hidden]");
    // The sender the viewer sees anyway is kept, in any case.
    EXPECT_EQ(api::hideAddresses("from <S@x.test> to <y@x.test>", only_a, "s@X.test"),
              "from <S@x.test> to <[hidden]>");
}

}  // namespace
}  // namespace moat::testing_api
