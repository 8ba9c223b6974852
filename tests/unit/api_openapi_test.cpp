// docs/openapi.yaml and the handlers agree: every path the document lists
// (but the authentication, users and tokens routes, which moat-webui's server
// registers itself) is routed by api::registerApi, and every API route is
// documented.
#include "api/api.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "web/router.h"

namespace moat::api {
namespace {

std::set<std::string> documentedPaths() {
    std::ifstream in(std::string(MOAT_SOURCE_DIR) + "/docs/openapi.yaml");
    std::set<std::string> paths;
    std::regex path_line(R"(^  (/[^:]*):\s*$)");
    bool in_paths = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "paths:") in_paths = true;
        std::smatch m;
        if (in_paths && std::regex_match(line, m, path_line)) paths.insert(m[1]);
    }
    return paths;
}

std::string concrete(std::string path) {
    return "/api/v1" + std::regex_replace(path, std::regex(R"(\{[^}]*\})"), "1");
}

TEST(OpenApi, EveryDocumentedPathIsRouted) {
    web::Router router;
    registerApi(router);
    auto paths = documentedPaths();
    ASSERT_GT(paths.size(), 25u);
    const std::set<std::string> elsewhere = {"/login", "/logout",     "/session", "/first-run",
                                             "/users", "/users/{id}", "/tokens",  "/tokens/{id}",
                                             "/password", "/admin/tokens", "/admin/tokens/{id}",
                                             "/2fa", "/2fa/enrol", "/2fa/confirm"};
    for (const auto& p : paths) {
        if (elsewhere.count(p)) continue;
        EXPECT_TRUE(router.knows(concrete(p))) << p << " is documented but not routed";
    }
    for (const char* p : {"/domains",
                          "/domains/{id}",
                          "/domains/{id}/valid-addresses",
                          "/domains/{id}/test-message",
                          "/lists",
                          "/lists/bulk",
                          "/lists/{id}",
                          "/relay-networks",
                          "/relay-networks/{id}",
                          "/pop-relayers",
                          "/pop-relayers/{ip}",
                          "/log",
                          "/log/{id}",
                          "/archive",
                          "/archive/{id}",
                          "/archive/{id}/eml",
                          "/archive/{id}/release",
                          "/releases/{id}",
                          "/settings",
                          "/settings/{key}",
                          "/zones",
                          "/zones/known",
                          "/zones/{id}",
                          "/stats/traffic",
                          "/stats/refusals",
                          "/stats/mtas",
                          "/system",
                          "/firewall",
                          "/firewall/blocks",
                          "/firewall/blocks/{address}",
                          "/audit"})
        EXPECT_TRUE(paths.count(p)) << p << " is routed but not documented";
}

}  // namespace
}  // namespace moat::api
