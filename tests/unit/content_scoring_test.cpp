// Content scoring pieces as tables: heuristics on small messages, the date
// parser, URI host extraction (plain, obfuscated, redirector forms), the
// Public Suffix List (rules, wildcards, exceptions), header rewriting
// (Subject prefixing, spoofed score headers, body byte for byte) and the
// X-Moat-Score summary.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "content/header_rewrite.h"
#include "content/heuristics.h"
#include "content/message_score.h"
#include "content/mime_decoder.h"
#include "content/public_suffix.h"
#include "content/uri_extractor.h"
#include "policy/content_filter.h"
#include "policy/uribl_lookup.h"

using namespace moat::content;

namespace {

constexpr std::int64_t kNow = 1764489600;  // Sun, 30 Nov 2025 08:00:00 +0000

std::vector<std::string> names(const std::vector<ScorePart>& parts) {
    std::vector<std::string> out;
    for (const auto& p : parts) out.push_back(p.name);
    return out;
}

std::vector<std::string> heuristicsOf(const std::string& raw) {
    return names(heuristicParts(decodeMessage(raw), kNow));
}

const std::string kGoodHeaders =
    "From: Alice <alice@example.org>\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\nSubject: hi\r\n";

}  // namespace

TEST(Heuristics, Table) {
    struct Case {
        std::string raw;
        std::vector<std::string> parts;
    } cases[] = {
        {kGoodHeaders + "\r\nhello\r\n", {}},
        {"From: a@example.org\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n", {"missing-date"}},
        {"From: a@example.org\r\nDate: yesterday\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n",
         {"bad-date"}},
        {"From: a@example.org\r\nDate: Mon, 29 Dec 2025 10:00:00 +0000\r\nMessage-ID: "
         "<1@x.example>\r\n\r\nhi\r\n",
         {"future-date"}},
        // More than 6 hours ahead of the arrival (kNow is 08:00); 5 hours is a clock set wrong.
        {"From: a@example.org\r\nDate: Sun, 30 Nov 2025 14:30:00 +0000\r\nMessage-ID: "
         "<1@x.example>\r\n\r\nhi\r\n",
         {"future-date"}},
        {"From: a@example.org\r\nDate: Sun, 30 Nov 2025 13:00:00 +0000\r\nMessage-ID: "
         "<1@x.example>\r\n\r\nhi\r\n",
         {}},
        {"From: a@example.org\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: <1@x.example>\r\n"
         "Content-Type: text/html\r\n\r\n<html><p>hi</p></html>\r\n",
         {"content-type-without-mime"}},
        // HTML alone as a fragment; a whole document (any case), or beside a text part, is not.
        {kGoodHeaders + "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n",
         {"html-without-html-element"}},
        {kGoodHeaders + "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<!DOCTYPE html>\r\n"
                        "<HTML lang=en><p>hi</p>\r\n",
         {}},
        {kGoodHeaders + "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
                        "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: text/html\r\n\r\n"
                        "<p>hi</p>\r\n--b--\r\n",
         {}},
        {"From: a@example.org\r\nDate: 1 Jan 2020 10:00 GMT\r\nMessage-ID: "
         "<1@x.example>\r\n\r\nhi\r\n",
         {"old-date"}},
        {"From: a@example.org\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\n\r\nhi\r\n",
         {"missing-message-id"}},
        {"From: a@example.org\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: "
         "nonsense\r\n\r\nhi\r\n",
         {"bad-message-id"}},
        {"Date: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n",
         {"missing-from"}},
        {"From: nobody\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: "
         "<1@x.example>\r\n\r\nhi\r\n",
         {"bad-from"}},
        // "pаypal" with a Cyrillic a, three times.
        {kGoodHeaders + "Content-Type: text/plain; charset=utf-8\r\n\r\np\xd0\xb0ypal "
                        "p\xd0\xb0ypal p\xd0\xb0ypal\r\n",
         {"mixed-scripts"}},
        {kGoodHeaders + "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<html><p>hi</p><div style=\"display:none\">" +
             std::string(60, 'x') + "</div>\r\n",
         {"hidden-text"}},
    };
    for (const auto& c : cases) EXPECT_EQ(heuristicsOf(c.raw), c.parts) << c.raw;
}

