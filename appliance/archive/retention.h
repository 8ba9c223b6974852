// Archive housekeeping: entries older than archive.retention go, then the
// oldest entries until the archive's total size is within archive.quota, then
// the oldest entries whose blocks are the archive's alone until the file
// system's free space is back over archive.min_free (the reserve, which is
// also handed to the ArchiveDir so that keep() stops meanwhile). Each entry's
// index row is deleted first, then its file, so a crash in between leaves an
// orphan file (removed at the next start), never a row without its message.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <unordered_set>

#include "archive/archive_dir.h"

namespace moat::archive {

struct RetentionLimits {
    long long retention = 14 * 86400;          // seconds
    std::uint64_t quota = 10240ull << 20;      // bytes
    std::uint64_t min_free = kDefaultMinFree;  // bytes to leave free on the archive's file system
};

struct RetentionResult {
    std::size_t expired = 0;    // older than the retention
    std::size_t evicted = 0;    // removed to get within the quota
    std::size_t for_space = 0;  // removed to get the free space over the reserve
    std::uint64_t bytes = 0;    // the archive's size afterwards
};

RetentionResult enforceRetention(Poco::Data::Session& session, const ArchiveDir& dir, long long at,
                                 const RetentionLimits& limits);

// Deletes one entry: its rows (archive, archive_domains, the log row's link), then its file.
void removeEntry(Poco::Data::Session& session, const ArchiveDir& dir, long long id,
                 const std::string& file);

// The file names of every archive entry (for ArchiveDir::removeOrphans).
std::unordered_set<std::string> archivedFiles(Poco::Data::Session& session);

}  // namespace moat::archive
