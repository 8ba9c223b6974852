// The content view (content/content_view.h): what the scan worker decodes is
// what the scorer sees — same tokens, same message digest, same GTUBE answer —
// without the attachments' bytes; and the reader refuses every malformed or
// oversized view (truncated anywhere, trailing bytes, counts past the
// decoder's limits, broken UTF-8, unknown anomaly names) instead of guessing.
#include "content/content_view.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "content/bayes_tokenizer.h"
#include "content/gtube.h"
#include "content/mime_decoder.h"

using namespace moat::content;

namespace {

const std::string kMessage =
    "From: =?UTF-8?B?SsO2cmc=?= <j@example.org>\r\n"
    "To: you@example.com\r\n"
    "Subject: Invoice =?ISO-8859-1?Q?f=FCr?= March\r\n"
    "Message-ID: <1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<html><p>Please pay <a href=\"http://pay.example.net/x?id=1\">here</a>"
    "<span style=\"display:none\">hidden words</span></p>\r\n"
    "--b\r\n"
    "Content-Type: application/pdf; name=\"invoice.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
    "--b--\r\n";

std::string encoded(const DecodedMessage& m, bool gtube = false) {
    auto view = encodeContentView(m, gtube);
    EXPECT_TRUE(view);
    return view.value_or("");
}

}  // namespace

TEST(ContentView, ScorerSeesWhatTheWorkerDecoded) {
    auto original = decodeMessage(kMessage);
    ASSERT_EQ(original.attachments.size(), 1u);
    ASSERT_FALSE(original.attachments[0].data.empty());
    auto view = decodeContentView(encoded(original));
    ASSERT_TRUE(view);
    const auto& m = view->message;
    EXPECT_FALSE(view->raw_gtube);
    EXPECT_EQ(tokenHashes(m, {}), tokenHashes(original, {}));
    EXPECT_EQ(messageDigest(m), messageDigest(original));
    ASSERT_EQ(m.headers.size(), original.headers.size());
    EXPECT_EQ(m.header("Subject")->value, original.header("Subject")->value);
    ASSERT_EQ(m.texts.size(), 1u);
    EXPECT_EQ(m.texts[0].text, original.texts[0].text);
    EXPECT_EQ(m.texts[0].links, original.texts[0].links);
    EXPECT_EQ(m.texts[0].hidden_chars, original.texts[0].hidden_chars);
    EXPECT_TRUE(m.texts[0].html_element);
    ASSERT_EQ(m.attachments.size(), 1u);
    EXPECT_EQ(m.attachments[0].filename, "invoice.pdf");
    EXPECT_EQ(m.attachments[0].size, original.attachments[0].size);
    EXPECT_TRUE(m.attachments[0].data.empty());  // the bytes stay in the worker
    EXPECT_EQ(m.attachments[0].data_hash, hashToken(original.attachments[0].data));
    EXPECT_EQ(m.anomalies, original.anomalies);
    EXPECT_EQ(m.parts, original.parts);
    EXPECT_EQ(m.depth, original.depth);
    EXPECT_EQ(m.encoded_words, original.encoded_words);
    EXPECT_EQ(m.decoded_bytes, original.decoded_bytes);
    // A view of a view is the same view.
    EXPECT_EQ(encoded(m), encoded(original));
}

TEST(ContentView, CarriesTheRawGtubeAnswer) {
    auto view = decodeContentView(encoded(decodeMessage("Subject: x\r\n\r\nhello\r\n"), true));
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->raw_gtube);
}

TEST(ContentView, AnomaliesTravel) {
    auto original = decodeMessage("Subject: =?x-unknown?Q?a?=\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n");
    ASSERT_FALSE(original.anomalies.empty());
    auto view = decodeContentView(encoded(original));
    ASSERT_TRUE(view);
    EXPECT_EQ(view->message.anomalies, original.anomalies);
}

