#include "mail/header_block.h"

#include <gtest/gtest.h>

#include <string>

using moat::mail::HeaderBlock;

TEST(HeaderBlock, StopsAtTheEmptyLineAndCountsReceived) {
    HeaderBlock h(1024);
    h.feed(
        "Received: from a\r\n\tby b\r\nRECEIVED: x\r\nSubject: hi\r\n\r\nReceived: in the "
        "body\r\n");
    EXPECT_TRUE(h.complete());
    EXPECT_FALSE(h.tooLarge());
    EXPECT_EQ(h.received(), 2);
    EXPECT_EQ(h.text(), "Received: from a\r\n\tby b\r\nRECEIVED: x\r\nSubject: hi\r\n\r\n");
}

TEST(HeaderBlock, PiecesSplitAnywhereGiveTheSameResult) {
    std::string msg;
    for (int i = 0; i < 60; ++i) msg += "Received: from hop" + std::to_string(i) + "\r\n";
    msg += "Subject: loop\r\n\r\nbody\r\n";
    for (std::size_t step : {1u, 2u, 3u, 7u, 64u, 1000u}) {
        HeaderBlock h(1 << 20);
        for (std::size_t i = 0; i < msg.size(); i += step)
            h.feed(std::string_view(msg).substr(i, step));
        EXPECT_EQ(h.received(), 60) << step;
        EXPECT_TRUE(h.complete());
        EXPECT_EQ(h.text(), msg.substr(0, msg.find("\r\n\r\n") + 4)) << step;
    }
}

TEST(HeaderBlock, CapsWhatItKeeps) {
    HeaderBlock h(100);
    h.feed("X-Long: " + std::string(500, 'a') + "\r\nSubject: s\r\n\r\nbody");
    EXPECT_TRUE(h.complete());
    EXPECT_TRUE(h.tooLarge());
    EXPECT_EQ(h.text().size(), 100u);
}

TEST(HeaderBlock, NoEmptyLineMeansAllHeader) {
    HeaderBlock h(1024);
    h.feed("Subject: only\r\n");
    EXPECT_FALSE(h.complete());
    EXPECT_EQ(h.text(), "Subject: only\r\n");
}
