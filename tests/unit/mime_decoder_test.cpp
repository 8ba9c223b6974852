// The MIME decoder against real-world-shaped and hostile messages: each case
// is a raw message, the anomalies it must report, text it must (or must not)
// yield and its attachments. Nothing here may throw or crash.
#include "content/mime_decoder.h"

#include <glib.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "content/charset.h"
#include "content/gtube.h"
#include "content/utf8.h"

using namespace moat::content;

namespace {

std::string nested(int levels, const std::string& leaf_text) {
    std::string head, tail;
    for (int i = 0; i < levels; ++i) {
        std::string b = "b" + std::to_string(i);
        head += "Content-Type: multipart/mixed; boundary=\"" + b + "\"\n\n--" + b + "\n";
        tail = "\n--" + b + "--\n" + tail;
    }
    return "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n" + head +
           "Content-Type: text/plain\n\n" + leaf_text + tail;
}

std::string manyParts(int n) {
    std::string m =
        "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n";
    for (int i = 0; i < n; ++i)
        m += "--x\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
    return m + "--x--\n";
}

struct Case {
    const char* name;
    std::string raw;
    std::vector<std::string_view> anomalies = {};  // each must be reported
    std::vector<std::string> text_has = {};        // substrings of allText()
    std::vector<std::string> text_lacks = {};
    std::size_t attachments = 0;
    std::function<void(const DecodedMessage&)> more = nullptr;
    DecodeLimits limits = {};
};

std::vector<Case> cases() {
    std::vector<Case> all;
    all.push_back({"plain",
                   "From: Jane <jane@example.com>\r\nSubject: Lunch\r\n\r\nSee you at noon.\r\n",
                   {},
                   {"See you at noon."},
                   {},
                   0,
                   [](const DecodedMessage& m) {
                       ASSERT_NE(m.header("subject"), nullptr);
                       EXPECT_EQ(m.header("Subject")->value, "Lunch");
                       EXPECT_EQ(m.header("FROM")->value, "Jane <jane@example.com>");
                       EXPECT_EQ(m.parts, 1u);
                       EXPECT_TRUE(m.anomalies.empty());
                   }});
    all.push_back(
        {"encoded words",
         "Subject: =?UTF-8?B?R3LDvMOfZQ==?= =?iso-8859-1?q?caf=E9?=\nFrom: =?utf-8?q?J=C3=B6rg?= "
         "<j@example.com>\n\nbody\n",
         {},
         {"body"},
         {},
         0,
         [](const DecodedMessage& m) {
             EXPECT_EQ(m.header("Subject")->value, "Grüßecafé");
             EXPECT_EQ(m.header("From")->value, "Jörg <j@example.com>");
             EXPECT_EQ(m.encoded_words, 3u);
         }});
    all.push_back(
        {"alternative qp and base64 html",
         "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n"
         "--alt\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
         "quoted-printable\n\n"
         "Caf=C3=A9 soft=\nbreak\n"
         "--alt\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
         "PHA+SGVsbG8gPGI+d29ybGQ8L2I+PC9wPjxzY3JpcHQ+eD0xPC9zY3JpcHQ+\n"
         "--alt--\n",
         {},
         {"Café softbreak", "Hello world"},
         {"x=1"},
         0,
         [](const DecodedMessage& m) {
             ASSERT_EQ(m.texts.size(), 2u);
             EXPECT_EQ(m.texts[1].content_type, "text/html");
             EXPECT_EQ(m.texts[1].text, "Hello world");
             EXPECT_EQ(m.depth, 1u);
             EXPECT_EQ(m.parts, 3u);
         }});
    all.push_back(
        {"rfc 2231 and rfc 2047 file names",
         "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\nContent-Type: "
         "text/plain\n\nsee attached\n"
         "--m\nContent-Type: application/pdf\nContent-Disposition: attachment; "
         "filename*=UTF-8''%E2%82%AC%20rates.pdf\n"
         "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
         "--m\nContent-Type: application/octet-stream; name=\"=?UTF-8?B?w6l0w6kuZXhl?=\"\n"
         "Content-Disposition: attachment\nContent-Transfer-Encoding: base64\n\nTVqQAA==\n--m--\n",
         {},
         {"see attached"},
         {},
         2,
         [](const DecodedMessage& m) {
             EXPECT_EQ(m.attachments[0].filename, "€ rates.pdf");
             EXPECT_EQ(m.attachments[0].content_type, "application/pdf");
             EXPECT_EQ(m.attachments[0].disposition, "attachment");
             EXPECT_EQ(m.attachments[0].data, "%PDF-1.4\n");
             EXPECT_EQ(m.attachments[0].size, 9u);
             EXPECT_EQ(m.attachments[1].filename, "été.exe");
             EXPECT_EQ(m.attachments[1].data, std::string("MZ\x90\0", 4));
         }});
    all.push_back({"multipart without boundary parameter",
                   "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\nvisible spam words\n",
                   {anomaly::kMissingBoundary},
                   {"visible spam words"}});
    all.push_back({"boundary never appears",
                   "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
                   "boundary=\"nothere\"\n\nhidden pitch text\n",
                   {anomaly::kEmptyMultipart},
                   {"hidden pitch text"}});
    all.push_back({"missing close boundary",
                   "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
                   "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfirst\n"
                   "--b\nContent-Type: text/plain\n\nsecond and no end\n",
                   {},
                   {"first", "second and no end"}});
    all.push_back({"nested 50 deep stops at the depth limit",
                   nested(50, "deepest words"),
                   {anomaly::kDepthLimit},
                   {},
                   {"deepest words"},
                   0,
                   [](const DecodedMessage& m) {
                       EXPECT_EQ(m.depth, DecodeLimits{}.max_depth);
                       EXPECT_TRUE(m.limited());
                   }});
    Case deep{
        "nested 50 deep within a raised limit", nested(50, "deepest words"), {}, {"deepest words"}};
    deep.limits.max_depth = 60;
    deep.more = [](const DecodedMessage& m) { EXPECT_EQ(m.depth, 50u); };
    all.push_back(deep);
    all.push_back({"nested 5000 deep", nested(5000, "x"), {anomaly::kDepthLimit}, {}, {}});
    all.push_back(
        {"broken base64",
         "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8g!!!d29y*bGQ=\n",
         {anomaly::kBadBase64},
         {"hello"}});
    all.push_back({"unknown charset",
                   "Content-Type: text/plain; charset=x-klingon-42\n\nna\xefve \xff text\n",
                   {anomaly::kUnknownCharset},
                   {"naïve", "text"}});
    all.push_back({"windows-1251",
                   "Content-Type: text/plain; charset=windows-1251\n\n\xcf\xf0\xe8\xe2\xe5\xf2\n",
                   {},
                   {"Привет"}});
    all.push_back({"bytes invalid in the declared utf-8",
                   "Content-Type: text/plain; charset=utf-8\n\nok \xc3\x28 ok\n",
                   {anomaly::kBadCharsetBytes},
                   {"ok \xef\xbf\xbd( ok"}});
    all.push_back({"undeclared 8-bit body",
                   "Subject: x\n\ncaf\xe9 cr\xe8me\n",
                   {anomaly::kUndeclared8bit},
                   {"café crème"}});
    all.push_back({"8-bit headers",
                   "Subject: Gr\xc3\xbc\xc3\x9f"
                   "e\nX-Latin: caf\xe9\n\nb\n",
                   {anomaly::kEightBitHeader},
                   {},
                   {},
                   0,
                   [](const DecodedMessage& m) {
                       EXPECT_EQ(m.header("Subject")->value, "Grüße");
                       EXPECT_EQ(m.header("X-Latin")->value, "café");
                   }});
    all.push_back({"fields in message order, the top part's Content-* once",
                   "Received: from a\nReceived: from b\nFrom: x@example.com\nMIME-Version: 1.0\n"
                   "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n"
                   "Subject: s\n\nbody\n",
                   {},
                   {"body"},
                   {},
                   0,
                   [](const DecodedMessage& m) {
                       std::vector<std::string> names;
                       for (const auto& h : m.headers) names.push_back(h.name);
                       EXPECT_EQ(names, (std::vector<std::string>{"Received", "Received", "From", "MIME-Version",
                                                                  "Content-Type", "Content-Transfer-Encoding",
                                                                  "Subject"}));
                   }});
    all.push_back({"huge header",
                   "Subject: " + std::string(300000, 'A') + "\n\nbody\n",
                   {anomaly::kHeaderTooLong},
                   {"body"},
                   {},
                   0,
                   [](const DecodedMessage& m) {
                       EXPECT_EQ(m.header("Subject")->value.size(),
                                 DecodeLimits{}.max_header_bytes);
                   }});
    all.push_back({"huge folded header",
                   [] {
                       std::string m = "To: a@example.com";
                       for (int i = 0; i < 20000; ++i)
                           m += ",\n b" + std::to_string(i) + "@example.com";
                       return m + "\n\nbody\n";
                   }(),
                   {anomaly::kHeaderTooLong},
                   {"body"}});
    all.push_back(
        {"too many parts", manyParts(1500), {anomaly::kPartLimit}, {"part 0"}, {"part 1499"}});
    Case cut{"decoded size limit",
             "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
             "boundary=\"m\"\n\n--m\nContent-Type: application/zip\n"
             "Content-Transfer-Encoding: base64\n\n" +
                 std::string(4000, 'A') + "\n--m\nContent-Type: image/png\n\nxx\n--m--\n",
             {anomaly::kDecodedSizeLimit},
             {},
             {},
             2};
    cut.limits.max_decoded_bytes = 1000;
    cut.more = [](const DecodedMessage& m) {
        EXPECT_TRUE(m.attachments[0].truncated);
        EXPECT_EQ(m.attachments[0].size, 1000u);
        EXPECT_TRUE(m.attachments[1].truncated);
        EXPECT_EQ(m.decoded_bytes, 1000u);
    };
    all.push_back(cut);
    Case big{"message size limit",
             "Subject: s\n\n" + std::string(5000, 'z') + " tail-word\n",
             {anomaly::kMessageSizeLimit},
             {},
             {"tail-word"}};
    big.limits.max_message_bytes = 2000;
    all.push_back(big);
    all.push_back({"empty input", "", {}, {}, {}});
    all.push_back({"no header block", "just some words\nand more\n", {}, {}, {}});
    all.push_back({"binary garbage", std::string("\0\xff\xfe\r\r\n:\n\n\x80--", 12), {}, {}, {}});
    all.push_back({"attached message",
                   "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
                   "boundary=\"o\"\n\n--o\nContent-Type: text/plain\n\nfwd\n"
                   "--o\nContent-Type: message/rfc822\n\nSubject: inner\nContent-Type: "
                   "text/plain\n\ninner words\n--o--\n",
                   {},
                   {"fwd", "inner words"},
                   {},
                   0,
                   [](const DecodedMessage& m) { EXPECT_EQ(m.depth, 2u); }});
    all.push_back({"text attachment is an attachment",
                   "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
                   "boundary=\"m\"\n\n--m\nContent-Type: text/plain\n"
                   "Content-Disposition: attachment; filename=notes.txt\n\nnot body\n--m--\n",
                   {},
                   {},
                   {"not body"},
                   1});
    all.push_back(
        {"hidden html text",
         "Content-Type: text/html\n\n<p>Shown</p><div style=\"display:none\">bayes poison</div>\n",
         {anomaly::kHiddenHtmlText},
         {"Shown"},
         {"poison"}});
    return all;
}

TEST(MimeDecoder, Cases) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.name);
        DecodedMessage m = decodeMessage(c.raw, c.limits);
        for (auto a : c.anomalies) EXPECT_TRUE(m.has(a)) << "missing anomaly " << a;
        std::string text = m.allText();
        EXPECT_TRUE(isValidUtf8(text));
        for (const auto& h : m.headers) EXPECT_TRUE(isValidUtf8(h.value) && isValidUtf8(h.name));
        for (const auto& s : c.text_has)
            EXPECT_NE(text.find(s), std::string::npos)
                << "no '" << s << "' in: " << text.substr(0, 200);
        for (const auto& s : c.text_lacks)
            EXPECT_EQ(text.find(s), std::string::npos) << "unexpected '" << s << "'";
        EXPECT_EQ(m.attachments.size(), c.attachments);
        EXPECT_LE(m.parts, c.limits.max_parts);
        EXPECT_LE(m.depth, c.limits.max_depth);
        EXPECT_LE(m.decoded_bytes, c.limits.max_decoded_bytes);
        if (c.more) c.more(m);
    }
}

