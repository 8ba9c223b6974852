// Reply rendering: enhanced codes, multi-line form, and no CR/NUL smuggled into replies.
#include "mail/reply.h"

#include <gtest/gtest.h>

using moat::mail::reply;

TEST(Reply, SingleLineCarriesEnhancedCode) {
    EXPECT_EQ(reply(250, "2.1.0", "Ok").format(), "250 2.1.0 Ok\r\n");
}

TEST(Reply, MultiLineUsesHyphensUntilTheLast) {
    EXPECT_EQ(reply(250, "", "mx.example\nPIPELINING\nSIZE 10").format(),
              "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
    EXPECT_EQ(reply(214, "2.0.0", "a\nb").format(), "214-2.0.0 a\r\n214 2.0.0 b\r\n");
}

TEST(Reply, NeverEmitsCrOrNul) {
    std::string text = std::string("bad\r") + '\0' + "text";
    EXPECT_EQ(reply(550, "5.7.1", text).format(), "550 5.7.1 bad  text\r\n");
}

TEST(Reply, Classes) {
    EXPECT_TRUE(reply(250, "2.0.0", "").positive());
    EXPECT_TRUE(reply(451, "4.3.0", "").temporary());
    EXPECT_TRUE(reply(554, "5.7.1", "").permanent());
}
