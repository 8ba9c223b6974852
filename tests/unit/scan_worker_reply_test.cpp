// A scan worker's answer (pid line, then a reply line), table-driven: partial
// texts give what they hold; anything but the grammar gives no pid or no verdict.
#include <gtest/gtest.h>

#include "scan/worker_reply.h"

using moat::scan::formatWorkerPid;
using moat::scan::parseWorkerReply;
using Kind = moat::scan::ScanResult::Kind;

TEST(ScanWorkerReply, Accepted) {
    auto r = parseWorkerReply("4242\nvirus Win.Test.EICAR_HDB-1\n");
    EXPECT_EQ(r.pid, 4242);
    ASSERT_TRUE(r.verdict);
    EXPECT_EQ(r.verdict->kind, Kind::virus);
    EXPECT_EQ(r.verdict->detail, "Win.Test.EICAR_HDB-1");
    EXPECT_EQ(formatWorkerPid(4242), "4242\n");
}

TEST(ScanWorkerReply, Partial) {
    EXPECT_EQ(parseWorkerReply("").pid, 0);
    EXPECT_EQ(parseWorkerReply("42").pid, 0);
    auto r = parseWorkerReply("42\n");
    EXPECT_EQ(r.pid, 42);
    EXPECT_FALSE(r.verdict);
    r = parseWorkerReply("42\ncle");
    EXPECT_EQ(r.pid, 42);
    EXPECT_FALSE(r.verdict);
}

TEST(ScanWorkerReply, Refused) {
    const std::string cases[] = {
        "\nclean\n",   "0\nclean\n",           "042\nclean\n",        "-1\nclean\n",
        "+5\nclean\n", "12345678901\nclean\n", "2147483648\nclean\n", "4 2\nclean\n",
        "clean\n",     "x\nclean\n",
    };
    for (const auto& c : cases) {
        auto r = parseWorkerReply(c);
        EXPECT_EQ(r.pid, 0) << c;
        EXPECT_FALSE(r.verdict) << c;
    }
    // A valid pid with a reply line that breaks the grammar: no verdict.
    EXPECT_FALSE(parseWorkerReply("7\nvirus\n").verdict);
    EXPECT_FALSE(parseWorkerReply("7\nclean\nclean\n").verdict);
    EXPECT_FALSE(parseWorkerReply("7\n" + std::string(600, 'a') + "\n").verdict);
}
