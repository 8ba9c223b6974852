// Carries out the console's release requests (table release_requests, status
// pending): re-queues the archived message to its original envelope sender
// and the recipients the request fixed (the requester's own) through the normal queue, with "X-Moat-Released: by USER on
// DATE (archive id N)" as its first header line. The released copy is not
// scanned again. Each request ends done (with the new queue id) or failed
// (with the reason), the archive entry's release count goes up and the audit
// log gets a "release" row. A thread polls every 500 ms, so a release takes
// effect within a second.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "archive/archive_dir.h"
#include "mail/envelope.h"
#include "queue/spool.h"
#include "store/release_requests.h"
#include "store/store.h"

namespace moat::archive {

class ReleaseExecutor {
  public:
    // Makes a committed spool message durable in the queue and hands it to
    // delivery; false when the queue store failed (the spool file is then removed by the caller).
    using Enqueue = std::function<bool(const mail::Envelope&)>;

    ReleaseExecutor(const store::Store& store, queue::Spool& spool, const ArchiveDir& dir,
                    Enqueue enqueue);
    ~ReleaseExecutor();
    ReleaseExecutor(const ReleaseExecutor&) = delete;
    ReleaseExecutor& operator=(const ReleaseExecutor&) = delete;

    void start();  // the polling thread
    void stop();
    // Carries out every pending request now; returns how many were handled.
    std::size_t runOnce();

  private:
    struct Outcome {
        bool ok = false;
        std::string queue_id, detail;
    };
    Outcome release(Poco::Data::Session& session, const store::ReleaseRequest& request);
    void run();

    const store::Store& store_;
    queue::Spool& spool_;
    const ArchiveDir& dir_;
    Enqueue enqueue_;
    std::unique_ptr<Poco::Data::Session> session_;  // used by one thread at a time
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

// The X-Moat-Released field (CRLF-terminated); `by` is reduced to printable ASCII.
std::string releasedHeader(const std::string& by, long long when, long long archive_id);

}  // namespace moat::archive
