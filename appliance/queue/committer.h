// Group commit of queue changes. Sessions hand in envelopes whose spool files
// are already fsync'd; one thread fsyncs the spool directory once and commits
// every envelope that arrived meanwhile in one SQLite transaction, then wakes
// the sessions to answer 250. Delivery results, deferrals and the transaction
// log ride along in the same transactions, so the store sees a few large
// commits instead of many small ones (this is where Moat beats fsync-per-message).
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "mail/envelope.h"
#include "queue/spool.h"
#include "store/queue_records.h"
#include "store/store.h"

namespace moat::queue {

using ArchivedMessage = store::ArchivedMessage;
using TransactionLog = store::TransactionLog;
using ConnectionRecord = store::ConnectionRecord;
using RecipientUpdate = store::RecipientUpdate;

class Committer {
  public:
    Committer(const store::Store& store, Spool& spool);
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    // Blocks until the envelope is durable. false: the store failed (the
    // caller answers 4xx and removes the spool file).
    bool enqueue(const mail::Envelope& envelope);
    void log(TransactionLog record);
    void connection(ConnectionRecord record);
    // The message is finished: its rows go, then its spool file.
    void complete(std::string id);
    void defer(std::string id, long long next_attempt, int attempts,
               std::vector<RecipientUpdate> updates);
    // Blocks until everything handed in so far was tried; false when the
    // store failed (a full disk): then completions and deferrals are kept and
    // written again every second until they commit (never dropped: a lost
    // completion would deliver the message again), and the caller must hold
    // the message meanwhile. Log and statistics records are given up after
    // kMaxLogRetries tries.
    bool sync();
    // Called (on the committer's thread) with the id of every completion or
    // deferral once it is durable.
    void onWritten(std::function<void(const std::string& id)> callback);

    static constexpr int kMaxLogRetries = 300;

    void stop();

  private:
    struct Enqueue {
        const mail::Envelope* envelope;
        std::promise<bool> done;
    };
    struct Complete {
        std::string id;
    };
    struct Defer {
        std::string id;
        long long next_attempt;
        int attempts;
        std::vector<RecipientUpdate> updates;
    };
    struct Sync {
        std::promise<bool> done;
    };
    using Op = std::variant<Enqueue, TransactionLog, ConnectionRecord, Complete, Defer, Sync>;
    struct Retry {
        Op op;
        int failures = 0;
    };

    void submit(Op op);
    void run();
    void apply(Poco::Data::Session& session, Op& op);

    const store::Store& store_;
    Spool& spool_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Op> pending_;
    std::vector<Retry> retry_;  // committer thread only: what failed, tried again first
    std::function<void(const std::string&)> on_written_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace moat::queue
