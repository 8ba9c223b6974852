#include "scan_host.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "raw_log.h"
#include "scan/fd_passing.h"
#include "scan/scratch_root.h"
#include "scan/worker_reply.h"
#include "signature_engine.h"
#include "worker_pool.h"

namespace moat::scand {
namespace {

using scan::ScanResult;
using Clock = std::chrono::steady_clock;

void keepOnly(int a, int b) {
    int lo = std::min(a, b), hi = std::max(a, b);
    if (lo > 3) ::close_range(3, static_cast<unsigned>(lo) - 1, 0);
    if (hi > lo + 1) ::close_range(static_cast<unsigned>(lo) + 1, static_cast<unsigned>(hi) - 1, 0);
    ::close_range(static_cast<unsigned>(hi) + 1, ~0u, 0);
}

// The host's end, however it comes: no worker left, and no temporary file.
[[noreturn]] void leave(WorkerPool* pool, scan::ScratchRoot* scratch, int code) {
    if (pool) pool->stop();
    std::string problem;
    if (scratch && !scratch->remove(problem))
        rawLog("error", "scand: scan temporary files: " + problem);
    ::_exit(code);
}

}  // namespace

// The host process: load, report, then keep the pool full until moat-scand
// lets go (EOF on control) or SIGTERM.
void ScanHost::run(int control, int queue, const config::Scan& cfg,
                   const scan::AttachmentRules& rules) {
    keepOnly(control, queue);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    std::signal(SIGTERM, SIG_DFL);

    // First the roots that hosts which died (SIGKILL, a crash) left behind.
    const std::string base = scan::scratchBase();
    std::string problem;
    scan::removeStaleScratchRoots(base, problem);
    if (!problem.empty()) rawLog("error", "scand: stale scan temporary files: " + problem);
    problem.clear();
    auto scratch = scan::ScratchRoot::create(base, problem);
    std::shared_ptr<const SignatureEngine> engine;
    if (scratch)
        engine = SignatureEngine::build(cfg, {cfg.signatures, cfg.local_signatures}, problem);
    else
        problem = "no directory for scan temporary files: " + problem;
    std::string status = engine ? "ready " + std::to_string(engine->signatures()) + " " +
                                      std::to_string(engine->dbVersion()) + " " +
                                      std::to_string(engine->dbTime())
                                : "none " + problem;
    if (::send(control, status.data(), status.size(), MSG_NOSIGNAL) < 0)
        leave(nullptr, scratch.get(), 1);

    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGCHLD);
    sigaddset(&handled, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &handled, nullptr);
    int sfd = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) leave(nullptr, scratch.get(), 1);

    WorkerPool pool(queue, engine.get(), scratch.get(), cfg, rules);
    auto wait = pool.refill();
    for (;;) {
        pollfd p[2] = {{control, POLLIN, 0}, {sfd, POLLIN, 0}};
        int r = ::poll(p, 2, static_cast<int>(std::min<long long>(wait.count(), 60000)));
        if (r < 0 && errno != EINTR) leave(&pool, scratch.get(), 1);
        if (p[0].revents) {
            char buf[32];
            ssize_t n = ::recv(control, buf, sizeof(buf) - 1, 0);
            if (n <= 0) leave(&pool, scratch.get(), 0);  // moat-scand let go of this host
            buf[n] = '\0';
            if (buf[0] == 'K' && buf[1] == ' ') pool.kill(static_cast<pid_t>(std::atoi(buf + 2)));
        }
        signalfd_siginfo info;
        while (::read(sfd, &info, sizeof(info)) > 0)
            if (info.ssi_signo == SIGTERM) leave(&pool, scratch.get(), 0);
        wait = pool.refill();
    }
}

