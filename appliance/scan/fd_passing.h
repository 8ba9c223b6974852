// Passing open file descriptors over a unix socket (SCM_RIGHTS): how a message
// reaches moat-scand (the SMTP side sends the spool file's descriptor; the
// scanner opens nothing itself) and how moat-scand hands work to its scan host.
// One datagram or stream chunk of a few bytes carries the descriptors.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace moat::scan {

struct ReceivedFds {
    ssize_t bytes = -1;     // what recvmsg returned (-1: error, errno kept; 0: peer closed)
    std::string data;       // the bytes that came with the descriptors
    std::vector<int> fds;   // received descriptors (close-on-exec); the caller owns them
    bool truncated = false; // data or descriptors did not fit: treat as malformed
};

// One recvmsg (retried on EINTR) of up to max_data bytes and up to max_fds
// descriptors. flags: extra recvmsg flags such as MSG_DONTWAIT.
ReceivedFds receiveWithFds(int sock, std::size_t max_data, std::size_t max_fds, int flags = 0);

// One sendmsg of `data` with `fds` attached (none: a plain datagram; retried
// on EINTR, MSG_NOSIGNAL).
// Returns what sendmsg returned: the bytes sent, or -1 with errno kept.
ssize_t sendWithFds(int sock, std::string_view data, const std::vector<int>& fds);

}  // namespace moat::scan
