// The archive's index (tables archive and archive_domains) as housekeeping and
// the System page see it: entries oldest first, their total size, and removing
// one entry's rows (and the message log's link to it) in one write
// transaction. The files themselves are archive::ArchiveDir's.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>
#include <vector>

namespace moat::store {

struct ArchiveEntryFile {
    std::int64_t id = 0;
    std::string file;  // name inside the archive directory
    std::int64_t size = 0;
};

struct ArchiveTotals {
    std::int64_t messages = 0;
    std::int64_t bytes = 0;
};

// Entries archived before `ts` (all of them without it), oldest first.
std::vector<ArchiveEntryFile> archiveEntriesBefore(Poco::Data::Session& session, long long ts);
std::vector<ArchiveEntryFile> archiveEntriesOldestFirst(Poco::Data::Session& session);
ArchiveTotals archiveTotals(Poco::Data::Session& session);
// Every entry's file name.
std::vector<std::string> archiveFileNames(Poco::Data::Session& session);
// Deletes the entry's rows: archive, archive_domains, archive_recipients, and message_log's archive_id link.
void deleteArchiveEntry(Poco::Data::Session& session, std::int64_t id);

}  // namespace moat::store