std::shared_ptr<ScanHost> ScanHost::start(HostLauncher& launcher, const config::Scan& cfg,
                                          std::string& problem, bool& launcher_gone) {
    auto launched = launcher.launch(problem, launcher_gone);
    if (!launched) return nullptr;
    std::shared_ptr<ScanHost> host(
        new ScanHost(launched->pid, launched->control, launched->queue, cfg));
    int control = launched->control;
    // Loading the full official database takes a while; a host that says
    // nothing for 10 minutes is stuck.
    pollfd p{control, POLLIN, 0};
    char status[512];
    ssize_t n = -1;
    if (::poll(&p, 1, 600 * 1000) > 0) n = ::recv(control, status, sizeof(status), 0);
    std::string text = n > 0 ? std::string(status, static_cast<std::size_t>(n)) : "";
    if (text.rfind("ready ", 0) == 0) {
        char* end = nullptr;
        host->signatures_ = static_cast<unsigned>(std::strtoul(text.c_str() + 6, &end, 10));
        host->db_version_ = std::strtoll(end, &end, 10);
        host->db_time_ = std::strtoll(end, &end, 10);
        host->loaded_ = static_cast<long long>(std::time(nullptr));
        if (host->signatures_ == 0) host->problem_ = "no virus signatures loaded";
    } else {
        host->problem_ =
            text.rfind("none ", 0) == 0 ? text.substr(5) : "the scan host failed to start";
    }
    return host;
}

ScanHost::~ScanHost() {
    ::close(queue_);    // idle workers see EOF and exit
    ::close(control_);  // the host sees EOF and exits; PDEATHSIG ends any worker left
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

void ScanHost::killWorker(pid_t worker) const {
    std::string request = "K " + std::to_string(worker);
    std::lock_guard lock(control_mutex_);
    [[maybe_unused]] ssize_t n = ::send(control_, request.data(), request.size(), MSG_NOSIGNAL);
}

ScanResult ScanHost::scan(const scan::ScanRequest& request) const {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return {ScanResult::Kind::error, "pipe failed"};
    // To the worker: "S" with the message and the verdict pipe, or "S <skip>"
    // with the view file as well (scan_worker.h).
    std::vector<int> fds{request.message, pipefd[1]};
    std::string work = "S";
    if (request.view >= 0) {
        fds.push_back(request.view);
        work += " " + std::to_string(request.skip);
    }
    bool sent = scan::sendWithFds(queue_, work, fds) >= 0;
    ::close(pipefd[1]);
    if (!sent) {
        gone_ = true;
        ::close(pipefd[0]);
        return {ScanResult::Kind::error, "the scan host is gone"};
    }
    // The worker ends itself at the timeout (alarm); the host kills it 2 s later
    // if it did not. Its first line is its pid, then comes the verdict.
    auto deadline = Clock::now() + cfg_.timeout + std::chrono::seconds(2);
    std::string text;
    char buf[scan::kMaxWorkerReplyBytes];
    bool timed_out = false;
    scan::WorkerReply reply;
    while (!reply.verdict && text.size() < scan::kMaxWorkerReplyBytes) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p[2] = {{pipefd[0], POLLIN, 0}, {control_, POLLIN, 0}};
        int r = ::poll(p, 2, static_cast<int>(left));
        if (r <= 0) continue;
        if (p[1].revents && !p[0].revents) {
            // The host says nothing after its status: this is its end (EOF).
            gone_ = true;
            break;
        }
        ssize_t n = ::read(pipefd[0], buf, scan::kMaxWorkerReplyBytes - text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        reply = scan::parseWorkerReply(text);
    }
    ::close(pipefd[0]);
    if (timed_out) {
        if (reply.pid > 0) killWorker(reply.pid);
        return {ScanResult::Kind::error, "scan timed out"};
    }
    if (gone_) return {ScanResult::Kind::error, "the scan host is gone"};
    if (!reply.verdict) {
        if (reply.pid > 0 && text.size() >= scan::kMaxWorkerReplyBytes) killWorker(reply.pid);
        return {ScanResult::Kind::error,
                text.empty() || text.back() != '\n'
                    ? "the scan worker ended without a verdict (crashed or killed)"
                    : "the scan worker gave no valid verdict"};
    }
    return *reply.verdict;
}

}  // namespace moat::scand
