#include "queue/committer.h"

#include <chrono>

#include "store/write_transaction.h"
#include "util/log.h"

namespace moat::queue {

Committer::Committer(const store::Store& store, Spool& spool) : store_(store), spool_(spool) {
    thread_ = std::thread([this] { run(); });
}

Committer::~Committer() {
    stop();
}

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

void Committer::log(TransactionLog record) {
    submit(std::move(record));
}
void Committer::connection(ConnectionRecord record) {
    submit(std::move(record));
}
void Committer::complete(std::string id) {
    submit(Complete{std::move(id)});
}

void Committer::defer(std::string id, long long next_attempt, int attempts,
                      std::vector<RecipientUpdate> updates) {
    submit(Defer{std::move(id), next_attempt, attempts, std::move(updates)});
}

bool Committer::sync() {
    std::promise<bool> done;
    auto result = done.get_future();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        pending_.emplace_back(std::in_place_type<Sync>, Sync{std::move(done)});
    }
    cv_.notify_one();
    return result.get();
}

void Committer::onWritten(std::function<void(const std::string& id)> callback) {
    std::lock_guard lock(mutex_);
    on_written_ = std::move(callback);
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
    std::vector<int> failures;  // per op in batch: earlier failed tries
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (!retry_.empty()) {
                // The store failed: try again in a second (or at once when stopping).
                cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
            } else {
                cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            }
            if (pending_.empty() && retry_.empty() && stopping_) return;
            for (auto& r : retry_) {
                batch.push_back(std::move(r.op));
                failures.push_back(r.failures);
            }
            retry_.clear();
            for (auto& op : pending_) {
                batch.push_back(std::move(op));
                failures.push_back(0);
            }
            pending_.clear();
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
        std::function<void(const std::string&)> written;
        {
            std::lock_guard lock(mutex_);
            written = on_written_;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            Op& op = batch[i];
            if (auto* e = std::get_if<Enqueue>(&op)) {
                e->done.set_value(ok);  // the session answers 4xx and removes its file
            } else if (auto* s = std::get_if<Sync>(&op)) {
                s->done.set_value(ok);
            } else if (ok) {
                if (auto* c = std::get_if<Complete>(&op)) {
                    spool_.remove(c->id);
                    if (written) written(c->id);
                } else if (auto* d = std::get_if<Defer>(&op)) {
                    if (written) written(d->id);
                }
            } else if (std::holds_alternative<Complete>(op) || std::holds_alternative<Defer>(op) ||
                       failures[i] + 1 < kMaxLogRetries) {
                retry_.push_back({std::move(op), failures[i] + 1});
            } else {
                log::error("queue: a message log record could not be written after " +
                           std::to_string(kMaxLogRetries) + " tries; dropped");
            }
        }
        batch.clear();
        failures.clear();
        if (!ok) {
            std::lock_guard lock(mutex_);
            if (stopping_ && !retry_.empty()) {
                log::error(
                    "queue: stopping with " + std::to_string(retry_.size()) +
                    " records the store could not take; those messages may be delivered again");
                return;
            }
        }
    }
}

}  // namespace moat::queue
