// The console's wire parsers: percent-decoding, query strings and the Cookie
// header, table-driven, including the malformed inputs the server answers
// with 400 (or, for cookies, skips).
#include <gtest/gtest.h>

#include "web/wire_parse.h"

using moat::web::parseCookies;
using moat::web::parseQuery;
using moat::web::percentDecode;

TEST(WebWireParse, PercentDecode) {
    struct Case {
        const char* in;
        bool plus;
        std::optional<std::string> out;
    };
    const Case cases[] = {
        {"/api/v1/domains", false, "/api/v1/domains"},
        {"/a%20b", false, "/a b"},
        {"a+b", false, "a+b"},
        {"a+b", true, "a b"},
        {"%2e%2E%2f", false, "../"},
        {"%41%42%43", false, "ABC"},
        {"%", false, std::nullopt},
        {"%4", false, std::nullopt},
        {"abc%", false, std::nullopt},
        {"%zz", false, std::nullopt},
        {"%g0", false, std::nullopt},
        {"%00", false, std::nullopt},
        {"a%00b", true, std::nullopt},
        {"%ff", false, std::string("\xff")},
        {"", false, ""},
    };
    for (const auto& c : cases) EXPECT_EQ(percentDecode(c.in, c.plus), c.out) << c.in;
}

TEST(WebWireParse, Query) {
    auto q = parseQuery("a=1&b=x%20y&flag&c=a+b&a=2&&=skipped&d=");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->at("a"), "2");  // the last wins
    EXPECT_EQ(q->at("b"), "x y");
    EXPECT_EQ(q->at("flag"), "");
    EXPECT_EQ(q->at("c"), "a b");
    EXPECT_EQ(q->at("d"), "");
    EXPECT_EQ(q->count(""), 0u);
    EXPECT_EQ(q->size(), 5u);
    EXPECT_TRUE(parseQuery("")->empty());
    EXPECT_FALSE(parseQuery("a=%zz"));
    EXPECT_FALSE(parseQuery("a%=1"));
    EXPECT_FALSE(parseQuery("a=%00"));
    auto sql = parseQuery("sender=%27%20OR%201%3D1%20--");
    ASSERT_TRUE(sql);
    EXPECT_EQ(sql->at("sender"), "' OR 1=1 --");
}

TEST(WebWireParse, Cookies) {
    auto c =
        parseCookies("moat_session=abc; other=1;theme=\"dark\" ; moat_session=second; bad; =x; e=");
    EXPECT_EQ(c.at("moat_session"), "abc");  // the first wins
    EXPECT_EQ(c.at("other"), "1");
    EXPECT_EQ(c.at("theme"), "dark");
    EXPECT_EQ(c.at("e"), "");
    EXPECT_EQ(c.count("bad"), 0u);
    EXPECT_EQ(c.count(""), 0u);
    EXPECT_TRUE(parseCookies("").empty());
    EXPECT_TRUE(parseCookies(";;;").empty());
}
