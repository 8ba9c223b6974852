#include "queue/queue_admin.h"

#include <Poco/Data/Statement.h>
#include <Poco/Data/Transaction.h>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>

#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::queue {

std::vector<QueueEntry> listQueue(Poco::Data::Session& session) {
    std::vector<std::string> ids, senders;
    std::vector<Poco::Int64> sizes, created, next;
    std::vector<int> attempts;
    std::vector<std::string> rcpt_ids, rcpts, replies;
    std::vector<int> statuses;

    Poco::Data::Transaction read(session);  // one consistent snapshot of both tables
    session << "SELECT id, sender, size, created, next_attempt, attempts FROM queue ORDER BY "
               "created, id",
        into(ids), into(senders), into(sizes), into(created), into(next), into(attempts), now;
    session << "SELECT queue_id, rcpt, status, last_reply FROM queue_rcpt ORDER BY queue_id, rcpt",
        into(rcpt_ids), into(rcpts), into(statuses), into(replies), now;
    read.commit();

    std::vector<QueueEntry> out(ids.size());
    std::map<std::string, QueueEntry*> by_id;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        QueueEntry& e = out[i];
        e.id = ids[i];
        e.sender = senders[i];
        e.size = sizes[i];
        e.created = created[i];
        e.next_attempt = next[i];
        e.attempts = attempts[i];
        by_id[e.id] = &e;
    }
    for (std::size_t i = 0; i < rcpt_ids.size(); ++i) {
        auto it = by_id.find(rcpt_ids[i]);
        if (it != by_id.end())
            it->second->recipients.emplace_back(rcpts[i], statuses[i], replies[i]);
    }
    return out;
}

std::size_t flushQueue(Poco::Data::Session& session) {
    Poco::Data::Statement update(session);
    update << "UPDATE queue SET next_attempt = 0";
    return update.execute();
}

bool validQueueId(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    return true;
}

bool deleteQueued(Poco::Data::Session& session, const std::string& spool_dir, std::string_view id) {
    if (!validQueueId(id))
        throw std::invalid_argument("invalid queue id '" + log::printable(id, 100) + "'");
    std::string key(id);

    // queue_rcpt would cascade with foreign_keys on; deleting it explicitly
    // keeps this correct on a session opened without the pragma.
    Poco::Data::Transaction tx(session);
    session << "DELETE FROM queue_rcpt WHERE queue_id = ?", use(key), now;
    Poco::Data::Statement del(session);
    del << "DELETE FROM queue WHERE id = ?", use(key);
    std::size_t removed = del.execute();
    tx.commit();
    if (removed == 0) return false;

    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(spool_dir) / "msg" / key, ec);
    if (ec) throw std::system_error(ec, "cannot remove spool file for " + key);
    return true;
}

}  // namespace moat::queue
