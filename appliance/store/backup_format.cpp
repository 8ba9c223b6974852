#include "store/backup_format.h"

#include <algorithm>
#include <string>

namespace moat::store {
namespace {

constexpr std::array<std::uint8_t, 8> kMagic = {'M', 'O', 'A', 'T', 'B', 'A', 'K', '\n'};

template <typename T>
void put(std::uint8_t*& at, T value) {
    for (std::size_t i = sizeof(T); i-- > 0;) *at++ = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i));
}

template <typename T>
T get(const std::uint8_t*& at) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = value << 8 | *at++;
    return static_cast<T>(value);
}

}  // namespace

std::array<std::uint8_t, kBackupHeaderSize> encodeBackupHeader(const BackupHeader& header) {
    std::array<std::uint8_t, kBackupHeaderSize> out{};
    std::uint8_t* at = out.data();
    at = std::copy(kMagic.begin(), kMagic.end(), at);
    put(at, header.format_version);
    put(at, header.flags);
    put(at, header.schema_version);
    put(at, header.created);
    put(at, header.payload_size);
    std::copy(header.sha256.begin(), header.sha256.end(), at);
    return out;
}

BackupHeader decodeBackupHeader(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kBackupHeaderSize)
        throw BackupFormatError("not a Moat backup: file too short (" + std::to_string(bytes.size()) +
                                " bytes, the header alone has " + std::to_string(kBackupHeaderSize) + ")");
    if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin()))
        throw BackupFormatError("not a Moat backup: wrong magic");
    const std::uint8_t* at = bytes.data() + kMagic.size();
    BackupHeader h;
    h.format_version = get<std::uint32_t>(at);
    h.flags = get<std::uint32_t>(at);
    h.schema_version = get<std::uint32_t>(at);
    h.created = get<std::int64_t>(at);
    h.payload_size = get<std::uint64_t>(at);
    std::copy(at, at + h.sha256.size(), h.sha256.begin());
    if (h.format_version == 0 || h.format_version > kBackupFormatVersion)
        throw BackupFormatError("backup format version " + std::to_string(h.format_version) +
                                " is not one this build reads (it reads up to " +
                                std::to_string(kBackupFormatVersion) + ")");
    if ((h.flags & ~kBackupFlagWithLog) != 0)
        throw BackupFormatError("backup has unknown flags " + std::to_string(h.flags));
    return h;
}

}  // namespace moat::store