TEST(Heuristics, FromWithCommentsIsPlausible) {
    const std::string rest = "\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n";
    // RFC 822's "address (name)", as older mailers and mailing lists write it.
    for (const char* from : {"jm@example.org (Justin Mason)", "jm@example.org (a (nested) comment)",
                             "\"Mason, Justin (IE)\" <jm@example.org>", "Justin <jm@example.org> (work)",
                             "(the list) jm@example.org", "jm@example.org (an escaped \\) paren)"})
        EXPECT_EQ(heuristicsOf(std::string("From: ") + from + rest), std::vector<std::string>{}) << from;
    for (const char* from : {"(jm@example.org)", "Justin Mason", "jm@ (example.org)", "jm@example.org (unclosed <x@y.z>"})
        EXPECT_EQ(heuristicsOf(std::string("From: ") + from + rest), std::vector<std::string>{"bad-from"}) << from;
}

TEST(Heuristics, DateAgeNotJudgedWhenArrivalUnknown) {
    const auto old = decodeMessage("From: a@example.org\r\nDate: 1 Jan 2020 10:00 GMT\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n");
    EXPECT_EQ(names(heuristicParts(old, kNow)), std::vector<std::string>{"old-date"});
    EXPECT_EQ(names(heuristicParts(old, std::nullopt)), std::vector<std::string>{});
    // Whether a Date is there and well formed does not depend on when it arrived.
    EXPECT_EQ(names(heuristicParts(decodeMessage("From: a@example.org\r\nDate: yesterday\r\nMessage-ID: <1@x.example>\r\n\r\nhi\r\n"),
                                   std::nullopt)),
              std::vector<std::string>{"bad-date"});
}

TEST(Heuristics, MixedScriptWordsCounted) {
    EXPECT_EQ(mixedScriptWords("paypal login 123, all plain ASCII!"), 0u);
    EXPECT_EQ(mixedScriptWords("\u041f\u0440\u0438\u0432\u0435\u0442 Ünïcödé"), 0u);  // Cyrillic word; Latin-1 word
    EXPECT_EQ(mixedScriptWords("p\u0430ypal"), 1u);                       // Cyrillic a inside
    EXPECT_EQ(mixedScriptWords("p\u0430y-p\u0430l and \u03bfk"), 3u);     // ASCII punctuation ends a word
    EXPECT_EQ(mixedScriptWords("p\u0430y\u200bpal"), 1u);                 // zero-width space does not split it
    EXPECT_EQ(mixedScriptWords("\xff\xfe broken bytes \xd0"), 0u);        // invalid UTF-8: no crash, nothing mixed
}

TEST(Heuristics, ManyEncodedWords) {
    std::string subject;
    for (int i = 0; i < 12; ++i) subject += "=?utf-8?q?w" + std::to_string(i) + "?= ";
    EXPECT_EQ(
        heuristicsOf("From: a@example.org\r\nDate: Sun, 30 Nov 2025 07:59:00 +0000\r\nMessage-ID: "
                     "<1@x.example>\r\nSubject: " +
                     subject + "\r\n\r\nhi\r\n"),
        std::vector<std::string>{"encoded-words"});
}

