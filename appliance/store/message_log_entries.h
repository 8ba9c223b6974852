// The message log's rows as the console reads them (table message_log, with
// message_log_domains for the recipient domains): a search, newest first, and
// one row by id; both within a RowScope. The writer is queue::Committer.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <vector>

#include "store/message_search.h"

namespace moat::store {

struct LogEntry {
    long long id = 0, ts = 0;
    std::string client_ip, client_name, helo, tls, sender, recipients, refused_recipients, subject,
        from_header, message_id;
    long long size = 0;
    std::string queue_id, outcome, category, reason, refused_by;
    double score = 0;
    long long archive_id = 0;
    std::string checks;  // the stored JSON array
};

// filter.outcome matches the row's category.
std::vector<LogEntry> searchMessageLog(Poco::Data::Session& session,
                                       const MessageSearchFilter& filter, const RowScope& scope);
std::optional<LogEntry> findLogEntry(Poco::Data::Session& session, long long id,
                                     const RowScope& scope);

}  // namespace moat::store
