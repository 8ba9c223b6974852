#include "store/queue_records.h"

#include <Poco/Data/Statement.h>

#include <map>

#include "store/read_transaction.h"
#include "store/recipient_list.h"
#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

Poco::Int64 lastRowId(Poco::Data::Session& session) {
    Poco::Int64 id = 0;
    session << "SELECT last_insert_rowid()", into(id), now;
    return id;
}

// One message_log_recipients row per recipient in `list`.
void insertLogRecipients(Poco::Data::Session& session, Poco::Int64 log_id, const std::string& list,
                         int refused) {
    for (auto& r : splitRecipientList(list))
        session << "INSERT INTO message_log_recipients (log_id, domain, address, refused)"
                   " VALUES (?, ?, ?, ?)",
            use(log_id), use(r.domain), use(r.address), use(refused), now;
}

}  // namespace

void insertTransactionLog(Poco::Data::Session& session, const TransactionLog& log) {
    TransactionLog l = log;  // Poco binds by reference
    Poco::Int64 size = static_cast<Poco::Int64>(l.size);
    Poco::Int64 ts = l.ts;
    if (l.checks.empty()) l.checks = "[]";
    Poco::Int64 archive_id = 0;
    if (l.archive) {
        Poco::Int64 archived_size = static_cast<Poco::Int64>(l.archive->size);
        session << "INSERT INTO archive (ts, file, size, client_ip, sender, recipients, subject, "
                   "from_header,"
                   " message_id, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            use(ts), useRef(l.archive->file), use(archived_size), useRef(l.client_ip),
            useRef(l.sender), useRef(l.recipients), useRef(l.subject), useRef(l.from_header),
            useRef(l.message_id), useRef(l.archive->outcome), useRef(l.reason), now;
        archive_id = lastRowId(session);
        for (const auto& domain : l.domains)
            session << "INSERT OR IGNORE INTO archive_domains (domain, archive_id) VALUES (?, ?)",
                useRef(domain), use(archive_id), now;
        for (auto& r : splitRecipientList(l.recipients))
            session << "INSERT INTO archive_recipients (archive_id, domain, address) VALUES (?, ?, ?)",
                use(archive_id), use(r.domain), use(r.address), now;
    }
    session << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, "
               "recipients, size,"
               " queue_id, outcome, reason, checks, subject, from_header, message_id, score, "
               "category, refused_by,"
               " refused_recipients, archive_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
               "?, ?, ?, ?, ?, ?)",
        use(ts), useRef(l.client_ip), useRef(l.client_name), useRef(l.helo), useRef(l.tls),
        useRef(l.sender), useRef(l.recipients), use(size), useRef(l.queue_id), useRef(l.outcome),
        useRef(l.reason), useRef(l.checks), useRef(l.subject), useRef(l.from_header),
        useRef(l.message_id), useRef(l.score), useRef(l.category), useRef(l.refused_by),
        useRef(l.refused_recipients), use(archive_id), now;
    Poco::Int64 log_id = lastRowId(session);
    if (archive_id)
        session << "UPDATE archive SET log_id = ? WHERE id = ?", use(log_id), use(archive_id), now;
    for (const auto& domain : l.domains)
        session << "INSERT OR IGNORE INTO message_log_domains (domain, log_id) VALUES (?, ?)",
            useRef(domain), use(log_id), now;
    insertLogRecipients(session, log_id, l.recipients, 0);
    insertLogRecipients(session, log_id, l.refused_recipients, 1);
    Poco::Int64 hour = ts / 3600;
    if (!l.category.empty())
        session << "INSERT INTO traffic_hourly (hour, category, n) VALUES (?, ?, 1)"
                   " ON CONFLICT (hour, category) DO UPDATE SET n = traffic_hourly.n + 1",
            use(hour), useRef(l.category), now;
    if (!l.refused_by.empty())
        session << "INSERT INTO refusals_hourly (hour, check_name, n) VALUES (?, ?, 1)"
                   " ON CONFLICT (hour, check_name) DO UPDATE SET n = refusals_hourly.n + 1",
            use(hour), useRef(l.refused_by), now;
}

void countConnection(Poco::Data::Session& session, const ConnectionRecord& r) {
    Poco::Int64 ts = r.ts;
    int wanted = r.kind == ConnectionRecord::Kind::wanted ? 1 : 0;
    int unwanted = r.kind == ConnectionRecord::Kind::unwanted ? 1 : 0;
    std::string ip = r.ip, name = r.name;
    session
        << "INSERT INTO mta_stats (ip, name, connections, wanted, unwanted, first_seen, last_seen)"
           " VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (ip) DO UPDATE SET"
           " name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE mta_stats.name END,"
           " connections = mta_stats.connections + 1, wanted = mta_stats.wanted + excluded.wanted,"
           " unwanted = mta_stats.unwanted + excluded.unwanted, last_seen = excluded.last_seen",
        useRef(ip), useRef(name), use(wanted), use(unwanted), use(ts), use(ts), now;
}

