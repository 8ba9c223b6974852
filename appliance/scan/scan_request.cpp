#include "scan/scan_request.h"

#include "scan/fd_passing.h"

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
    auto got = receiveWithFds(conn, 16, 4, MSG_DONTWAIT);
    auto& fds = got.fds;
    auto refuse = [&](const char* why) {
        for (int fd : fds) ::close(fd);
        problem = why;
        return -1;
    };
    if (got.bytes < 0) return refuse("cannot read the request");
    if (got.truncated) return refuse("request truncated");
    if (got.data != "SCAN\n")
        return refuse("malformed request");
    if (fds.size() != 1) return refuse("request without exactly one file descriptor");
    struct stat st {};
    if (::fstat(fds[0], &st) != 0 || !S_ISREG(st.st_mode))
        return refuse("descriptor is not a regular file");
    return fds[0];
}

}  // namespace moat::scan
