// HTML to visible text: each case is HTML and the exact text a reader sees,
// with how many characters the hiding tricks removed.
#include "content/html_text.h"

#include <gtest/gtest.h>

#include <string>

#include "content/utf8.h"

using namespace moat::content;

namespace {

struct Case {
    const char* name;
    std::string html;
    std::string text;
    std::size_t hidden = 0;
};

TEST(HtmlText, Cases) {
    const Case cases[] = {
        {"plain", "Hello world", "Hello world"},
        {"blocks", "<p>One</p><p>Two<br>Three</p><div>Four</div>", "One\nTwo\nThree\nFour"},
        {"whitespace collapses", "  a \n\t b  <b> c </b>  ", "a b c"},
        {"inline elements join", "Vi<b>ag</b>ra", "Viagra"},
        {"script and style", "<style>p{color:red}</style>a<script>var x='<p>';</script>b", "ab"},
        {"script end tag case", "a<SCRIPT>x</ScRiPt >b", "ab"},
        {"unterminated script", "a<script>never ends", "a"},
        {"comments", "a<!-- hidden <b>x</b> -->b<!---->c<!--", "abc"},
        {"doctype and pi", "<!DOCTYPE html><?xml version='1.0'?>text", "text"},
        {"head and title",
         "<html><head><title>T</title><meta charset=utf-8></head><body>B</body></html>", "B"},
        {"named entities", "&lt;tag&gt; &amp; caf&eacute; &euro;5 &copy;", "<tag> & café €5 ©"},
        {"numeric entities", "&#72;&#x69;&#X21; &#128512; &#150;", "Hi! 😀 \u2013"},
        {"bad numeric entities", "&#0;&#xD800;&#x110000;", "\ufffd\ufffd\ufffd"},
        {"legacy entities", "a&nbspb &amp c &copy2024 &bogus; &", "a b & c ©2024 &bogus; &"},
        {"nbsp is space", "a&nbsp;&nbsp;b", "a b"},
        {"zero-width characters", "V&#8203;i&zwnj;a\xe2\x80\x8bg\xc2\xadra", "Viagra", 4},
        {"display none", "a<span style=\"display: none\">hidden</span>b", "ab", 6},
        {"visibility hidden", "a<div style='VISIBILITY:hidden !important'>xx</div>b", "a\nb", 2},
        {"font-size zero",
         "a<span style=\"font-size:0px\">xy</span><span style=\"font-size:1px\">z</span>b", "ab",
         3},
        {"small but visible", "<span style=\"font-size:10px\">ok</span>", "ok"},
        {"opacity", "<span style=\"opacity:0\">x</span>y", "y", 1},
        {"hidden attribute", "<div hidden>x</div>y", "y", 1},
        {"white on white", "<font color=\"#ffffff\">poison</font>shown", "shown", 6},
        {"near white on white", "<span style=\"color:#fefefe\">poison</span>shown", "shown", 6},
        {"same colour on dark",
         "<td bgcolor=black style=color:white><span style=\"color:rgb(0,0,0)\">p</span>q</td>", "q",
         1},
        {"background shorthand",
         "<div style=\"background: #123456 url(x.png); color:#123456\">p</div>", "", 1},
        {"contrast is visible", "<div style=\"background:black;color:white\">ok</div>", "ok"},
        {"nested hidden", "<div style=display:none><p>a<b>b</b></p></div>c", "c", 2},
        {"hidden closes", "<span style=display:none>x</span><span>y</span>", "y", 1},
        {"unclosed p closes", "<p style=\"display:none\">x<p>y", "y", 1},
        {"mismatched end tags", "<b><i>a</b>b</i>c", "abc"},
        {"stray less-than", "1 < 2 and 3 <4 and <>", "1 < 2 and 3 <4 and <>"},
        {"attribute with gt", "<a title=\"a>b\" href='x'>link</a>", "link"},
        {"unterminated tag", "text<a href=\"x", "text"},
        {"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>",
         "a b\nc"},
        {"invalid utf-8",
         "a\xff"
         "b",
         "a\ufffd"
         "b"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = htmlToText(c.html);
        EXPECT_EQ(r.text, c.text);
        EXPECT_EQ(r.hidden_chars, c.hidden);
        EXPECT_TRUE(isValidUtf8(r.text));
        EXPECT_FALSE(r.truncated);
    }
}

TEST(HtmlText, Links) {
    auto r = htmlToText(
        "<a href=\" http://a.example/x?a=1&amp;b=2 \">x</a><A "
        "HREF=mailto:b@example.com>y</A><a>z</a>");
    ASSERT_EQ(r.links.size(), 2u);
    EXPECT_EQ(r.links[0], "http://a.example/x?a=1&b=2");
    EXPECT_EQ(r.links[1], "mailto:b@example.com");
}

TEST(HtmlText, Limits) {
    HtmlLimits limits;
    limits.max_text = 10;
    auto r = htmlToText("abcdef ghijkl mnop", limits);
    EXPECT_TRUE(r.truncated);
    EXPECT_LE(r.text.size(), 10u);

    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<div>";
    deep += "bottom";
    r = htmlToText(deep);
    EXPECT_TRUE(r.truncated);
    EXPECT_EQ(r.text, "bottom");

    std::string links;
    for (int i = 0; i < 1000; ++i)
        links += "<a href=\"http://x" + std::to_string(i) + ".example\">l</a>";
    r = htmlToText(links);
    EXPECT_EQ(r.links.size(), HtmlLimits{}.max_links);
    EXPECT_TRUE(r.truncated);
}

}  // namespace

TEST(HtmlText, HtmlElement) {
    EXPECT_TRUE(htmlToText("<!DOCTYPE html><html><body>x</body></html>").html_element);
    EXPECT_TRUE(htmlToText("<HTML\nlang=en>x").html_element);
    EXPECT_FALSE(htmlToText("<p>x</p>").html_element);
    EXPECT_FALSE(htmlToText("<!-- <html> --><p>&lt;html&gt;</p>").html_element);
    EXPECT_FALSE(htmlToText("<htmlx>x</htmlx>").html_element);
}