void insertQueued(Poco::Data::Session& session, const mail::Envelope& env) {
    Poco::Int64 size = static_cast<Poco::Int64>(env.size);
    Poco::Int64 flags = env.flags;
    Poco::Int64 created = env.created;
    session
        << "INSERT INTO queue (id, sender, size, created, next_attempt, attempts, client_ip, flags)"
           " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        useRef(env.id), useRef(env.sender), use(size), use(created), use(created),
        useRef(env.client_ip), use(flags), now;
    for (const auto& rcpt : env.recipients)
        session << "INSERT OR IGNORE INTO queue_rcpt (queue_id, rcpt) VALUES (?, ?)",
            useRef(env.id), useRef(rcpt), now;
}

bool deleteQueuedRows(Poco::Data::Session& session, const std::string& id) {
    // queue_rcpt would cascade with foreign_keys on; deleting it explicitly
    // keeps this correct on a session opened without the pragma.
    std::string key = id;
    session << "DELETE FROM queue_rcpt WHERE queue_id = ?", use(key), now;
    Poco::Data::Statement del(session);
    del << "DELETE FROM queue WHERE id = ?", use(key);
    return del.execute() > 0;
}

void deferQueued(Poco::Data::Session& session, const std::string& id, long long next_attempt,
                 int attempts, const std::vector<RecipientUpdate>& updates) {
    Poco::Int64 next = next_attempt;
    std::string key = id;
    int n = attempts;
    session << "UPDATE queue SET next_attempt = ?, attempts = ? WHERE id = ?", use(next), use(n),
        use(key), now;
    for (const auto& u : updates) {
        int status = u.status;
        std::string reply = u.last_reply, rcpt = u.rcpt;
        session
            << "UPDATE queue_rcpt SET status = ?, last_reply = ? WHERE queue_id = ? AND rcpt = ?",
            use(status), use(reply), use(key), use(rcpt), now;
    }
}

std::vector<std::string> dueQueueIds(Poco::Data::Session& session, long long at, int limit) {
    Poco::Int64 t = at;
    int n = limit;
    std::vector<std::string> ids;
    session << "SELECT id FROM queue WHERE next_attempt <= ? ORDER BY next_attempt LIMIT ?", use(t),
        use(n), into(ids), now;
    return ids;
}

std::optional<mail::Envelope> loadQueued(Poco::Data::Session& session, const std::string& id) {
    std::string key = id;
    std::vector<Poco::Int64> size, created, flags;
    std::vector<int> attempts;
    std::vector<std::string> sender, client_ip;
    session << "SELECT sender, size, created, attempts, client_ip, flags FROM queue WHERE id = ?",
        useRef(key), into(sender), into(size), into(created), into(attempts), into(client_ip),
        into(flags), now;
    if (sender.empty()) return std::nullopt;
    std::vector<std::string> rcpts;
    session << "SELECT rcpt FROM queue_rcpt WHERE queue_id = ? AND status = 0", useRef(key),
        into(rcpts), now;
    mail::Envelope env;
    env.id = id;
    env.sender = sender[0];
    env.size = static_cast<std::uint64_t>(size[0]);
    env.created = created[0];
    env.attempts = attempts[0];
    env.client_ip = client_ip[0];
    env.flags = static_cast<std::uint32_t>(flags[0]);
    env.recipients = std::move(rcpts);
    return env;
}

std::vector<std::string> allQueueIds(Poco::Data::Session& session) {
    std::vector<std::string> ids;
    session << "SELECT id FROM queue", into(ids), now;
    return ids;
}

std::int64_t queueLength(Poco::Data::Session& session) {
    Poco::Int64 n = 0;
    session << "SELECT COUNT(*) FROM queue", into(n), now;
    return n;
}

QueueSummary queueSummary(Poco::Data::Session& session) {
    Poco::Int64 messages = 0, oldest = 0;
    session << "SELECT COUNT(*), COALESCE(MIN(created), 0) FROM queue", into(messages), into(oldest), now;
    return QueueSummary{messages, oldest};
}

std::vector<QueueEntry> listQueueEntries(Poco::Data::Session& session) {
    std::vector<std::string> ids, senders;
    std::vector<Poco::Int64> sizes, created, next;
    std::vector<int> attempts;
    std::vector<std::string> rcpt_ids, rcpts, replies;
    std::vector<int> statuses;
    ReadTransaction read(session);  // one consistent snapshot of both tables
    session << "SELECT id, sender, size, created, next_attempt, attempts FROM queue ORDER BY "
               "created, id",
        into(ids), into(senders), into(sizes), into(created), into(next), into(attempts), now;
    session << "SELECT queue_id, rcpt, status, last_reply FROM queue_rcpt ORDER BY queue_id, rcpt",
        into(rcpt_ids), into(rcpts), into(statuses), into(replies), now;
    read.finish();
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

std::size_t makeQueueDue(Poco::Data::Session& session) {
    Poco::Data::Statement update(session);
    update << "UPDATE queue SET next_attempt = 0";
    return update.execute();
}

}  // namespace moat::store
