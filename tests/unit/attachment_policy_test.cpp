// The attachment policy: blocked extensions (case, double extensions, trailing
// dots), detected types by magic number, and archives made here with
// libarchive — blocked names and types inside zips, nested zips, encrypted
// entries, and the limits that keep a zip bomb from being unpacked.
#include "scan/attachment_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "archive_maker.h"
#include "scan/file_type.h"

using namespace moat::scan;
using moat::content::Attachment;
using moat::test::Files;
using moat::test::makeArchive;

namespace {

Attachment attachment(std::string name, std::string data) {
    Attachment a;
    a.filename = std::move(name);
    a.size = data.size();
    a.data = std::move(data);
    return a;
}

AttachmentRules rules() {
    AttachmentRules r;
    r.extensions = {"exe", "scr", "js", "vbs", "bat"};
    r.types = {"exe", "elf"};
    return r;
}

// The refusal text for one attachment, trying passwords (none by default).
std::optional<std::string> refusal(const Attachment& a, const AttachmentRules& r,
                                   std::vector<std::string> passwords = {}) {
    Unlock unlock{
        std::move(passwords), std::chrono::steady_clock::now() + std::chrono::seconds(10), {}};
    auto report = checkAttachment(a, r, unlock);
    if (!report.refusal) return std::nullopt;
    return report.refusal->detail;
}

const std::string kPe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(100, 'x');
const std::string kElf = std::string(
                             "\x7f"
                             "ELF\x02\x01\x01\x00",
                             8) +
                         std::string(100, 'x');

}  // namespace

TEST(FileType, Extensions) {
    struct Case {
        const char* name;
        const char* ext;
    } cases[] = {
        {"setup.exe", "exe"},  {"SETUP.EXE", "exe"},    {"invoice.pdf.exe", "exe"},
        {"setup.exe.", "exe"}, {"setup.exe . ", "exe"}, {"dir/sub\\run.Scr", "scr"},
        {"readme", ""},        {".exe", "exe"},         {"report.pdf", "pdf"},
        {"a.tar.gz", "gz"},
    };
    for (const auto& c : cases) EXPECT_EQ(extensionOf(c.name), c.ext) << c.name;
    EXPECT_EQ(blockedExtension("Invoice.PDF.Exe", rules().extensions), "exe");
    EXPECT_FALSE(blockedExtension("invoice.exe.pdf", rules().extensions));
    EXPECT_FALSE(blockedExtension("exe", rules().extensions));
}

TEST(FileType, Magic) {
    EXPECT_EQ(detectType(kPe), "exe");
    EXPECT_EQ(detectType(kElf), "elf");
    EXPECT_EQ(detectType("#!/bin/sh\necho hi\n"), "script");
    EXPECT_EQ(detectType(std::string("\xca\xfe\xba\xbe\x00\x00\x00\x34", 8)), "java-class");
    EXPECT_EQ(detectType(std::string("\xca\xfe\xba\xbe\x00\x00\x00\x02", 8)), "macho");
    EXPECT_EQ(detectType(std::string("\xcf\xfa\xed\xfe", 4)), "macho");
    EXPECT_EQ(detectType("%PDF-1.7"), "");
    EXPECT_EQ(detectType("M"), "");
    EXPECT_EQ(detectType(""), "");
}

TEST(AttachmentPolicy, PlainAttachments) {
    EXPECT_EQ(refusal(attachment("invoice.pdf.exe", "hello"), rules()),
              "attachment invoice.pdf.exe is a blocked file type .exe");
    EXPECT_EQ(refusal(attachment("photo.jpg", kPe), rules()),
              "attachment photo.jpg is a blocked file type exe");
    EXPECT_FALSE(refusal(attachment("report.pdf", "%PDF-1.4 harmless"), rules()));
    EXPECT_FALSE(refusal(attachment("run.sh", "#!/bin/sh\n"),
                         rules()));  // "script" not in the rules
}

TEST(AttachmentPolicy, InsideZip) {
    auto zip = makeArchive({{"readme.txt", "hello"}, {"setup.exe", "not really"}});
    EXPECT_EQ(refusal(attachment("invoice.zip", zip), rules()),
              "attachment invoice.zip contains blocked file type .exe (setup.exe)");
    auto typed = makeArchive({{"docs/data.bin", kElf}});
    EXPECT_EQ(refusal(attachment("x.zip", typed), rules()),
              "attachment x.zip contains blocked file type elf (docs/data.bin)");
    auto fine = makeArchive({{"a.txt", "a"}, {"b.pdf", "%PDF"}});
    EXPECT_FALSE(refusal(attachment("fine.zip", fine), rules()));
    // The archive type comes from the bytes, not from the name.
    EXPECT_TRUE(refusal(attachment("letter.doc", zip), rules()));
}

