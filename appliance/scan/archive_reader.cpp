#include "scan/archive_reader.h"

#include <new>

namespace moat::scan {

ArchivePtr archiveReader() {
    ArchivePtr a(archive_read_new());
    if (!a) throw std::bad_alloc();
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_format_zip(a.get());
    archive_read_support_format_7zip(a.get());
    archive_read_support_format_rar(a.get());
    archive_read_support_format_rar5(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_cab(a.get());
    return a;
}

bool openArchive(archive* a, std::string_view data) {
    return archive_read_open_memory(a, data.data(), data.size()) == ARCHIVE_OK;
}

bool canDecrypt(archive* a) {
    return (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
}

}  // namespace moat::scan