TEST(Heuristics, DateParser) {
    std::int64_t t = 0;
    ASSERT_TRUE(parseRfc5322Date("Sun, 30 Nov 2025 08:00:00 +0000", t));
    EXPECT_EQ(t, kNow);
    ASSERT_TRUE(parseRfc5322Date("30 Nov 2025 09:00:00 +0100 (CET)", t));
    EXPECT_EQ(t, kNow);
    ASSERT_TRUE(parseRfc5322Date("Sun, 30 Nov 2025 03:00 EST", t));
    EXPECT_EQ(t, kNow);
    for (const char* bad :
         {"", "yesterday", "Sun, 31 Nov 2025 08:00:00 +0000x", "30 Foo 2025 08:00:00 +0000",
          "30 Nov 2025 25:00:00 +0000", "30 Nov 2025 08:00:00", "Sunday, 30 Nov 2025 08:00 +0000",
          "30 Nov 2025 08:00:00 +00000"})
        EXPECT_FALSE(parseRfc5322Date(bad, t)) << bad;
}

TEST(UriExtractor, Forms) {
    struct Case {
        std::string text;
        std::vector<std::string> hosts;
    } cases[] = {
        {"see http://www.Example.com/x and https://a.b.example.org:8080/",
         {"www.example.com", "a.b.example.org"}},
        {"hxxp://evil.test/path hxxps://evil2.test", {"evil.test", "evil2.test"}},
        {"http://evil[.]test/ and h**p://bad(.)test", {"evil.test", "bad.test"}},
        {"visit www.shop.test today", {"www.shop.test"}},
        {"http://redirect.example/?url=http://evil.test/x", {"redirect.example", "evil.test"}},
        {"http://redirect.example/?u=http%3A%2F%2Fencoded.test%2F",
         {"redirect.example", "encoded.test"}},
        {"http://user:pw@host.test/", {"host.test"}},
        {"http://192.0.2.7/login", {"192.0.2.7"}},
        {"http://999.1.1.1/ http://nodot/ http://a.b/ mailto:x@y.test", {}},
        // Addresses in the forms browsers read come back as dotted quads, once.
        {"http://3512041827/ http://0xd1.0x55.0x81.0x63/x http://209.85.129.99/",
         {"209.85.129.99"}},
        {"http://0300.0250.0.01/ http://127.1/ https://user@0x7f000001:80/", {"192.168.0.1", "127.0.0.1"}},
        {"http://4294967296/ http://08.1.2.3/ http://1.2.3.4.5/", {}},
        {"http://0xcafe.com/", {"0xcafe.com"}},
        {"xhttp://no.test www2.no.test", {}},
        {"http://same.test http://SAME.test/", {"same.test"}},
    };
    for (const auto& c : cases) {
        std::vector<std::string> hosts;
        extractUriHosts(c.text, hosts);
        EXPECT_EQ(hosts, c.hosts) << c.text;
    }
}

TEST(UriExtractor, HtmlLinksAndLimit) {
    auto message = decodeMessage(
        "Content-Type: text/html\r\n\r\n<a href=\"http://link.test/a\">click</a> <a "
        "href=\"http%3a//pct.test\">x</a>\r\n");
    EXPECT_EQ(extractUriHosts(message), (std::vector<std::string>{"link.test", "pct.test"}));
    std::string many;
    for (int i = 0; i < 50; ++i) many += "http://h" + std::to_string(i) + ".test ";
    std::vector<std::string> hosts;
    extractUriHosts(many, hosts, UriLimits{.max_hosts = 10});
    EXPECT_EQ(hosts.size(), 10u);
}

TEST(PublicSuffix, RulesWildcardsExceptions) {
    auto psl = PublicSuffixList::parse(
        "// "
        "comment\ncom\nuk\nco.uk\n*.ck\n!www.ck\n*.kawasaki.jp\n!city.kawasaki.jp\njp\n\nbad.."
        "rule\n");
    struct Case {
        const char* host;
        const char* domain;
    } cases[] = {
        {"example.com", "example.com"},
        {"www.example.com", "example.com"},
        {"com", ""},
        {"a.b.evil.co.uk", "evil.co.uk"},
        {"co.uk", ""},
        {"foo.ck", ""},
        {"bar.foo.ck", "bar.foo.ck"},
        {"www.ck", "www.ck"},
        {"a.www.ck", "www.ck"},
        {"x.y.kawasaki.jp", "x.y.kawasaki.jp"},
        {"city.kawasaki.jp", "city.kawasaki.jp"},
        {"a.city.kawasaki.jp", "city.kawasaki.jp"},
        {"example.unlisted", "example.unlisted"},
        {"Example.COM", "example.com"},
        {"", ""},
        {"a..com", ""},
    };
    for (const auto& c : cases) EXPECT_EQ(psl.registeredDomain(c.host), c.domain) << c.host;
}

