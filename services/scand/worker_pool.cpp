#include "worker_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string_view>

#include "scan_worker.h"

namespace moat::scand {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds WorkerPool::refill() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        workers_.erase(pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == kExitUnconfined) {
            // No logger here (a lock of moat-scand's could have been copied held): one raw line.
            constexpr std::string_view kLine =
                "error: scand: a scan worker could not install its seccomp filter; no scans\n";
            [[maybe_unused]] ssize_t n = ::write(2, kLine.data(), kLine.size());
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
        if (pid == 0) runWorker(queue_, engine_, cfg_, rules_, cfg_.worker_messages);
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

}  // namespace moat::scand
