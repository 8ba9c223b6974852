// Issue 11 finding 6: a password change ends the account's other sessions
// wherever it is made (an administrator's change, one's own in the console —
// which keeps the caller's session), revokes its API tokens; every account,
// domain administrators too, changes its own password; administrators list
// every token with its owner and revoke any (audited).
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "store/api_tokens.h"
#include "store/audit_log.h"
#include "store/store.h"
#include "store/users.h"
#include "store/web_sessions.h"
#include "temp_dir.h"
#include "web/auth_api.h"
#include "web/authenticator.h"
#include "web/password_hash.h"
#include "web/router.h"
#include "web/secrets.h"
#include "web/session_store.h"

using namespace moat;
using namespace std::chrono_literals;

namespace {

class WebPasswordTokens : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        db_ = std::make_unique<Poco::Data::Session>(store_->connect());
        web::registerAuthApi(router_);
        root_ = store::addUser(*db_, "root", web::hashPassword("root-password"), "admin", {});
        alice_ = store::addUser(*db_, "alice", web::hashPassword("alice-password"), "domain_admin", {});
    }
    void TearDown() override {
        db_.reset();
        store_.reset();
    }

    // A session of the user; its stored id.
    std::string login(const store::User& user) {
        web::SessionStore sessions(30min, 12h);
        return sessions.create(*db_, user.id, "192.0.2.1", store::nowSeconds()).session.id;
    }
    int sessionsOf(const store::User& user) {
        int n = 0;
        Poco::Int64 id = user.id;
        *db_ << "SELECT COUNT(*) FROM web_sessions WHERE user_id = ?", Poco::Data::Keywords::use(id),
            Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        return n;
    }
    web::Principal as(const store::User& user, const std::string& session_id) {
        auto p = web::principalFor(*store::findUserById(*db_, user.id));
        p.session_id = session_id;
        return p;
    }
    web::Response call(const std::string& method, const std::string& path,
                       const web::Principal& who, const std::string& body = "") {
        web::Request r;
        r.method = method;
        r.path = path;
        r.body = body;
        r.client_ip = "192.0.2.1";
        r.headers["content-type"] = "application/json";
        web::ApiContext ctx{*store_, config_};
        return router_.dispatch(r, who, ctx);
    }

    moat::test::TempDir dir_{"moat-pw"};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Poco::Data::Session> db_;
    config::Config config_;
    web::Router router_;
    store::User root_, alice_;
};

TEST_F(WebPasswordTokens, OwnChangeKeepsTheCurrentSessionEndsTheOthersRevokesTokens) {
    auto current = login(alice_);
    login(alice_);
    login(alice_);
    store::addApiToken(*db_, alice_.id, "script", web::sha256Hex("secret-1"));
    auto me = as(alice_, current);
    EXPECT_EQ(call("PUT", "/api/v1/password", me,
                   R"({"current":"wrong-password","password":"new-alice-password"})")
                  .status,
              403);
    EXPECT_EQ(call("PUT", "/api/v1/password", me, R"({"current":"alice-password","password":"short"})")
                  .status,
              422);
    auto r = call("PUT", "/api/v1/password", me,
                  R"({"current":"alice-password","password":"new-alice-password"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(sessionsOf(alice_), 1);
    EXPECT_TRUE(store::findWebSession(*db_, current));
    EXPECT_TRUE(store::listApiTokens(*db_, alice_.id).empty());
    auto user = store::findUserById(*db_, alice_.id);
    EXPECT_TRUE(web::verifyPassword(user->password, "new-alice-password"));
}

TEST_F(WebPasswordTokens, AdministratorsResetEndsEverySessionAndToken) {
    login(alice_);
    store::addApiToken(*db_, alice_.id, "script", web::sha256Hex("secret-2"));
    auto admin_session = login(root_);
    login(root_);
    auto r = call("PUT", "/api/v1/users/" + std::to_string(alice_.id), as(root_, admin_session),
                  R"({"password":"reset-alice-password"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(sessionsOf(alice_), 0);
    EXPECT_TRUE(store::listApiTokens(*db_, alice_.id).empty());
    EXPECT_EQ(sessionsOf(root_), 2);  // the administrator's own are not touched
    // Changing its own password through /users/{id} keeps only the caller's session.
    r = call("PUT", "/api/v1/users/" + std::to_string(root_.id), as(root_, admin_session),
             R"({"password":"new-root-password"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(sessionsOf(root_), 1);
    EXPECT_TRUE(store::findWebSession(*db_, admin_session));
}

TEST_F(WebPasswordTokens, AdministratorListsAndRevokesEveryToken) {
    auto id = store::addApiToken(*db_, alice_.id, "alice's script", web::sha256Hex("secret-3"));
    auto admin = as(root_, login(root_));
    auto listed = call("GET", "/api/v1/admin/tokens", admin);
    ASSERT_EQ(listed.status, 200);
    Poco::JSON::Parser parser;
    auto tokens = parser.parse(listed.body).extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(tokens->size(), 1u);
    EXPECT_EQ(tokens->getObject(0)->getValue<std::string>("owner"), "alice");
    EXPECT_EQ(listed.body.find("secret-3"), std::string::npos);
    auto alice = as(alice_, login(alice_));
    EXPECT_EQ(call("GET", "/api/v1/admin/tokens", alice).status, 403);
    EXPECT_EQ(call("DELETE", "/api/v1/admin/tokens/" + std::to_string(id), alice).status, 403);
    EXPECT_EQ(call("DELETE", "/api/v1/admin/tokens/" + std::to_string(id), admin).status, 204);
    EXPECT_FALSE(store::findApiToken(*db_, web::sha256Hex("secret-3")));
    EXPECT_EQ(call("DELETE", "/api/v1/admin/tokens/" + std::to_string(id), admin).status, 404);
    int audited = 0;
    *db_ << "SELECT COUNT(*) FROM audit_log WHERE action = 'token.revoke' AND target = 'alice'",
        Poco::Data::Keywords::into(audited), Poco::Data::Keywords::now;
    EXPECT_EQ(audited, 1);
}

}  // namespace
