// Archives made in memory with libarchive's writer for the attachment policy
// tests: zip (optionally encrypted, traditional PKWARE or WinZip AES), 7z, tar.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moat::test {

using Files = std::vector<std::pair<std::string, std::string>>;

// A zip (or, with format "7zip"/"ustar", another archive) holding files; with
// a passphrase, zip entries are encrypted ("zipcrypt", "aes128", "aes256").
inline std::string makeArchive(const Files& files, const char* format = "zip",
                               const char* passphrase = nullptr,
                               const char* encryption = "zipcrypt") {
    std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                              archive_write_free);
    archive_write_set_format_by_name(a.get(), format);
    if (passphrase) {
        std::string option = std::string("zip:encryption=") + encryption;
        EXPECT_EQ(archive_write_set_options(a.get(), option.c_str()), ARCHIVE_OK);
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

}  // namespace moat::test
