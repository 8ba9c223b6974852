// util/ascii_text.h: ASCII-only case folding (UTF-8 bytes untouched), prefix and
// equality without case, and the two trims.
#include <gtest/gtest.h>

#include "util/ascii_text.h"

using namespace moat::util;

TEST(AsciiText, FoldsOnlyAsciiLetters) {
    EXPECT_EQ(lowerAscii("Content-TYPE: Text/HTML; Charset=UTF-8"), "content-type: text/html; charset=utf-8");
    EXPECT_EQ(lowerAscii("\xC3\x84rger@B\xC3\xBC" "CHER.Test"), "\xC3\x84rger@b\xC3\xBC" "cher.test");
    EXPECT_EQ(lowerAscii('Q'), 'q');
    EXPECT_EQ(lowerAscii('@'), '@');
}

TEST(AsciiText, ComparesWithoutCase) {
    EXPECT_TRUE(equalsNoCase("X-Mailer", "x-mailer"));
    EXPECT_FALSE(equalsNoCase("X-Mailer", "x-mailer2"));
    EXPECT_FALSE(equalsNoCase("\xC3\x84", "\xC3\xA4"));  // not Unicode case folding
    EXPECT_TRUE(startsWithNoCase("HTTPS://example.org", "https:"));
    EXPECT_TRUE(startsWithNoCase("re: order", "RE:"));
    EXPECT_FALSE(startsWithNoCase("re", "re:"));
    EXPECT_TRUE(startsWithNoCase("anything", ""));
}

TEST(AsciiText, Trims) {
    EXPECT_EQ(trimBlanks(" \t value \t"), "value");
    EXPECT_EQ(trimBlanks("\r\nvalue\r\n"), "\r\nvalue\r\n");
    EXPECT_EQ(trimWhitespace("\r\n\t value \r\n"), "value");
    EXPECT_EQ(trimWhitespace(" \t\r\n"), "");
    EXPECT_EQ(trimBlanks(""), "");
}
