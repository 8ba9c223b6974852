// The scan client against a stand-in scanner on a unix socket: the message
// descriptor arrives with the request, a valid verdict is returned as is, and
// every way of not getting one (no scanner, silence, a garbled or overlong
// line, a closed connection) is Kind::error within the timeout.
#include "scan/scan_client.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>

using moat::scan::ScanClient;
using Kind = moat::scan::ScanResult::Kind;

namespace {

// Accepts one connection, reads the request and its descriptor, then runs `answer`.
class FakeScanner {
  public:
    explicit FakeScanner(std::function<void(int conn, const std::string& request, int fd)> answer) {
        char tmpl[] = "/tmp/moat-scan-client-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        path_ = dir_ + "/s.sock";
        listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path_.c_str());
        EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        EXPECT_EQ(::listen(listener_, 4), 0);
        thread_ = std::thread([this, answer] {
            int conn = ::accept(listener_, nullptr, nullptr);
            if (conn < 0) return;
            char data[64];
            iovec iov{data, sizeof(data)};
            alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof(control);
            ssize_t n = ::recvmsg(conn, &msg, 0);
            int fd = -1;
            if (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm && cm->cmsg_type == SCM_RIGHTS)
                std::memcpy(&fd, CMSG_DATA(cm), sizeof(int));
            answer(conn, std::string(data, n > 0 ? static_cast<std::size_t>(n) : 0), fd);
            if (fd >= 0) ::close(fd);
            ::close(conn);
        });
    }
    ~FakeScanner() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }

  private:
    std::string dir_, path_;
    int listener_ = -1;
    std::thread thread_;
};

void say(int conn, const std::string& text) {
    ASSERT_EQ(::write(conn, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

int messageFd(const std::string& content) {
    int fd = ::memfd_create("message", MFD_CLOEXEC);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    return fd;
}

}  // namespace

TEST(ScanClient, PassesTheDescriptorAndReturnsTheVerdict) {
    FakeScanner scanner([](int conn, const std::string& request, int fd) {
        EXPECT_EQ(request, "SCAN\n");
        char buf[32] = {};
        ASSERT_GE(fd, 0);
        ASSERT_GT(::pread(fd, buf, sizeof(buf) - 1, 0), 0);
        say(conn, std::string(buf) == "the message" ? "virus Test.Sig-1\n" : "clean\n");
    });
    int fd = messageFd("the message");
    auto r = ScanClient(scanner.path()).scan(fd, std::chrono::seconds(5));
    ::close(fd);
    EXPECT_EQ(r.kind, Kind::virus);
    EXPECT_EQ(r.detail, "Test.Sig-1");
}

TEST(ScanClient, ReplyInPieces) {
    FakeScanner scanner([](int conn, const std::string&, int) {
        say(conn, "bloc");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        say(conn, "ked attachment a.exe is a blocked file type .exe\n");
    });
    int fd = messageFd("m");
    auto r = ScanClient(scanner.path()).scan(fd, std::chrono::seconds(5));
    ::close(fd);
    EXPECT_EQ(r.kind, Kind::blocked);
    EXPECT_EQ(r.detail, "attachment a.exe is a blocked file type .exe");
}

TEST(ScanClient, EveryFailureIsAnError) {
    const std::function<void(int, const std::string&, int)> answers[] = {
        [](int conn, const std::string&, int) { say(conn, "virus Bad\r\n"); },
        [](int conn, const std::string&, int) { say(conn, "infected X\n"); },
        [](int conn, const std::string&, int) { say(conn, std::string(600, 'x')); },
        [](int conn, const std::string&, int) { say(conn, "clean"); },  // closed before the newline
        [](int, const std::string&, int) {},                            // closed without a word
        [](int, const std::string&, int) {
            std::this_thread::sleep_for(std::chrono::milliseconds(700));
        },
    };
    for (const auto& answer : answers) {
        FakeScanner scanner(answer);
        int fd = messageFd("m");
        auto start = std::chrono::steady_clock::now();
        auto r = ScanClient(scanner.path()).scan(fd, std::chrono::milliseconds(300));
        ::close(fd);
        EXPECT_EQ(r.kind, Kind::error) << r.detail;
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(650));
    }
}

TEST(ScanClient, NoScanner) {
    int fd = messageFd("m");
    auto r = ScanClient("/nonexistent/moat/scand.sock").scan(fd, std::chrono::seconds(1));
    EXPECT_EQ(r.kind, Kind::error);
    EXPECT_EQ(ScanClient("").scan(fd, std::chrono::seconds(1)).kind, Kind::error);
    ::close(fd);
}
