#include "scan/scan_request.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace moat::scan {

int readScanRequest(int conn, std::chrono::milliseconds timeout, std::string& problem) {
    pollfd p{conn, POLLIN, 0};
    int r;
    while ((r = ::poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (r <= 0) {
        problem = "no request in time";
        return -1;
    }
    char data[16];
    iovec iov{data, sizeof(data)};
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    while ((n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 && errno == EINTR) {
    }
    std::vector<int> fds;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); n >= 0 && cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            fds.push_back(fd);
        }
    }
    auto refuse = [&](const char* why) {
        for (int fd : fds) ::close(fd);
        problem = why;
        return -1;
    };
    if (n < 0) return refuse("cannot read the request");
    if ((msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0) return refuse("request truncated");
    if (std::string_view(data, static_cast<std::size_t>(n)) != "SCAN\n")
        return refuse("malformed request");
    if (fds.size() != 1) return refuse("request without exactly one file descriptor");
    struct stat st {};
    if (::fstat(fds[0], &st) != 0 || !S_ISREG(st.st_mode))
        return refuse("descriptor is not a regular file");
    return fds[0];
}

}  // namespace moat::scan