TEST(AttachmentPolicy, OtherArchiveFormats) {
    auto tar = makeArchive({{"run.vbs", "x"}}, "ustar");
    EXPECT_EQ(refusal(attachment("a.tar", tar), rules()),
              "attachment a.tar contains blocked file type .vbs (run.vbs)");
    auto sevenzip = makeArchive({{"tool", kPe}}, "7zip");
    EXPECT_EQ(refusal(attachment("a.7z", sevenzip), rules()),
              "attachment a.7z contains blocked file type exe (tool)");
}

TEST(AttachmentPolicy, NestedZips) {
    auto inner = makeArchive({{"payload.js", "alert(1)"}});
    auto middle = makeArchive({{"inner.zip", inner}});
    auto outer = makeArchive({{"middle.zip", middle}});
    EXPECT_EQ(
        refusal(attachment("outer.zip", outer), rules()),
        "attachment outer.zip contains blocked file type .js (middle.zip/inner.zip/payload.js)");
    auto shallow = rules();
    shallow.max_depth = 2;  // outer and middle are opened, inner is not
    EXPECT_FALSE(refusal(attachment("outer.zip", outer), shallow));
}

TEST(AttachmentPolicy, EncryptedEntries) {
    auto zip = makeArchive({{"secret.txt", "confidential"}}, "zip", "password");
    auto r = rules();
    EXPECT_FALSE(refusal(attachment("secret.zip", zip), r));
    r.block_encrypted = true;
    EXPECT_EQ(refusal(attachment("secret.zip", zip), r),
              "attachment secret.zip contains an encrypted file (secret.txt); no password in the "
              "message opens it");
    // A blocked name is seen without decrypting.
    auto named = makeArchive({{"setup.exe", "x"}}, "zip", "password");
    EXPECT_EQ(refusal(attachment("s.zip", named), rules()),
              "attachment s.zip contains blocked file type .exe (setup.exe)");
}

TEST(AttachmentPolicy, Limits) {
    // A large, highly compressible entry: only max_entry_bytes are unpacked, and the
    // truncated entry is neither type-checked past its head nor opened as an archive.
    auto big = makeArchive({{"zeros.bin", std::string(8u << 20, '\0')}});
    auto r = rules();
    r.max_entry_bytes = 1u << 20;
    EXPECT_FALSE(refusal(attachment("big.zip", big), r));
    Files many;
    for (int i = 0; i < 50; ++i) many.push_back({"f" + std::to_string(i) + ".txt", "x"});
    many.push_back({"last.exe", "x"});
    auto z = makeArchive(many);
    r.max_entries = 10;
    EXPECT_FALSE(refusal(attachment("many.zip", z), r));
    r.max_entries = 100;
    EXPECT_TRUE(refusal(attachment("many.zip", z), r));
}

TEST(AttachmentPolicy, GarbageIsNotAnArchive) {
    std::string garbage = "PK\x03\x04" + std::string(200, '\xff');
    EXPECT_FALSE(refusal(attachment("broken.zip", garbage), rules()));
    auto zip = makeArchive({{"a.exe", "x"}});
    EXPECT_FALSE(refusal(attachment("cut.zip", zip.substr(0, 10)), rules()));
}

// An archive libarchive cannot read to the end is not refused for that (the
// virus scanner's own archive heuristics decide), but the log says which: what
// lies past the damage was not checked. What was read before it still is.
TEST(AttachmentPolicy, ArchivesThatCannotBeReadToTheEndAreNamed) {
    Unlock none{{}, std::chrono::steady_clock::now() + std::chrono::seconds(10), {}};
    auto zip = makeArchive({{"a.txt", std::string(4000, 'a')}, {"b.txt", "b"}});
    auto cut = checkAttachment(attachment("cut.zip", zip.substr(0, zip.size() / 2)), rules(), none);
    EXPECT_FALSE(cut.refusal);
    ASSERT_EQ(cut.unreadable.size(), 1u);
    EXPECT_EQ(cut.unreadable[0], "cut.zip");
    EXPECT_EQ(cut.summary(),
              "archive cut.zip could not be read to the end (damaged or an unknown method)");
    auto whole = checkAttachment(attachment("whole.zip", zip), rules(), none);
    EXPECT_TRUE(whole.unreadable.empty());
    EXPECT_EQ(whole.summary(), "");
    // Inside another archive, by its path; a blocked name read before the
    // damage still refuses.
    auto inner = makeArchive({{"setup.exe", "x"}, {"pad.txt", std::string(4000, 'p')}});
    auto outer = makeArchive({{"inner.zip", inner.substr(0, inner.size() - 40)}});
    auto nested = checkAttachment(attachment("outer.zip", outer), rules(), none);
    ASSERT_TRUE(nested.refusal);
    EXPECT_EQ(nested.refusal->detail,
              "attachment outer.zip contains blocked file type .exe (inner.zip/setup.exe)");
}
