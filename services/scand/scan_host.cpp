#include "scan_host.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "scan/fd_passing.h"
#include "scan_process.h"
#include "signature_engine.h"

namespace moat::scand {
namespace {

using scan::ScanResult;
using Clock = std::chrono::steady_clock;

// The host process: load, report, then one forked scan per request.
[[noreturn]] void hostMain(int sock, const config::Scan& cfg, const scan::AttachmentRules& rules) {
    ::close_range(3, static_cast<unsigned>(sock) - 1, 0);
    ::close_range(static_cast<unsigned>(sock) + 1, ~0u, 0);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGCHLD, SIG_IGN);  // scan processes are reaped by the kernel

    std::string problem;
    auto engine = SignatureEngine::build(cfg, {cfg.signatures, cfg.local_signatures}, problem);
    std::string status =
        engine ? "ready " + std::to_string(engine->signatures()) + " " + std::to_string(engine->dbVersion()) +
                     " " + std::to_string(engine->dbTime())
               : "none " + problem;
    if (::send(sock, status.data(), status.size(), MSG_NOSIGNAL) < 0) ::_exit(1);

    for (;;) {
        auto got = scan::receiveWithFds(sock, 8, 4);
        if (got.bytes <= 0) ::_exit(0);  // moat-scand let go of this host
        auto& fds = got.fds;
        if (fds.size() == 2 && ::fork() == 0) {
            ::close(sock);
            runScan(fds[0], fds[1], engine.get(), cfg, rules);
        }
        for (int fd : fds) ::close(fd);
    }
}

}  // namespace

std::shared_ptr<ScanHost> ScanHost::start(const config::Scan& cfg,
                                          const scan::AttachmentRules& rules) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(sv[0]);
        ::close(sv[1]);
        return nullptr;
    }
    if (pid == 0) {
        ::close(sv[0]);
        hostMain(sv[1], cfg, rules);
    }
    ::close(sv[1]);
    std::shared_ptr<ScanHost> host(new ScanHost(pid, sv[0], cfg));
    // Loading the full official database takes a while; a host that says
    // nothing for 10 minutes is stuck.
    pollfd p{sv[0], POLLIN, 0};
    char status[512];
    ssize_t n = -1;
    if (::poll(&p, 1, 600 * 1000) > 0) n = ::recv(sv[0], status, sizeof(status), 0);
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
    ::close(control_);  // the host sees EOF and exits; its running scans go on
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

ScanResult ScanHost::scan(int message_fd) const {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return {ScanResult::Kind::error, "pipe failed"};
    bool sent;
    {
        std::lock_guard lock(send_mutex_);
        sent = scan::sendWithFds(control_, "S", {message_fd, pipefd[1]}) >= 0;
    }
    ::close(pipefd[1]);
    if (!sent) {
        gone_ = true;
        ::close(pipefd[0]);
        return {ScanResult::Kind::error, "the scan host is gone"};
    }
    // The scan process ends itself at the timeout; the margin covers a host slow to fork.
    auto deadline = Clock::now() + cfg_.timeout + std::chrono::seconds(2);
    std::string line;
    char buf[scan::kMaxReplyBytes];
    bool timed_out = false;
    while (line.size() < scan::kMaxReplyBytes && (line.empty() || line.back() != '\n')) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{pipefd[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left));
        if (r <= 0) continue;
        ssize_t n = ::read(pipefd[0], buf, scan::kMaxReplyBytes - line.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipefd[0]);
    if (timed_out) return {ScanResult::Kind::error, "scan timed out"};
    if (line.empty())
        return {ScanResult::Kind::error,
                "the scan process ended without a verdict (crashed or timed out)"};
    auto parsed = scan::parseScanReply(line);
    if (!parsed) return {ScanResult::Kind::error, "the scan process gave no valid verdict"};
    return *parsed;
}

}  // namespace moat::scand
