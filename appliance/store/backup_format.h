// The header of a moatctl backup file: a fixed 68-byte prefix, then the
// payload (an SQLite database file). Big-endian fields: magic "MOATBAK\n",
// format version, flags (bit 0: the payload carries the message log and the
// archive index), the schema's user_version, creation time (epoch seconds),
// payload size in bytes and the payload's SHA-256. decodeBackupHeader checks
// only the header's own bytes; the caller checks size, digest and schema.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace moat::store {

inline constexpr std::uint32_t kBackupFormatVersion = 1;
inline constexpr std::size_t kBackupHeaderSize = 68;
inline constexpr std::uint32_t kBackupFlagWithLog = 1;

struct BackupHeader {
    std::uint32_t format_version = kBackupFormatVersion;
    std::uint32_t flags = 0;
    std::uint32_t schema_version = 0;
    std::int64_t created = 0;
    std::uint64_t payload_size = 0;
    std::array<std::uint8_t, 32> sha256{};

    bool withLog() const { return (flags & kBackupFlagWithLog) != 0; }
    bool operator==(const BackupHeader&) const = default;
};

// What is wrong with a backup file; the message is for the operator.
struct BackupFormatError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::array<std::uint8_t, kBackupHeaderSize> encodeBackupHeader(const BackupHeader& header);

// Throws BackupFormatError on fewer than kBackupHeaderSize bytes, a wrong
// magic, a format version this build does not know (0 or newer) or unknown
// flags. Bytes after the header are ignored.
BackupHeader decodeBackupHeader(std::span<const std::uint8_t> bytes);

}  // namespace moat::store
