// The authorisation matrix: two domains, a domain administrator of the first.
// Every id-taking endpoint called with the second domain's ids (and the global
// lists' ids) answers 404 or 403 and changes nothing in the store; every
// administrators-only endpoint answers 403; searches never show the other
// domain's rows. The same calls with the first domain's ids succeed, so the
// refusals are the rules at work and not broken endpoints.
#include <Poco/Data/RecordSet.h>

#include "api_test_support.h"
#include "store/list_entries.h"
#include "store/valid_addresses.h"

namespace moat::testing_api {
namespace {

class ApiAuthorization : public ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        one_ = addDomain("one.example");
        two_ = addDomain("two.example");
        entry_one_ =
            store::addListEntry(session(), one_, "allow", "sender", "a@x.example", false, "").id;
        entry_two_ =
            store::addListEntry(session(), two_, "allow", "sender", "b@x.example", false, "").id;
        entry_global_ =
            store::addListEntry(session(), 0, "deny", "client", "203.0.113.0/24", false, "").id;
        store::addValidAddress(session(), one_, "u@one.example");
        store::addValidAddress(session(), two_, "u@two.example");
        log_one_ = insertLog("s@x.example", {"u@one.example"});
        log_two_ = insertLog("s@x.example", {"u@two.example"});
        archive_one_ = insertArchive("s@x.example", {"u@one.example"});
        archive_two_ = insertArchive("s@x.example", {"u@two.example"});
        virus_one_ = insertArchive("s@x.example", {"u@one.example"}, "virus");
        Poco::Int64 a = archive_two_, ts = store::nowSeconds();
        session() << "INSERT INTO release_requests (archive_id, requested_by, requested) VALUES "
                     "(?, 'root', ?)",
            use(a), use(ts), now;
        session() << "SELECT last_insert_rowid()", into(release_two_), now;
        d1_ = domainAdmin({{one_, "one.example"}});
    }

    // Every row of every table a handler could change, as text.
    std::string snapshot() {
        std::string out;
        for (const char* table :
             {"domains", "list_entries", "valid_addresses", "message_log", "message_log_domains",
              "archive", "archive_domains", "release_requests", "settings", "dns_zones",
              "relay_networks", "pop_relayers", "users", "user_domains", "audit_log"}) {
            Poco::Data::Statement st(session());
            st << std::string("SELECT * FROM ") + table;
            st.execute();
            Poco::Data::RecordSet rs(st);
            out += std::string("[") + table + "]";
            for (bool row = rs.moveFirst(); row; row = rs.moveNext()) {
                for (std::size_t c = 0; c < rs.columnCount(); ++c)
                    out += (rs.value(c).isEmpty() ? std::string("NULL")
                                                  : rs.value(c).convert<std::string>()) +
                           "|";
                out += "\n";
            }
        }
        return out;
    }

    std::string id(long long n) { return std::to_string(n); }

    long long one_ = 0, two_ = 0, entry_one_ = 0, entry_two_ = 0, entry_global_ = 0, log_one_ = 0,
              log_two_ = 0, archive_one_ = 0, archive_two_ = 0, virus_one_ = 0;
    Poco::Int64 release_two_ = 0;
    web::Principal d1_;
};

struct Call {
    int expect;  // 404: hidden like a nonexistent row; 403: administrators only
    std::string method, path, body;
    std::map<std::string, std::string> query = {};
};

