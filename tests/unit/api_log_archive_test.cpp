// The message log and archive APIs: search filters, paging, the decision
// detail, the safe message view (no HTML), .eml download, releases and the
// rules for virus entries.
#include "api_test_support.h"

namespace moat::testing_api {
namespace {

using ApiLog = ApiTest;
using ApiArchive = ApiTest;

TEST_F(ApiLog, SearchFiltersAndPaging) {
    long long old_ts = store::nowSeconds() - 86400;
    insertLog("alice@sender.example", {"a@one.example"}, "Quarterly report", "accepted",
              "198.51.100.7", old_ts);
    insertLog("bob@spam.example", {"b@one.example"}, "Cheap pills", "rejected", "203.0.113.9");
    for (int i = 0; i < 4; ++i)
        insertLog("carol@sender.example", {"c@two.example"}, "note " + std::to_string(i));

    auto all = call("GET", "/api/v1/log");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.object()->getArray("entries")->size(), 6u);
    EXPECT_FALSE(all.object()->getValue<bool>("more"));

    auto by_sender = call("GET", "/api/v1/log", "", {{"sender", "BOB@"}});
    ASSERT_EQ(by_sender.object()->getArray("entries")->size(), 1u);
    auto row = by_sender.object()->getArray("entries")->getObject(0);
    EXPECT_EQ(row->getValue<std::string>("category"), "rejected");
    EXPECT_EQ(row->getArray("recipients")->getElement<std::string>(0), "b@one.example");
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"recipient", "two.example"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              4u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"client_ip", "203.0.113"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"subject", "quarterly"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"outcome", "rejected"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"to", std::to_string(old_ts)}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"from", std::to_string(old_ts + 1)}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              5u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"domain", "one.example"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              2u);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"outcome", "bogus"}}).status, 400);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"from", "yesterday"}}).status, 400);
    EXPECT_EQ(call("GET", "/api/v1/log", "", {{"limit", "0"}}).status, 400);

    auto page1 = call("GET", "/api/v1/log", "", {{"limit", "4"}}).object();
    EXPECT_EQ(page1->getArray("entries")->size(), 4u);
    EXPECT_TRUE(page1->getValue<bool>("more"));
    auto last = page1->getArray("entries")->getObject(3)->getValue<Poco::Int64>("id");
    auto page2 =
        call("GET", "/api/v1/log", "", {{"limit", "4"}, {"before", std::to_string(last)}}).object();
    EXPECT_EQ(page2->getArray("entries")->size(), 2u);
    EXPECT_FALSE(page2->getValue<bool>("more"));
}

TEST_F(ApiLog, DetailCarriesTheChecks) {
    long long id = insertLog("alice@sender.example", {"a@one.example", "x@two.example"});
    auto got = call("GET", "/api/v1/log/" + std::to_string(id));
    ASSERT_EQ(got.status, 200) << got.body;
    auto o = got.object();
    EXPECT_EQ(o->getValue<std::string>("from_header"), "Sender <s@example.net>");
    EXPECT_DOUBLE_EQ(o->getValue<double>("score"), 1.5);
    auto checks = o->getArray("checks");
    ASSERT_EQ(checks->size(), 1u);
    EXPECT_EQ(checks->getObject(0)->getValue<std::string>("check"), "dnsbl");
    EXPECT_EQ(checks->getObject(0)->getValue<std::string>("outcome"), "pass");
    EXPECT_EQ(call("GET", "/api/v1/log/999").status, 404);

    // A domain administrator sees the row, but only its own recipients.
    auto d1 = domainAdmin({{addDomain("one.example"), "one.example"}});
    auto mine = call("GET", "/api/v1/log/" + std::to_string(id), d1);
    ASSERT_EQ(mine.status, 200);
    ASSERT_EQ(mine.object()->getArray("recipients")->size(), 1u);
    EXPECT_EQ(mine.object()->getArray("recipients")->getElement<std::string>(0), "a@one.example");
}

