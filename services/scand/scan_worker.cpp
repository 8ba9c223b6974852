#include "scan_worker.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <string_view>

#include "message_scan.h"
#include "scan/data_memory_limit.h"
#include "scan/fd_passing.h"
#include "scan/scan_reply.h"
#include "scan/scan_request.h"
#include "scan/worker_reply.h"
#include "worker_sandbox.h"

namespace moat::scand {
namespace {

using scan::ScanResult;

bool writeAll(int fd, const std::string& s) {
    return ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

struct Work {
    bool view = false;
    std::size_t skip = 0;
};

// "S" with 2 descriptors, or "S <skip>" with 3 (the view file last).
std::optional<Work> parseWork(std::string_view data, std::size_t fds) {
    if (data == "S" && fds == 2) return Work{};
    if (!data.starts_with("S ") || fds != 3) return std::nullopt;
    auto skip = scan::parseViewSkip(data.substr(2));
    if (!skip) return std::nullopt;
    return Work{true, *skip};
}

}  // namespace

[[noreturn]] void runWorker(int queue, const SignatureEngine* engine,
                            const scan::ScratchRoot* scratch, const config::Scan& cfg,
                            const scan::AttachmentRules& rules, int max_messages) {
    // The host's other descriptors (its control socket, its signalfd) are not ours.
    if (queue > 3) ::close_range(3, static_cast<unsigned>(queue) - 1, 0);
    ::close_range(static_cast<unsigned>(queue) + 1, ~0u, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a worker never outlives its host
    if (::getppid() == 1) ::_exit(1);    // the host died before the line above
    std::string problem;
    if (engine) {
        // Only libclamav writes temporary files: to this worker's own directory,
        // which the host removes when it reaps the worker, however it ended.
        std::string dir = scratch->workerDir(::getpid());
        if (!scan::createWorkerScratchDir(dir, problem) || !engine->useTempDirInWorker(dir))
            ::_exit(kExitNoScratch);
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    std::signal(SIGALRM, SIG_DFL);
    std::signal(SIGCHLD, SIG_DFL);
    std::signal(SIGPIPE, SIG_IGN);  // a waiter that gave up: EPIPE, then exit
    if (!scan::limitDataMemory(cfg.worker_memory, problem)) ::_exit(kExitNoMemoryLimit);
    if (!confineWorker(problem)) ::_exit(kExitUnconfined);

    const std::string pid_line = scan::formatWorkerPid(::getpid());
    for (int done = 0; done < max_messages; ++done) {
        auto got = scan::receiveWithFds(queue, 16, 4);
        if (got.bytes <= 0) ::_exit(0);  // the host's queue closed: a reload or shutdown
        auto work = parseWork(got.data, got.fds.size());
        if (got.truncated || !work) ::_exit(3);  // broken invariant
        int message = got.fds[0], out = got.fds[1];
        int view = work->view ? got.fds[2] : -1;
        bool told = writeAll(out, pid_line);
        // The wall clock ends a scan that hangs or spins: SIGALRM's default
        // action kills even a process stuck on a lock, and the worker may not
        // change it. The waiter then sees EOF and answers "error".
        ::alarm(static_cast<unsigned>(cfg.timeout.count()));
        ScanResult result;
        try {
            result = scanMessage(message, view, work->skip, engine, cfg, rules);
        } catch (const std::exception& e) {
            result = {ScanResult::Kind::error, std::string("scan failed: ") + e.what()};
        }
        ::alarm(0);
        told = told && writeAll(out, scan::formatScanReply(result));
        ::close(message);
        ::close(out);
        if (view >= 0) ::close(view);
        if (!told || result.kind == ScanResult::Kind::error) ::_exit(0);
    }
    ::_exit(0);
}

}  // namespace moat::scand