TEST(MimeDecoder, Gtube) {
    std::string plain =
        "Subject: test\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n";
    EXPECT_TRUE(containsGtube(plain));
    EXPECT_TRUE(containsGtube(decodeMessage(plain)));
    // Base64 hides it from the raw check but not from the decoded one.
    std::string encoded =
        "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        "WEpTKkM0SkRCUUFETjEuTlNCTjMqMklETkVOKkdUVUJFLVNUQU5EQVJELUFOVEktVUJFLVRFU1QtRU1BSUwqQy4zNF"
        "gK\n";
    EXPECT_FALSE(containsGtube(encoded));
    EXPECT_TRUE(containsGtube(decodeMessage(encoded)));
    EXPECT_FALSE(containsGtube(decodeMessage("Subject: x\n\nXJS*C4JDBQADN1 almost\n")));
}

TEST(Charset, Conversions) {
    struct {
        std::string bytes, charset, text;
        bool unknown;
        std::size_t bad;
    } cases[] = {
        {"plain", "", "plain", false, 0},
        {"caf\xe9", "ISO-8859-1", "café", false, 0},
        {"caf\xe9", "latin1", "café", false, 0},
        {"\x93quoted\x94", "windows-1252", "\u201cquoted\u201d", false, 0},
        {"\x1b$B$3$s$K$A$O\x1b(B", "iso-2022-jp", "こんにちは", false, 0},
        {"ok\xc3", "utf-8", "ok\xef\xbf\xbd", false, 1},
        {"caf\xc3\xa9", "x-no-such", "café", true, 0},
        {"caf\xe9", std::string(200, 'x'), "café", true, 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.charset);
        auto r = convertToUtf8(c.bytes, c.charset);
        EXPECT_EQ(r.text, c.text);
        EXPECT_EQ(r.unknown_charset, c.unknown);
        EXPECT_EQ(r.bad_bytes, c.bad);
        EXPECT_TRUE(isValidUtf8(r.text));
    }
}

