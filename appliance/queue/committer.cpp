#include "queue/committer.h"

#include "util/log.h"

#include <Poco/Data/Statement.h>

using namespace Poco::Data::Keywords;

namespace moat::queue {

Committer::Committer(const store::Store& store, Spool& spool) : store_(store), spool_(spool) {
    thread_ = std::thread([this] { run(); });
}

Committer::~Committer() { stop(); }

void Committer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Committer::submit(Op op) {
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(op));
    }
    cv_.notify_one();
}

bool Committer::enqueue(const mail::Envelope& envelope) {
    std::promise<bool> done;
    auto result = done.get_future();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        pending_.emplace_back(std::in_place_type<Enqueue>, Enqueue{&envelope, std::move(done)});
    }
    cv_.notify_one();
    return result.get();
}

void Committer::log(TransactionLog record) { submit(std::move(record)); }
void Committer::connection(ConnectionRecord record) { submit(std::move(record)); }
void Committer::complete(std::string id) { submit(Complete{std::move(id)}); }

void Committer::defer(std::string id, long long next_attempt, int attempts, std::vector<RecipientUpdate> updates) {
    submit(Defer{std::move(id), next_attempt, attempts, std::move(updates)});
}

void Committer::sync() {
    std::promise<bool> done;
    auto result = done.get_future();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        pending_.emplace_back(std::in_place_type<Sync>, Sync{std::move(done)});
    }
    cv_.notify_one();
    result.get();
}

namespace {
Poco::Int64 lastRowId(Poco::Data::Session& session) {
    Poco::Int64 id = 0;
    session << "SELECT last_insert_rowid()", into(id), now;
    return id;
}
}  // namespace

