#include "report_socket.h"

#include "firewall/report.h"
#include "util/log.h"

#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moat::firewall {
namespace {

sockaddr_un addressOf(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

void setTimeouts(int fd, int seconds) {
    timeval tv{seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

ReportSocket::ReportSocket(const std::string& path, std::map<uid_t, std::string> allowed, Answer answer)
    : path_(path), allowed_(std::move(allowed)), answer_(std::move(answer)) {
    fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    ::unlink(path_.c_str());
    auto a = addressOf(path_);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0)
        throw std::runtime_error("cannot listen on " + path_ + ": " + std::strerror(errno));
    // Reachable by the moat group's daemons; who may act is decided per peer below.
    ::chmod(path_.c_str(), 0660);
}

ReportSocket::~ReportSocket() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
}

bool ReportSocket::serveOne(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return true;
    setTimeouts(conn, 2);
    // The request is read first, whoever sent it (bounded, with a deadline),
    // so a refused peer gets the refusal rather than a broken pipe.
    char buf[kMaxMessage + 1];
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    ucred cred{};
    socklen_t len = sizeof cred;
    std::string reply;
    if (::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || (cred.uid != 0 && !allowed_.count(cred.uid))) {
        log::warning("firewall: refused a report from uid " + std::to_string(cred.uid) + " (pid " +
                     std::to_string(cred.pid) + ")");
        reply = "refused: not allowed to report";
    } else if (n <= 0) {
        reply = "error: no request";
    } else {
        reply = answer_(std::string(buf, static_cast<std::size_t>(n)), cred.uid == 0 ? "root" : allowed_.at(cred.uid));
    }
    [[maybe_unused]] ssize_t sent = ::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(conn);
    return true;
}

}  // namespace moat::firewall
