// Password-protected archives: the password search (the right one among many
// wrong ones, though the traditional zip check lets some wrong ones through;
// the deadline), and the attachment policy opening zips (traditional and AES)
// with the message's passwords — a virus or a blocked type inside, passwords
// not found, block_encrypted, and what the report says for the log.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "archive_maker.h"
#include "scan/archive_password.h"
#include "scan/attachment_policy.h"

using namespace moat::scan;
using moat::content::Attachment;
using moat::test::makeArchive;
using Outcome = EncryptedArchive::Outcome;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kVirus = "pretend-virus-bytes";

Attachment attachment(std::string name, std::string data) {
    Attachment a;
    a.filename = std::move(name);
    a.size = data.size();
    a.data = std::move(data);
    return a;
}

AttachmentRules rules(bool block_encrypted = false) {
    AttachmentRules r;
    r.extensions = {"exe"};
    r.types = {"exe"};
    r.block_encrypted = block_encrypted;
    return r;
}

std::optional<std::string> fakeScan(std::string_view bytes) {
    if (bytes == kVirus) return "Test.Pretend";
    return std::nullopt;
}

Unlock unlock(std::vector<std::string> passwords) {
    return Unlock{std::move(passwords), Clock::now() + std::chrono::seconds(10), fakeScan};
}

}  // namespace

TEST(ArchivePassword, FindsTheRightOneAmongWrongOnes) {
    auto zip = makeArchive({{"a.txt", std::string(5000, 'a') + "end"}}, "zip", "right");
    std::vector<std::string> candidates;
    for (int i = 0; i < 600; ++i) candidates.push_back("wrong" + std::to_string(i));
    candidates.push_back("right");
    auto search =
        findArchivePassword(zip, 0, candidates, Clock::now() + std::chrono::seconds(30), 1u << 20);
    EXPECT_EQ(search.outcome, PasswordSearch::Outcome::found);
    EXPECT_EQ(search.password, "right");
    EXPECT_EQ(search.tried, candidates.size());
}

TEST(ArchivePassword, NotFoundAndDeadline) {
    auto zip = makeArchive({{"a.txt", "x"}}, "zip", "right", "aes256");
    auto search = findArchivePassword(zip, 0, {"no", "nope"},
                                      Clock::now() + std::chrono::seconds(10), 1u << 20);
    EXPECT_EQ(search.outcome, PasswordSearch::Outcome::not_found);
    EXPECT_EQ(search.tried, 2u);
    search =
        findArchivePassword(zip, 0, {"right"}, Clock::now() - std::chrono::seconds(1), 1u << 20);
    EXPECT_EQ(search.outcome, PasswordSearch::Outcome::timed_out);
    EXPECT_EQ(search.tried, 0u);
}

TEST(EncryptedArchive, OpenedWithTheMessagesPassword) {
    for (const char* encryption : {"zipcrypt", "aes128", "aes256"}) {
        auto zip = makeArchive({{"notes.txt", "harmless"}}, "zip", "s3cret", encryption);
        auto report =
            checkAttachment(attachment("notes.zip", zip), rules(true), unlock({"hello", "s3cret"}));
        EXPECT_FALSE(report.refusal) << encryption;
        ASSERT_EQ(report.encrypted.size(), 1u) << encryption;
        EXPECT_EQ(report.encrypted[0].outcome, Outcome::opened) << encryption;
        EXPECT_EQ(report.summary(),
                  "encrypted archive notes.zip opened with a password found in the message");
    }
}

