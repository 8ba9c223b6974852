#include "host_launcher.h"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "raw_log.h"
#include "scan/fd_passing.h"

namespace moat::scand {
namespace {

// Forks like fork(), but the child's parent is our parent (moat-scand), which
// is then told of its end (SIGCHLD) and reaps it. The raw system call skips
// glibc's fork handlers, which a single-threaded process does not need.
pid_t forkAsSibling() {
    return static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr,
                                        nullptr, nullptr));
}

void answer(int sock, const std::string& text, const std::vector<int>& fds) {
    // If moat-scand has gone, the next recv sees EOF and the launcher ends.
    [[maybe_unused]] ssize_t n = scan::sendWithFds(sock, text, fds);
}

// moat-scand's own process name, which hosts and their workers keep.
char daemon_name[16];

// One request: a new host joined to moat-scand by two fresh pairs.
void startHost(int sock, const HostLauncher::HostBody& body) {
    int control[2], queue[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0) {
        answer(sock, "E " + std::to_string(errno), {});
        return;
    }
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, queue) != 0) {
        int err = errno;
        ::close(control[0]);
        ::close(control[1]);
        answer(sock, "E " + std::to_string(err), {});
        return;
    }
    pid_t pid = forkAsSibling();
    if (pid == 0) {
        ::prctl(PR_SET_NAME, daemon_name);
        ::close(sock);
        ::close(control[0]);
        ::close(queue[0]);
        body(control[1], queue[1]);
        ::_exit(1);  // the body never returns; if it did, this host is over
    }
    int err = errno;
    ::close(control[1]);
    ::close(queue[1]);
    if (pid < 0)
        answer(sock, "E " + std::to_string(err), {});
    else
        answer(sock, std::to_string(pid), {control[0], queue[0]});
    // Passed on (or not): the launcher keeps no end, so a host sees EOF as
    // soon as moat-scand lets go of it.
    ::close(control[0]);
    ::close(queue[0]);
}

[[noreturn]] void launcherMain(int sock, const HostLauncher::HostBody& body) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive moat-scand
    ::prctl(PR_GET_NAME, daemon_name);
    ::prctl(PR_SET_NAME, "scand-launcher");  // how ps and the tests tell it from a host
    if (sock > 3) ::close_range(3, static_cast<unsigned>(sock) - 1, 0);
    ::close_range(static_cast<unsigned>(sock) + 1, ~0u, 0);
    for (;;) {
        char request[8];
        ssize_t n = ::recv(sock, request, sizeof(request), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(0);  // moat-scand let go
        if (n == 1 && request[0] == 'H')
            startHost(sock, body);
        else
            rawLog("error", "scand: the scan host launcher got a malformed request");
    }
}

}  // namespace

HostLauncher::HostLauncher(HostBody body) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(pair[0]);
        ::close(pair[1]);
        throw std::runtime_error(std::string("cannot fork the scan host launcher: ") +
                                 std::strerror(err));
    }
    if (pid == 0) {
        ::close(pair[0]);
        launcherMain(pair[1], body);
    }
    ::close(pair[1]);
    pid_ = pid;
    sock_ = pair[0];
}

HostLauncher::~HostLauncher() {
    ::close(sock_);  // the launcher sees EOF and exits
    if (ended_) return;
    for (int i = 0; i < 100; ++i) {
        pid_t r = ::waitpid(pid_, nullptr, WNOHANG);
        if (r == pid_ || (r < 0 && errno == ECHILD)) return;  // ended (or already reaped)
        ::usleep(10'000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

bool HostLauncher::alive() {
    std::lock_guard lock(mutex_);
    if (ended_) return false;
    pid_t r = ::waitpid(pid_, nullptr, WNOHANG);
    ended_ = r == pid_ || (r < 0 && errno == ECHILD);
    return !ended_;
}

std::optional<HostLauncher::Host> HostLauncher::launch(std::string& problem, bool& launcher_gone) {
    std::lock_guard lock(mutex_);
    launcher_gone = false;
    if (scan::sendWithFds(sock_, "H", {}) < 0) {
        launcher_gone = true;
        problem = std::string("the scan host launcher is gone: ") + std::strerror(errno);
        return std::nullopt;
    }
    auto got = scan::receiveWithFds(sock_, 32, 2);
    if (got.bytes <= 0) {
        for (int fd : got.fds) ::close(fd);
        launcher_gone = true;
        problem = "the scan host launcher is gone";
        return std::nullopt;
    }
    if (got.truncated || got.fds.size() != 2 || got.data.empty() || got.data[0] == 'E') {
        for (int fd : got.fds) ::close(fd);
        int err = got.data.rfind("E ", 0) == 0 ? std::atoi(got.data.c_str() + 2) : 0;
        problem = "cannot start a scan host" +
                  (err > 0 ? std::string(": ") + std::strerror(err) : std::string());
        return std::nullopt;
    }
    char* end = nullptr;
    errno = 0;
    long pid = std::strtol(got.data.c_str(), &end, 10);
    if (pid <= 0 || pid > std::numeric_limits<pid_t>::max() || errno != 0 ||
        end != got.data.c_str() + got.data.size()) {
        for (int fd : got.fds) ::close(fd);
        launcher_gone = true;  // a launcher that says this is broken
        problem = "the scan host launcher gave a malformed answer";
        return std::nullopt;
    }
    return Host{static_cast<pid_t>(pid), got.fds[0], got.fds[1]};
}

}  // namespace moat::scand
