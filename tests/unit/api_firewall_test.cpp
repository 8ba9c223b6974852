// /api/v1/firewall (issue 12): the System page's firewall — the settings and
// the blocked and tarpitted sources; changes validated (integers out of
// range, wrong types, bad networks: 422), refused when they would shut the
// console out (everyone, or the administrator making the change), stored
// (the policy generation moves, which moat-firewall watches) and audited;
// blocks and unblocks go to moat-firewall, whose refusal is 422 and whose
// absence is 503; everything 403 to a domain administrator.
#include "api_test_support.h"
#include "firewall/report.h"
#include "store/firewall_blocks.h"
#include "store/generation.h"
#include "web/firewall_link.h"

namespace moat::testing_api {
namespace {

struct FakeFirewall : web::FirewallLink {
    std::vector<firewall::Report> asked;
    std::string answer = "ok: done";
    bool down = false;
    void reportOffender(const std::string&, const std::string&) override {}
    std::string ask(const firewall::Report& r) override {
        if (down)
            throw std::runtime_error("moat-firewall is not running (/run/moat/firewall.sock)");
        asked.push_back(r);
        return answer;
    }
};

class ApiFirewall : public ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        firewall_ = &fake_;
    }
    std::string setting(const std::string& key) {
        std::string v;
        session() << "SELECT value FROM settings WHERE key = ?", bind(key), into(v), now;
        return v;
    }
    FakeFirewall fake_;
};

TEST_F(ApiFirewall, ShowsTheSettingsAndTheSetsWithTimeLeft) {
    long long t = store::nowSeconds();
    store::putFirewallBlock(
        session(), {"198.51.100.7", "blocked", "console-login: 20 failed logins", "moat-web",
                    t - 10, t + 590});
    store::putFirewallBlock(session(),
                            {"2001:db8::9", "tarpit", "moatctl by root", "root", t, t + 3600});
    store::putFirewallBlock(session(), {"198.51.100.8", "blocked", "old", "root", t - 900, t - 1});
    auto r = call("GET", "/api/v1/firewall");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    auto s = o->getObject("settings");
    EXPECT_EQ(s->getValue<int>("smtp_rate"), 30);
    EXPECT_EQ(s->getValue<int>("ssh_rate"), 10);
    EXPECT_EQ(s->getValue<int>("console_rate"), 10);
    EXPECT_EQ(s->getValue<int>("console_connections"), 16);
    EXPECT_EQ(s->getValue<int>("block_time"), 600);
    EXPECT_EQ(s->getArray("maintenance_networks")->size(), 0u);
    EXPECT_EQ(o->getObject("limits")->getObject("smtp_rate")->getValue<int>("max"), 100000);
    EXPECT_EQ(o->getObject("ports")->getValue<int>("ssh"), 22);
    auto blocks = o->getArray("blocks");
    ASSERT_EQ(blocks->size(), 2u) << "an ended block is not shown";
    auto first = blocks->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("address"), "198.51.100.7");
    EXPECT_EQ(first->getValue<std::string>("set"), "blocked");
    EXPECT_EQ(first->getValue<std::string>("source"), "moat-web");
    EXPECT_NEAR(first->getValue<double>("remaining"), 590, 2);
    EXPECT_EQ(blocks->getObject(1)->getValue<std::string>("set"), "tarpit");
    EXPECT_EQ(call("GET", "/api/v1/firewall", domainAdmin({})).status, 403);
}

