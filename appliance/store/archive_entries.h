// The archive's index rows as the console and the release executor read them
// (table archive, with archive_domains for the recipient domains): a search,
// newest first, and one entry by id, both within a RowScope (a domain
// administrator never sees virus entries), and counting a release.
// Housekeeping's view of the same table is store/archive_index.h.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <vector>

#include "store/message_search.h"

namespace moat::store {

struct ArchiveEntry {
    long long id = 0, ts = 0, log_id = 0;
    std::string file;  // name inside [archive] dir
    long long size = 0;
    std::string client_ip, sender, recipients, subject, from_header, message_id, outcome, reason;
    long long released = 0, last_release = 0;
    // Within a domain administrator's scope: recipients holds only its own, and
    // this counts the entry's recipients in other domains (0 for an administrator).
    long long other_recipients = 0;
};

std::vector<ArchiveEntry> searchArchive(Poco::Data::Session& session,
                                        const MessageSearchFilter& filter, const RowScope& scope);
std::optional<ArchiveEntry> findArchiveEntry(Poco::Data::Session& session, long long id,
                                             const RowScope& scope = {});
// One more release of the entry, at `when`.
void countArchiveRelease(Poco::Data::Session& session, long long id, long long when);

}  // namespace moat::store
