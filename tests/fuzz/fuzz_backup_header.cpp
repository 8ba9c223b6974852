// Fuzzes the reader of a backup file's header: any bytes give a header or a
// BackupFormatError, never a crash, and a header read re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "store/backup_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto header = moat::store::decodeBackupHeader(std::span(data, size));
        auto again = moat::store::encodeBackupHeader(header);
        for (std::size_t i = 0; i < again.size(); ++i)
            if (again[i] != data[i]) std::abort();
    } catch (const moat::store::BackupFormatError&) {
    }
    return 0;
}