// Converters are kept between texts (charset.cpp): a text that leaves one
// in a shifted state, or many charsets in turn, must not change the next
// conversion.
TEST(Charset, KeptConvertersStartEachTextAfresh) {
    const std::string kanji = "\x1b$B$3$s$K$A$O\x1b(B";
    EXPECT_EQ(convertToUtf8("\x1b$B$3$s", "iso-2022-jp").text, "こん");  // ends shifted to JIS X 0208
    EXPECT_EQ(convertToUtf8("$3$s", "iso-2022-jp").text, "$3$s");       // ASCII again
    for (const char* charset : {"iso-8859-1", "iso-8859-2", "iso-8859-5", "koi8-r", "windows-1251", "windows-1250",
                                "iso-8859-15", "iso-8859-7", "big5", "gb2312", "euc-kr", "shift_jis"})
        EXPECT_FALSE(convertToUtf8("caf\xe9 \x1b", charset).unknown_charset) << charset;
    EXPECT_EQ(convertToUtf8(kanji, "iso-2022-jp").text, "こんにちは");
    EXPECT_EQ(convertToUtf8("caf\xe9", "ISO-8859-1").text, "café");
    EXPECT_TRUE(convertToUtf8("na\xefve", "x-no-such").unknown_charset);
    EXPECT_TRUE(convertToUtf8("caf\xe9", "x-no-such").unknown_charset);  // remembered as unknown
}