TEST_F(ApiAuthorization, OtherDomainsIdsAre404Or403AndChangeNothing) {
    std::string two = id(two_);
    std::vector<Call> calls = {
        {404, "GET", "/api/v1/domains/" + two, ""},
        {403, "PUT", "/api/v1/domains/" + two, R"({"filtering":false,"backend":"evil.example"})"},
        {403, "DELETE", "/api/v1/domains/" + two, ""},
        {404, "GET", "/api/v1/domains/" + two + "/valid-addresses", ""},
        {404, "PUT", "/api/v1/domains/" + two + "/valid-addresses", R"({"text":"x@two.example"})"},
        {404, "POST", "/api/v1/domains/" + two + "/valid-addresses", R"({"text":"x@two.example"})"},
        {404, "DELETE", "/api/v1/domains/" + two + "/valid-addresses", ""},
        {404, "GET", "/api/v1/lists", "", {{"domain_id", two}}},
        {404, "POST", "/api/v1/lists",
         R"({"domain_id":)" + two + R"(,"list":"allow","kind":"sender","value":"z@x.example"})"},
        {404, "POST", "/api/v1/lists/bulk",
         R"({"domain_id":)" + two + R"(,"list":"allow","kind":"sender","values":"z@x.example"})"},
        {404, "GET", "/api/v1/lists/" + id(entry_two_), ""},
        {404, "PUT", "/api/v1/lists/" + id(entry_two_), R"({"note":"mine now"})"},
        {404, "DELETE", "/api/v1/lists/" + id(entry_two_), ""},
        {403, "GET", "/api/v1/lists", ""},  // the global lists
        {403, "POST", "/api/v1/lists", R"({"list":"allow","kind":"sender","value":"z@x.example"})"},
        {403, "POST", "/api/v1/lists",
         R"({"domain_id":0,"list":"allow","kind":"sender","value":"z@x.example"})"},
        {403, "POST", "/api/v1/lists/bulk",
         R"({"list":"allow","kind":"sender","values":"z@x.example"})"},
        {404, "GET", "/api/v1/lists/" + id(entry_global_), ""},
        {404, "PUT", "/api/v1/lists/" + id(entry_global_), R"({"note":"x"})"},
        {404, "DELETE", "/api/v1/lists/" + id(entry_global_), ""},
        {404, "GET", "/api/v1/log/" + id(log_two_), ""},
        {404, "GET", "/api/v1/archive/" + id(archive_two_), ""},
        {404, "GET", "/api/v1/archive/" + id(archive_two_) + "/eml", ""},
        {404, "POST", "/api/v1/archive/" + id(archive_two_) + "/release", ""},
        {404, "GET", "/api/v1/archive/" + id(virus_one_), ""},  // its own domain's virus entry
        {404, "GET", "/api/v1/archive/" + id(virus_one_) + "/eml", ""},
        {404, "POST", "/api/v1/archive/" + id(virus_one_) + "/release", ""},
        {404, "GET", "/api/v1/releases/" + id(release_two_), ""},
        // Administrators only.
        {403, "POST", "/api/v1/domains", R"({"name":"three.example","backend":"h.example"})"},
        {403, "PUT", "/api/v1/domains/" + id(one_), R"({"filtering":false})"},
        {403, "DELETE", "/api/v1/domains/" + id(one_), ""},
        {403, "GET", "/api/v1/relay-networks", ""},
        {403, "POST", "/api/v1/relay-networks", R"({"cidr":"0.0.0.0/0"})"},
        {403, "DELETE", "/api/v1/relay-networks/1", ""},
        {403, "GET", "/api/v1/pop-relayers", ""},
        {403, "POST", "/api/v1/pop-relayers", R"({"ip":"192.0.2.1"})"},
        {403, "DELETE", "/api/v1/pop-relayers/192.0.2.1", ""},
        {403, "GET", "/api/v1/settings", ""},
        {403, "GET", "/api/v1/settings/greylist.enabled", ""},
        {403, "PUT", "/api/v1/settings/greylist.enabled", R"({"value":"yes"})"},
        {403, "DELETE", "/api/v1/settings/greylist.enabled", ""},
        {403, "GET", "/api/v1/zones", ""},
        {403, "POST", "/api/v1/zones", R"({"kind":"dnsbl","zone":"z.example"})"},
        {403, "DELETE", "/api/v1/zones/1", ""},
        {403, "GET", "/api/v1/stats/traffic", ""},
        {403, "GET", "/api/v1/stats/refusals", ""},
        {403, "GET", "/api/v1/stats/mtas", ""},
        {403, "GET", "/api/v1/system", ""},
        {403, "GET", "/api/v1/audit", ""},
    };
    auto before = snapshot();
    for (const auto& c : calls) {
        auto r = call(c.method, c.path, d1_, c.body, c.query);
        EXPECT_EQ(r.status, c.expect) << c.method << " " << c.path << " " << r.body;
        EXPECT_EQ(r.body.find("two.example"), std::string::npos) << c.method << " " << c.path;
    }
    EXPECT_EQ(snapshot(), before);
}

TEST_F(ApiAuthorization, OwnDomainsIdsWork) {
    std::string one = id(one_);
    EXPECT_EQ(call("GET", "/api/v1/domains/" + one, d1_).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/domains/" + one + "/valid-addresses", d1_).status, 200);
    EXPECT_EQ(call("POST", "/api/v1/domains/" + one + "/valid-addresses", d1_,
                   R"({"text":"v@one.example"})")
                  .status,
              200);
    EXPECT_EQ(call("GET", "/api/v1/lists", d1_, "", {{"domain_id", one}}).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/lists/" + id(entry_one_), d1_).status, 200);
    EXPECT_EQ(call("PUT", "/api/v1/lists/" + id(entry_one_), d1_, R"({"note":"ok"})").status, 200);
    EXPECT_EQ(call("GET", "/api/v1/log/" + id(log_one_), d1_).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/archive/" + id(archive_one_), d1_).status, 200);
    EXPECT_EQ(call("GET", "/api/v1/archive/" + id(archive_one_) + "/eml", d1_).status, 200);
    auto released = call("POST", "/api/v1/archive/" + id(archive_one_) + "/release", d1_);
    ASSERT_EQ(released.status, 202);
    EXPECT_EQ(
        call("GET",
             "/api/v1/releases/" + id(released.object()->getValue<Poco::Int64>("request_id")), d1_)
            .status,
        200);
    EXPECT_EQ(call("DELETE", "/api/v1/lists/" + id(entry_one_), d1_).status, 204);
    EXPECT_EQ(call("DELETE", "/api/v1/domains/" + one + "/valid-addresses", d1_).status, 204);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE user = 'dadmin'"), 5);
}

TEST_F(ApiAuthorization, SearchesShowOnlyOwnRows) {
    auto log = call("GET", "/api/v1/log", d1_).object()->getArray("entries");
    ASSERT_EQ(log->size(), 1u);
    EXPECT_EQ(log->getObject(0)->getValue<Poco::Int64>("id"), log_one_);
    EXPECT_EQ(call("GET", "/api/v1/log", d1_, "", {{"domain", "two.example"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              0u);
    EXPECT_EQ(call("GET", "/api/v1/log", d1_, "", {{"recipient", "two.example"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              0u);
    auto archive = call("GET", "/api/v1/archive", d1_).object()->getArray("entries");
    ASSERT_EQ(archive->size(), 1u);  // not the other domain's, not the virus
    EXPECT_EQ(archive->getObject(0)->getValue<Poco::Int64>("id"), archive_one_);
    EXPECT_EQ(call("GET", "/api/v1/archive", d1_, "", {{"domain", "two.example"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              0u);
    auto domains = call("GET", "/api/v1/domains", d1_).array();
    ASSERT_EQ(domains->size(), 1u);
    // An administrator sees everything.
    EXPECT_EQ(call("GET", "/api/v1/log").object()->getArray("entries")->size(), 2u);
    EXPECT_EQ(call("GET", "/api/v1/archive").object()->getArray("entries")->size(), 3u);
}

}  // namespace
}  // namespace moat::testing_api
