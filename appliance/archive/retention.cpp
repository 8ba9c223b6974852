#include "archive/retention.h"

#include <Poco/Data/Statement.h>
#include <Poco/Data/Transaction.h>

#include <tuple>
#include <vector>

using namespace Poco::Data::Keywords;

namespace moat::archive {

void removeEntry(Poco::Data::Session& session, const ArchiveDir& dir, long long id,
                 const std::string& file) {
    Poco::Int64 key = id;
    {
        Poco::Data::Transaction tx(session);
        session << "UPDATE message_log SET archive_id = 0 WHERE id = (SELECT log_id FROM archive "
                   "WHERE id = ?)"
                   " AND archive_id = ?",
            use(key), use(key), now;
        session << "DELETE FROM archive_domains WHERE archive_id = ?", use(key), now;
        session << "DELETE FROM archive WHERE id = ?", use(key), now;
        tx.commit();
    }
    dir.remove(file);
}

RetentionResult enforceRetention(Poco::Data::Session& session, const ArchiveDir& dir, long long at,
                                 const RetentionLimits& limits) {
    RetentionResult result;
    using Row = Poco::Tuple<Poco::Int64, std::string, Poco::Int64>;
    std::vector<Row> old;
    Poco::Int64 cutoff = at - limits.retention;
    session << "SELECT id, file, size FROM archive WHERE ts < ? ORDER BY ts, id", use(cutoff),
        into(old), now;
    for (const auto& row : old) {
        removeEntry(session, dir, row.get<0>(), row.get<1>());
        ++result.expired;
    }
    Poco::Int64 total = 0;
    session << "SELECT COALESCE(SUM(size), 0) FROM archive", into(total), now;
    auto quota = static_cast<Poco::Int64>(limits.quota);
    if (total > quota) {
        std::vector<Row> all;
        session << "SELECT id, file, size FROM archive ORDER BY ts, id", into(all), now;
        for (const auto& row : all) {
            if (total <= quota) break;
            removeEntry(session, dir, row.get<0>(), row.get<1>());
            total -= row.get<2>();
            ++result.evicted;
        }
    }
    result.bytes = static_cast<std::uint64_t>(total < 0 ? 0 : total);
    return result;
}

std::unordered_set<std::string> archivedFiles(Poco::Data::Session& session) {
    std::vector<std::string> files;
    session << "SELECT file FROM archive", into(files), now;
    return {files.begin(), files.end()};
}

}  // namespace moat::archive