TEST(EncryptedArchive, VirusAndBlockedTypeInside) {
    auto zip = makeArchive({{"readme.txt", "hi"}, {"invoice.txt", kVirus}}, "zip", "pw1", "aes256");
    auto report = checkAttachment(attachment("x.zip", zip), rules(), unlock({"pw1"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->kind, ScanResult::Kind::virus);
    EXPECT_EQ(report.refusal->detail, "Test.Pretend");
    // The virus is named even when a blocked name comes first.
    zip = makeArchive({{"setup.exe", "x"}, {"invoice.txt", kVirus}}, "zip", "pw1");
    report = checkAttachment(attachment("x.zip", zip), rules(), unlock({"pw1"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->kind, ScanResult::Kind::virus);
    // A blocked type seen only once decrypted, also in a zip inside.
    const std::string pe = std::string("MZ\x90\x00", 4) + std::string(100, 'x');
    auto inner = makeArchive({{"doc.txt", pe}});
    zip = makeArchive({{"inner.zip", inner}}, "zip", "pw1");
    report = checkAttachment(attachment("x.zip", zip), rules(), unlock({"pw1"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->kind, ScanResult::Kind::blocked);
    EXPECT_EQ(report.refusal->detail,
              "attachment x.zip contains blocked file type exe (inner.zip/doc.txt)");
}

TEST(EncryptedArchive, EncryptedZipInsideAnEncryptedZip) {
    auto inner = makeArchive({{"e.txt", kVirus}}, "zip", "two");
    auto outer = makeArchive({{"inner.zip", inner}}, "zip", "one");
    auto report = checkAttachment(attachment("o.zip", outer), rules(), unlock({"one", "two"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->detail, "Test.Pretend");
    report = checkAttachment(attachment("o.zip", outer), rules(), unlock({"one"}));
    EXPECT_FALSE(report.refusal);
    EXPECT_EQ(report.summary(),
              "encrypted archive o.zip opened with a password found in the message; encrypted "
              "archive o.zip/inner.zip not opened: no password in the message opens it");
}

TEST(EncryptedArchive, NotOpenedIsBlockEncryptedsChoice) {
    auto zip = makeArchive({{"e.txt", kVirus}}, "zip", "unknown");
    auto report = checkAttachment(attachment("s.zip", zip), rules(false), unlock({"guess"}));
    EXPECT_FALSE(report.refusal);
    EXPECT_EQ(report.summary(),
              "encrypted archive s.zip not opened: no password in the message opens it");
    report = checkAttachment(attachment("s.zip", zip), rules(true), unlock({"guess"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->detail,
              "attachment s.zip contains an encrypted file (e.txt); no password in the message "
              "opens it");
    Unlock late{{"unknown"}, Clock::now() - std::chrono::seconds(1), fakeScan};
    report = checkAttachment(attachment("s.zip", zip), rules(true), late);
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->detail,
              "attachment s.zip contains an encrypted file (e.txt); the time for trying "
              "passwords ran out");
}

TEST(EncryptedArchive, EachArchiveHasItsOwnPassword) {
    auto a = makeArchive({{"a.txt", "fine"}}, "zip", "first");
    auto b = makeArchive({{"b.txt", kVirus}}, "zip", "second");
    auto outer = makeArchive({{"a.zip", a}, {"b.zip", b}});
    auto report = checkAttachment(attachment("both.zip", outer), rules(true), unlock({"first"}));
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->detail,
              "attachment both.zip contains an encrypted file (b.zip/b.txt); no password in the "
              "message opens it");
}

TEST(EncryptedArchive, PasswordsComeFromTheMessage) {
    moat::content::DecodedMessage m;
    m.headers.push_back({"Subject", "Invoice"});
    moat::content::TextPart text;
    text.text = "Hello,\nthe invoice is attached. The password is: Xq7-pass.\n";
    m.texts.push_back(text);
    m.attachments.push_back(
        attachment("invoice.zip", makeArchive({{"invoice.txt", kVirus}}, "zip", "Xq7-pass")));
    auto report = checkAttachments(m, rules(), fakeScan);
    ASSERT_TRUE(report.refusal);
    EXPECT_EQ(report.refusal->kind, ScanResult::Kind::virus);
    m.texts[0].text = "Hello, no password here.";
    report = checkAttachments(m, rules(), fakeScan);
    EXPECT_FALSE(report.refusal);
    ASSERT_EQ(report.encrypted.size(), 1u);
    EXPECT_EQ(report.encrypted[0].outcome, Outcome::password_not_found);
}
