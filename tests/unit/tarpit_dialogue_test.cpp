// moat-tarpit's answers (firewall/tarpit_dialogue.h): a dialogue as data —
// client lines, fed as they might arrive, and the reply each gets.
#include "firewall/tarpit_dialogue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using moat::firewall::kMaxTarpitLine;
using moat::firewall::TarpitLine;
using moat::firewall::TarpitReplies;
using moat::firewall::TarpitReply;

namespace {

// Feeds the text as the daemon does (one line at a time) and returns the replies.
std::vector<TarpitReply> answers(std::string text) {
    TarpitLine line;
    std::vector<TarpitReply> out;
    std::string_view rest = text;
    while (!rest.empty()) {
        rest.remove_prefix(line.feed(rest));
        if (line.complete()) out.push_back(line.answer());
    }
    return out;
}

}  // namespace

TEST(TarpitDialogue, AnswersLikeSpamd) {
    struct Case {
        std::string line;
        TarpitReply reply;
    } cases[] = {
        {"EHLO bot.example\r\n", TarpitReply::hello},
        {"helo bot\r\n", TarpitReply::hello},
        {"MAIL FROM:<a@b.example>\r\n", TarpitReply::ok},
        {"rcpt to:<x@y.example>\r\n", TarpitReply::ok},
        {"RSET\r\n", TarpitReply::ok},
        {"NOOP\n", TarpitReply::ok},
        {"DATA\r\n", TarpitReply::data},
        {"QUIT\r\n", TarpitReply::quit},
        {"quit\n", TarpitReply::quit},
        {"DATAX\r\n", TarpitReply::unrecognized},
        {"DAT\r\n", TarpitReply::unrecognized},
        {"\r\n", TarpitReply::unrecognized},
        {"STARTTLS\r\n", TarpitReply::unrecognized},
        {"GET / HTTP/1.0\r\n", TarpitReply::unrecognized},
        {std::string("\0\0\0\0\n", 5), TarpitReply::unrecognized},
        {"MAIL FROM:<" + std::string(kMaxTarpitLine, 'a') + ">\r\n", TarpitReply::too_long},
    };
    for (const auto& c : cases)
        EXPECT_EQ(answers(c.line), std::vector<TarpitReply>{c.reply}) << c.line;
}

TEST(TarpitDialogue, PipelinedAndSplitLines) {
    EXPECT_EQ(answers("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\n"),
              (std::vector<TarpitReply>{TarpitReply::hello, TarpitReply::ok, TarpitReply::ok,
                                        TarpitReply::data}));
    // A line in pieces, a byte at a time, as a slow client sends it.
    TarpitLine line;
    std::string text = "qUiT\r\n";
    for (char ch : text) {
        EXPECT_FALSE(line.complete());
        EXPECT_EQ(line.feed(std::string_view(&ch, 1)), 1u);
    }
    ASSERT_TRUE(line.complete());
    EXPECT_EQ(line.answer(), TarpitReply::quit);
    EXPECT_FALSE(line.complete()) << "the next line starts afresh";
    // feed takes up to the first LF only.
    EXPECT_EQ(line.feed("NOOP\r\nQUIT\r\n"), 6u);
}

TEST(TarpitDialogue, AnEndlessLineIsBoundedAndAnsweredOnce) {
    TarpitLine line;
    std::string chunk(4096, 'x');
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(line.feed(chunk), chunk.size());
    EXPECT_FALSE(line.complete());
    line.feed("\r\n");
    EXPECT_EQ(line.answer(), TarpitReply::too_long);
    EXPECT_LE(sizeof(TarpitLine), 16u) << "a held client's input state is fixed and small";
}

TEST(TarpitDialogue, RepliesAndWhichOnesEnd) {
    TarpitReplies r("mx.example.net");
    EXPECT_EQ(r.text(TarpitReply::greeting), "220 mx.example.net ESMTP\r\n");
    EXPECT_EQ(r.text(TarpitReply::data).substr(0, 4), "451 ");
    EXPECT_EQ(r.text(TarpitReply::quit).substr(0, 4), "421 ");
    EXPECT_EQ(r.text(TarpitReply::hold_over).substr(0, 4), "421 ");
    EXPECT_TRUE(moat::firewall::isFinal(TarpitReply::data));
    EXPECT_TRUE(moat::firewall::isFinal(TarpitReply::quit));
    EXPECT_TRUE(moat::firewall::isFinal(TarpitReply::hold_over));
    EXPECT_FALSE(moat::firewall::isFinal(TarpitReply::ok));
    EXPECT_FALSE(moat::firewall::isFinal(TarpitReply::too_long));
    // A host name with spaces or control bytes cannot break a reply line.
    TarpitReplies odd("evil\r\n250 x y");
    EXPECT_EQ(odd.text(TarpitReply::greeting), "220 evil250xy ESMTP\r\n");
}
