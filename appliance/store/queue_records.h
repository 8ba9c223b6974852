// The queue's rows and the records that ride along with queue changes: the
// message log (with its archive index and dashboard counters), the per-MTA
// statistics, queued envelopes and their recipients. What to write when is
// queue/committer's (group commit) and queue/delivery_manager's; this file
// only writes and reads rows, inside the caller's transaction. Store failures throw.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "mail/envelope.h"

namespace moat::store {

// The archived copy of a transaction's message (a file under [archive] dir).
struct ArchivedMessage {
    std::string file;  // name inside the archive directory
    std::uint64_t size = 0;
    std::string outcome;  // accepted | tagged | rejected | virus
};

// One SMTP transaction for the message log. Its row, its recipient domains,
// its archive index row and the dashboard's hourly counters are written together.
struct TransactionLog {
    long long ts = 0;
    std::string client_ip, client_name, helo, tls, sender, recipients;
    std::uint64_t size = 0;
    std::string queue_id, outcome, reason;
    std::string checks;                            // JSON array of policy::CheckRecord
    std::string subject, from_header, message_id;  // from the message, when content was received
    double score = 0;
    std::string category;              // a mail::Outcome name
    std::string refused_by;            // the refusing check; '' when none refused
    std::string refused_recipients;    // comma-separated, refused at RCPT
    std::vector<std::string> domains;  // distinct recipient domains (accepted and refused)
    std::optional<ArchivedMessage> archive;
};

// One finished SMTP connection, for the per-MTA statistics (mta_stats).
struct ConnectionRecord {
    enum class Kind { neither, wanted, unwanted };
    long long ts = 0;
    std::string ip, name;
    Kind kind = Kind::neither;
};

struct RecipientUpdate {
    std::string rcpt;
    int status = 0;  // 0 pending, 1 delivered, 2 failed
    std::string last_reply;
};

struct QueueEntry {
    std::string id, sender;
    long long size = 0, created = 0, next_attempt = 0;
    int attempts = 0;
    // rcpt, status (0 pending, 1 delivered, 2 failed), last reply
    std::vector<std::tuple<std::string, int, std::string>> recipients;
};

void insertTransactionLog(Poco::Data::Session& session, const TransactionLog& log);
void countConnection(Poco::Data::Session& session, const ConnectionRecord& record);
void insertQueued(Poco::Data::Session& session, const mail::Envelope& envelope);
// Removes a message's queue row and its recipients' rows; false when there was none.
bool deleteQueuedRows(Poco::Data::Session& session, const std::string& id);
void deferQueued(Poco::Data::Session& session, const std::string& id, long long next_attempt,
                 int attempts, const std::vector<RecipientUpdate>& updates);

// Ids due at `now`, soonest first, at most limit.
std::vector<std::string> dueQueueIds(Poco::Data::Session& session, long long now, int limit);
// A queued message's envelope with its pending recipients; nothing if it is not queued.
std::optional<mail::Envelope> loadQueued(Poco::Data::Session& session, const std::string& id);
std::vector<std::string> allQueueIds(Poco::Data::Session& session);
std::int64_t queueLength(Poco::Data::Session& session);
struct QueueSummary {
    std::int64_t messages = 0;
    std::int64_t oldest = 0;  // created, epoch seconds (0 when empty)
};
QueueSummary queueSummary(Poco::Data::Session& session);
// Every queued message, oldest first, recipients in address order (one snapshot).
std::vector<QueueEntry> listQueueEntries(Poco::Data::Session& session);
// Makes every queued message due now; returns how many there are.
std::size_t makeQueueDue(Poco::Data::Session& session);

}  // namespace moat::store
