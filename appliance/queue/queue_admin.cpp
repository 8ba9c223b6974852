#include "queue/queue_admin.h"

#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>

#include "store/write_transaction.h"
#include "util/log.h"

namespace moat::queue {

std::vector<QueueEntry> listQueue(Poco::Data::Session& session) { return store::listQueueEntries(session); }

std::size_t flushQueue(Poco::Data::Session& session) { return store::makeQueueDue(session); }

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

    store::WriteTransaction tx(session);
    bool removed = store::deleteQueuedRows(session, key);
    tx.commit();
    if (!removed) return false;

    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(spool_dir) / "msg" / key, ec);
    if (ec) throw std::system_error(ec, "cannot remove spool file for " + key);
    return true;
}

}  // namespace moat::queue
