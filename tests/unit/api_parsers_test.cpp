// The API's two readers of outside data: the archive's safe message view
// (never HTML, script payloads kept as inert text) with its file-name guard,
// and moat-scand's status file.
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <sstream>

#include "api/archive_view.h"
#include "api/scand_status.h"

namespace moat::api {
namespace {

std::string dump(const Poco::JSON::Array::Ptr& a) {
    std::ostringstream os;
    a->stringify(os);
    return os.str();
}

TEST(ArchiveView, HtmlIsReducedToTextAndPayloadsStayText) {
    auto view = viewMessage(
        "From: \"<img src=x onerror=alert(1)>\" <a@b.example>\r\n"
        "Subject: \"><script>alert(2)</script>\r\n"
        "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
        "--XX\r\nContent-Type: text/html\r\n\r\n"
        "<a href=\"javascript:alert(3)\">click</a><img src=x "
        "onerror=alert(4)><script>alert(5)</script>\r\n"
        "--XX\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; "
        "filename=\"<script>alert(6)</script>.pdf\"\r\n\r\nxx\r\n--XX--\r\n");
    auto parts = dump(view.parts);
    EXPECT_NE(parts.find("click"), std::string::npos);
    EXPECT_EQ(parts.find("alert(3)"), std::string::npos);  // link targets are not shown
    EXPECT_EQ(parts.find("alert(4)"), std::string::npos);
    EXPECT_EQ(parts.find("alert(5)"), std::string::npos);
    EXPECT_EQ(parts.find("<a "), std::string::npos);
    // Names and headers stay as written: text for the UI to show escaped.
    ASSERT_EQ(view.parts->size(), 2u);
    EXPECT_EQ(view.parts->getObject(1)->getValue<std::string>("filename"),
              "<script>alert(6)</script>.pdf");
    EXPECT_EQ(view.headers->getArray(1)->getElement<std::string>(1),
              "\"><script>alert(2)</script>");
}

TEST(ArchiveView, GarbageGivesValidOutput) {
    std::string junk("\xff\xfe\x00\x01\r\n\r\n\x80\x81", 10);
    auto view = viewMessage(junk);
    EXPECT_FALSE(dump(view.headers).empty());
    auto empty = viewMessage("");
    EXPECT_EQ(empty.headers->size(), 0u);
}

TEST(ArchiveView, FileNames) {
    EXPECT_TRUE(safeArchiveFileName("1700000000-ABCDEF.eml"));
    for (const char* bad : {"", ".", "..", "../x", "a/b", "/etc/passwd", "x..y", "a\\b", "a\nb"})
        EXPECT_FALSE(safeArchiveFileName(bad)) << bad;
}

TEST(ScandStatus, Parses) {
    auto s = parseScandStatus(
        R"({"pid":7,"clamav_version":"1.0.7","signatures":8700000,"db_version":27500,)"
        R"("db_time":1700000000,"loaded":1700000100,"heartbeat":1700000200})");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->pid, 7);
    EXPECT_EQ(s->clamav_version, "1.0.7");
    EXPECT_EQ(s->signatures, 8700000);
    EXPECT_EQ(s->db_time, 1700000000);
    EXPECT_EQ(s->heartbeat, 1700000200);
}

TEST(ScandStatus, MistypedAndBroken) {
    auto s =
        parseScandStatus(R"({"pid":"x","clamav_version":5,"signatures":1e300,"heartbeat":true})");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->pid, 0);
    EXPECT_EQ(s->clamav_version, "");
    EXPECT_EQ(s->signatures, 0);
    EXPECT_EQ(s->heartbeat, 0);
    EXPECT_FALSE(parseScandStatus("{broken"));
    EXPECT_FALSE(parseScandStatus("[1,2]"));
    EXPECT_FALSE(parseScandStatus(""));
    EXPECT_FALSE(readScandStatus("/nonexistent/scand.status"));
    EXPECT_FALSE(readScandStatus(""));
}

}  // namespace
}  // namespace moat::api
