// moat-scand's request reader over a socketpair: exactly "SCAN\n" with one
// regular-file descriptor, or "VIEW <skip>\n" with a second, writable one,
// is accepted; a wrong word, a bad skip, no descriptor, too many descriptors,
// a non-file or read-only view descriptor or silence are refused (and any
// descriptors that came along are closed, not leaked).
#include "scan/scan_request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "scan/fd_passing.h"

using moat::scan::readScanRequest;
using moat::scan::sendWithFds;

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

// The request as moat-smtpd sends it: the text with the descriptors attached.
void sendWith(int sock, const std::string& text, const std::vector<int>& fds) {
    ASSERT_EQ(sendWithFds(sock, text, fds), static_cast<ssize_t>(text.size()));
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
    auto got = readScanRequest(p.server, std::chrono::seconds(1), problem);
    ASSERT_TRUE(got) << problem;
    EXPECT_EQ(got->view, -1);
    char buf[8] = {};
    EXPECT_EQ(::pread(got->message, buf, sizeof(buf), 0), 5);
    EXPECT_STREQ(buf, "hello");
    ::close(got->message);
    ::close(file);
}

TEST(ScanRequest, MessageAndViewFile) {
    Pair p;
    int file = ::memfd_create("m", MFD_CLOEXEC);
    int view = ::memfd_create("v", MFD_CLOEXEC);
    EXPECT_EQ(moat::scan::formatScanRequest(120), "VIEW 120\n");
    EXPECT_EQ(moat::scan::formatScanRequest(std::nullopt), "SCAN\n");
    sendWith(p.client, moat::scan::formatScanRequest(120), {file, view});
    std::string problem;
    auto got = readScanRequest(p.server, std::chrono::seconds(1), problem);
    ASSERT_TRUE(got) << problem;
    EXPECT_EQ(got->skip, 120u);
    ASSERT_GE(got->view, 0);
    EXPECT_EQ(::write(got->view, "v", 1), 1);  // the worker writes the view through it
    char c = 0;
    EXPECT_EQ(::pread(view, &c, 1, 0), 1);
    EXPECT_EQ(c, 'v');
    ::close(got->message);
    ::close(got->view);
    ::close(file);
    ::close(view);
}

TEST(ScanRequest, Refused) {
    int file = ::memfd_create("m", MFD_CLOEXEC);
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    std::string path = "/proc/self/fd/" + std::to_string(file);
    int read_only = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(read_only, 0);
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
        {"view without its file", "VIEW 10\n", {file}},
        {"view with three files", "VIEW 10\n", {file, file, file}},
        {"view file not writable", "VIEW 10\n", {file, read_only}},
        {"view file a pipe", "VIEW 10\n", {file, pipefd[1]}},
        {"view skip too large", "VIEW 65537\n", {file, file}},
        {"view skip signed", "VIEW -1\n", {file, file}},
        {"view skip leading zero", "VIEW 010\n", {file, file}},
        {"view skip empty", "VIEW \n", {file, file}},
        {"view skip not a number", "VIEW 1x\n", {file, file}},
    };
    int before = openFds();
    for (const auto& c : cases) {
        Pair p;
        sendWith(p.client, c.text, c.fds);
        std::string problem;
        EXPECT_FALSE(readScanRequest(p.server, std::chrono::seconds(1), problem)) << c.name;
        EXPECT_FALSE(problem.empty()) << c.name;
    }
    EXPECT_EQ(openFds(), before);  // what came along was closed
    ::close(file);
    ::close(read_only);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(ScanRequest, Silence) {
    Pair p;
    std::string problem;
    EXPECT_FALSE(readScanRequest(p.server, std::chrono::milliseconds(100), problem));
    EXPECT_EQ(problem, "no request in time");
}
