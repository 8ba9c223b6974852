// Operator access to the mail queue for moatctl: list it, ask for immediate
// retries, delete a message. It works on the store (queue, queue_rcpt) and the
// spool while moat-smtpd runs: flush only sets next_attempt, which the
// daemon's poller (once a second) acts on; delete removes the rows first and
// then the spool file, so the daemon never sees a record without its file.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "store/queue_records.h"

namespace moat::queue {

using QueueEntry = store::QueueEntry;

// Every queued message, oldest first, recipients in address order.
std::vector<QueueEntry> listQueue(Poco::Data::Session& session);

// Makes every queued message due now; returns how many there are.
std::size_t flushQueue(Poco::Data::Session& session);

// True if a queue id is well formed ([A-Za-z0-9]{1,64}) and so safe in a path.
bool validQueueId(std::string_view id);

// Deletes the message's rows and then <spool_dir>/msg/<id>. False if no such
// message is queued; throws std::invalid_argument on a malformed id and
// std::system_error if the spool file exists but cannot be removed.
bool deleteQueued(Poco::Data::Session& session, const std::string& spool_dir, std::string_view id);

}  // namespace moat::queue
