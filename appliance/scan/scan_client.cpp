#include "scan/scan_client.h"

#include "scan/fd_passing.h"
#include "scan/scan_request.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace moat::scan {
namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

ScanResult failure(std::string reason) {
    return {ScanResult::Kind::error, std::move(reason)};
}

int remainingMs(Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

ScanResult ScanClient::scan(int fd, std::chrono::milliseconds timeout, std::optional<ViewFile> view) const {
    auto deadline = Clock::now() + timeout;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path_.empty() || socket_path_.size() >= sizeof(addr.sun_path))
        return failure("bad scanner socket path");
    std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());

    Fd sock{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (sock.fd < 0) return failure(std::string("socket: ") + std::strerror(errno));
    // A unix socket connects at once or, while the listener's backlog is
    // full, fails with EAGAIN: try again until the deadline.
    while (::connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return failure(std::string("connect: ") + std::strerror(errno));
        if (remainingMs(deadline) == 0) return failure("connect: the scanner is overloaded");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    // The request: "SCAN\n" with the message's descriptor attached, or
    // "VIEW <skip>\n" with the view file's descriptor as well.
    const std::string request = formatScanRequest(view ? std::optional(view->skip) : std::nullopt);
    std::vector<int> fds{fd};
    if (view) fds.push_back(view->fd);
    for (;;) {
        ssize_t n = sendWithFds(sock.fd, request, fds);
        if (n == static_cast<ssize_t>(request.size())) break;
        if (n < 0 && errno == EAGAIN) {
            pollfd p{sock.fd, POLLOUT, 0};
            if (::poll(&p, 1, remainingMs(deadline)) <= 0) return failure("send: timeout");
            continue;
        }
        return failure(n < 0 ? std::string("send: ") + std::strerror(errno) : "send: short write");
    }

    std::string line;
    char buf[kMaxReplyBytes];
    while (line.empty() || line.back() != '\n') {
        pollfd p{sock.fd, POLLIN, 0};
        int left = remainingMs(deadline);
        int r = left > 0 ? ::poll(&p, 1, left) : 0;
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return failure("timeout waiting for the scanner");
        ssize_t n = ::read(sock.fd, buf, kMaxReplyBytes - line.size());
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return failure("the scanner closed the connection without a verdict");
        line.append(buf, static_cast<std::size_t>(n));
        if (line.size() >= kMaxReplyBytes && line.back() != '\n')
            return failure("scanner reply too long");
    }
    auto parsed = parseScanReply(line);
    if (!parsed) return failure("malformed scanner reply");
    return *parsed;
}

}  // namespace moat::scan
