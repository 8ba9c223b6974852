// The attachment policy: blocked extensions (case, double extensions, trailing
// dots), detected types by magic number, and archives made here with
// libarchive — blocked names and types inside zips, nested zips, encrypted
// entries, and the limits that keep a zip bomb from being unpacked.
#include "scan/attachment_policy.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "scan/file_type.h"

using namespace moat::scan;
using moat::content::Attachment;

namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

// A zip (or, with format "7zip"/"ustar", another archive) holding files, in memory.
std::string makeArchive(const Files& files, const char* format = "zip",
                        const char* passphrase = nullptr) {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    archive_write_set_format_by_name(a.get(), format);
    if (passphrase) {
        EXPECT_EQ(archive_write_set_options(a.get(), "zip:encryption=zipcrypt"), ARCHIVE_OK);
        EXPECT_EQ(archive_write_set_passphrase(a.get(), passphrase), ARCHIVE_OK);
    }
    std::vector<char> buf(4u << 20);
    size_t used = 0;
    EXPECT_EQ(archive_write_open_memory(a.get(), buf.data(), buf.size(), &used), ARCHIVE_OK);
    for (const auto& [name, data] : files) {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                        archive_entry_free);
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
        EXPECT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK);
        EXPECT_EQ(archive_write_data(a.get(), data.data(), data.size()),
                  static_cast<la_ssize_t>(data.size()));
    }
    archive_write_close(a.get());
    return std::string(buf.data(), used);
}

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
    EXPECT_EQ(checkAttachment(attachment("invoice.pdf.exe", "hello"), rules()),
              "attachment invoice.pdf.exe is a blocked file type .exe");
    EXPECT_EQ(checkAttachment(attachment("photo.jpg", kPe), rules()),
              "attachment photo.jpg is a blocked file type exe");
    EXPECT_FALSE(checkAttachment(attachment("report.pdf", "%PDF-1.4 harmless"), rules()));
    EXPECT_FALSE(checkAttachment(attachment("run.sh", "#!/bin/sh\n"),
                                 rules()));  // "script" not in the rules
}

TEST(AttachmentPolicy, InsideZip) {
    auto zip = makeArchive({{"readme.txt", "hello"}, {"setup.exe", "not really"}});
    EXPECT_EQ(checkAttachment(attachment("invoice.zip", zip), rules()),
              "attachment invoice.zip contains blocked file type .exe (setup.exe)");
    auto typed = makeArchive({{"docs/data.bin", kElf}});
    EXPECT_EQ(checkAttachment(attachment("x.zip", typed), rules()),
              "attachment x.zip contains blocked file type elf (docs/data.bin)");
    auto fine = makeArchive({{"a.txt", "a"}, {"b.pdf", "%PDF"}});
    EXPECT_FALSE(checkAttachment(attachment("fine.zip", fine), rules()));
    // The archive type comes from the bytes, not from the name.
    EXPECT_TRUE(checkAttachment(attachment("letter.doc", zip), rules()));
}

TEST(AttachmentPolicy, OtherArchiveFormats) {
    auto tar = makeArchive({{"run.vbs", "x"}}, "ustar");
    EXPECT_EQ(checkAttachment(attachment("a.tar", tar), rules()),
              "attachment a.tar contains blocked file type .vbs (run.vbs)");
    auto sevenzip = makeArchive({{"tool", kPe}}, "7zip");
    EXPECT_EQ(checkAttachment(attachment("a.7z", sevenzip), rules()),
              "attachment a.7z contains blocked file type exe (tool)");
}

TEST(AttachmentPolicy, NestedZips) {
    auto inner = makeArchive({{"payload.js", "alert(1)"}});
    auto middle = makeArchive({{"inner.zip", inner}});
    auto outer = makeArchive({{"middle.zip", middle}});
    EXPECT_EQ(
        checkAttachment(attachment("outer.zip", outer), rules()),
        "attachment outer.zip contains blocked file type .js (middle.zip/inner.zip/payload.js)");
    auto shallow = rules();
    shallow.max_depth = 2;  // outer and middle are opened, inner is not
    EXPECT_FALSE(checkAttachment(attachment("outer.zip", outer), shallow));
}

TEST(AttachmentPolicy, EncryptedEntries) {
    auto zip = makeArchive({{"secret.txt", "confidential"}}, "zip", "password");
    auto r = rules();
    EXPECT_FALSE(checkAttachment(attachment("secret.zip", zip), r));
    r.block_encrypted = true;
    EXPECT_EQ(checkAttachment(attachment("secret.zip", zip), r),
              "attachment secret.zip contains an encrypted file (secret.txt)");
    // A blocked name is seen without decrypting.
    auto named = makeArchive({{"setup.exe", "x"}}, "zip", "password");
    EXPECT_EQ(checkAttachment(attachment("s.zip", named), rules()),
              "attachment s.zip contains blocked file type .exe (setup.exe)");
}

TEST(AttachmentPolicy, Limits) {
    // A large, highly compressible entry: only max_entry_bytes are unpacked, and the
    // truncated entry is neither type-checked past its head nor opened as an archive.
    auto big = makeArchive({{"zeros.bin", std::string(8u << 20, '\0')}});
    auto r = rules();
    r.max_entry_bytes = 1u << 20;
    EXPECT_FALSE(checkAttachment(attachment("big.zip", big), r));
    Files many;
    for (int i = 0; i < 50; ++i) many.push_back({"f" + std::to_string(i) + ".txt", "x"});
    many.push_back({"last.exe", "x"});
    auto z = makeArchive(many);
    r.max_entries = 10;
    EXPECT_FALSE(checkAttachment(attachment("many.zip", z), r));
    r.max_entries = 100;
    EXPECT_TRUE(checkAttachment(attachment("many.zip", z), r));
}

TEST(AttachmentPolicy, GarbageIsNotAnArchive) {
    std::string garbage = "PK\x03\x04" + std::string(200, '\xff');
    EXPECT_FALSE(checkAttachment(attachment("broken.zip", garbage), rules()));
    auto zip = makeArchive({{"a.exe", "x"}});
    EXPECT_FALSE(checkAttachment(attachment("cut.zip", zip.substr(0, 10)), rules()));
}