TEST_F(ApiFirewall, ChangesAreValidatedStoredAndAudited) {
    struct Case {
        const char* body;
        const char* says;  // in the 422's text
    } bad[] = {
        {R"({"smtp_rate":0})", "between 1 and 100000"},
        {R"({"smtp_rate":100001})", "between 1 and 100000"},
        {R"({"ssh_rate":-5})", "between 1 and 100000"},
        {R"({"console_rate":0})", "between 1 and 100000"},
        {R"({"console_connections":1})", "between 2 and 10000"},
        {R"({"admin_rate":10})", "unknown field"},
        {R"({"block_time":59})", "between 60 and 2592000"},
        {R"({"block_time":2592001})", "between 60 and 2592000"},
        {R"({"smtp_rate":99999999999999999999})", "integer"},
        {R"({"smtp_rate":"30"})", "integer"},
        {R"({"smtp_rate":1.5})", "integer"},
        {R"({"smtp_rate":true})", "integer"},
        {R"({"maintenance_networks":["192.0.2.0/24","not-a-network"]})", "not-a-network"},
        {R"({"maintenance_networks":[5]})", "list of networks"},
        {R"({"admin_networks":{"a":1}})", "list of networks"},
        {R"({"flush":true})", "unknown field"},
        {R"({})", "nothing to change"},
        // No network reaches the console: everyone is shut out.
        {R"({"maintenance_networks":[],"admin_networks":[]})", "allow_lockout"},
        // The administrator's own address (192.0.2.9) would be shut out.
        {R"({"maintenance_networks":["198.51.100.0/24"]})", "your own address 192.0.2.9"},
    };
    auto generation = store::policyGeneration(session());
    for (const auto& c : bad) {
        auto r = call("PUT", "/api/v1/firewall", c.body);
        EXPECT_EQ(r.status, 422) << c.body << " → " << r.body;
        EXPECT_NE(r.body.find(c.says), std::string::npos) << c.body << " → " << r.body;
    }
    EXPECT_EQ(auditRows(), 0);
    EXPECT_EQ(store::policyGeneration(session()), generation) << "nothing was stored";

    auto r = call(
        "PUT", "/api/v1/firewall",
        R"({"maintenance_networks":["192.0.2.77/24", "2001:DB8::/32"],"admin_networks":"0.0.0.0/0, ::/0",)"
        R"("smtp_rate":100000,"ssh_rate":1,"console_rate":7,"block_time":3600})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(setting("firewall.maintenance_networks"), "192.0.2.0/24,2001:db8::/32");
    EXPECT_EQ(setting("firewall.admin_networks"), "0.0.0.0/0,::/0");
    EXPECT_EQ(setting("firewall.smtp_rate"), "100000");
    EXPECT_EQ(setting("firewall.block_time"), "3600");
    EXPECT_EQ(r.object()->getObject("settings")->getValue<int>("ssh_rate"), 1);
    EXPECT_EQ(r.object()->getObject("settings")->getValue<int>("console_rate"), 7);
    EXPECT_EQ(setting("firewall.console_rate"), "7");
    EXPECT_GT(store::policyGeneration(session()), generation) << "moat-firewall sees the change";
    EXPECT_EQ(auditRows(), 6);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'setting.set' AND target = "
                     "'firewall.smtp_rate' AND detail = '100000' AND user = 'root'"),
              1);
    // An unchanged value is not audited again; a partial change leaves the rest.
    ASSERT_EQ(call("PUT", "/api/v1/firewall", R"({"smtp_rate":100000,"ssh_rate":20})").status, 200);
    EXPECT_EQ(auditRows(), 7);
    EXPECT_EQ(setting("firewall.maintenance_networks"), "192.0.2.0/24,2001:db8::/32");
    // Only an admin network keeps the console reachable, the administrator included.
    EXPECT_EQ(call("PUT", "/api/v1/firewall", R"({"maintenance_networks":[]})").status, 200);
    EXPECT_EQ(call("PUT", "/api/v1/firewall", domainAdmin({}), R"({"smtp_rate":50})").status, 403);
}

