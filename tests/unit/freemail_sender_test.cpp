// Sender claims the message itself contradicts (content/freemail_sender.h and
// the link-to-ip heuristic): which domains count as signing webmail
// providers, the replies and list posts left alone, a DKIM signature's
// presence, and links that name a public IPv4 address.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "content/freemail_sender.h"
#include "content/heuristics.h"
#include "content/mime_decoder.h"

using namespace moat::content;

namespace {

constexpr std::int64_t kNow = 1764489600;  // Sun, 30 Nov 2025 08:00:00 +0000

std::string message(std::string_view from, std::string_view extra_headers = "",
                    std::string_view subject = "Your order", std::string_view body = "Hello.\r\n") {
    return "From: " + std::string(from) + "\r\nTo: a@example.org\r\nSubject: " + std::string(subject) +
           "\r\nDate: Sun, 30 Nov 2025 07:00:00 +0000\r\nMessage-ID: <1@host.example>\r\n" +
           std::string(extra_headers) + "\r\n" + std::string(body);
}

bool fires(const std::string& raw, std::string_view part) {
    auto parts = heuristicParts(decodeMessage(raw), kNow);
    return std::any_of(parts.begin(), parts.end(), [&](const ScorePart& p) { return p.name == part; });
}

}  // namespace

TEST(FreemailSender, SigningDomains) {
    for (std::string_view d : {"gmail.com", "yahoo.com", "yahoo.co.uk", "yahoo.com.br", "hotmail.fr",
                               "outlook.com", "aol.com", "gmx.net", "gmx.de", "web.de", "icloud.com",
                               "mail.ru", "yandex.ru"})
        EXPECT_TRUE(isSigningFreemailDomain(d)) << d;
    for (std::string_view d : {"example.org", "yahoo.example", "yahoo", "mail.yahoo.com", "notgmail.com",
                               "gmail.com.evil.test", "hotmail.co.example", "", "."})
        EXPECT_FALSE(isSigningFreemailDomain(d)) << d;
}

TEST(FreemailSender, UnsignedFreshMessageFromWebmail) {
    auto raw = message("\"Mr Smith\" <smith77@yahoo.co.uk>");
    auto reason = unsignedFreemail(decodeMessage(raw), "yahoo.co.uk");
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("yahoo.co.uk"), std::string::npos);
    EXPECT_TRUE(fires(raw, "unsigned-freemail"));
    // The domain is read off the From's address, in any case, comments left out.
    EXPECT_TRUE(fires(message("smith77@GMail.COM (Mr Smith)"), "unsigned-freemail"));
}

TEST(FreemailSender, SignedRepliesAndListsAreLeftAlone) {
    const std::string from = "<smith77@gmail.com>";
    EXPECT_FALSE(fires(message(from, "DKIM-Signature: v=1; a=rsa-sha256; d=gmail.com; s=x; b=abc\r\n"),
                       "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "In-Reply-To: <0@example.org>\r\n"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "References: <0@example.org>\r\n"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "", "Re: your order"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "", "AW: Ihre Bestellung"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "List-Id: <users.lists.example.org>\r\n"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message(from, "X-Mailman-Version: 2.1.39\r\n"), "unsigned-freemail"));
    // Other domains, and a From with no valid address (bad-from instead), never fire.
    EXPECT_FALSE(fires(message("<smith77@example.org>"), "unsigned-freemail"));
    EXPECT_FALSE(fires(message("smith77 at gmail.com"), "unsigned-freemail"));
    EXPECT_TRUE(fires(message("smith77 at gmail.com"), "bad-from"));
}

TEST(LinkToIp, PublicAddressesInTextAndLinks) {
    auto plain = [](std::string_view body) { return message("<a@example.org>", "", "Hi", body); };
    EXPECT_TRUE(fires(plain("See http://203.0.113.7/offer now\r\n"), "link-to-ip"));
    EXPECT_TRUE(fires(plain("See HTTPS://user@198.51.100.1:8080/x\r\n"), "link-to-ip"));
    EXPECT_FALSE(fires(plain("See http://www.example.org/ and http://10.1.2.3/ and http://192.168.1.1/\r\n"),
                       "link-to-ip"));
    EXPECT_FALSE(fires(plain("Our server is 203.0.113.7 and ftp://203.0.113.7/pub\r\n"), "link-to-ip"));
    EXPECT_FALSE(fires(plain("http://203.0.113.7.example.org/ is a name\r\n"), "link-to-ip"));
    // The link hosts are the URI blocklist's (uri_extractor.h): disguised schemes and redirectors count.
    EXPECT_TRUE(fires(plain("Go to hxxp://203.0.113.7/win\r\n"), "link-to-ip"));
    EXPECT_TRUE(fires(plain("http://www.example.org/r?u=http%3A%2F%2F203.0.113.8%2Fx\r\n"), "link-to-ip"));
    // So do addresses written as browsers read them: one number, octal, hex.
    EXPECT_TRUE(fires(plain("Click http://3512041827/offer\r\n"), "link-to-ip"));
    EXPECT_TRUE(fires(plain("Click http://0xcb.0.113.7/ or http://0313.0.0161.07/\r\n"), "link-to-ip"));
    EXPECT_FALSE(fires(plain("Router at http://0xc0a80101/ and http://3232235777/\r\n"), "link-to-ip"));
    EXPECT_FALSE(fires(plain("http://012.1.2.3/ is 10.1.2.3\r\n"), "link-to-ip"));
    auto html = message("<a@example.org>", "Content-Type: text/html\r\n", "Hi",
                        "<html><body><a href=\"http://203.0.113.9/login\">your bank</a></body></html>\r\n");
    EXPECT_TRUE(fires(html, "link-to-ip"));
}

TEST(LinkToIp, JudgesTheHostsItIsGiven) {
    // The gateway passes the hosts its content score extracted once (MessageScore::uri_hosts).
    auto m = decodeMessage(message("<a@example.org>", "", "Hi", "no links here\r\n"));
    auto has = [](const std::vector<ScorePart>& parts) {
        return std::any_of(parts.begin(), parts.end(), [](const ScorePart& p) { return p.name == "link-to-ip"; });
    };
    EXPECT_TRUE(has(heuristicParts(m, {"example.org", "203.0.113.7"}, std::nullopt)));
    EXPECT_FALSE(has(heuristicParts(m, {"example.org", "10.0.0.1", "127.0.0.1"}, std::nullopt)));
    EXPECT_FALSE(has(heuristicParts(m, std::nullopt)));
}
