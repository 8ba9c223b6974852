#include "store/archive_index.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

using Row = Poco::Tuple<Poco::Int64, std::string, Poco::Int64>;

std::vector<ArchiveEntryFile> entries(const std::vector<Row>& rows) {
    std::vector<ArchiveEntryFile> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back({row.get<0>(), row.get<1>(), row.get<2>()});
    return out;
}

}  // namespace

std::vector<ArchiveEntryFile> archiveEntriesBefore(Poco::Data::Session& session, long long ts) {
    std::vector<Row> rows;
    Poco::Int64 cutoff = ts;
    session << "SELECT id, file, size FROM archive WHERE ts < ? ORDER BY ts, id", use(cutoff),
        into(rows), now;
    return entries(rows);
}

std::vector<ArchiveEntryFile> archiveEntriesOldestFirst(Poco::Data::Session& session) {
    std::vector<Row> rows;
    session << "SELECT id, file, size FROM archive ORDER BY ts, id", into(rows), now;
    return entries(rows);
}

ArchiveTotals archiveTotals(Poco::Data::Session& session) {
    Poco::Int64 messages = 0, bytes = 0;
    session << "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM archive", into(messages), into(bytes),
        now;
    return {messages, bytes};
}

std::vector<std::string> archiveFileNames(Poco::Data::Session& session) {
    std::vector<std::string> files;
    session << "SELECT file FROM archive", into(files), now;
    return files;
}

void deleteArchiveEntry(Poco::Data::Session& session, std::int64_t id) {
    Poco::Int64 key = id;
    WriteTransaction tx(session);
    session << "UPDATE message_log SET archive_id = 0 WHERE id = (SELECT log_id FROM archive WHERE "
               "id = ?)"
               " AND archive_id = ?",
        use(key), use(key), now;
    session << "DELETE FROM archive_domains WHERE archive_id = ?", use(key), now;
    session << "DELETE FROM archive_recipients WHERE archive_id = ?", use(key), now;
    session << "DELETE FROM archive WHERE id = ?", use(key), now;
    tx.commit();
}

}  // namespace moat::store
