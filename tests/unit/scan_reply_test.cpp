// The scand reply grammar, table-driven: what the parser accepts and what it
// refuses (anything that could carry unexpected text into an SMTP reply), and
// that format() always produces something the parser accepts.
#include "scan/scan_reply.h"

#include <gtest/gtest.h>

using moat::scan::formatScanReply;
using moat::scan::parseScanReply;
using moat::scan::ScanResult;
using Kind = moat::scan::ScanResult::Kind;

TEST(ScanReply, Accepted) {
    struct Case {
        std::string line;
        Kind kind;
        std::string detail;
    } cases[] = {
        {"clean\n", Kind::clean, ""},
        {"clean encrypted archive a.zip opened with a password found in the message\n", Kind::clean,
         "encrypted archive a.zip opened with a password found in the message"},
        {"virus Win.Test.EICAR_HDB-1\n", Kind::virus, "Win.Test.EICAR_HDB-1"},
        {"blocked attachment a.zip contains blocked file type .exe (setup.exe)\n", Kind::blocked,
         "attachment a.zip contains blocked file type .exe (setup.exe)"},
        {"error scan timed out\n", Kind::error, "scan timed out"},
        {"unavailable no virus signatures loaded\n", Kind::unavailable,
         "no virus signatures loaded"},
    };
    for (const auto& c : cases) {
        auto r = parseScanReply(c.line);
        ASSERT_TRUE(r) << c.line;
        EXPECT_EQ(r->kind, c.kind) << c.line;
        EXPECT_EQ(r->detail, c.detail) << c.line;
    }
}

TEST(ScanReply, Refused) {
    const std::string too_long = "virus " + std::string(401, 'A') + "\n";
    const std::string cases[] = {
        "",
        "clean",     // no newline
        "clean \n",  // a note is not empty
        "clean  note\n",
        "virus\n",  // detail required
        "virus \n",
        "virus  X\n",  // leading space
        "virus X \n",  // trailing space
        "Virus X\n",   // keywords are lower case
        "infected X\n",
        "virus X\r\n",       // CR is not printable
        "virus X\nclean\n",  // one line only
        std::string("virus X\0Y\n", 10),
        "virus \xc3\xa9\n",  // ASCII only
        "virus X\x1b[31m\n",
        too_long,
    };
    for (const auto& line : cases) EXPECT_FALSE(parseScanReply(line)) << line;
}

TEST(ScanReply, FormatRoundTrips) {
    const ScanResult cases[] = {
        {Kind::clean, ""},
        {Kind::clean, "a note"},
        {Kind::virus, "Eicar-Signature"},
        {Kind::blocked, "name with\r\nCRLF and \xff bytes"},
        {Kind::error, ""},
        {Kind::error, "   "},
        {Kind::unavailable, std::string(1000, 'x')},
    };
    for (const auto& r : cases) {
        std::string line = formatScanReply(r);
        auto back = parseScanReply(line);
        ASSERT_TRUE(back) << line;
        EXPECT_EQ(back->kind, r.kind);
        EXPECT_LE(line.size(), moat::scan::kMaxReplyBytes);
    }
    EXPECT_EQ(formatScanReply({Kind::blocked, "a\r\nb"}), "blocked a??b\n");
    EXPECT_EQ(formatScanReply({Kind::error, ""}), "error unknown\n");
    EXPECT_EQ(formatScanReply({Kind::clean, ""}), "clean\n");
    EXPECT_EQ(formatScanReply({Kind::clean, " \n"}), "clean ?\n");
}