// lowerUtf8 lowers ASCII itself and hands GLib only the other runs: the
// result must be GLib's for the whole (repaired, NUL-cut) text, sigma's
// final form (decided by the next character) and İ's two characters included.
TEST(Utf8, LowerCaseIsGlibsForTheWholeText) {
    auto glib = [](std::string text) {
        text = toValidUtf8(text.substr(0, text.find('\0')));
        std::unique_ptr<gchar, decltype(&g_free)> lowered(
            g_utf8_strdown(text.data(), static_cast<gssize>(text.size())), &g_free);
        return std::string(lowered.get());
    };
    EXPECT_EQ(lowerUtf8("ΟΔΟΣ ΣΑ ΣA Σ1 Σ"), glib("ΟΔΟΣ ΣΑ ΣA Σ1 Σ"));
    EXPECT_EQ(lowerUtf8("ΣA"), "σa");  // a letter follows: not final
    EXPECT_EQ(lowerUtf8("Σ."), "ς.");
    EXPECT_EQ(lowerUtf8("HELLO"), "hello");
    EXPECT_EQ(lowerUtf8("ÄB\0CD"), "äb");
    const std::vector<std::string> pieces = {"A", "z", "I", " ", ".", "\n", "Σ", "Ä", "İ", "ẞ", "\xc2\xa0", "日本",
                                             "😀", "\xff", "\xc3", "\0", "ΑΒΓ", "Ω", "ﬁ", "Ǆ"};
    std::mt19937 rng(7);
    for (int n = 0; n < 2000; ++n) {
        std::string text;
        for (int k = static_cast<int>(rng() % 12); k > 0; --k) text += pieces[rng() % pieces.size()];
        EXPECT_EQ(lowerUtf8(text), glib(text)) << text;
    }
}

