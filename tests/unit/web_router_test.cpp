// The router: literal and {capture} segments, 404 for unknown paths, 405 for
// a known path with another method, id parameters, HttpError and exceptions
// turned into JSON errors, and the route listing; static files, and the
// documentation under /docs/ that the pages link to.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "store/store.h"
#include "temp_dir.h"
#include "web/console_handler.h"
#include "web/router.h"
#include "web/static_files.h"

using namespace moat;

namespace {
web::Response echo(const web::Request& r, const web::Principal&, web::ApiContext&) {
    web::Response out;
    out.body = std::to_string(web::idParam(r));
    return out;
}
}  // namespace

TEST(WebRouter, MatchesAndErrors) {
    web::Router router;
    router.add("GET", "/api/v1/domains/{id}", echo);
    router.add("DELETE", "/api/v1/domains/{id}", echo);
    router.add("GET", "/api/v1/fail",
               [](const web::Request&, const web::Principal&, web::ApiContext&) -> web::Response {
                   throw web::HttpError(409, "duplicate");
               });
    router.add("GET", "/api/v1/bug",
               [](const web::Request&, const web::Principal&, web::ApiContext&) -> web::Response {
                   throw std::runtime_error("boom");
               });
    router.add("GET", "/api/v1/invalid",
               [](const web::Request&, const web::Principal&, web::ApiContext&) -> web::Response {
                   throw std::invalid_argument("bad value");
               });
    auto store = store::Store::open("sqlite::memory:");
    config::Config cfg;
    web::ApiContext ctx{*store, cfg};
    web::Principal p;
    auto call = [&](const std::string& method, const std::string& path) {
        web::Request r;
        r.method = method;
        r.path = path;
        return router.dispatch(r, p, ctx);
    };
    EXPECT_EQ(call("GET", "/api/v1/domains/42").body, "42");
    EXPECT_EQ(call("GET", "/api/v1/domains/42/").body, "42");
    EXPECT_EQ(call("POST", "/api/v1/domains/42").status, 405);
    EXPECT_EQ(call("GET", "/api/v1/domains").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/domains/42/x").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/domains/abc").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/domains/-1").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/domains/0").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/domains/99999999999999999999").status, 404);
    EXPECT_EQ(call("GET", "/api/v1/fail").status, 409);
    EXPECT_EQ(call("GET", "/api/v1/fail").body, R"({"error":"duplicate"})");
    EXPECT_EQ(call("GET", "/api/v1/bug").status, 500);
    EXPECT_EQ(call("GET", "/api/v1/invalid").status, 422);
    EXPECT_TRUE(router.knows("/api/v1/domains/7"));
    EXPECT_FALSE(router.knows("/api/v1/nothing"));
    auto routes = router.routes();
    ASSERT_EQ(routes.size(), 5u);
    EXPECT_EQ(routes[0], (std::pair<std::string, std::string>{"GET", "/api/v1/domains/{id}"}));
}

TEST(WebStaticFiles, ResolveRefusesTraversal) {
    moat::test::TempDir dir("moat-assets");
    auto root = dir.path / "assets";
    std::filesystem::create_directories(root / "js");
    std::ofstream(root / "index.html") << "<html>";
    std::ofstream(root / "js" / "app.js") << "1";
    std::ofstream(root.string() + "-secret") << "secret";
    std::filesystem::create_symlink(root.string() + "-secret", root / "link");
    EXPECT_EQ(web::resolveAsset(root, "/")->filename(), "index.html");
    EXPECT_EQ(web::resolveAsset(root, "/js/app.js")->filename(), "app.js");
    for (auto bad : {"", "js/app.js", "/../x", "/js/../index.html", "/./index.html", "/js//app.js",
                     "/js\\app.js", "/link", "/missing", "/js", "/index.html\n"})
        EXPECT_FALSE(web::resolveAsset(root, bad)) << bad;
    EXPECT_STREQ(web::contentTypeFor("a/b.JS"), "text/javascript; charset=utf-8");
    EXPECT_STREQ(web::contentTypeFor("x.svg"), "image/svg+xml");
    EXPECT_STREQ(web::contentTypeFor("x.exe"), "application/octet-stream");
    EXPECT_EQ(web::serveAsset(root, "/../secret").status, 404);
    EXPECT_EQ(web::serveAsset(root, "/index.html").body, "<html>");
}

TEST(WebStaticFiles, TheDocumentationUnderDocs) {
    moat::test::TempDir dir("moat-docs");
    std::filesystem::create_directories(dir.path / "assets");
    std::filesystem::create_directories(dir.path / "docs");
    std::ofstream(dir.path / "assets" / "index.html") << "<html>";
    std::ofstream(dir.path / "docs" / "firewall.md") << "# The firewall";
    config::Config cfg;
    cfg.web.assets = (dir.path / "assets").string();
    cfg.web.docs = (dir.path / "docs").string();
    cfg.store_url = "sqlite:" + (dir.path / "moat.db").string();
    auto store = store::Store::open(cfg.store_url);
    web::Router router;
    web::ConsoleHandler handler(*store, cfg, router);
    auto get = [&](const std::string& path) {
        web::Request r;
        r.method = "GET";
        r.path = path;
        return handler.handle(r);
    };
    auto doc = get("/docs/firewall.md");
    EXPECT_EQ(doc.status, 200);
    EXPECT_EQ(doc.body, "# The firewall");
    EXPECT_EQ(doc.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(get("/docs/../assets/index.html").status, 404);
    EXPECT_EQ(get("/docs/index.html").status, 404) << "the docs folder, not the assets";
    EXPECT_EQ(get("/index.html").body, "<html>");
}
