// HTML tags written into plain text: each case is text and the text the
// tokenizer splits into words.
#include "content/plain_markup.h"

#include <gtest/gtest.h>

#include <string>

using namespace moat::content;

namespace {

std::string replaced(std::string text) {
    replaceMarkup(text);
    return text;
}

TEST(PlainMarkup, TagsOfElementsAreNotWords) {
    EXPECT_EQ(replaced("Want a <FONT size=+1><B>BIG</FONT></B> <B>Penis</B>?"), "Want a   BIG    Penis ?");
    EXPECT_EQ(replaced("line<BR>with<br/>breaks</p>Best<hr />"), "line with breaks Best ");
    EXPECT_EQ(replaced("<html><body bgcolor=#000000>x</body></html>"), "  x  ");
}

TEST(PlainMarkup, LinkTargetsStayAsWords) {
    EXPECT_EQ(replaced("<A HREF=www.adult-here.com/enlarge>Click here</A>"), " www.adult-here.com/enlarge Click here ");
    EXPECT_EQ(replaced("<a href = \"http://x.test/a b\">go</a>"), " http://x.test/a b go ");
    EXPECT_EQ(replaced("<img src='http://x.test/p.gif'>"), " http://x.test/p.gif ");
    EXPECT_EQ(replaced("<a href=\"http://x.test/unterminated>go"), " http://x.test/unterminated go");
    EXPECT_EQ(replaced("<a name=top>"), " ");
    // Attributes are read as the HTML converter reads them: "href=" inside another value is not one.
    EXPECT_EQ(replaced("<a title=\"see href=x\" href=y>"), " y ");
}

TEST(PlainMarkup, TextThatIsNotATagIsKept) {
    for (std::string text : {"Justin Mason <jm@jmason.org> wrote:", "if a <b and c> d", "<<< quoted >>>",
                             "a < b > c", "<bogus>element</bogus>", "<b unterminated", "<p x<y>", "<", "</",
                             "text <br", "<brx>", ""}) {
        std::string expected = text;
        if (text == "if a <b and c> d") expected = "if a   d";  // "<b and c>" is a tag of b
        EXPECT_EQ(replaced(text), expected) << text;
    }
}

TEST(PlainMarkup, ALongTagIsNotATag) {
    std::string text = "<p " + std::string(1200, 'x') + ">";
    EXPECT_EQ(replaced(text), text);
}

}  // namespace
