// services/scand/host_launcher: every scan host is forked by a process that
// never had a second thread, so a lock another thread of the daemon holds at
// that moment is never copied held into the host (the hang CI saw under
// AddressSanitizer); the host is the daemon's own child; a lost launcher is
// reported as such.
#include "host_launcher.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>

namespace moat::scand {
namespace {

std::mutex held_elsewhere;  // a lock one of the daemon's threads holds when a host starts

// What the host says on its control socket within a few seconds ("" if nothing).
std::string firstWords(int control) {
    pollfd p{control, POLLIN, 0};
    if (::poll(&p, 1, 10'000) <= 0) return "";
    char buf[64];
    ssize_t n = ::recv(control, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

TEST(HostLauncher, AHostNeverStartsWithALockAnotherThreadHolds) {
    HostLauncher launcher([](int control, int) {
        std::lock_guard lock(held_elsewhere);  // a copy made while it was held would wait forever
        [[maybe_unused]] ssize_t n = ::send(control, "ready", 5, MSG_NOSIGNAL);
        ::_exit(0);
    });
    std::atomic<bool> holding{false}, release{false};
    std::thread holder([&] {
        std::lock_guard lock(held_elsewhere);
        holding = true;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    while (!holding) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    std::string problem;
    bool gone = true;
    auto host = launcher.launch(problem, gone);
    ASSERT_TRUE(host) << problem;
    EXPECT_FALSE(gone);
    EXPECT_EQ(firstWords(host->control), "ready");
    release = true;
    holder.join();
    // The host is this process' child (CLONE_PARENT), not the launcher's.
    int status = 0;
    EXPECT_EQ(::waitpid(host->pid, &status, 0), host->pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ::close(host->control);
    ::close(host->queue);
}

TEST(HostLauncher, EachHostGetsItsOwnPairs) {
    HostLauncher launcher([](int control, int queue) {
        char buf[16];
        ssize_t n = ::recv(queue, buf, sizeof buf, 0);  // echo the queue's first datagram
        ::_exit(n > 0 && ::send(control, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) == n ? 0 : 1);
    });
    std::string problem;
    bool gone = false;
    auto a = launcher.launch(problem, gone);
    auto b = launcher.launch(problem, gone);
    ASSERT_TRUE(a && b) << problem;
    EXPECT_NE(a->pid, b->pid);
    ASSERT_EQ(::send(b->queue, "to-b", 4, MSG_NOSIGNAL), 4);
    ASSERT_EQ(::send(a->queue, "to-a", 4, MSG_NOSIGNAL), 4);
    EXPECT_EQ(firstWords(a->control), "to-a");
    EXPECT_EQ(firstWords(b->control), "to-b");
    for (const auto& h : {*a, *b}) {
        EXPECT_EQ(::waitpid(h.pid, nullptr, 0), h.pid);
        ::close(h.control);
        ::close(h.queue);
    }
}

TEST(HostLauncher, ALostLauncherIsReportedAsGone) {
    HostLauncher launcher([](int, int) { ::_exit(0); });
    EXPECT_TRUE(launcher.alive());
    ASSERT_EQ(::kill(launcher.pid(), SIGKILL), 0);
    for (int i = 0; i < 500 && launcher.alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(launcher.alive());
    std::string problem;
    bool gone = false;
    EXPECT_FALSE(launcher.launch(problem, gone));
    EXPECT_TRUE(gone);
    EXPECT_NE(problem.find("launcher is gone"), std::string::npos) << problem;
}

}  // namespace
}  // namespace moat::scand
