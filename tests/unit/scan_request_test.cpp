// moat-scand's request reader over a socketpair: exactly "SCAN\n" with one
// regular-file descriptor is accepted; a wrong word, no descriptor, several
// descriptors, a non-file descriptor or silence are refused (and any
// descriptors that came along are closed, not leaked).
#include "scan/scan_request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

using moat::scan::readScanRequest;

namespace {

struct Pair {
    int client = -1, server = -1;
    Pair() {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        client = sv[0];
        server = sv[1];
    }
    ~Pair() {
        ::close(client);
        ::close(server);
    }
};

void sendWith(int sock, const std::string& text, const std::vector<int>& fds) {
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * fds.size());
    }
    ASSERT_EQ(::sendmsg(sock, &msg, 0), static_cast<ssize_t>(text.size()));
}

int openFds() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd)
        if (::fcntl(fd, F_GETFD) != -1) ++n;
    return n;
}

}  // namespace

TEST(ScanRequest, OneRegularFile) {
    Pair p;
    int file = ::memfd_create("m", MFD_CLOEXEC);
    ASSERT_EQ(::write(file, "hello", 5), 5);
    sendWith(p.client, "SCAN\n", {file});
    std::string problem;
    int got = readScanRequest(p.server, std::chrono::seconds(1), problem);
    ASSERT_GE(got, 0) << problem;
    char buf[8] = {};
    EXPECT_EQ(::pread(got, buf, sizeof(buf), 0), 5);
    EXPECT_STREQ(buf, "hello");
    ::close(got);
    ::close(file);
}

TEST(ScanRequest, Refused) {
    int file = ::memfd_create("m", MFD_CLOEXEC);
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    struct Case {
        const char* name;
        std::string text;
        std::vector<int> fds;
    } cases[] = {
        {"wrong word", "SCAM\n", {file}},
        {"extra bytes", "SCAN\nSCAN\n", {file}},
        {"no newline", "SCAN", {file}},
        {"no descriptor", "SCAN\n", {}},
        {"two descriptors", "SCAN\n", {file, file}},
        {"not a file", "SCAN\n", {pipefd[0]}},
    };
    int before = openFds();
    for (const auto& c : cases) {
        Pair p;
        sendWith(p.client, c.text, c.fds);
        std::string problem;
        EXPECT_EQ(readScanRequest(p.server, std::chrono::seconds(1), problem), -1) << c.name;
        EXPECT_FALSE(problem.empty()) << c.name;
    }
    EXPECT_EQ(openFds(), before);  // what came along was closed
    ::close(file);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(ScanRequest, Silence) {
    Pair p;
    std::string problem;
    EXPECT_EQ(readScanRequest(p.server, std::chrono::milliseconds(100), problem), -1);
    EXPECT_EQ(problem, "no request in time");
}
