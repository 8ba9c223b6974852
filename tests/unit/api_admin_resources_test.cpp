// The administrators' resources: relay networks, POP-before-SMTP relayers,
// settings with their specs, DNS zones and the audit log — each change audited,
// bad values 422, and every one of them 403 to a domain administrator.
#include <set>
#include <sstream>

#include "api_test_support.h"

namespace moat::testing_api {
namespace {

using ApiAdmin = ApiTest;

TEST_F(ApiAdmin, RelayNetworks) {
    auto added =
        call("POST", "/api/v1/relay-networks", R"({"cidr":"192.0.2.77/24","note":"office"})");
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.object()->getValue<std::string>("cidr"), "192.0.2.0/24");
    long long id = added.object()->getValue<Poco::Int64>("id");
    EXPECT_EQ(call("POST", "/api/v1/relay-networks", R"({"cidr":"192.0.2.0/24"})").status, 422);
    EXPECT_EQ(call("POST", "/api/v1/relay-networks", R"({"cidr":"nonsense"})").status, 422);
    EXPECT_EQ(call("POST", "/api/v1/relay-networks", R"({"cidr":["x"]})").status, 422);
    EXPECT_EQ(call("GET", "/api/v1/relay-networks").array()->size(), 1u);
    EXPECT_EQ(call("DELETE", "/api/v1/relay-networks/" + std::to_string(id)).status, 204);
    EXPECT_EQ(call("DELETE", "/api/v1/relay-networks/" + std::to_string(id)).status, 404);
    EXPECT_EQ(auditRows(), 2);
}

TEST_F(ApiAdmin, PopRelayers) {
    auto added = call("POST", "/api/v1/pop-relayers", R"({"ip":"::ffff:192.0.2.5"})");
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.object()->getValue<std::string>("ip"), "192.0.2.5");
    EXPECT_EQ(call("POST", "/api/v1/pop-relayers", R"({"ip":"x"})").status, 422);
    EXPECT_EQ(call("GET", "/api/v1/pop-relayers").array()->size(), 1u);
    EXPECT_EQ(call("DELETE", "/api/v1/pop-relayers/192.0.2.5").status, 204);
    EXPECT_EQ(call("DELETE", "/api/v1/pop-relayers/192.0.2.5").status, 404);
    EXPECT_EQ(call("DELETE", "/api/v1/pop-relayers/garbage").status, 422);
    EXPECT_EQ(auditRows(), 2);
}

TEST_F(ApiAdmin, Settings) {
    auto all = call("GET", "/api/v1/settings");
    ASSERT_EQ(all.status, 200);
    bool seen = false;
    for (std::size_t i = 0; i < all.array()->size(); ++i) {
        auto s = all.array()->getObject(static_cast<unsigned>(i));
        if (s->getValue<std::string>("key") != "greylist.delay") continue;
        seen = true;
        EXPECT_EQ(s->getValue<std::string>("type"), "seconds");
        EXPECT_EQ(s->getValue<std::string>("value"), "300");
        EXPECT_EQ(s->getValue<Poco::Int64>("max"), 86400);
    }
    EXPECT_TRUE(seen);

    auto set = call("PUT", "/api/v1/settings/greylist.delay", R"({"value":"10m"})");
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.object()->getValue<std::string>("value"), "600");
    EXPECT_EQ(call("PUT", "/api/v1/settings/greylist.enabled", R"({"value":true})")
                  .object()
                  ->getValue<std::string>("value"),
              "yes");
    EXPECT_EQ(call("PUT", "/api/v1/settings/content.tag_score", R"({"value":6.5})")
                  .object()
                  ->getValue<std::string>("value"),
              "6.5");
    EXPECT_EQ(call("PUT", "/api/v1/settings/greylist.delay", R"({"value":"forever"})").status, 422);
    EXPECT_EQ(call("PUT", "/api/v1/settings/greylist.delay", R"({"value":[1]})").status, 422);
    EXPECT_EQ(call("PUT", "/api/v1/settings/greylist.delay", R"({})").status, 422);
    EXPECT_EQ(call("PUT", "/api/v1/settings/no.such", R"({"value":"1"})").status, 404);
    auto reset = call("DELETE", "/api/v1/settings/greylist.delay");
    ASSERT_EQ(reset.status, 200);
    EXPECT_EQ(reset.object()->getValue<std::string>("value"), "300");
    EXPECT_EQ(auditRows(), 4);
    EXPECT_EQ(call("GET", "/api/v1/settings/greylist.delay").status, 200);
}

