// The scan host's pool of pre-forked scan workers (scan_worker.h): keeps
// `size` of them alive, forking a replacement for each one that exits
// (recycled after its message quota, after an anomaly, crashed, killed), and
// kills one on request when a waiter saw it run past the timeout. Only the
// host's single thread uses it. A worker that dies at once every time (e.g.
// it cannot confine itself) does not make the host fork in a tight loop:
// starts are limited to 4 × size per second. Each reaped worker's directory
// for libclamav's temporary files (scan/scratch_root.h) is removed with
// whatever a scan cut short left in it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <set>

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "scan/scratch_root.h"
#include "signature_engine.h"

namespace moat::scand {

class WorkerPool {
  public:
    // scratch may be null only when engine is (no libclamav, no temporary files).
    WorkerPool(int queue, const SignatureEngine* engine, const scan::ScratchRoot* scratch,
               const config::Scan& cfg, const scan::AttachmentRules& rules)
        : queue_(queue), engine_(engine), scratch_(scratch), cfg_(cfg), rules_(rules) {}

    // Reaps exited workers and starts new ones up to the pool size. Returns
    // how long to wait before calling again when starts were held back
    // (otherwise a very long time: SIGCHLD will say when).
    std::chrono::milliseconds refill();
    // SIGKILLs pid if it is one of ours (a waiter's timeout); false otherwise.
    bool kill(pid_t pid);
    // The host is ending: SIGKILLs and reaps every worker and removes their directories.
    void stop();

  private:
    void reaped(pid_t pid);
    int queue_;
    const SignatureEngine* engine_;
    const scan::ScratchRoot* scratch_;
    const config::Scan& cfg_;
    const scan::AttachmentRules& rules_;
    std::set<pid_t> workers_;
    std::deque<std::chrono::steady_clock::time_point> starts_;
    bool removal_failed_ = false;  // logged once per host
    bool scratch_failed_ = false;  // logged once per host
};

}  // namespace moat::scand
