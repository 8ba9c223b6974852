#include "tarpit_loop.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/log.h"

namespace moat::tarpit {
namespace {

using firewall::TarpitReply;

std::string addressText(const in6_addr& a) {
    char text[INET6_ADDRSTRLEN] = {};
    if (IN6_IS_ADDR_V4MAPPED(&a))
        ::inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text);
    else
        ::inet_ntop(AF_INET6, &a, text, sizeof text);
    return text;
}

const char* endText(TarpitReply r) {
    switch (r) {
        case TarpitReply::data:
            return "451 at DATA";
        case TarpitReply::quit:
            return "421 at QUIT";
        case TarpitReply::hold_over:
            return "421, hold time over";
        default:
            return "hung up";
    }
}

std::uint32_t plus(std::uint32_t a, std::size_t b) {
    return static_cast<std::uint32_t>(std::min<std::size_t>(a + b, UINT32_MAX));
}

}  // namespace

TarpitLoop::TarpitLoop(const config::Firewall& cfg, const std::string& hostname)
    : cfg_(cfg), replies_(hostname), scratch_(firewall::kMaxTarpitLine + 1) {
    listener_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int off = 0, on = 1;
    ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(cfg.tarpit_port);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 4096) != 0)
        throw std::runtime_error("cannot listen on port " + std::to_string(cfg.tarpit_port) + ": " +
                                 std::strerror(errno));
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev);
}

TarpitLoop::~TarpitLoop() {
    for (std::size_t fd = 0; fd < conns_.size(); ++fd)
        if (conns_[fd].state != State::closed) ::close(static_cast<int>(fd));
    if (epoll_ >= 0) ::close(epoll_);
    if (listener_ >= 0) ::close(listener_);
}

void TarpitLoop::run(const volatile std::sig_atomic_t& stop) {
    std::vector<epoll_event> events(256);
    while (!stop) {
        int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeoutMs());
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == listener_) {
                acceptAll();
                continue;
            }
            Conn& c = conns_[static_cast<std::size_t>(fd)];
            if (c.state == State::closed) continue;
            if (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                close(fd, TarpitReply::ok);  // the client went: "hung up"
            else if ((events[i].events & EPOLLIN) && c.state == State::reading)
                readLine(fd, c);
        }
        tick();
    }
}

void TarpitLoop::acceptAll() {
    for (;;) {
        sockaddr_in6 peer{};
        socklen_t length = sizeof peer;
        int fd = ::accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (held_ >= cfg_.tarpit_max) {
            linger reset{1, 0};  // a reset, no FIN_WAIT: the kernel forgets it at once
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            ::close(fd);
            if (++refused_ % 1000 == 1)
                log::warning("tarpit: full (" + std::to_string(held_) +
                             " clients): " + std::to_string(refused_) + " refused so far");
            continue;
        }
        // The smallest buffers the kernel allows: a client's bytes wait in it, not here.
        int small = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        auto index = static_cast<std::size_t>(fd);
        if (index >= conns_.size()) conns_.resize(index + 1024);
        Conn& c = conns_[index];
        std::uint32_t generation = c.generation;
        c = Conn{};
        c.generation = generation;
        c.since = Clock::now();
        c.peer = peer.sin6_addr;
        epoll_event ev{};
        ev.events = EPOLLRDHUP;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
        ++held_;
        holds_.push_back({fd, generation, c.since + cfg_.tarpit_hold});
        startReply(fd, c, TarpitReply::greeting);
    }
}

// Every byte, the first one too, waits one stutter: every slot is queued at
// now + stutter, so sends_ stays in time order.
void TarpitLoop::startReply(int fd, Conn& c, TarpitReply reply) {
    c.reply = reply;
    c.offset = 0;
    c.state = State::sending;
    sends_.push_back({fd, c.generation, Clock::now() + cfg_.tarpit_stutter});
}

void TarpitLoop::watch(int fd, bool input) {
    epoll_event ev{};
    ev.events = EPOLLRDHUP | (input ? EPOLLIN : 0u);
    ev.data.fd = fd;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
}

// One line at most: peeked, then exactly its bytes taken; the rest stays in the kernel.
void TarpitLoop::readLine(int fd, Conn& c) {
    ssize_t n = ::recv(fd, scratch_.data(), scratch_.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(fd, TarpitReply::ok);
        return;
    }
    if (n < 0) return;
    std::size_t take = c.line.feed({scratch_.data(), static_cast<std::size_t>(n)});
    if (::recv(fd, scratch_.data(), take, MSG_DONTWAIT) < 0) {
        close(fd, TarpitReply::ok);
        return;
    }
    c.bytes_in = plus(c.bytes_in, take);
    if (!c.line.complete()) return;
    startReply(fd, c, c.line.answer());
    watch(fd, false);
}

void TarpitLoop::sendByte(int fd, Conn& c, Clock::time_point now) {
    const std::string& text = replies_.text(c.reply);
    ssize_t sent = ::send(fd, text.data() + c.offset, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        close(fd, TarpitReply::ok);
        return;
    }
    if (sent == 1) {
        ++c.offset;
        c.bytes_out = plus(c.bytes_out, 1);
    }
    if (c.offset < text.size()) {
        sends_.push_back({fd, c.generation, now + cfg_.tarpit_stutter});
    } else if (firewall::isFinal(c.reply)) {
        close(fd, c.reply);
    } else if (c.hold_over) {
        startReply(fd, c, TarpitReply::hold_over);
    } else {
        c.state = State::reading;
        watch(fd, true);
    }
}

void TarpitLoop::close(int fd, TarpitReply last) {
    Conn& c = conns_[static_cast<std::size_t>(fd)];
    auto held = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - c.since).count();
    log::info("tarpit: " + addressText(c.peer) + " held " + std::to_string(held) + " s, sent " +
              std::to_string(c.bytes_in) + " bytes, got " + std::to_string(c.bytes_out) + " (" +
              (firewall::isFinal(last) ? endText(last) : "hung up") + ")");
    ::close(fd);  // also leaves the epoll set
    c.state = State::closed;
    ++c.generation;
    --held_;
}

TarpitLoop::Conn* TarpitLoop::current(const Due& d) {
    auto index = static_cast<std::size_t>(d.fd);
    if (index >= conns_.size()) return nullptr;
    Conn& c = conns_[index];
    return c.state != State::closed && c.generation == d.generation ? &c : nullptr;
}

void TarpitLoop::tick() {
    auto now = Clock::now();
    while (!sends_.empty() && sends_.front().at <= now) {
        Due d = sends_.front();
        sends_.pop_front();
        if (Conn* c = current(d); c && c->state == State::sending) sendByte(d.fd, *c, now);
    }
    while (!holds_.empty() && holds_.front().at <= now) {
        Due d = holds_.front();
        holds_.pop_front();
        Conn* c = current(d);
        if (!c) continue;
        if (c->state == State::reading) {
            startReply(d.fd, *c, TarpitReply::hold_over);
            watch(d.fd, false);
        } else if (!firewall::isFinal(c->reply)) {
            c->hold_over = true;
        }
    }
}

int TarpitLoop::timeoutMs() const {
    auto next = Clock::now() + std::chrono::seconds(1);
    if (!sends_.empty()) next = std::min(next, sends_.front().at);
    if (!holds_.empty()) next = std::min(next, holds_.front().at);
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(wait, 0, 1000));
}

}  // namespace moat::tarpit