TEST(PublicSuffix, SystemList) {
    const auto& psl = PublicSuffixList::system();
    if (psl.size() == 0) GTEST_SKIP() << "publicsuffix package not installed";
    EXPECT_EQ(psl.registeredDomain("www.bbc.co.uk"), "bbc.co.uk");
    EXPECT_EQ(psl.registeredDomain("evil.test"), "evil.test");
}

TEST(Uribl, Names) {
    EXPECT_EQ(
        moat::policy::uriblNames({"www.evil.test", "evil.test", "192.0.2.7", "a.b.example.com"}),
        (std::vector<std::string>{"evil.test", "7.2.0.192", "example.com"}));
    // One address in two forms is one name.
    EXPECT_EQ(moat::policy::uriblNames({"209.85.129.99", "3512041827", "0xd1.85.129.99"}),
              (std::vector<std::string>{"99.129.85.209"}));
}

TEST(HeaderRewrite, SubjectForms) {
    struct Case {
        std::string in;
        std::string out;
    } cases[] = {
        {"Subject: hello\r\nFrom: a@b\r\n\r\nbody\r\n",
         "Subject: [SPAM?] hello\r\nFrom: a@b\r\n\r\nbody\r\n"},
        {"From: a@b\r\nSubject: long\r\n folded\r\n\tsubject\r\n\r\nbody\r\n",
         "From: a@b\r\nSubject: [SPAM?] long\r\n folded\r\n\tsubject\r\n\r\nbody\r\n"},
        {"Subject: =?utf-8?B?w6lsw6k=?=\r\n\r\nbody\r\n",
         "Subject: [SPAM?] =?utf-8?B?w6lsw6k=?=\r\n\r\nbody\r\n"},
        {"Subject:\r\n\r\nbody\r\n", "Subject: [SPAM?]\r\n\r\nbody\r\n"},
        {"From: a@b\r\n\r\nbody\r\n", "Subject: [SPAM?]\r\nFrom: a@b\r\n\r\nbody\r\n"},
        {"Subject: one\r\nSubject: two\r\n\r\n", "Subject: [SPAM?] one\r\nSubject: two\r\n\r\n"},
    };
    for (const auto& c : cases) EXPECT_EQ(rewriteHeaders(c.in, {"", "[SPAM?]"}), c.out) << c.in;
}

TEST(HeaderRewrite, LongSubjectIsFolded) {
    std::string value(990, 'x');
    auto out = rewriteHeaders("Subject: " + value + "\r\n\r\n", {"", "[SPAM?]"});
    EXPECT_EQ(out, "Subject: [SPAM?]\r\n " + value + "\r\n\r\n");
}

TEST(HeaderRewrite, DropsSpoofedHeadersKeepsBody) {
    std::string body =
        "line one\r\nX-Moat-Score: 0 (in the body stays)\r\n\r\n\r\nSubject: not a header\r\n.. "
        "odd\r\n";
    std::string in =
        "X-Moat-Score: -100 (forged)\r\nFrom: a@b\r\nx-spam-status: No,\r\n\tscore=-100\r\nTo: "
        "c@d\r\n\r\n" +
        body;
    auto out = rewriteHeaders(in, {"X-Moat-Score: 1 (bayes +1)\r\n", ""});
    EXPECT_EQ(out, "X-Moat-Score: 1 (bayes +1)\r\nFrom: a@b\r\nTo: c@d\r\n\r\n" + body);
    auto sep = out.find("\r\n\r\n");
    EXPECT_EQ(out.substr(sep + 4), body);
}

