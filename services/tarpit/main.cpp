// moat-tarpit: holds the SMTP clients moat-firewall put in its tarpit set
// (their connections to port 25 are redirected to [firewall] tarpit_port).
// Each client gets a greeting that never ends — a "220-" continuation line
// every tarpit_interval seconds, so a bot waits for the final "220 " that
// never comes — until tarpit_hold has passed; what it sends is never read.
// One thread and one epoll set: a held client costs a descriptor, a slot in
// a FIFO of due times and the kernel's minimal socket buffers, so ten
// thousand bots cost a few MiB (bench/tarpit_memory.py). Beyond
// tarpit_max clients the oldest is let go. No store, no privileges.
// Usage: moat-tarpit [--config FILE]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <vector>

#include "config/config.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

namespace {

using Clock = std::chrono::steady_clock;

struct Held {
    int fd;
    unsigned generation;  // the fd's generation when queued: a closed and reused fd is skipped
    Clock::time_point due;
    Clock::time_point until;
};

class Tarpit {
  public:
    Tarpit(const config::Firewall& cfg) : cfg_(cfg) {
        listener_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (listener_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        int off = 0, on = 1;
        ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_any;
        a.sin6_port = htons(cfg.tarpit_port);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_, 4096) != 0)
            throw std::runtime_error("cannot listen on port " + std::to_string(cfg.tarpit_port) + ": " +
                                     std::strerror(errno));
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listener_;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev);
    }

    void run(const volatile std::sig_atomic_t& stop) {
        std::vector<epoll_event> events(256);
        while (!stop) {
            int timeout = 1000;
            if (!queue_.empty()) {
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(queue_.front().due - Clock::now());
                timeout = static_cast<int>(std::clamp<long long>(wait.count(), 0, 1000));
            }
            int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
            for (int i = 0; i < n; ++i) {
                if (events[i].data.fd == listener_)
                    acceptAll();
                else
                    release(events[i].data.fd);  // the client hung up (EPOLLRDHUP) or failed
            }
            tick();
        }
    }

  private:
    void acceptAll() {
        for (;;) {
            int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            if (held_ >= cfg_.tarpit_max) evictOldest();
            // The smallest buffers the kernel allows: the client's bytes are never read.
            int small = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
            ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
            epoll_event ev{};
            ev.events = EPOLLRDHUP;
            ev.data.fd = fd;
            ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
            if (static_cast<std::size_t>(fd) >= generation_.size()) generation_.resize(static_cast<std::size_t>(fd) + 1024, 0);
            alive_.resize(generation_.size(), false);
            alive_[static_cast<std::size_t>(fd)] = true;
            ++held_;
            auto now = Clock::now();
            queue_.push_back({fd, generation_[static_cast<std::size_t>(fd)], now, now + cfg_.tarpit_hold});
            ++accepted_;
            if (accepted_ % 1000 == 0)
                log::info("tarpit: " + std::to_string(accepted_) + " clients taken, " + std::to_string(held_) + " held");
        }
    }

    void release(int fd) {
        auto i = static_cast<std::size_t>(fd);
        if (i >= alive_.size() || !alive_[i]) return;
        alive_[i] = false;
        ++generation_[i];
        --held_;
        ::close(fd);  // also leaves the epoll set
    }

    void evictOldest() {
        while (!queue_.empty()) {
            auto h = queue_.front();
            queue_.pop_front();
            if (current(h)) {
                release(h.fd);
                return;
            }
        }
    }

    bool current(const Held& h) const {
        auto i = static_cast<std::size_t>(h.fd);
        return i < alive_.size() && alive_[i] && generation_[i] == h.generation;
    }

    // Every interval: one more continuation line of a greeting that never ends.
    void tick() {
        auto now = Clock::now();
        while (!queue_.empty() && queue_.front().due <= now) {
            auto h = queue_.front();
            queue_.pop_front();
            if (!current(h)) continue;
            if (now >= h.until) {
                release(h.fd);
                continue;
            }
            static const char line[] = "220-please wait\r\n";
            ssize_t sent = ::send(h.fd, line, sizeof line - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                release(h.fd);
                continue;
            }
            h.due = now + cfg_.tarpit_interval;
            queue_.push_back(h);
        }
    }

    const config::Firewall& cfg_;
    int listener_ = -1;
    int epoll_ = -1;
    std::deque<Held> queue_;  // by due time: every client waits the same interval
    std::vector<unsigned> generation_;
    std::vector<bool> alive_;
    std::size_t held_ = 0;
    unsigned long long accepted_ = 0;
};

volatile std::sig_atomic_t g_stop = 0;

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));
    if (cfg.firewall.tarpit_port == 0) throw std::runtime_error("[firewall] tarpit_port is 0: no tarpit configured");
    // One descriptor per held client.
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    Tarpit tarpit(cfg.firewall);
    log::info("tarpit: holding clients on port " + std::to_string(cfg.firewall.tarpit_port) + " (a line every " +
              std::to_string(cfg.firewall.tarpit_interval.count()) + " s, at most " +
              std::to_string(cfg.firewall.tarpit_max) + " clients)");
    tarpit.run(g_stop);
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return util::daemonMain(argc, argv, "moat-tarpit", run); }
