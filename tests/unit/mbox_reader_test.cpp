// The mbox reader: From_ separators only at the start or after an empty line,
// mboxrd unquoting, the empty line before a separator dropped, size limits,
// and the same messages however the input is split.
#include "content/mbox_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using moat::content::MboxReader;

namespace {

struct Read {
    std::vector<std::string> messages;
    std::vector<bool> truncated;
};

Read readAll(const std::string& mbox, std::size_t chunk, std::size_t max = 1 << 20) {
    Read r;
    MboxReader reader(
        [&](std::string m, bool t) {
            r.messages.push_back(std::move(m));
            r.truncated.push_back(t);
        },
        max);
    for (std::size_t i = 0; i < mbox.size(); i += chunk)
        reader.feed(std::string_view(mbox).substr(i, chunk));
    reader.finish();
    EXPECT_EQ(reader.messages(), r.messages.size());
    return r;
}

struct Case {
    const char* name;
    std::string mbox;
    std::vector<std::string> messages;
};

TEST(MboxReader, Cases) {
    const Case cases[] = {
        {"two messages",
         "From a@x Mon Jan 1 00:00:00 2024\nSubject: 1\n\none\n\nFrom b@x Tue\nSubject: 2\n\ntwo\n",
         {"Subject: 1\n\none\n", "Subject: 2\n\ntwo\n"}},
        {"quoted from lines",
         "From a\nS: 1\n\n>From here\n>>From there\n> From not quoted\nFrom inside\n",
         {"S: 1\n\nFrom here\n>From there\n> From not quoted\nFrom inside\n"}},
        {"from without empty line before is content",
         "From a\nS: 1\n\nbody\nFrom nope\n",
         {"S: 1\n\nbody\nFrom nope\n"}},
        {"crlf",
         "From a\r\nS: 1\r\n\r\nbody\r\n\r\nFrom b\r\nS: 2\r\n\r\nx\r\n",
         {"S: 1\r\n\r\nbody\r\n", "S: 2\r\n\r\nx\r\n"}},
        {"several empty lines kept but the last",
         "From a\nS\n\nb\n\n\n\nFrom c\nT\n",
         {"S\n\nb\n\n\n", "T\n"}},
        {"text before the first From_ is dropped", "garbage\n\nFrom a\nS\n", {"S\n"}},
        {"no final newline", "From a\nS\n\nlast", {"S\n\nlast"}},
        {"empty file", "", {}},
        {"empty message", "From a\n\nFrom b\nS\n", {"", "S\n"}},
    };
    for (const auto& c : cases) {
        for (std::size_t chunk :
             {std::size_t(1), std::size_t(3), std::size_t(7), std::size_t(1) << 20}) {
            SCOPED_TRACE(std::string(c.name) + " chunk " + std::to_string(chunk));
            auto r = readAll(c.mbox, chunk);
            EXPECT_EQ(r.messages, c.messages);
        }
    }
}

TEST(MboxReader, SizeLimitAndLongLines) {
    std::string mbox = "From a\nS: 1\n\n" + std::string(5000, 'x') + "\n\nFrom b\nS: 2\n\nok\n";
    for (std::size_t chunk : {std::size_t(1), std::size_t(100), std::size_t(1) << 20}) {
        SCOPED_TRACE(chunk);
        auto r = readAll(mbox, chunk, 1000);
        ASSERT_EQ(r.messages.size(), 2u);
        EXPECT_EQ(r.messages[0].size(), 1000u);
        EXPECT_TRUE(r.truncated[0]);
        EXPECT_EQ(r.messages[1], "S: 2\n\nok\n");
        EXPECT_FALSE(r.truncated[1]);
    }
    // A From_ line longer than the limit is not a separator, however it arrives.
    std::string long_from = "From a\nS\n\nFrom " + std::string(3000, 'y') + "\nz\n";
    EXPECT_EQ(readAll(long_from, 1, 1000).messages, readAll(long_from, 1 << 20, 1000).messages);
    EXPECT_EQ(readAll(long_from, 1 << 20, 1000).messages.size(), 1u);
}

}  // namespace