TEST(HeaderRewrite, NoHeaderBlock) {
    EXPECT_EQ(rewriteHeaders("\r\nbody\r\n", {"X-A: 1\r\n", ""}), "X-A: 1\r\n\r\nbody\r\n");
    EXPECT_EQ(rewriteHeaders("not a header line\r\n", {"X-A: 1\r\n", ""}),
              "X-A: 1\r\nnot a header line\r\n");
}

TEST(MessageScore, SummaryAndReasons) {
    MessageScore s;
    s.parts = {{"bayes", 4.1, "words typical of spam"},
               {"missing-date", 1, "no Date"},
               {"uribl multi.uribl.test", 2.2, "listed link"},
               {"smtp-time", 0, "smtp"}};
    EXPECT_EQ(s.total(), 7.3);
    EXPECT_EQ(s.summary(),
              "7.3 (bayes +4.1, missing-date +1, uribl multi.uribl.test +2.2, smtp-time +0)");
    EXPECT_EQ(s.topReasons(2), "words typical of spam; listed link");
    EXPECT_EQ(formatScore(-2.25), "-2.25");
    EXPECT_EQ(formatScore(10), "10");
    moat::policy::ContentThresholds limits;
    EXPECT_EQ(moat::policy::scoreHeaders(s, limits),
              "X-Moat-Score: 7.3 (bayes +4.1, missing-date +1, uribl multi.uribl.test +2.2, "
              "smtp-time +0)\r\n"
              "X-Spam-Status: Yes, score=7.3 tag=5 reject=10\r\n");
}

TEST(MessageScore, AttachedMessagesAreKept) {
    auto m = decodeMessage(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
        "text/plain\r\n\r\nfyi\r\n--b\r\n"
        "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: x@y.test\r\n\r\ninner "
        "body\r\n--b--\r\n");
    ASSERT_EQ(m.attached_messages.size(), 1u);
    EXPECT_NE(m.attached_messages[0].find("inner body"), std::string::npos);
}

TEST(ContentSettings, TagPhraseKeepsCase) {
    using moat::policy::validateSetting;
    EXPECT_EQ(validateSetting("content.tag_phrase", "  [Maybe Spam] "), "[Maybe Spam]");
    EXPECT_THROW(validateSetting("content.tag_phrase", "bad\x01"), std::invalid_argument);
    EXPECT_THROW(validateSetting("content.tag_phrase", std::string(41, 'x')),
                 std::invalid_argument);
    EXPECT_THROW(validateSetting("uribl.action", "reject"), std::invalid_argument);
    EXPECT_EQ(validateSetting("content.tag_score", "-2.5"), "-2.5");
}

TEST(ContentSettings, StrictestDomainWins) {
    moat::policy::Settings settings(
        {{"content.tag_score", "6"}},
        {{"a.test",
          {{"content.tag_score", "3"}, {"content.tag_phrase", "[A]"}, {"content.enabled", "no"}}},
         {"b.test", {{"content.reject_score", "8"}, {"content.autolearn", "yes"}}}});
    auto global = moat::policy::strictestThresholds(settings, {});
    EXPECT_EQ(global.tag, 6);
    EXPECT_EQ(global.tag_phrase, "[SPAM?]");
    auto both = moat::policy::strictestThresholds(settings, {"a.test", "b.test"});
    EXPECT_TRUE(both.enabled);
    EXPECT_EQ(both.tag, 3);
    EXPECT_EQ(both.tag_phrase, "[A]");
    EXPECT_EQ(both.reject, 8);
    EXPECT_FALSE(both.autolearn);
    EXPECT_FALSE(moat::policy::strictestThresholds(settings, {"a.test"}).enabled);
}
