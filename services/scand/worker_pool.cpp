#include "worker_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "raw_log.h"
#include "scan_worker.h"

namespace moat::scand {

using Clock = std::chrono::steady_clock;

// No logger here (a lock of moat-scand's could have been copied held): raw lines.
void WorkerPool::reaped(pid_t pid) {
    workers_.erase(pid);
    std::string problem;
    if (scratch_ && !scratch_->removeWorkerDir(pid, problem) && !removal_failed_) {
        removal_failed_ = true;
        rawLog("error", "scand: a scan worker's temporary files: " + problem +
                            " (further failures of this scan host are not logged)");
    }
}

std::chrono::milliseconds WorkerPool::refill() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        reaped(pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitUnconfined)
            rawLog("error", "scand: a scan worker could not install its seccomp filter; no scans");
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoMemoryLimit)
            rawLog("error", "scand: a scan worker could not set its memory limit "
                            "(RLIMIT_DATA, [scan] worker_memory); no scans");
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitNoScratch && scratch_ &&
            !scratch_failed_) {
            scratch_failed_ = true;
            rawLog("error", "scand: a scan worker could not make its temporary directory in " +
                                scratch_->path() + "; no scans");
        }
    }
    const auto size = static_cast<std::size_t>(cfg_.workers);
    auto now = Clock::now();
    while (!starts_.empty() && now - starts_.front() > std::chrono::seconds(1)) starts_.pop_front();
    while (workers_.size() < size) {
        if (starts_.size() >= 4 * size)
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                starts_.front() + std::chrono::seconds(1) - now + std::chrono::milliseconds(1));
        pid_t pid = ::fork();
        if (pid == 0) runWorker(queue_, engine_, scratch_, cfg_, rules_, cfg_.worker_messages);
        if (pid < 0) return std::chrono::milliseconds(100);  // out of processes: try again soon
        workers_.insert(pid);
        starts_.push_back(now);
    }
    return std::chrono::hours(1);
}

bool WorkerPool::kill(pid_t pid) {
    // Not reaped yet, so the pid cannot have been reused by another process.
    if (!workers_.contains(pid)) return false;
    ::kill(pid, SIGKILL);
    return true;
}

void WorkerPool::stop() {
    for (pid_t pid : workers_) ::kill(pid, SIGKILL);
    while (!workers_.empty()) {
        pid_t pid = *workers_.begin();
        if (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) continue;
        reaped(pid);
    }
}

}  // namespace moat::scand
