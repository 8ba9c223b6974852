// scan/fd_passing: descriptors and bytes arrive together over a
// SOCK_SEQPACKET pair; a datagram without descriptors carries no empty
// SCM_RIGHTS (the scan host launcher's requests are such datagrams).
#include "scan/fd_passing.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moat::scan {
namespace {

struct Pair {
    int a = -1, b = -1;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
        a = fds[0];
        b = fds[1];
    }
    ~Pair() {
        ::close(a);
        ::close(b);
    }
};

ino_t inodeOf(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st.st_ino;
}

TEST(FdPassing, BytesWithoutDescriptors) {
    Pair pair;
    ASSERT_EQ(sendWithFds(pair.a, "H", {}), 1);
    auto got = receiveWithFds(pair.b, 32, 2);
    EXPECT_EQ(got.bytes, 1);
    EXPECT_EQ(got.data, "H");
    EXPECT_TRUE(got.fds.empty());
    EXPECT_FALSE(got.truncated);
}

TEST(FdPassing, DescriptorsArriveAsTheSameOpenFiles) {
    Pair pair;
    int pipefd[2];
    ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
    ASSERT_EQ(sendWithFds(pair.a, "1234", {pipefd[0], pipefd[1]}), 4);
    auto got = receiveWithFds(pair.b, 32, 2);
    EXPECT_EQ(got.data, "1234");
    ASSERT_EQ(got.fds.size(), 2u);
    EXPECT_EQ(inodeOf(got.fds[0]), inodeOf(pipefd[0]));
    EXPECT_EQ(inodeOf(got.fds[1]), inodeOf(pipefd[1]));
    for (int fd : got.fds) ::close(fd);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(FdPassing, MoreDescriptorsThanAskedForIsTruncated) {
    Pair pair;
    int pipefd[2];
    ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
    // Three where one was asked for (the control buffer is padded to 8 bytes,
    // so two would still fit).
    ASSERT_GE(sendWithFds(pair.a, "x", {pipefd[0], pipefd[1], pipefd[0]}), 0);
    auto got = receiveWithFds(pair.b, 32, 1);
    EXPECT_TRUE(got.truncated);
    for (int fd : got.fds) ::close(fd);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(FdPassing, AClosedPeerReadsAsZero) {
    Pair pair;
    ::close(pair.a);
    pair.a = -1;
    auto got = receiveWithFds(pair.b, 32, 2);
    EXPECT_EQ(got.bytes, 0);
    EXPECT_TRUE(got.fds.empty());
}

}  // namespace
}  // namespace moat::scan