TEST(ContentView, EveryTruncationAndTrailingByteIsRefused) {
    std::string view = encoded(decodeMessage(kMessage));
    for (std::size_t n = 0; n < view.size(); ++n)
        EXPECT_FALSE(decodeContentView(view.substr(0, n))) << "cut at " << n;
    EXPECT_FALSE(decodeContentView(view + '\0'));
    EXPECT_FALSE(decodeContentView("MOATVIEW1\n" + view.substr(10)));
}

TEST(ContentView, RefusesWhatTheDecoderNeverGives) {
    DecodedMessage base;
    base.headers.push_back({"Subject", "x"});
    base.texts.push_back({"text/plain", "utf-8", "hello", {}, 0, 0});
    ASSERT_TRUE(decodeContentView(encoded(base)));

    auto bad_text = base;
    bad_text.texts[0].text = "caf\xc3";  // cut UTF-8
    EXPECT_FALSE(decodeContentView(encoded(bad_text)));

    auto bad_header = base;
    bad_header.headers[0].value = "\xff\xfe";
    EXPECT_FALSE(decodeContentView(encoded(bad_header)));

    auto long_header = base;
    long_header.headers[0].value.assign(DecodeLimits{}.max_header_bytes + 1, 'a');
    EXPECT_FALSE(decodeContentView(encoded(long_header)));

    auto too_many_headers = base;
    too_many_headers.headers.assign(DecodeLimits{}.max_headers + 1, {"X", "y"});
    EXPECT_FALSE(decodeContentView(encoded(too_many_headers)));

    auto too_much_text = base;
    too_much_text.texts[0].text.assign(DecodeLimits{}.max_text_bytes + 1, 'a');
    EXPECT_FALSE(decodeContentView(encoded(too_much_text)));
    auto split_text = base;
    split_text.texts.assign(3, {"text/plain", "", std::string(DecodeLimits{}.max_text_bytes / 2, 'a'), {}, 0, 0});
    EXPECT_FALSE(decodeContentView(encoded(split_text)));

    auto deep = base;
    deep.depth = DecodeLimits{}.max_depth + 1;
    EXPECT_FALSE(decodeContentView(encoded(deep)));

    for (const char* name : {"", "Bad-Name", "with space", "semi;colon"}) {
        auto odd = base;
        odd.anomalies[name] = 1;
        EXPECT_FALSE(decodeContentView(encoded(odd))) << name;
    }
    auto zero = base;
    zero.anomalies["truncated"] = 0;
    EXPECT_FALSE(decodeContentView(encoded(zero)));
}

TEST(ContentView, RefusesOverlongNumbers) {
    // The GTUBE flag as an 11-byte varint, then nothing: refused at the flag.
    EXPECT_FALSE(decodeContentView(std::string("MOATVIEW2\n") + std::string(10, '\xff') + '\x01'));
    EXPECT_FALSE(decodeContentView(std::string("MOATVIEW2\n\x02")));  // a flag is 0 or 1
}

TEST(ContentView, TooLargeIsNotWritten) {
    DecodedMessage big;
    for (int i = 0; i < 1000; ++i) big.texts.push_back({"text/plain", "", std::string(20000, 'a'), {}, 0, 0});
    EXPECT_FALSE(encodeContentView(big, false));
}

TEST(ContentView, ReadFromAFile) {
    std::string view = encoded(decodeMessage(kMessage));
    int fd = ::memfd_create("view", MFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_FALSE(readContentView(fd));  // empty: the worker wrote nothing
    ASSERT_EQ(::write(fd, view.data(), view.size()), static_cast<ssize_t>(view.size()));
    auto got = readContentView(fd);  // read from offset 0 whatever the file position
    ASSERT_TRUE(got);
    EXPECT_EQ(got->message.attachments.size(), 1u);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kMaxContentViewBytes) + 1), 0);
    EXPECT_FALSE(readContentView(fd));
    ::close(fd);
}
