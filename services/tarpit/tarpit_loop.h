// moat-tarpit's event loop: one thread, one epoll set, every held client.
// A client is answered as firewall/tarpit_dialogue.h says, each reply one
// byte every tarpit_stutter; while a reply is being sent, nothing is read
// (the kernel's smallest receive buffer fills and the client waits too).
// After the final reply (451 at DATA, 421 at QUIT or once tarpit_hold has
// passed) the connection closes and one line is logged: the address, how
// long it was held, the bytes it sent and why it ended.
//
// A client costs a descriptor, one fixed Conn in a table indexed by the
// descriptor, at most one slot in each of two FIFOs (every client waits the
// same stutter and the same hold, so each FIFO stays in time order) and the
// kernel's smallest socket buffers: nothing grows with what a client sends.
// Beyond tarpit_max clients a new one is closed at once (moat-firewall's
// ruleset drops them in the kernel before that: ct count).
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "config/config.h"
#include "firewall/tarpit_dialogue.h"

namespace moat::tarpit {

class TarpitLoop {
  public:
    TarpitLoop(const config::Firewall& cfg, const std::string& hostname);
    ~TarpitLoop();
    TarpitLoop(const TarpitLoop&) = delete;
    TarpitLoop& operator=(const TarpitLoop&) = delete;

    void run(const volatile std::sig_atomic_t& stop);

  private:
    using Clock = std::chrono::steady_clock;
    enum class State : std::uint8_t { closed, sending, reading };
    struct Conn {
        Clock::time_point since;
        in6_addr peer{};
        std::uint32_t generation =
            0;  // bumped at close: a FIFO slot of an earlier client is skipped
        std::uint32_t bytes_in = 0, bytes_out = 0;
        std::uint16_t offset = 0;  // into the reply being sent
        firewall::TarpitReply reply = firewall::TarpitReply::greeting;
        State state = State::closed;
        bool hold_over = false;  // the final 421 follows the reply being sent
        firewall::TarpitLine line;
    };
    struct Due {
        int fd;
        std::uint32_t generation;
        Clock::time_point at;
    };

    void acceptAll();
    void readLine(int fd, Conn& c);
    void sendByte(int fd, Conn& c, Clock::time_point now);
    void startReply(int fd, Conn& c, firewall::TarpitReply reply);
    void watch(int fd, bool input);
    void close(int fd,
               firewall::TarpitReply last);  // last: the final reply sent, or any other: hung up
    void tick();
    int timeoutMs() const;
    Conn* current(const Due& d);

    const config::Firewall& cfg_;
    firewall::TarpitReplies replies_;
    int listener_ = -1;
    int epoll_ = -1;
    std::vector<Conn> conns_;  // by descriptor
    std::deque<Due> sends_;    // clients with a reply under way, by when their next byte is due
    std::deque<Due> holds_;    // every client, by when its hold time is over
    std::size_t held_ = 0;
    unsigned long long refused_ = 0;  // clients reset because tarpit_max were held
    std::vector<char> scratch_;  // one read buffer for everyone
};

}  // namespace moat::tarpit
