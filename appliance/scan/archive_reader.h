// A libarchive reader over bytes in memory, for the attachment policy and the
// password search: every archive format and compression filter the policy
// looks into, and nothing else (no external programs, no disk). The caller
// adds passphrases (or a passphrase callback) between reader() and open().
#pragma once

#include <archive.h>

#include <memory>
#include <string_view>

namespace moat::scan {

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// A new reader for zip, 7z, rar, tar and cab, gzip/bzip2/xz compressed.
ArchivePtr archiveReader();
// Opens data (which must outlive the reader); false when it is no archive.
bool openArchive(archive* a, std::string_view data);
// Whether libarchive can decrypt this archive's entries with a passphrase:
// zip only (traditional PKWARE and WinZip AES); its 7z and rar readers
// recognise encryption but cannot decrypt.
bool canDecrypt(archive* a);

}  // namespace moat::scan
