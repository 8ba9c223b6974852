#include "queue/committer.h"

#include "store/write_transaction.h"
#include "util/log.h"



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

void Committer::apply(Poco::Data::Session& session, Op& op) {
    if (auto* e = std::get_if<Enqueue>(&op)) {
        store::insertQueued(session, *e->envelope);
    } else if (auto* l = std::get_if<TransactionLog>(&op)) {
        store::insertTransactionLog(session, *l);
    } else if (auto* r = std::get_if<ConnectionRecord>(&op)) {
        store::countConnection(session, *r);
    } else if (auto* c = std::get_if<Complete>(&op)) {
        store::deleteQueuedRows(session, c->id);
    } else if (auto* d = std::get_if<Defer>(&op)) {
        store::deferQueued(session, d->id, d->next_attempt, d->attempts, d->updates);
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
                store::WriteTransaction tx(*session);
                for (auto& op : batch) apply(*session, op);
                tx.commit();
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
