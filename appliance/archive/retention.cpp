#include "archive/retention.h"

#include <algorithm>

#include "store/archive_index.h"

namespace moat::archive {

void removeEntry(Poco::Data::Session& session, const ArchiveDir& dir, long long id,
                 const std::string& file) {
    store::deleteArchiveEntry(session, id);
    dir.remove(file);
}

RetentionResult enforceRetention(Poco::Data::Session& session, const ArchiveDir& dir, long long at,
                                 const RetentionLimits& limits) {
    RetentionResult result;
    dir.setReserve(limits.min_free);
    for (const auto& entry : store::archiveEntriesBefore(session, at - limits.retention)) {
        removeEntry(session, dir, entry.id, entry.file);
        ++result.expired;
    }
    auto total =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, store::archiveTotals(session).bytes));
    if (total > limits.quota) {
        for (const auto& entry : store::archiveEntriesOldestFirst(session)) {
            if (total <= limits.quota) break;
            removeEntry(session, dir, entry.id, entry.file);
            total -= std::min<std::uint64_t>(total, static_cast<std::uint64_t>(entry.size));
            ++result.evicted;
        }
    }
    if (dir.underReserve()) {
        // A message still in the queue shares its blocks with the spool: removing
        // its archive name would free nothing, so only the archive's own go.
        for (const auto& entry : store::archiveEntriesOldestFirst(session)) {
            if (!dir.underReserve()) break;
            if (!dir.soleLink(entry.file)) continue;
            removeEntry(session, dir, entry.id, entry.file);
            total -= std::min<std::uint64_t>(total, static_cast<std::uint64_t>(entry.size));
            ++result.for_space;
        }
    }
    result.bytes = total;
    return result;
}

std::unordered_set<std::string> archivedFiles(Poco::Data::Session& session) {
    auto files = store::archiveFileNames(session);
    return {files.begin(), files.end()};
}

}  // namespace moat::archive
