// DATA-phase state machine: end of data only at CRLF.CRLF, dot-unstuffing,
// and every smuggling look-alike flagged instead of ending the message.
#include "smtp/data_reader.h"

#include <gtest/gtest.h>

#include <string>

using moat::smtp::DataReader;

namespace {

struct Fed {
    std::string content;
    std::size_t consumed = 0;
    bool done = false;
    bool bare_lf = false, bare_cr = false, nul = false, too_big = false, too_long = false;
};

Fed feedAll(const std::string& input, std::uint64_t max = 1 << 20, std::size_t chunk = 0) {
    DataReader r(max);
    Fed f;
    if (chunk == 0) chunk = input.size() ? input.size() : 1;
    for (std::size_t off = 0; off < input.size() && !r.done();) {
        std::string_view piece = std::string_view(input).substr(off, chunk);
        std::size_t used = r.feed(piece, f.content);
        off += used;
        f.consumed = off;
        if (used < piece.size()) break;
    }
    f.done = r.done();
    f.bare_lf = r.bareLf();
    f.bare_cr = r.bareCr();
    f.nul = r.nul();
    f.too_big = r.tooBig();
    f.too_long = r.lineTooLong();
    return f;
}

}  // namespace

TEST(DataReader, EndsAtCrLfDotCrLfAndKeepsTheRest) {
    auto f = feedAll("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
    EXPECT_TRUE(f.done);
    EXPECT_EQ(f.content, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(f.consumed, std::string("Subject: x\r\n\r\nbody\r\n.\r\n").size());
}

TEST(DataReader, EmptyMessage) {
    auto f = feedAll(".\r\n");
    EXPECT_TRUE(f.done);
    EXPECT_EQ(f.content, "");
}

TEST(DataReader, RemovesDotStuffing) {
    auto f = feedAll("..leading dot\r\n...\r\n.x\r\n.\r\n");
    EXPECT_TRUE(f.done);
    EXPECT_EQ(f.content, ".leading dot\r\n..\r\nx\r\n");
}

TEST(DataReader, ByteByByteFeedingGivesTheSameResult) {
    std::string msg = "a\r\n..b\r\n\r\nc\r\n.\r\nNEXT";
    auto whole = feedAll(msg);
    auto bytes = feedAll(msg, 1 << 20, 1);
    EXPECT_EQ(whole.content, bytes.content);
    EXPECT_EQ(whole.consumed, bytes.consumed);
    EXPECT_TRUE(bytes.done);
}

// The 2023 SMTP smuggling look-alikes: none ends the data; each is flagged.
class Smuggling : public ::testing::TestWithParam<std::string> {};

TEST_P(Smuggling, LookAlikeNeverEndsTheData) {
    std::string hidden = "MAIL FROM:<a@evil.test>\r\nRCPT TO:<b@ours.test>\r\nDATA\r\nhidden\r\n";
    auto f = feedAll("Subject: x\r\n\r\nbody" + GetParam() + hidden + "\r\n.\r\n");
    EXPECT_TRUE(f.done);
    EXPECT_NE(f.content.find("MAIL FROM:<a@evil.test>"), std::string::npos) << "hidden part must stay content";
    EXPECT_TRUE(f.bare_lf || f.bare_cr || f.nul) << "look-alike must be flagged";
}

INSTANTIATE_TEST_SUITE_P(EndOfDataLookAlikes, Smuggling,
                         ::testing::Values(std::string("\n.\n"), std::string("\n.\r\n"), std::string("\r.\r"),
                                           std::string("\r\n.\r"), std::string("\r.\r\n"), std::string("\r\n.\n"),
                                           std::string("\r\n\0.\r\n", 6), std::string("\r\n.\0\r\n", 6),
                                           std::string("\r\n.\r\0\n", 6)));

TEST(DataReader, FlagsOverlongLineButReadsToTheEnd) {
    std::string line(999, 'x');
    auto f = feedAll(line + "\r\n.\r\n");
    EXPECT_TRUE(f.done);
    EXPECT_TRUE(f.too_long);
    auto ok = feedAll(std::string(998, 'x') + "\r\n.\r\n");
    EXPECT_FALSE(ok.too_long);
}

TEST(DataReader, FlagsOversizeAndStopsStoring) {
    auto f = feedAll(std::string(100, 'x') + "\r\n.\r\n", 50);
    EXPECT_TRUE(f.done);
    EXPECT_TRUE(f.too_big);
    EXPECT_LE(f.content.size(), 50u);
}

TEST(DataReader, NotDoneWithoutTerminator) {
    auto f = feedAll("body\r\n.\n");
    EXPECT_FALSE(f.done);
}