void Committer::logTransaction(Poco::Data::Session& session, TransactionLog& l) {
    Poco::Int64 size = static_cast<Poco::Int64>(l.size);
    Poco::Int64 ts = l.ts;
    if (l.checks.empty()) l.checks = "[]";
    Poco::Int64 archive_id = 0;
    if (l.archive) {
        Poco::Int64 archived_size = static_cast<Poco::Int64>(l.archive->size);
        session << "INSERT INTO archive (ts, file, size, client_ip, sender, recipients, subject, from_header,"
                   " message_id, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            use(ts), useRef(l.archive->file), use(archived_size), useRef(l.client_ip), useRef(l.sender),
            useRef(l.recipients), useRef(l.subject), useRef(l.from_header), useRef(l.message_id),
            useRef(l.archive->outcome), useRef(l.reason), now;
        archive_id = lastRowId(session);
        for (const auto& domain : l.domains)
            session << "INSERT OR IGNORE INTO archive_domains (domain, archive_id) VALUES (?, ?)", useRef(domain),
                use(archive_id), now;
    }
    session << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, size,"
               " queue_id, outcome, reason, checks, subject, from_header, message_id, score, category, refused_by,"
               " refused_recipients, archive_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        use(ts), useRef(l.client_ip), useRef(l.client_name), useRef(l.helo), useRef(l.tls), useRef(l.sender),
        useRef(l.recipients), use(size), useRef(l.queue_id), useRef(l.outcome), useRef(l.reason), useRef(l.checks),
        useRef(l.subject), useRef(l.from_header), useRef(l.message_id), useRef(l.score), useRef(l.category),
        useRef(l.refused_by), useRef(l.refused_recipients), use(archive_id), now;
    Poco::Int64 log_id = lastRowId(session);
    if (archive_id) session << "UPDATE archive SET log_id = ? WHERE id = ?", use(log_id), use(archive_id), now;
    for (const auto& domain : l.domains)
        session << "INSERT OR IGNORE INTO message_log_domains (domain, log_id) VALUES (?, ?)", useRef(domain),
            use(log_id), now;
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

void Committer::apply(Poco::Data::Session& session, Op& op) {
    if (auto* e = std::get_if<Enqueue>(&op)) {
        const mail::Envelope& env = *e->envelope;
        Poco::Int64 size = static_cast<Poco::Int64>(env.size);
        Poco::Int64 flags = env.flags;
        Poco::Int64 created = env.created;
        session << "INSERT INTO queue (id, sender, size, created, next_attempt, attempts, client_ip, flags)"
                   " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            useRef(env.id), useRef(env.sender), use(size), use(created), use(created),
            useRef(env.client_ip), use(flags), now;
        for (const auto& rcpt : env.recipients)
            session << "INSERT OR IGNORE INTO queue_rcpt (queue_id, rcpt) VALUES (?, ?)", useRef(env.id),
                useRef(rcpt), now;
    } else if (auto* l = std::get_if<TransactionLog>(&op)) {
        logTransaction(session, *l);
    } else if (auto* r = std::get_if<ConnectionRecord>(&op)) {
        Poco::Int64 ts = r->ts;
        int wanted = r->kind == ConnectionRecord::Kind::wanted ? 1 : 0;
        int unwanted = r->kind == ConnectionRecord::Kind::unwanted ? 1 : 0;
        session << "INSERT INTO mta_stats (ip, name, connections, wanted, unwanted, first_seen, last_seen)"
                   " VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (ip) DO UPDATE SET"
                   " name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE mta_stats.name END,"
                   " connections = mta_stats.connections + 1, wanted = mta_stats.wanted + excluded.wanted,"
                   " unwanted = mta_stats.unwanted + excluded.unwanted, last_seen = excluded.last_seen",
            useRef(r->ip), useRef(r->name), use(wanted), use(unwanted), use(ts), use(ts), now;
    } else if (auto* c = std::get_if<Complete>(&op)) {
        session << "DELETE FROM queue WHERE id = ?", use(c->id), now;
    } else if (auto* d = std::get_if<Defer>(&op)) {
        Poco::Int64 next = d->next_attempt;
        session << "UPDATE queue SET next_attempt = ?, attempts = ? WHERE id = ?", use(next),
            use(d->attempts), use(d->id), now;
        for (auto& u : d->updates)
            session << "UPDATE queue_rcpt SET status = ?, last_reply = ? WHERE queue_id = ? AND rcpt = ?",
                use(u.status), use(u.last_reply), use(d->id), use(u.rcpt), now;
    }
}

void Committer::run() {
    std::unique_ptr<Poco::Data::Session> session;
    std::vector<Op> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty() && stopping_) return;
            batch.swap(pending_);
        }
        bool ok = true;
        bool has_enqueue = false;
        for (auto& op : batch) has_enqueue |= std::holds_alternative<Enqueue>(op);
        // The directory entries of the new spool files must be durable before
        // the records that point at them.
        if (has_enqueue && !spool_.syncDirectory()) {
            log::error("queue: cannot fsync the spool directory");
            ok = false;
        }
        if (ok) {
            try {
                if (!session) session = std::make_unique<Poco::Data::Session>(store_.connect());
                *session << "BEGIN IMMEDIATE", now;
                try {
                    for (auto& op : batch) apply(*session, op);
                    *session << "COMMIT", now;
                } catch (...) {
                    try {
                        *session << "ROLLBACK", now;
                    } catch (...) {
                    }
                    throw;
                }
            } catch (const Poco::Exception& e) {
                log::error("queue: store commit failed: " + e.displayText());
                session.reset();
                ok = false;
            } catch (const std::exception& e) {
                log::error(std::string("queue: store commit failed: ") + e.what());
                session.reset();
                ok = false;
            }
        }
        for (auto& op : batch) {
            if (auto* e = std::get_if<Enqueue>(&op)) {
                e->done.set_value(ok);
            } else if (auto* s = std::get_if<Sync>(&op)) {
                s->done.set_value(ok);
            } else if (auto* c = std::get_if<Complete>(&op); c && ok) {
                spool_.remove(c->id);
            }
        }
        batch.clear();
    }
}

}  // namespace moat::queue
