#include "firewall/firewall_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace moat::firewall {

namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string askFirewall(const std::string& path, const std::string& request,
                        std::chrono::milliseconds timeout) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    Fd s{::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    // The send timeout bounds connect() too (a full backlog) on unix sockets.
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        throw std::runtime_error("moat-firewall is not running (" + path + ": " + std::strerror(errno) + ")");
    std::string reply;
    if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        std::string buf(65536, '\0');
        ssize_t n = ::recv(s.fd, buf.data(), buf.size(), 0);
        if (n > 0) reply.assign(buf.data(), static_cast<std::size_t>(n));
    }
    if (reply.empty()) throw std::runtime_error("no answer from moat-firewall");
    return reply;
}

long long parseDuration(std::string_view text) {
    long long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    long long mult = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (text.empty() || ec != std::errc() || mult == 0 || n <= 0)
        throw std::invalid_argument("'" + std::string(text) + "' is not a duration (e.g. 600, 10m, 2h, 7d)");
    return n * mult;
}

}  // namespace moat::firewall