TEST_F(ApiAdmin, Zones) {
    auto added =
        call("POST", "/api/v1/zones",
             R"({"kind":"dnsbl","zone":"Zen.Example.org.","weight":7,"mask":"127.0.0.2-127.0.0.11",
                          "url":"https://example.org/q?ip={ip}","note":"main"})");
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.object()->getValue<std::string>("zone"), "zen.example.org");
    long long id = added.object()->getValue<Poco::Int64>("id");
    EXPECT_EQ(call("POST", "/api/v1/zones", R"({"kind":"dnsbl","zone":"zen.example.org"})").status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/zones", R"({"kind":"nope","zone":"z.example"})").status, 422);
    EXPECT_EQ(
        call("POST", "/api/v1/zones", R"({"kind":"dnsbl","zone":"z.example","weight":"7"})").status,
        422);
    EXPECT_EQ(call("POST", "/api/v1/zones", R"({"kind":"dnsbl","zone":"z.example","weight":5000})")
                  .status,
              422);
    EXPECT_EQ(call("POST", "/api/v1/zones",
                   R"j({"kind":"dnsbl","zone":"z.example","url":"javascript:alert(1)"})j")
                  .status,
              422);
    EXPECT_EQ(call("GET", "/api/v1/zones").array()->size(), 1u);
    EXPECT_EQ(call("DELETE", "/api/v1/zones/" + std::to_string(id)).status, 204);
    EXPECT_EQ(call("DELETE", "/api/v1/zones/" + std::to_string(id)).status, 404);
    EXPECT_EQ(auditRows(), 2);
}

// The blocklists the setup wizard offers: none in use on a fresh store, each
// with its terms of use, each accepted as is by POST /zones (mask, URL, kind,
// weight valid), and then shown as in use.
TEST_F(ApiAdmin, KnownZones) {
    auto r = call("GET", "/api/v1/zones/known");
    ASSERT_EQ(r.status, 200) << r.body;
    auto known = r.array();
    ASSERT_GE(known->size(), 4u);
    std::set<std::string> names;
    for (std::size_t i = 0; i < known->size(); ++i) {
        auto k = known->getObject(static_cast<unsigned>(i));
        names.insert(k->getValue<std::string>("zone"));
        EXPECT_FALSE(k->getValue<bool>("added")) << "nothing is preselected";
        EXPECT_GT(k->getValue<std::string>("terms").size(), 20u);
        EXPECT_FALSE(k->getValue<std::string>("lists").empty());
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
        for (const char* f : {"kind", "zone", "mask", "url"})
            body->set(f, k->getValue<std::string>(f));
        body->set("weight", k->getValue<double>("weight"));
        body->set("note", k->getValue<std::string>("name"));
        std::ostringstream json;
        body->stringify(json);
        auto added = call("POST", "/api/v1/zones", json.str());
        EXPECT_EQ(added.status, 201) << json.str() << " → " << added.body;
    }
    EXPECT_TRUE(names.count("zen.spamhaus.org") && names.count("bl.spamcop.net") &&
                names.count("dbl.spamhaus.org") && names.count("multi.uribl.com"));
    auto after = call("GET", "/api/v1/zones/known").array();
    for (std::size_t i = 0; i < after->size(); ++i)
        EXPECT_TRUE(after->getObject(static_cast<unsigned>(i))->getValue<bool>("added"));
    EXPECT_EQ(call("GET", "/api/v1/zones/known", domainAdmin({})).status, 403);
}

TEST_F(ApiAdmin, AuditLogPages) {
    for (int i = 0; i < 5; ++i)
        call("POST", "/api/v1/relay-networks",
             R"({"cidr":"10.0.)" + std::to_string(i) + R"(.0/24"})");
    auto first = call("GET", "/api/v1/audit", "", {{"limit", "3"}});
    ASSERT_EQ(first.status, 200);
    ASSERT_EQ(first.array()->size(), 3u);
    auto top = first.array()->getObject(0);
    EXPECT_EQ(top->getValue<std::string>("user"), "root");
    EXPECT_EQ(top->getValue<std::string>("client_ip"), "192.0.2.9");
    EXPECT_EQ(top->getValue<std::string>("action"), "relay_network.add");
    EXPECT_EQ(top->getValue<std::string>("target"), "10.0.4.0/24");
    auto last_id = first.array()->getObject(2)->getValue<Poco::Int64>("id");
    auto second = call("GET", "/api/v1/audit", "", {{"before", std::to_string(last_id)}});
    EXPECT_EQ(second.array()->size(), 2u);
    EXPECT_EQ(call("GET", "/api/v1/audit", "", {{"limit", "501"}}).status, 400);
}

}  // namespace
}  // namespace moat::testing_api