// The setup wizard shows the administrator's own address and warns when the
// maintenance networks do not hold it.
TEST_F(ApiFirewall, TellsTheCallerWhichNetworksHoldItsAddress) {
    auto caller = [&] { return call("GET", "/api/v1/firewall").object()->getObject("caller"); };
    auto c = caller();
    EXPECT_EQ(c->getValue<std::string>("address"), "192.0.2.9");
    EXPECT_FALSE(c->getValue<bool>("maintenance"));
    EXPECT_FALSE(c->getValue<bool>("admin"));
    EXPECT_FALSE(c->getValue<bool>("loopback"));
    auto r = call("PUT", "/api/v1/firewall", R"({"maintenance_networks":["192.0.2.9/32"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.object()->getObject("caller")->getValue<bool>("maintenance"));
    ASSERT_EQ(call("PUT", "/api/v1/firewall",
                   R"({"maintenance_networks":["198.51.100.0/24"],"admin_networks":["0.0.0.0/0"]})")
                  .status,
              200);
    c = caller();
    EXPECT_FALSE(c->getValue<bool>("maintenance"));
    EXPECT_TRUE(c->getValue<bool>("admin"));
}

TEST_F(ApiFirewall, BlocksAndUnblocksGoToMoatFirewall) {
    auto r = call("POST", "/api/v1/firewall/blocks",
                  R"({"address":"2001:DB8::7","set":"tarpit","seconds":7200,"reason":"scanner"})");
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(fake_.asked.size(), 1u);
    EXPECT_EQ(fake_.asked[0].verb, firewall::Report::Verb::tarpit);
    EXPECT_EQ(fake_.asked[0].address, "2001:db8::7");
    EXPECT_EQ(fake_.asked[0].seconds, 7200);
    EXPECT_EQ(fake_.asked[0].reason, "console by root: scanner");
    ASSERT_EQ(call("POST", "/api/v1/firewall/blocks", R"({"address":"198.51.100.7"})").status, 201);
    EXPECT_EQ(fake_.asked[1].verb, firewall::Report::Verb::block);
    EXPECT_EQ(fake_.asked[1].seconds, 3600) << "an hour unless told";
    EXPECT_EQ(fake_.asked[1].reason, "console by root");
    EXPECT_EQ(call("DELETE", "/api/v1/firewall/blocks/2001:db8::7").status, 204);
    EXPECT_EQ(fake_.asked[2].verb, firewall::Report::Verb::unblock);
    EXPECT_EQ(
        scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('firewall.tarpit', 'firewall.block', "
            "'firewall.unblock')"),
        3);

    for (const char* body :
         {R"({"address":"127.1"})", R"({"address":"198.51.100.7","seconds":0})",
          R"({"address":"198.51.100.7","seconds":2592001})",
          R"({"address":"198.51.100.7","seconds":"600"})",
          R"({"address":"198.51.100.7","set":"drop"})",
          R"({"address":"198.51.100.7","reason":"a\u0001b"})", R"({"seconds":600})"}) {
        auto bad = call("POST", "/api/v1/firewall/blocks", body);
        EXPECT_EQ(bad.status, 422) << body << " → " << bad.body;
    }
    EXPECT_EQ(call("DELETE", "/api/v1/firewall/blocks/not-an-ip").status, 422);
    EXPECT_EQ(fake_.asked.size(), 3u) << "nothing invalid reaches moat-firewall";

    fake_.answer =
        "refused: 192.0.2.1 is never blocked: it is in the maintenance network 192.0.2.0/24";
    r = call("POST", "/api/v1/firewall/blocks", R"({"address":"192.0.2.1"})");
    EXPECT_EQ(r.status, 422);
    EXPECT_NE(r.body.find("maintenance network"), std::string::npos) << r.body;
    fake_.down = true;
    EXPECT_EQ(call("POST", "/api/v1/firewall/blocks", R"({"address":"198.51.100.7"})").status, 503);
    firewall_ = nullptr;
    EXPECT_EQ(call("DELETE", "/api/v1/firewall/blocks/198.51.100.7").status, 503);
    EXPECT_EQ(
        call("POST", "/api/v1/firewall/blocks", domainAdmin({}), R"({"address":"198.51.100.7"})")
            .status,
        403);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log"), 3)
        << "refused and failed requests are not audited";
}

}  // namespace
}  // namespace moat::testing_api
