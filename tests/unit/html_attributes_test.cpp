#include "content/html_attributes.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace moat::content {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Every attribute read from `text` (after the element's name), and where reading stopped.
std::pair<Pairs, std::size_t> readAll(std::string_view text) {
    Pairs out;
    std::size_t at = 0;
    HtmlAttribute a;
    while (nextHtmlAttribute(text, at, a)) out.emplace_back(a.name, a.value);
    return {out, at};
}

TEST(HtmlAttributes, QuotedUnquotedAndBare) {
    auto [pairs, end] = readAll(R"( HREF="http://x.test/a b" src='y.gif' width=1 checked>rest)");
    EXPECT_EQ(pairs, (Pairs{{"HREF", "http://x.test/a b"}, {"src", "y.gif"}, {"width", "1"}, {"checked", ""}}));
    EXPECT_EQ(end, std::string_view(R"( HREF="http://x.test/a b" src='y.gif' width=1 checked>)").size());
}

TEST(HtmlAttributes, SpacesAroundEqualsAndSelfClosing) {
    auto [pairs, end] = readAll("\thref \n= \f\"x\" />after");
    EXPECT_EQ(pairs, (Pairs{{"href", "x"}}));
    EXPECT_EQ(end, 16u);
}

TEST(HtmlAttributes, QuotedValueMayHoldTheClosingBracket) {
    auto [pairs, end] = readAll(R"( alt="a>b" x=1>)");
    EXPECT_EQ(pairs, (Pairs{{"alt", "a>b"}, {"x", "1"}}));
    EXPECT_EQ(end, 15u);
}

TEST(HtmlAttributes, UnclosedQuoteAndUnclosedTagRunToTheEnd) {
    auto [pairs, end] = readAll(R"( href="no end)");
    EXPECT_EQ(pairs, (Pairs{{"href", "no end"}}));
    EXPECT_EQ(end, 13u);
    auto [none, at] = readAll("");
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(at, 0u);
}

TEST(HtmlAttributes, WhiteSpaceIsHtmls) {
    EXPECT_TRUE(isHtmlSpace(' '));
    EXPECT_TRUE(isHtmlSpace('\f'));
    EXPECT_FALSE(isHtmlSpace('\v'));
    EXPECT_FALSE(isHtmlSpace('a'));
}

}  // namespace
}  // namespace moat::content
