// Training messages forwarded inside a wrapper (issue 10): the message to learn
// is found in message/rfc822 parts of every transfer encoding (swaks --attach
// sends base64) and in attachments named *.eml, and learnForwarded learns it,
// not the wrapper. The wrappers are built with GMime, as a mail client would.
#include <gmime/gmime.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "content/gmime_init.h"
#include "content/mime_decoder.h"
#include "policy/content_filter.h"
#include "store/store.h"
#include "temp_dir.h"

namespace moat::content {
namespace {

const char* const kInner =
    "From: seller@spam.test\r\nTo: victim@demo.test\r\nSubject: cheap pills inside\r\n"
    "Message-ID: <inner-1@spam.test>\r\n\r\nbuy cheap pills now, inner body\r\n";

struct Unref {
    void operator()(void* p) const { g_object_unref(p); }
};

// A forward: a short note, then `attachment`.
std::string wrapper(GMimeObject* attachment) {
    ensureGmime();
    std::unique_ptr<GMimeMessage, Unref> message(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, "", "user@demo.test");
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, "", "spam@demo.test");
    g_mime_message_set_subject(message.get(), "wrapper subject", nullptr);
    std::unique_ptr<GMimeMultipart, Unref> mixed(g_mime_multipart_new_with_subtype("mixed"));
    std::unique_ptr<GMimeTextPart, Unref> note(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_text(note.get(), "this one got through\n");
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(note.get()));
    g_mime_multipart_add(mixed.get(), attachment);
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(mixed.get()));
    char* text = g_mime_object_to_string(GMIME_OBJECT(message.get()), nullptr);
    std::string out(text);
    g_free(text);
    g_object_unref(attachment);
    return out;
}

// A leaf part of `type` holding kInner in `encoding`, named `filename` (or not).
GMimeObject* encodedPart(const char* type, const char* subtype, GMimeContentEncoding encoding,
                         const char* filename = nullptr) {
    ensureGmime();
    GMimePart* part = g_mime_part_new_with_type(type, subtype);
    std::unique_ptr<GMimeStream, Unref> stream(g_mime_stream_mem_new());
    g_mime_stream_write_string(stream.get(), kInner);
    g_mime_stream_reset(stream.get());
    std::unique_ptr<GMimeDataWrapper, Unref> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(part, content.get());
    g_mime_part_set_content_encoding(part, encoding);
    if (filename) g_mime_part_set_filename(part, filename);
    return GMIME_OBJECT(part);
}

// A message/rfc822 part that GMime writes with no transfer encoding (7bit).
GMimeObject* messagePart() {
    ensureGmime();
    std::unique_ptr<GMimeStream, Unref> stream(g_mime_stream_mem_new());
    g_mime_stream_write_string(stream.get(), kInner);
    g_mime_stream_reset(stream.get());
    std::unique_ptr<GMimeParser, Unref> parser(g_mime_parser_new_with_stream(stream.get()));
    std::unique_ptr<GMimeMessage, Unref> inner(
        g_mime_parser_construct_message(parser.get(), nullptr));
    GMimeMessagePart* part = g_mime_message_part_new_with_message("rfc822", inner.get());
    return GMIME_OBJECT(part);
}

void expectTheInnerMessage(const std::string& raw) {
    auto wrapped = decodeMessage(raw);
    ASSERT_EQ(wrapped.attached_messages.size(), 1u) << raw;
    auto inner = decodeMessage(wrapped.attached_messages[0]);
    ASSERT_NE(inner.header("Subject"), nullptr) << wrapped.attached_messages[0];
    EXPECT_EQ(inner.header("Subject")->value, "cheap pills inside");
    EXPECT_NE(inner.allText().find("inner body"), std::string::npos);
}

TEST(ForwardedTraining, MessagePartInBase64) {
    expectTheInnerMessage(wrapper(encodedPart("message", "rfc822", GMIME_CONTENT_ENCODING_BASE64)));
}

TEST(ForwardedTraining, MessagePartInQuotedPrintable) {
    expectTheInnerMessage(
        wrapper(encodedPart("message", "rfc822", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)));
}

TEST(ForwardedTraining, MessagePartIn7bit) {
    expectTheInnerMessage(wrapper(messagePart()));
}

TEST(ForwardedTraining, EmlAttachmentOfAnyType) {
    expectTheInnerMessage(wrapper(encodedPart("application", "octet-stream",
                                              GMIME_CONTENT_ENCODING_BASE64, "Forwarded.EML")));
    expectTheInnerMessage(
        wrapper(encodedPart("text", "plain", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, "spam.eml")));
}

TEST(ForwardedTraining, OtherAttachmentsAreNotMessages) {
    auto m = decodeMessage(wrapper(
        encodedPart("application", "octet-stream", GMIME_CONTENT_ENCODING_BASE64, "notes.txt")));
    EXPECT_TRUE(m.attached_messages.empty());
    EXPECT_EQ(m.attachments.size(), 1u);
}

TEST(ForwardedTraining, LearnForwardedLearnsTheMessageInside) {
    moat::test::TempDir dir("moat-fwd");
    auto store = store::Store::open("sqlite:" + (dir.path / "moat.db").string());
    policy::ContentFilter filter(*store, nullptr);
    std::string forward =
        wrapper(encodedPart("message", "rfc822", GMIME_CONTENT_ENCODING_BASE64));
    EXPECT_EQ(filter.learnForwarded(forward, true), "learnt 1 of 1 attached message as spam");
    // The same message forwarded again, this time as an .eml file: already known.
    std::string again = wrapper(
        encodedPart("application", "octet-stream", GMIME_CONTENT_ENCODING_BASE64, "it.eml"));
    EXPECT_EQ(filter.learnForwarded(again, true), "learnt 0 of 1 attached message as spam");
}

}  // namespace
}  // namespace moat::content