TEST_F(ApiLog, DamagedChecksShowAsNone) {
    long long id = insertLog("a@b.example", {"a@one.example"});
    session() << "UPDATE message_log SET checks = '{broken' WHERE id = ?",
        bind(static_cast<Poco::Int64>(id)), now;
    auto got = call("GET", "/api/v1/log/" + std::to_string(id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.object()->getArray("checks")->size(), 0u);
}

TEST_F(ApiArchive, SearchViewDownloadRelease) {
    long long id = insertArchive("spammer@bad.example", {"a@one.example"}, "rejected", kMessage,
                                 "Hello <script>");
    insertArchive("friend@good.example", {"b@one.example"}, "accepted");

    auto all = call("GET", "/api/v1/archive");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.object()->getArray("entries")->size(), 2u);
    EXPECT_EQ(call("GET", "/api/v1/archive", "", {{"outcome", "rejected"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/archive", "", {{"sender", "FRIEND"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/archive", "", {{"subject", "<script>"}})
                  .object()
                  ->getArray("entries")
                  ->size(),
              1u);
    EXPECT_EQ(call("GET", "/api/v1/archive", "", {{"outcome", "tempfailed"}}).status, 400);

    auto view = call("GET", "/api/v1/archive/" + std::to_string(id));
    ASSERT_EQ(view.status, 200) << view.body;
    auto v = view.object();
    EXPECT_EQ(v->getValue<std::string>("sender"), "spammer@bad.example");
    bool subject_seen = false;
    auto headers = v->getArray("headers");
    for (std::size_t i = 0; i < headers->size(); ++i) {
        auto pair = headers->getArray(static_cast<unsigned>(i));
        if (pair->getElement<std::string>(0) == "Subject") {
            subject_seen = true;
            EXPECT_EQ(pair->getElement<std::string>(1),
                      "Hello <script>");  // decoded; shown as text by the UI
        }
    }
    EXPECT_TRUE(subject_seen);
    auto parts = v->getArray("parts");
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ(parts->getObject(0)->getValue<std::string>("content_type"), "text/plain");
    EXPECT_NE(parts->getObject(0)->getValue<std::string>("text").find("plain words"),
              std::string::npos);
    EXPECT_EQ(parts->getObject(1)->getValue<std::string>("content_type"), "text/html");
    auto html_text = parts->getObject(1)->getValue<std::string>("text");
    EXPECT_NE(html_text.find("html words"), std::string::npos);
    EXPECT_EQ(html_text.find('<'), std::string::npos);
    EXPECT_EQ(html_text.find("alert"), std::string::npos);
    EXPECT_EQ(parts->getObject(2)->getValue<std::string>("filename"), "report.pdf");
    EXPECT_EQ(parts->getObject(2)->getValue<Poco::Int64>("size"), 9);
    EXPECT_TRUE(parts->getObject(2)->isNull("text"));

    auto eml = call("GET", "/api/v1/archive/" + std::to_string(id) + "/eml");
    ASSERT_EQ(eml.status, 200);
    EXPECT_EQ(eml.response.content_type, "message/rfc822");
    EXPECT_EQ(eml.body, kMessage);
    ASSERT_EQ(eml.response.headers.size(), 1u);
    EXPECT_EQ(eml.response.headers[0].second,
              "attachment; filename=\"" + std::to_string(id) + ".eml\"");

    auto released = call("POST", "/api/v1/archive/" + std::to_string(id) + "/release");
    ASSERT_EQ(released.status, 202) << released.body;
    long long request_id = released.object()->getValue<Poco::Int64>("request_id");
    EXPECT_EQ(call("POST", "/api/v1/archive/" + std::to_string(id) + "/release")
                  .object()
                  ->getValue<Poco::Int64>("request_id"),
              request_id);  // still pending: the same request
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM release_requests"), 1);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'archive.release'"), 1);
    auto status = call("GET", "/api/v1/releases/" + std::to_string(request_id));
    ASSERT_EQ(status.status, 200);
    EXPECT_EQ(status.object()->getValue<std::string>("status"), "pending");
    EXPECT_EQ(status.object()->getValue<std::string>("requested_by"), "root");
    session() << "UPDATE release_requests SET status = 'done', queue_id = 'Q42'", now;
    EXPECT_EQ(call("GET", "/api/v1/releases/" + std::to_string(request_id))
                  .object()
                  ->getValue<std::string>("queue_id"),
              "Q42");
    EXPECT_EQ(call("GET", "/api/v1/releases/999").status, 404);
}

TEST_F(ApiArchive, MissingOrUnsafeFileIs404) {
    long long id = insertArchive("a@b.example", {"a@one.example"});
    session() << "UPDATE archive SET file = '../moat.db' WHERE id = ?",
        bind(static_cast<Poco::Int64>(id)), now;
    EXPECT_EQ(call("GET", "/api/v1/archive/" + std::to_string(id) + "/eml").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/archive/" + std::to_string(id)).status, 404);
    session() << "UPDATE archive SET file = 'gone.eml' WHERE id = ?",
        bind(static_cast<Poco::Int64>(id)), now;
    EXPECT_EQ(call("GET", "/api/v1/archive/" + std::to_string(id) + "/eml").status, 404);
}

TEST_F(ApiArchive, VirusEntries) {
    long long one = addDomain("one.example");
    long long virus = insertArchive("v@bad.example", {"a@one.example"}, "virus");
    auto d1 = domainAdmin({{one, "one.example"}});
    auto path = "/api/v1/archive/" + std::to_string(virus);
    // Hidden from a domain administrator everywhere.
    EXPECT_EQ(call("GET", "/api/v1/archive", d1).object()->getArray("entries")->size(), 0u);
    EXPECT_EQ(call("GET", path, d1).status, 404);
    EXPECT_EQ(call("GET", path + "/eml", d1).status, 404);
    EXPECT_EQ(call("POST", path + "/release", d1).status, 404);
    // An administrator may look and download, but nobody releases a virus.
    EXPECT_EQ(call("GET", "/api/v1/archive").object()->getArray("entries")->size(), 1u);
    EXPECT_EQ(call("GET", path).status, 200);
    EXPECT_EQ(call("GET", path + "/eml").status, 200);
    auto refused = call("POST", path + "/release");
    EXPECT_EQ(refused.status, 403);
    EXPECT_EQ(refused.object()->getValue<std::string>("error"), "a virus is never released");
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM release_requests"), 0);
}

}  // namespace
}  // namespace moat::testing_api