// Texts lowered one after another into one buffer (the tokenizer lowers a
// message's parts so) give lowerUtf8 of the texts joined, to the first NUL.
TEST(Utf8, AppendLowerIsLowerOfTheJoinedText) {
    std::string out = "x";
    EXPECT_TRUE(appendLowerUtf8(out, "AB"));
    EXPECT_FALSE(appendLowerUtf8(out, std::string_view("\xc3\x84" "B\0CD", 6)));
    EXPECT_EQ(out, "xab\xc3\xa4" "b");
    const std::vector<std::string> pieces = {"A", "z", " ", "\n", "Σ", "Ä", "İ", "ΑΒΓ", "\xff", "\xc3", "日本",
                                             std::string(1, '\0')};
    std::mt19937 rng(11);
    for (int n = 0; n < 2000; ++n) {
        std::string joined, appended;
        bool open = true;
        for (int part = static_cast<int>(rng() % 4); part > 0; --part) {
            std::string text;
            for (int k = static_cast<int>(rng() % 6); k > 0; --k) text += pieces[rng() % pieces.size()];
            if (!joined.empty()) {
                joined += '\n';
                if (open) appended += '\n';
            }
            joined += text;
            if (open) open = appendLowerUtf8(appended, text);
        }
        EXPECT_EQ(appended, lowerUtf8(joined)) << joined;
    }
}

TEST(Utf8, DecodeAndRepair) {
    EXPECT_TRUE(isValidUtf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    for (std::string bad :
         {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xff"}) {
        EXPECT_FALSE(isValidUtf8(bad)) << bad;
        EXPECT_TRUE(isValidUtf8(toValidUtf8(bad)));
    }
    EXPECT_EQ(toValidUtf8("a\xffz"), "a\xef\xbf\xbdz");
    EXPECT_EQ(utf8Prefix("caf\xc3\xa9", 4), "caf");
    EXPECT_EQ(utf8Prefix("caf\xc3\xa9", 5), "caf\xc3\xa9");
    EXPECT_EQ(utf8Prefix("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac");
    EXPECT_EQ(utf8Prefix("abc", 0), "");
    std::string out;
    appendUtf8(out, 0x1F600);
    EXPECT_EQ(out, "\xf0\x9f\x98\x80");
}

}  // namespace
