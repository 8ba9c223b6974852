#include "scan/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace moat::scan {

ReceivedFds receiveWithFds(int sock, std::size_t max_data, std::size_t max_fds, int flags) {
    ReceivedFds out;
    std::string data(max_data, '\0');
    iovec iov{data.data(), data.size()};
    std::vector<char> control(CMSG_SPACE(max_fds * sizeof(int)));
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    while ((out.bytes = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags)) < 0 && errno == EINTR) {
    }
    if (out.bytes < 0) return out;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            out.fds.push_back(fd);
        }
    }
    out.truncated = (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0;
    data.resize(static_cast<std::size_t>(out.bytes));
    out.data = std::move(data);
    return out;
}

ssize_t sendWithFds(int sock, std::string_view data, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (!fds.empty()) {  // none: a plain datagram, no empty SCM_RIGHTS
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n;
    while ((n = ::sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    return n;
}

}  // namespace moat::scan
